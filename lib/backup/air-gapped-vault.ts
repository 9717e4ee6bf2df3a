import { Duration, Names, RemovalPolicy } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { AIR_GAPPED_MIN_RETENTION_DAYS } from '../config/defaults';
import { CustomerManagedKey } from '../keys/customer-managed-key';
import { vaultAccessPolicy } from './vault-access-policy';

/** AWS Backup's floor for the minimum retention of a logically air-gapped vault (kept with the configuration's defaults). */
export { AIR_GAPPED_MIN_RETENTION_DAYS };

export interface AirGappedBackupVaultProps {
  /** What the vault holds, shown on its key. */
  readonly description: string;
  /** At least 7 days (AWS Backup's floor for these vaults). */
  readonly minRetention: Duration;
  /** No recovery point is kept longer: the erasure deadline. */
  readonly maxRetention: Duration;
}

/**
 * A logically air-gapped AWS Backup vault: its recovery points live in an
 * account owned by AWS Backup, under a compliance-mode lock that AWS applies
 * to every such vault, so no principal of this account can delete them before
 * their retention ends. Encrypted with its own customer-managed key, with the
 * kit's access policy, retained on stack deletion.
 *
 * The isolation is against deletion, not against reading: this account can
 * still restore from the vault. A vault in a separate backup account
 * (`BackupAccountStack`) is out of reach of both.
 */
export class AirGappedBackupVault extends Construct {
  public readonly key: kms.IKey;
  public readonly resource: backup.CfnLogicallyAirGappedBackupVault;
  /** The vault, for copy actions. */
  public readonly vault: backup.IBackupVault;
  public readonly minRetention: Duration;
  public readonly maxRetention: Duration;

  constructor(scope: Construct, id: string, props: AirGappedBackupVaultProps) {
    super(scope, id);
    const min = props.minRetention.toDays();
    const max = props.maxRetention.toDays();
    if (min < AIR_GAPPED_MIN_RETENTION_DAYS) {
      throw new Error(`${this.node.path}: a logically air-gapped vault keeps recovery points at least ${AIR_GAPPED_MIN_RETENTION_DAYS} days; got minRetention ${min} days`);
    }
    if (max < min) {
      throw new Error(`${this.node.path}: maxRetention (${max} days) must be at least minRetention (${min} days)`);
    }
    this.minRetention = props.minRetention;
    this.maxRetention = props.maxRetention;

    this.key = new CustomerManagedKey(this, 'Key', { description: props.description });
    this.resource = new backup.CfnLogicallyAirGappedBackupVault(this, 'Resource', {
      backupVaultName: Names.uniqueResourceName(this, { maxLength: 50 }),
      encryptionKeyArn: this.key.keyArn,
      minRetentionDays: min,
      maxRetentionDays: max,
      accessPolicy: vaultAccessPolicy(),
    });
    this.resource.applyRemovalPolicy(RemovalPolicy.RETAIN);
    this.vault = backup.BackupVault.fromBackupVaultArn(this, 'Ref', this.resource.attrBackupVaultArn);
  }
}
