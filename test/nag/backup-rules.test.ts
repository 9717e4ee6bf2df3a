import { ArnFormat, CfnResource, Duration, Fn, RemovalPolicy, Stack, Tags } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as cr from 'aws-cdk-lib/custom-resources';
import type { Construct } from 'constructs';
import { AirGappedBackupVault } from '../../lib/backup/air-gapped-vault';
import { LockedBackupVault } from '../../lib/backup/locked-vault';
import { vaultAccessPolicy } from '../../lib/backup/vault-access-policy';
import { CustomerManagedKey } from '../../lib/keys/customer-managed-key';
import { cfnOf, clusterProps, isolatedVpc, newStack, ruleFindingsOn, validate } from './helpers';

const OWN_KEY = 'GDPR-Art32-BackupVaultOwnKey';
const LOCKED = 'GDPR-Art5-BackupVaultLocked';
const DELETION_DENIED = 'GDPR-Art5-RecoveryPointDeletionDenied';
const COPY_REGION = 'GDPR-Art44-BackupCopyRegionAllowed';
const IN_PLAN = 'GDPR-Art32-DatabaseInBackupPlan';
const NO_COPY = 'GDPR-Art5-NoSecondCopy';

const LOCK = { minRetention: Duration.days(7), maxRetention: Duration.days(35), changeableFor: Duration.days(3) };

/** A vault of the kit: own key, compliance lock, access policy denying deletion. */
function kitVault(scope: Construct, id = 'Vault'): LockedBackupVault {
  return new LockedBackupVault(scope, id, { description: 'test vault', lock: LOCK });
}

/** A plan with one daily rule, copying to each destination ARN given. */
function planCopyingTo(scope: Construct, vault: backup.IBackupVault, destinations: backup.IBackupVault[]): backup.BackupPlan {
  const plan = new backup.BackupPlan(scope, 'Plan', { backupVault: vault });
  plan.addRule(
    new backup.BackupPlanRule({
      ruleName: 'Daily',
      deleteAfter: Duration.days(35),
      copyActions: destinations.map((destinationBackupVault) => ({ destinationBackupVault, deleteAfter: Duration.days(35) })),
    }),
  );
  return plan;
}

/** An Aurora cluster in isolated subnets. */
function cluster(scope: Construct, id = 'Cluster', props: Partial<rds.DatabaseClusterProps> = {}): rds.DatabaseCluster {
  return new rds.DatabaseCluster(scope, id, { ...clusterProps(isolatedVpc(scope, `${id}Vpc`)), ...props });
}

describe(OWN_KEY, () => {
  test('non-compliant: a vault encrypted with the key of the database it protects, one finding per store sharing it', () => {
    // Given a cluster and a vault that share one key
    const stack = newStack();
    const key = new CustomerManagedKey(stack, 'SharedKey', { description: 'shared' });
    const db = cluster(stack, 'Cluster', { storageEncryptionKey: key });
    const vault = new backup.BackupVault(stack, 'Vault', { encryptionKey: key });
    // When the pack runs / Then the vault is reported, naming the cluster
    expect(ruleFindingsOn(validate(stack), vault, OWN_KEY)).toEqual([`${OWN_KEY}[KeySharedWith::${Stack.of(db).getLogicalId(cfnOf(db) as never)}]`]);
  });

  test('non-compliant: a logically air-gapped vault with an AWS-owned key', () => {
    const stack = newStack();
    const vault = new backup.CfnLogicallyAirGappedBackupVault(stack, 'AirGapped', { backupVaultName: 'copies', minRetentionDays: 7, maxRetentionDays: 35 });
    expect(ruleFindingsOn(validate(stack), vault, OWN_KEY)).toEqual([`${OWN_KEY}[KeyNotCustomerManaged]`]);
  });

  test('compliant: a vault and an air-gapped vault each with a key of their own, next to a database with its own key', () => {
    const stack = newStack();
    cluster(stack, 'Cluster', { storageEncryptionKey: new CustomerManagedKey(stack, 'DbKey', { description: 'db' }) });
    const vault = kitVault(stack);
    const airGapped = new AirGappedBackupVault(stack, 'AirGapped', { description: 'copies', minRetention: Duration.days(7), maxRetention: Duration.days(35) });
    const report = validate(stack);
    expect(ruleFindingsOn(report, vault.vault, OWN_KEY)).toEqual([]);
    expect(ruleFindingsOn(report, airGapped.resource, OWN_KEY)).toEqual([]);
  });

  test('a standard vault without a customer-managed key is left to GDPR-Art32-EncryptedWithCmk', () => {
    const stack = newStack();
    const vault = new backup.BackupVault(stack, 'Vault');
    const report = validate(stack);
    expect(ruleFindingsOn(report, vault, OWN_KEY)).toEqual([]);
    expect(ruleFindingsOn(report, vault, 'GDPR-Art32-EncryptedWithCmk')).toEqual(['GDPR-Art32-EncryptedWithCmk']);
  });
});

describe(LOCKED, () => {
  test('non-compliant: a vault without a lock', () => {
    const stack = newStack();
    const vault = new backup.BackupVault(stack, 'Vault');
    expect(ruleFindingsOn(validate(stack), vault, LOCKED)).toEqual([`${LOCKED}[NoLock]`]);
  });

  test('non-compliant: a governance-mode lock without a maximum retention, one finding per way', () => {
    const stack = newStack();
    const vault = new backup.BackupVault(stack, 'Vault', { lockConfiguration: { minRetention: Duration.days(7) } });
    expect(ruleFindingsOn(validate(stack), vault, LOCKED)).toEqual([`${LOCKED}[GovernanceMode]`, `${LOCKED}[NoMaxRetention]`]);
  });

  test('non-compliant: a lock that stays changeable less than 3 days', () => {
    const stack = newStack();
    const vault = new backup.BackupVault(stack, 'Vault');
    (vault.node.defaultChild as backup.CfnBackupVault).lockConfiguration = { minRetentionDays: 7, maxRetentionDays: 35, changeableForDays: 1 };
    expect(ruleFindingsOn(validate(stack), vault, LOCKED)).toEqual([`${LOCKED}[GovernanceMode]`]);
  });

  test('compliant: a compliance-mode lock with a maximum retention, and an air-gapped vault (locked by AWS)', () => {
    const stack = newStack();
    const vault = kitVault(stack);
    const airGapped = new AirGappedBackupVault(stack, 'AirGapped', { description: 'copies', minRetention: Duration.days(7), maxRetention: Duration.days(35) });
    const report = validate(stack);
    expect(ruleFindingsOn(report, vault.vault, LOCKED)).toEqual([]);
    expect(ruleFindingsOn(report, airGapped.resource, LOCKED)).toEqual([]);
  });
});

describe(DELETION_DENIED, () => {
  test('non-compliant: a vault without an access policy, one finding per action not denied', () => {
    const stack = newStack();
    const vault = new backup.BackupVault(stack, 'Vault');
    expect(ruleFindingsOn(validate(stack), vault, DELETION_DENIED)).toEqual(
      [
        'backup:DeleteRecoveryPoint',
        'backup:UpdateRecoveryPointLifecycle',
        'backup:PutBackupVaultAccessPolicy',
        'backup:DeleteBackupVaultAccessPolicy',
        'backup:DeleteBackupVaultLockConfiguration',
      ]
        .map((a) => `${DELETION_DENIED}[Action::${a}]`)
        .sort(),
    );
  });

  test("non-compliant: aws-cdk-lib's blockRecoveryPointDeletion alone, which leaves the policy and the lock open to change", () => {
    const stack = newStack();
    const vault = new backup.BackupVault(stack, 'Vault', { blockRecoveryPointDeletion: true });
    expect(ruleFindingsOn(validate(stack), vault, DELETION_DENIED)).toEqual(
      ['backup:DeleteBackupVaultAccessPolicy', 'backup:DeleteBackupVaultLockConfiguration', 'backup:PutBackupVaultAccessPolicy'].map(
        (a) => `${DELETION_DENIED}[Action::${a}]`,
      ),
    );
  });

  test('non-compliant: a deny that only holds under a condition', () => {
    const stack = newStack();
    const policy = vaultAccessPolicy().toJSON();
    policy.Statement[0].Condition = { StringNotEquals: { 'aws:PrincipalAccount': '111122223333' } };
    const vault = new backup.CfnBackupVault(stack, 'Vault', { backupVaultName: 'v', accessPolicy: policy });
    expect(ruleFindingsOn(validate(stack), vault, DELETION_DENIED)).toHaveLength(5);
  });

  test('compliant: the kit access policy, on a vault, on an air-gapped vault, and written with wildcards as a JSON string', () => {
    const stack = newStack();
    const vault = kitVault(stack);
    const airGapped = new AirGappedBackupVault(stack, 'AirGapped', { description: 'copies', minRetention: Duration.days(7), maxRetention: Duration.days(35) });
    // As a template written by hand can hold it (aws-cdk-lib's L1 takes an object only).
    const wildcard = new CfnResource(stack, 'Wildcard', {
      type: 'AWS::Backup::BackupVault',
      properties: {
        BackupVaultName: 'w',
        AccessPolicy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Deny', Principal: '*', Action: ['backup:Delete*', 'backup:UpdateRecoveryPointLifecycle', 'backup:PutBackupVault*'], Resource: '*' }],
        }),
      },
    });
    const report = validate(stack);
    expect(ruleFindingsOn(report, vault.vault, DELETION_DENIED)).toEqual([]);
    expect(ruleFindingsOn(report, airGapped.resource, DELETION_DENIED)).toEqual([]);
    expect(ruleFindingsOn(report, wildcard, DELETION_DENIED)).toEqual([]);
  });
});

describe(COPY_REGION, () => {
  test('non-compliant: a copy to a vault in a region outside the allowed regions', () => {
    const stack = newStack();
    const vault = kitVault(stack);
    const plan = planCopyingTo(stack, vault.vault, [
      backup.BackupVault.fromBackupVaultArn(stack, 'Virginia', 'arn:aws:backup:us-east-1:555566667777:backup-vault:copies'),
    ]);
    expect(ruleFindingsOn(validate(stack), plan, COPY_REGION)).toEqual([`${COPY_REGION}[Region::us-east-1]`]);
  });

  test('non-compliant: a copy to a vault whose region is known only at deployment (an import)', () => {
    const stack = newStack();
    const vault = kitVault(stack);
    const plan = planCopyingTo(stack, vault.vault, [
      backup.BackupVault.fromBackupVaultArn(stack, 'Imported', Fn.importValue('copy-vault-arn')),
    ]);
    expect(ruleFindingsOn(validate(stack), plan, COPY_REGION)).toEqual([`${COPY_REGION}[RegionUnknown::Daily]`]);
  });

  test('compliant: copies to a backup account vault in an allowed region and to a vault of the same stack', () => {
    const stack = newStack();
    const vault = kitVault(stack);
    const airGapped = new AirGappedBackupVault(stack, 'AirGapped', { description: 'copies', minRetention: Duration.days(7), maxRetention: Duration.days(35) });
    const plan = planCopyingTo(stack, vault.vault, [
      backup.BackupVault.fromBackupVaultArn(stack, 'BackupAccount', 'arn:aws:backup:eu-west-3:555566667777:backup-vault:copies'),
      airGapped.vault,
      backup.BackupVault.fromBackupVaultArn(stack, 'Joined', Stack.of(stack).formatArn({ service: 'backup', resource: 'backup-vault', resourceName: 'x', account: '555566667777', arnFormat: ArnFormat.COLON_RESOURCE_NAME })),
    ]);
    expect(ruleFindingsOn(validate(stack), plan, COPY_REGION)).toEqual([]);
  });
});

describe(IN_PLAN, () => {
  test('non-compliant: an Aurora cluster that no backup plan selects', () => {
    const stack = newStack();
    const db = cluster(stack);
    expect(ruleFindingsOn(validate(stack), db, IN_PLAN)).toEqual([IN_PLAN]);
  });

  test('non-compliant: a selection by tag the cluster does not carry, and a selection excluding the cluster', () => {
    const stack = newStack();
    const db = cluster(stack, 'Cluster', { clusterIdentifier: 'contacts' });
    Tags.of(db).add('backup', 'no');
    const vault = kitVault(stack);
    const plan = planCopyingTo(stack, vault.vault, []);
    plan.addSelection('ByTag', { resources: [backup.BackupResource.fromTag('backup', 'yes')] });
    const excluding = plan.addSelection('AllButContacts', { resources: [backup.BackupResource.fromArn('arn:aws:rds:*:*:cluster:*')] });
    (excluding.node.defaultChild as backup.CfnBackupSelection).addPropertyOverride('BackupSelection.NotResources', ['arn:aws:rds:eu-west-3:111122223333:cluster:contacts']);
    expect(ruleFindingsOn(validate(stack), db, IN_PLAN)).toEqual([IN_PLAN]);
  });

  test('compliant: an Aurora cluster selected by its ARN, its instances not applicable (cdk-nag#1627)', () => {
    const stack = newStack();
    const db = cluster(stack);
    const vault = kitVault(stack);
    planCopyingTo(stack, vault.vault, []).addSelection('Db', { resources: [backup.BackupResource.fromRdsDatabaseCluster(db)] });
    const report = validate(stack);
    expect(ruleFindingsOn(report, db, IN_PLAN)).toEqual([]);
    expect(ruleFindingsOn(report, db.node.findChild('Writer'), IN_PLAN)).toEqual([]);
  });

  test('compliant: clusters selected by tag, by a wildcard ARN and by a literal ARN with their identifier', () => {
    const stack = newStack();
    const tagged = cluster(stack, 'Tagged');
    Tags.of(tagged).add('backup', 'daily');
    const any = cluster(stack, 'Any');
    const named = cluster(stack, 'Named', { clusterIdentifier: 'contacts' });
    const vault = kitVault(stack);
    const plan = planCopyingTo(stack, vault.vault, []);
    plan.addSelection('ByTag', { resources: [backup.BackupResource.fromTag('backup', 'daily')] });
    plan.addSelection('Wildcard', { resources: [backup.BackupResource.fromArn('arn:aws:rds:eu-west-3:111122223333:cluster:*')] });
    plan.addSelection('Literal', { resources: [backup.BackupResource.fromArn('arn:aws:rds:eu-west-3:111122223333:cluster:contacts')] });
    const report = validate(stack);
    for (const db of [tagged, any, named]) expect(ruleFindingsOn(report, db, IN_PLAN)).toEqual([]);
  });

  test('non-compliant, then compliant: a standalone instance, selected by its ARN', () => {
    const stack = newStack();
    const vpc = isolatedVpc(stack);
    const instance = new rds.DatabaseInstance(stack, 'Instance', {
      engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_16 }),
      vpc,
      vpcSubnets: { subnets: vpc.isolatedSubnets },
    });
    expect(ruleFindingsOn(validate(stack), instance, IN_PLAN)).toEqual([IN_PLAN]);
    planCopyingTo(stack, kitVault(stack).vault, []).addSelection('Db', { resources: [backup.BackupResource.fromRdsDatabaseInstance(instance)] });
    expect(ruleFindingsOn(validate(stack), instance, IN_PLAN)).toEqual([]);
  });
});

describe(NO_COPY, () => {
  test('non-compliant: an Aurora replica cluster, a global cluster member, a cluster restored from a snapshot, one finding each', () => {
    const stack = newStack();
    const replica = cluster(stack, 'Replica');
    const cfn = cfnOf(replica) as rds.CfnDBCluster;
    cfn.replicationSourceIdentifier = 'arn:aws:rds:eu-west-1:111122223333:cluster:contacts';
    cfn.globalClusterIdentifier = 'contacts-global';
    cfn.snapshotIdentifier = 'contacts-snapshot';
    const global = new rds.CfnGlobalCluster(stack, 'Global', { sourceDbClusterIdentifier: 'contacts' });
    const report = validate(stack);
    expect(ruleFindingsOn(report, replica, NO_COPY)).toEqual(['GlobalCluster', 'ReadReplica', 'RestoredCopy'].map((f) => `${NO_COPY}[${f}]`));
    expect(ruleFindingsOn(report, global, NO_COPY)).toEqual([`${NO_COPY}[GlobalCluster]`]);
  });

  test('non-compliant: an instance read replica with automated backups replicated to another region', () => {
    const stack = newStack();
    const replica = new rds.CfnDBInstance(stack, 'Replica', {
      dbInstanceClass: 'db.t4g.micro',
      sourceDbInstanceIdentifier: 'arn:aws:rds:eu-west-3:111122223333:db:contacts',
      automaticBackupReplicationRegion: 'eu-central-1',
    });
    expect(ruleFindingsOn(validate(stack), replica, NO_COPY)).toEqual(['AutomatedBackupReplication', 'ReadReplica'].map((f) => `${NO_COPY}[${f}]`));
  });

  test('non-compliant: a custom resource that shares, copies and exports snapshots', () => {
    const stack = newStack();
    const share = new cr.AwsCustomResource(stack, 'ShareSnapshot', {
      onCreate: {
        service: 'RDS',
        action: 'modifyDBClusterSnapshotAttribute',
        parameters: { DBClusterSnapshotIdentifier: 's', AttributeName: 'restore', ValuesToAdd: ['all'] },
        physicalResourceId: cr.PhysicalResourceId.of('share'),
      },
      onUpdate: {
        service: 'RDS',
        action: 'copyDBClusterSnapshot',
        parameters: { SourceDBClusterSnapshotIdentifier: 's', TargetDBClusterSnapshotIdentifier: 't' },
        physicalResourceId: cr.PhysicalResourceId.of('copy'),
      },
      onDelete: { service: 'RDS', action: 'startExportTask', parameters: {}, physicalResourceId: cr.PhysicalResourceId.of('export') },
      policy: cr.AwsCustomResourcePolicy.fromSdkCalls({ resources: cr.AwsCustomResourcePolicy.ANY_RESOURCE }),
    });
    const resource = share.node.findChild('Resource').node.defaultChild as CfnResource;
    expect(ruleFindingsOn(validate(stack), resource, NO_COPY)).toEqual(['SnapshotCopied', 'SnapshotExported', 'SnapshotShared'].map((f) => `${NO_COPY}[${f}]`));
  });

  test('non-compliant: a manual snapshot of a cluster and of an instance, outside the locked vault and never expiring', () => {
    const stack = newStack();
    const clusterSnapshot = new rds.CfnClusterSnapshot(stack, 'ClusterSnapshot', { dbClusterIdentifier: 'contacts', dbClusterSnapshotIdentifier: 'contacts-manual' });
    const instanceSnapshot = new rds.CfnDBSnapshot(stack, 'InstanceSnapshot', { dbInstanceIdentifier: 'contacts', dbSnapshotIdentifier: 'contacts-manual' });
    const report = validate(stack);
    expect(ruleFindingsOn(report, clusterSnapshot, NO_COPY)).toEqual([`${NO_COPY}[ManualSnapshot]`]);
    expect(ruleFindingsOn(report, instanceSnapshot, NO_COPY)).toEqual([`${NO_COPY}[ManualSnapshot]`]);
  });

  test('non-compliant: a bucket that replicates its objects, a zero-ETL integration and a DMS task', () => {
    const stack = newStack();
    const bucket = new s3.CfnBucket(stack, 'Bucket', {
      versioningConfiguration: { status: 'Enabled' },
      replicationConfiguration: { role: 'arn:aws:iam::111122223333:role/r', rules: [{ status: 'Enabled', destination: { bucket: 'arn:aws:s3:::copy' } }] },
    });
    const integration = new rds.CfnIntegration(stack, 'ZeroEtl', { sourceArn: 'arn:aws:rds:eu-west-3:111122223333:cluster:contacts', targetArn: 'arn:aws:redshift:eu-west-3:111122223333:namespace:x' });
    const task = new CfnResource(stack, 'Dms', { type: 'AWS::DMS::ReplicationTask', properties: { MigrationType: 'full-load-and-cdc' } });
    const report = validate(stack);
    expect(ruleFindingsOn(report, bucket, NO_COPY)).toEqual([`${NO_COPY}[BucketReplication]`]);
    expect(ruleFindingsOn(report, integration, NO_COPY)).toEqual([`${NO_COPY}[ZeroEtlIntegration]`]);
    expect(ruleFindingsOn(report, task, NO_COPY)).toEqual([`${NO_COPY}[DmsReplication]`]);
  });

  test('compliant: one cluster with its instances, backed up by a plan, and a bucket that does not replicate', () => {
    const stack = newStack();
    const db = cluster(stack);
    planCopyingTo(stack, kitVault(stack).vault, []).addSelection('Db', { resources: [backup.BackupResource.fromRdsDatabaseCluster(db)] });
    const bucket = new s3.Bucket(stack, 'Bucket', { encryptionKey: new kms.Key(stack, 'BucketKey'), removalPolicy: RemovalPolicy.RETAIN });
    const report = validate(stack);
    expect(ruleFindingsOn(report, db, NO_COPY)).toEqual([]);
    expect(ruleFindingsOn(report, db.node.findChild('Writer'), NO_COPY)).toEqual([]);
    expect(ruleFindingsOn(report, bucket, NO_COPY)).toEqual([]);
    expect(report.violations.filter((v) => v.ruleName.startsWith(NO_COPY))).toEqual([]);
  });
});
