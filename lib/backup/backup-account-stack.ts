import { Duration, Stack, StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { BaselineConfig } from '../config/schema';
import { copyVaultName } from './copy-vault';
import { LockedBackupVault } from './locked-vault';

export interface BackupAccountStackProps extends StackProps {
  /** A validated configuration with `backup.copyTarget` (the backup account). */
  readonly config: BaselineConfig;
  /** Name of the production stack whose recovery points this account receives; it names the vault. */
  readonly productionStackName: string;
}

/**
 * The backup account: one vault that receives a copy of every recovery point
 * of the production account and nothing else. Its own customer-managed key
 * (in this account, out of the production account's reach), a compliance-mode
 * lock with the configured retention bounds, and an access policy that
 * accepts copies from the production account only and denies every principal
 * the deletion of a recovery point. Production credentials can neither read,
 * restore, delete nor re-key these copies.
 *
 * Prerequisites (AWS Organizations): both accounts in the same organization,
 * cross-account backup turned on in the management account.
 */
export class BackupAccountStack extends Stack {
  public readonly copyVault: LockedBackupVault;
  /** Name of the production stack whose recovery points this account receives. */
  public readonly productionStackName: string;

  constructor(scope: Construct, id: string, props: BackupAccountStackProps) {
    const { config } = props;
    const target = config.backup.copyTarget;
    if (!target) {
      throw new Error(`BackupAccountStack ${id}: the configuration has no backup.copyTarget (the backup account); without one, copies go to a logically air-gapped vault of the production account`);
    }
    super(scope, id, {
      terminationProtection: true,
      description: `Backup account of the GDPR contact database baseline for ${config.organisation.name}: locked copies of the backups`,
      ...props,
      env: { account: target.account, region: target.region ?? config.environment.region },
    });
    this.productionStackName = props.productionStackName;

    const { retentionDays, lock } = config.backup;
    this.copyVault = new LockedBackupVault(this, 'CopyVault', {
      description: `Copies of the contact database backups of account ${config.environment.account}`,
      vaultName: copyVaultName(props.productionStackName),
      acceptCopiesFrom: [config.environment.account],
      lock: {
        minRetention: Duration.days(lock.minRetentionDays),
        maxRetention: Duration.days(lock.maxRetentionDays ?? retentionDays),
        changeableFor: Duration.days(lock.changeableForDays),
      },
    });
  }
}
