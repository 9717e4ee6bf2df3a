import { type BaselineConfig } from './schema';
import { erasureBound, longestRetentionDays } from './sections/backup';

/** The parties and bounds a configuration declares, as the rules need them (`declaredParties(config)`). */
export interface DeclaredParties {
  /** The account the baseline deploys to (`environment.account`). */
  readonly account: string;
  /** The processors' accounts (`subcontractors[].accountId`). */
  readonly processorAccounts: readonly string[];
  /** The backup account (`backup.copyTarget.account`), if backups are copied to one. */
  readonly backupAccount?: string;
  /**
   * The longest a recovery point may be kept, in days: the longest category
   * retention, and never longer than the erasure journal. A backup kept longer
   * would bring erased contacts back.
   */
  readonly erasureBoundDays: number;
  /**
   * The VPC's IPv4 range (`network.vpcCidr`). In an existing VPC
   * (`landingZone.network`) the template holds no `AWS::EC2::VPC` to read it
   * from, and a VPN rule to the whole VPC must still be recognised.
   */
  readonly vpcCidr?: string;
}

/** What the rule packs must know of a configuration besides its regions (`GdprChecksProps.declared`). */
export function declaredParties(config: BaselineConfig): DeclaredParties {
  return {
    account: config.environment.account,
    processorAccounts: [...new Set(config.subcontractors.map((s) => s.accountId))],
    ...(config.backup.copyTarget ? { backupAccount: config.backup.copyTarget.account } : {}),
    erasureBoundDays: erasureBound(longestRetentionDays(config.categories)),
    vpcCidr: config.network.vpcCidr,
  };
}
