import { Annotations, Duration, Names, Stack, Token } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { IContactDatabase } from '../database/contact-database';
import { acknowledge } from '../marks/acknowledge';
import { AirGappedBackupVault } from './air-gapped-vault';
import { BackupFailureNotifications } from './backup-failure-notifications';
import { CONTACT_BACKUP_DEFAULTS } from './defaults';
import { DatabaseRestoreTesting } from './database-restore-testing';
import { LockedBackupVault, VaultLockProps } from './locked-vault';

export interface ContactBackupProps {
  /** The contact database: its cluster is backed up. */
  readonly database: IContactDatabase;
  readonly vpc: ec2.IVpc;
  /** Isolated subnets where restore tests create their temporary cluster. */
  readonly subnets: ec2.SubnetSelection;
  /** Zones of those subnets. */
  readonly availabilityZones: readonly string[];
  /**
   * When a snapshot is taken and copied out of reach.
   * @default - every day at 03:00 UTC
   */
  readonly schedule?: events.Schedule;
  /**
   * How long a snapshot, and its isolated copy, is kept.
   * @default Duration.days(35)
   */
  readonly retention?: Duration;
  /**
   * Continuous backup: point-in-time restore to any second of the last
   * `continuousRetention`, the recovery point held in the locked vault.
   * Turning it off leaves a warning on the construct.
   * @default true
   */
  readonly continuousBackup?: boolean;
  /**
   * How long continuous backup reaches back, at most 35 days. Match the
   * cluster's own backup retention so that AWS Backup does not change it.
   * @default Duration.days(7)
   */
  readonly continuousRetention?: Duration;
  /**
   * The vault lock of every vault. Its `maxRetention` is the erasure
   * deadline: erased data survives in no backup longer than that.
   * @default - minimum 7 days, maximum the snapshot retention, changeable for 3 days
   */
  readonly lock?: VaultLockProps;
  /**
   * The storage-limitation bound (the longest retention of the data
   * categories): a lock whose maximum exceeds it is refused.
   * @default - no bound
   */
  readonly retentionBound?: Duration;
  /**
   * The vault, in a separate backup account, every snapshot is copied to
   * (`BackupAccountStack` creates it; import it with
   * `backup.BackupVault.fromBackupVaultArn`). That account can then use the
   * database key through RDS only, to re-encrypt the copies under its own key.
   * @default - a logically air-gapped vault in this account, with its own key
   */
  readonly copyVault?: backup.IBackupVault;
  /**
   * When the restore test runs.
   * @default - every Sunday at 05:00 UTC
   */
  readonly restoreTestSchedule?: events.Schedule;
}

/** AWS Backup keeps continuous backups at most this long. */
const MAX_CONTINUOUS_DAYS = 35;

/**
 * Encrypted, locked, isolated backups of the contact database:
 *
 * - a vault with its own customer-managed key, a compliance-mode lock and an
 *   access policy that denies everyone the deletion of recovery points;
 * - a plan that takes a snapshot on schedule and copies it to a vault the
 *   production account cannot reach (a backup account, or a logically
 *   air-gapped vault), plus continuous backup for point-in-time restore;
 * - the cluster selected by its ARN (Aurora is backed up as a cluster);
 * - a restore test, and every failed backup, copy or restore sent to an
 *   encrypted topic.
 *
 * No recovery point outlives the lock's maximum retention, which is the
 * erasure deadline (see README, "Erasure and immutable backups").
 */
export class ContactBackup extends Construct {
  public readonly vault: LockedBackupVault;
  /** Where every snapshot is copied: the backup account's vault or the air-gapped vault. */
  public readonly copyVault: backup.IBackupVault;
  /** The logically air-gapped vault, when no backup account vault is given. */
  public readonly airGappedVault?: AirGappedBackupVault;
  public readonly plan: backup.BackupPlan;
  public readonly selection: backup.BackupSelection;
  public readonly role: iam.Role;
  public readonly notifications: BackupFailureNotifications;
  public readonly restoreTesting: DatabaseRestoreTesting;
  /** The erasure deadline: no recovery point is kept longer. */
  public readonly maxRetention: Duration;

  constructor(scope: Construct, id: string, props: ContactBackupProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const retention = props.retention ?? Duration.days(CONTACT_BACKUP_DEFAULTS.retentionDays);
    const continuous =
      props.continuousBackup === false ? undefined : (props.continuousRetention ?? Duration.days(CONTACT_BACKUP_DEFAULTS.continuousRetentionDays));
    if (props.continuousBackup === false) {
      Annotations.of(this).addWarningV2(
        'gdpr-baseline:continuous-backup-off',
        'Continuous backup is off: the contact database can be restored only to a daily snapshot, not to a point in time (art. 32(1)(c)).',
      );
    }
    const lock: VaultLockProps = props.lock ?? {
      minRetention: Duration.days(CONTACT_BACKUP_DEFAULTS.minRetentionDays),
      maxRetention: retention,
      changeableFor: Duration.days(CONTACT_BACKUP_DEFAULTS.changeableForDays),
    };
    this.validate(retention, continuous, lock, props.retentionBound);
    this.maxRetention = lock.maxRetention;

    this.vault = new LockedBackupVault(this, 'Vault', {
      description: 'Backup vault of the contact database (production account)',
      lock,
    });

    if (props.copyVault) {
      this.copyVault = props.copyVault;
      const backupAccount = props.copyVault.env.account;
      if (!Token.isUnresolved(backupAccount) && backupAccount !== stack.account) {
        // Cross-account copies of Aurora: the backup account's AWS Backup reads the
        // shared snapshot through RDS and re-encrypts it under its own vault key.
        const viaRds = { 'kms:ViaService': `rds.${stack.region}.amazonaws.com` };
        props.database.encryptionKey.addToResourcePolicy(
          new iam.PolicyStatement({
            sid: 'AllowTheBackupAccountToCopySnapshotsThroughRds',
            principals: [new iam.AccountPrincipal(backupAccount)],
            actions: ['kms:Decrypt', 'kms:DescribeKey'],
            resources: ['*'],
            conditions: { StringEquals: viaRds },
          }),
        );
        props.database.encryptionKey.addToResourcePolicy(
          new iam.PolicyStatement({
            sid: 'AllowTheBackupAccountRdsGrantsForTheCopies',
            principals: [new iam.AccountPrincipal(backupAccount)],
            actions: ['kms:CreateGrant'],
            resources: ['*'],
            conditions: { StringEquals: viaRds, Bool: { 'kms:GrantIsForAWSResource': 'true' } },
          }),
        );
      }
    } else {
      this.airGappedVault = new AirGappedBackupVault(this, 'AirGappedVault', {
        description: 'Logically air-gapped copies of the contact database backups',
        minRetention: lock.minRetention,
        maxRetention: lock.maxRetention,
      });
      this.copyVault = this.airGappedVault.vault;
    }

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('backup.amazonaws.com'),
      description: 'AWS Backup: snapshots of the contact database and their copies',
    });
    this.plan = new backup.BackupPlan(this, 'Plan', {
      backupPlanName: Names.uniqueResourceName(this, { maxLength: 50 }),
      backupVault: this.vault.vault,
    });
    const schedule = props.schedule ?? events.Schedule.expression(CONTACT_BACKUP_DEFAULTS.schedule);
    this.plan.addRule(
      new backup.BackupPlanRule({
        ruleName: 'SnapshotCopiedOutOfReach',
        scheduleExpression: schedule,
        startWindow: Duration.hours(1),
        completionWindow: Duration.hours(8),
        deleteAfter: retention,
        copyActions: [{ destinationBackupVault: this.copyVault, deleteAfter: retention }],
      }),
    );
    if (continuous) {
      this.plan.addRule(
        new backup.BackupPlanRule({
          ruleName: 'ContinuousPointInTime',
          scheduleExpression: schedule,
          startWindow: Duration.hours(1),
          completionWindow: Duration.hours(8),
          enableContinuousBackup: true,
          deleteAfter: continuous,
        }),
      );
    }
    // Aurora is backed up as a cluster: the selection names the cluster, never its instances.
    this.selection = this.plan.addSelection('ContactDatabase', {
      resources: [backup.BackupResource.fromRdsDatabaseCluster(props.database.cluster)],
      role: this.role,
    });
    acknowledge(
      this.role,
      'AwsSolutions-IAM4',
      'AWSBackupServiceRolePolicyForBackup is the AWS-maintained policy AWS Backup needs to snapshot the cluster and copy the snapshots; AWS updates it as the services change.',
      { finding: 'Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup' },
    );

    this.notifications = new BackupFailureNotifications(this, 'FailureNotifications');
    this.restoreTesting = new DatabaseRestoreTesting(this, 'RestoreTesting', {
      cluster: props.database.cluster,
      vault: this.vault.vault,
      vpc: props.vpc,
      subnets: props.subnets,
      availabilityZones: props.availabilityZones,
      schedule: props.restoreTestSchedule,
    });
  }

  private validate(retention: Duration, continuous: Duration | undefined, lock: VaultLockProps, bound: Duration | undefined): void {
    const days = (d: Duration | undefined): number | undefined => {
      if (d === undefined) return undefined;
      const n = d.toDays();
      return Token.isUnresolved(n) ? undefined : n;
    };
    const [keep, pitr, min, max, limit] = [retention, continuous, lock.minRetention, lock.maxRetention, bound].map(days);
    const where = this.node.path;
    if (keep !== undefined && max !== undefined && keep > max) {
      throw new Error(`${where}: retention (${keep} days) exceeds lock.maxRetention (${max} days); the lock would refuse every snapshot`);
    }
    if (keep !== undefined && min !== undefined && keep < min) {
      throw new Error(`${where}: retention (${keep} days) is below lock.minRetention (${min} days); the lock would refuse every snapshot`);
    }
    const ceiling = Math.min(MAX_CONTINUOUS_DAYS, max ?? MAX_CONTINUOUS_DAYS);
    if (pitr !== undefined && (pitr > ceiling || (min !== undefined && pitr < min))) {
      throw new Error(`${where}: continuousRetention must be between lock.minRetention (${min ?? 1} days) and ${ceiling} days (AWS Backup's limit and the lock's maximum); got ${pitr} days`);
    }
    if (limit !== undefined && max !== undefined && max > limit) {
      throw new Error(`${where}: lock.maxRetention (${max} days) exceeds the retention bound (${limit} days): backups must not outlive the data they hold`);
    }
  }
}
