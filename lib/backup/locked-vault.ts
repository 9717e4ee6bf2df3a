import { Duration, RemovalPolicy, Token } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { CustomerManagedKey } from '../keys/customer-managed-key';
import { vaultAccessPolicy } from './vault-access-policy';

/** The lock of a vault, in compliance mode. */
export interface VaultLockProps {
  /** Every recovery point is kept at least this long; shorter backup or copy jobs fail. */
  readonly minRetention: Duration;
  /**
   * No recovery point is kept longer: longer backup or copy jobs fail. This
   * is the erasure deadline, the longest time erased data can survive in a
   * backup.
   */
  readonly maxRetention: Duration;
  /**
   * Grace period after which the lock can be changed or removed by no one,
   * AWS included (compliance mode). At least 3 days.
   * @default Duration.days(3)
   */
  readonly changeableFor?: Duration;
}

export interface LockedBackupVaultProps {
  /** What the vault holds, shown on its key in the KMS console and in policies/. */
  readonly description: string;
  readonly lock: VaultLockProps;
  /**
   * Accounts whose AWS Backup may copy recovery points into this vault.
   * @default - none
   */
  readonly acceptCopiesFrom?: readonly string[];
  /**
   * Vault name. Set it only when another account must name the vault in a
   * copy action; the name cannot change without replacing the vault.
   * @default - a name generated from the construct path
   */
  readonly vaultName?: string;
}

/** ChangeableForDays below this makes a governance-mode lock; AWS Backup's minimum for compliance mode. */
export const MIN_CHANGEABLE_DAYS = 3;

/**
 * An AWS Backup vault as every part of the kit uses it: encrypted with its
 * own customer-managed key (never the key of the data it protects), locked
 * in compliance mode with a minimum and a maximum retention, an access
 * policy that denies every principal the deletion of recovery points and
 * any change to the vault's policy or lock, retained on stack deletion.
 */
export class LockedBackupVault extends Construct {
  public readonly key: kms.IKey;
  public readonly vault: backup.BackupVault;
  public readonly minRetention: Duration;
  public readonly maxRetention: Duration;

  constructor(scope: Construct, id: string, props: LockedBackupVaultProps) {
    super(scope, id);
    const { minRetention, maxRetention } = props.lock;
    const changeableFor = props.lock.changeableFor ?? Duration.days(MIN_CHANGEABLE_DAYS);
    validateLock(this.node.path, minRetention, maxRetention, changeableFor);
    this.minRetention = minRetention;
    this.maxRetention = maxRetention;

    this.key = new CustomerManagedKey(this, 'Key', { description: props.description });
    this.vault = new backup.BackupVault(this, 'Vault', {
      backupVaultName: props.vaultName,
      encryptionKey: this.key,
      accessPolicy: vaultAccessPolicy({ acceptCopiesFrom: props.acceptCopiesFrom }),
      lockConfiguration: { minRetention, maxRetention, changeableFor },
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}

/** Refuses a lock that would not hold: governance mode, or bounds in the wrong order. */
export function validateLock(path: string, minRetention: Duration, maxRetention: Duration, changeableFor: Duration): void {
  const days = (d: Duration): number | undefined => {
    const n = d.toDays();
    return Token.isUnresolved(n) ? undefined : n;
  };
  const min = days(minRetention);
  const max = days(maxRetention);
  const changeable = days(changeableFor);
  if (changeable !== undefined && changeable < MIN_CHANGEABLE_DAYS) {
    throw new Error(`${path}: lock.changeableFor must be at least ${MIN_CHANGEABLE_DAYS} days for a compliance-mode lock; got ${changeable} days`);
  }
  if (min !== undefined && max !== undefined && max < min) {
    throw new Error(`${path}: lock.maxRetention (${max} days) must be at least lock.minRetention (${min} days)`);
  }
}
