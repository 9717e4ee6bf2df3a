import { CfnParameter } from 'aws-cdk-lib';
import type { PolicyValidationPluginReport } from 'aws-cdk-lib';
import * as dms from 'aws-cdk-lib/aws-dms';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as sns from 'aws-cdk-lib/aws-sns';
import { referenceStack } from '../helpers/reference';
import { newStack, ruleFindingsOn, validate } from './helpers';

/*
 * Attacks on the single source of truth: every way to make a second copy of the
 * contact database outside the locked backups (a feature role that exports
 * from SQL, a permission to snapshot, share, export, restore or replicate, an
 * AWS Backup policy in the wrong hands) is a finding of Art5-NoSecondCopy.
 */

const COPY = 'GDPR-Art5-NoSecondCopy';
const ROLE_ARN = 'arn:aws:iam::111122223333:role/feature';
const f = (finding: string) => `${COPY}[${finding}]`;

function doc(statement: Record<string, unknown>): iam.PolicyDocument {
  return iam.PolicyDocument.fromJson({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Resource: '*', ...statement }] });
}

describe(COPY, () => {
  let report: PolicyValidationPluginReport;
  const c: Record<string, any> = {};

  beforeAll(() => {
    const stack = newStack();
    const feature = new CfnParameter(stack, 'Feature', { type: 'String', default: 's3Export' });
    const engine = { engine: 'aurora-postgresql', engineVersion: '16.13' };
    c.exporting = new rds.CfnDBCluster(stack, 'Exporting', { ...engine, associatedRoles: [{ roleArn: ROLE_ARN, featureName: 's3Export' }] });
    c.lambda = new rds.CfnDBCluster(stack, 'Lambda', {
      ...engine,
      associatedRoles: [
        { roleArn: ROLE_ARN, featureName: 'Lambda' },
        { roleArn: ROLE_ARN, featureName: 's3Import' },
      ],
    });
    c.paramFeature = new rds.CfnDBCluster(stack, 'ParamFeature', { ...engine, associatedRoles: [{ roleArn: ROLE_ARN, featureName: feature.valueAsString }] });
    c.instance = new rds.CfnDBInstance(stack, 'Instance', {
      engine: 'postgres',
      dbInstanceClass: 'db.t4g.micro',
      associatedRoles: [{ roleArn: ROLE_ARN, featureName: 's3Import' }],
    });
    c.plainCluster = new rds.CfnDBCluster(stack, 'Plain', engine);

    c.copyPolicy = new iam.ManagedPolicy(stack, 'CopyPolicy', { document: doc({ Action: 'rds:CopyDBClusterSnapshot' }) });
    c.rdsStar = new iam.ManagedPolicy(stack, 'RdsStar', { document: doc({ Action: 'rds:*' }) });
    c.everything = new iam.Role(stack, 'Everything', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      inlinePolicies: { all: doc({ Action: '*' }) },
    });
    c.user = new iam.CfnUser(stack, 'User', { policies: [{ policyName: 'p', policyDocument: { Statement: [{ Effect: 'Allow', Action: 'rds:Modify*SnapshotAttribute', Resource: '*' }] } }] });
    c.group = new iam.CfnGroup(stack, 'Group', { policies: [{ policyName: 'p', policyDocument: { Statement: [{ Effect: 'Allow', NotAction: 's3:*', Resource: '*' }] } }] });
    c.exportPolicy = new iam.CfnPolicy(stack, 'ExportPolicy', {
      policyName: 'export',
      roles: ['someone'],
      policyDocument: { Statement: [{ Effect: 'Allow', Action: ['rds:StartExportTask', 'rds:AddRoleToDBCluster'], Resource: '*' }] },
    });
    c.dmsPolicy = new iam.CfnManagedPolicy(stack, 'DmsPolicy', { policyDocument: { Statement: [{ Effect: 'Allow', Action: 'dms:Create*', Resource: '*' }] } });
    c.restorePolicy = new iam.CfnManagedPolicy(stack, 'RestorePolicy', {
      policyDocument: { Statement: [{ Effect: 'Allow', Action: ['backup:StartRestoreJob', 'backup:StartBackupJob'], Resource: '*' }] },
    });
    c.copyUnbounded = new iam.CfnManagedPolicy(stack, 'CopyUnbounded', { policyDocument: { Statement: [{ Effect: 'Allow', Action: 'backup:StartCopyJob', Resource: '*' }] } });
    c.copyAbroad = new iam.CfnManagedPolicy(stack, 'CopyAbroad', {
      policyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: 'backup:StartCopyJob',
            Resource: '*',
            Condition: { ArnEquals: { 'backup:CopyTargets': 'arn:aws:backup:us-east-1:444455556666:backup-vault:copies' } },
          },
        ],
      },
    });
    c.copyAnyRegion = new iam.CfnManagedPolicy(stack, 'CopyAnyRegion', {
      policyDocument: {
        Statement: [{ Effect: 'Allow', Action: 'backup:*', Resource: '*', Condition: { ArnLike: { 'backup:CopyTargets': 'arn:aws:backup:*:444455556666:backup-vault:*' } } }],
      },
    });
    c.copyBounded = new iam.CfnManagedPolicy(stack, 'CopyBounded', {
      policyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: 'backup:StartCopyJob',
            Resource: '*',
            Condition: { ArnEquals: { 'backup:CopyTargets': 'arn:aws:backup:eu-west-1:444455556666:backup-vault:copies' } },
          },
        ],
      },
    });
    c.copySubAbroad = new iam.CfnManagedPolicy(stack, 'CopySubAbroad', {
      policyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: 'backup:StartCopyJob',
            Resource: '*',
            Condition: { ArnEquals: { 'backup:CopyTargets': { 'Fn::Sub': 'arn:${AWS::Partition}:backup:us-west-2:${AWS::AccountId}:backup-vault:copies' } } },
          },
        ],
      },
    });
    c.describeOnly = new iam.ManagedPolicy(stack, 'DescribeOnly', { document: doc({ Action: ['rds:DescribeDBClusters', 'rds:DescribeDBClusterSnapshots'] }) });

    const backupPolicy = iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSBackupServiceRolePolicyForBackup');
    c.backupRole = new iam.Role(stack, 'BackupRole', { assumedBy: new iam.ServicePrincipal('backup.amazonaws.com'), managedPolicies: [backupPolicy] });
    c.lambdaWithBackupPolicy = new iam.Role(stack, 'LambdaBackup', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'), managedPolicies: [backupPolicy] });
    c.sharedBackupRole = new iam.Role(stack, 'SharedBackupRole', {
      assumedBy: new iam.CompositePrincipal(new iam.ServicePrincipal('backup.amazonaws.com'), new iam.AccountRootPrincipal()),
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSBackupServiceRolePolicyForRestores')],
    });
    c.backupUser = new iam.User(stack, 'BackupUser', { managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('AWSBackupFullAccess')] });

    c.dataMigration = new dms.CfnDataMigration(stack, 'DataMigration', {
      dataMigrationType: 'full-load',
      migrationProjectIdentifier: 'project',
      serviceAccessRoleArn: ROLE_ARN,
    });
    c.topic = new sns.Topic(stack, 'Topic');
    report = validate(stack);
  });

  test.each([
    ['an Aurora cluster exporting to S3 from SQL', 'exporting', [f('AssociatedRole::s3Export')]],
    ['an Aurora cluster invoking Lambda and importing from S3', 'lambda', [f('AssociatedRole::Lambda'), f('AssociatedRole::s3Import')]],
    ['an RDS instance importing from S3', 'instance', [f('AssociatedRole::s3Import')]],
    ['a feature named by a parameter (unknown is not compliant)', 'paramFeature', [f('CannotEvaluate::AssociatedRoles')]],
    ['a managed policy that copies cluster snapshots', 'copyPolicy', [f('Permission::SnapshotCopied')]],
    ['a policy that exports snapshots and adds a feature role', 'exportPolicy', [f('Permission::AssociatedRole'), f('Permission::SnapshotExported')]],
    ['a user that may share snapshots through a wildcard', 'user', [f('Permission::SnapshotShared')]],
    ['a policy that creates DMS tasks', 'dmsPolicy', [f('Permission::DmsReplication')]],
    ['a policy that restores and starts on-demand backups', 'restorePolicy', [f('Permission::OnDemandBackup'), f('Permission::RestoredCopy')]],
    ['a copy job with no destination bound', 'copyUnbounded', [f('Permission::CopyJobUnbounded')]],
    ['a copy job to a vault in us-east-1', 'copyAbroad', [f('Permission::CopyJobRegion::us-east-1')]],
    ['a copy job to a vault in us-west-2, written with Fn::Sub', 'copySubAbroad', [f('Permission::CopyJobRegion::us-west-2')]],
    ['backup:* with a copy target in any region', 'copyAnyRegion', [f('Permission::CopyJobUnbounded'), f('Permission::OnDemandBackup'), f('Permission::RestoredCopy')]],
    ['a function role holding AWS Backup\'s service policy', 'lambdaWithBackupPolicy', [f('ManagedPolicy::AWSBackupServiceRolePolicyForBackup')]],
    ['a role people of the account can assume beside AWS Backup', 'sharedBackupRole', [f('ManagedPolicy::AWSBackupServiceRolePolicyForRestores')]],
    ['a user with AWSBackupFullAccess', 'backupUser', [f('ManagedPolicy::AWSBackupFullAccess')]],
    ['a DMS data migration', 'dataMigration', [f('DmsReplication')]],
  ])('non-compliant: %s', (_name, key, expected) => {
    expect(ruleFindingsOn(report, c[key], COPY)).toEqual(expected);
  });

  test('non-compliant: rds:* grants every copying call, each reported', () => {
    expect(ruleFindingsOn(report, c.rdsStar, COPY)).toEqual(
      expect.arrayContaining([f('Permission::SnapshotShared'), f('Permission::SnapshotCopied'), f('Permission::SnapshotExported'), f('Permission::ManualSnapshot'), f('Permission::RestoredCopy'), f('Permission::AssociatedRole')]),
    );
  });

  test('non-compliant: "*" on a role and a NotAction on a group reach the copying calls too', () => {
    for (const key of ['everything', 'group']) {
      const found = ruleFindingsOn(report, c[key], COPY);
      expect(found).toEqual(expect.arrayContaining([f('Permission::SnapshotShared'), f('Permission::DmsReplication'), f('Permission::CopyJobUnbounded')]));
    }
  });

  test.each([
    ['a cluster with no feature role', 'plainCluster'],
    ['a policy that only describes', 'describeOnly'],
    ['a copy job bound to a vault in an allowed region', 'copyBounded'],
    ['AWS Backup\'s own service role with its managed policy (the sanctioned path)', 'backupRole'],
  ])('compliant: %s', (_name, key) => {
    expect(ruleFindingsOn(report, c[key], COPY)).toEqual([]);
  });

  test('not applicable: a topic', () => {
    expect(ruleFindingsOn(report, c.topic, COPY)).toEqual([]);
  });
});

describe('the reference stack', () => {
  test('makes no second copy: its backup role is AWS Backup\'s own, its functions and people hold no copying permission', () => {
    const stack = referenceStack();
    const report = validate(stack);
    expect(report.violations.filter((v) => v.ruleName.startsWith(COPY))).toEqual([]);
    // The rule does look at the backup role: trusting the account beside AWS Backup is caught.
    const role = stack.backup.role.node.defaultChild as iam.CfnRole;
    role.addPropertyOverride('AssumeRolePolicyDocument.Statement.1', { Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { AWS: 'arn:aws:iam::111122223333:root' } });
    expect(ruleFindingsOn(validate(stack), role, COPY)).toEqual([f('ManagedPolicy::AWSBackupServiceRolePolicyForBackup')]);
  });
});
