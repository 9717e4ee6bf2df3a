import { App, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, NagPack, PCIDSS321Checks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { AirGappedBackupVault } from '../../lib/backup/air-gapped-vault';
import { BackupAccountStack } from '../../lib/backup/backup-account-stack';
import { ContactBackup } from '../../lib/backup/contact-backup';
import { copyVaultName } from '../../lib/backup/copy-vault';
import { LockedBackupVault } from '../../lib/backup/locked-vault';
import { PROTECTED_VAULT_ACTIONS } from '../../lib/backup/vault-access-policy';
import { parseConfig } from '../../lib/config/load';
import { declaredParties } from '../../lib/config/declared';
import { permittedRegions } from '../../lib/config/schema';
import { ContactDatabase } from '../../lib/database/contact-database';
import { CustomerManagedKey } from '../../lib/keys/customer-managed-key';
import { addBaselineChecks } from '../../lib/nag/baseline-checks';
import { GdprChecks } from '../../lib/nag/gdpr-checks';
import { addBaselineStacks } from '../../lib/stacks/baseline-app';
import { ContactBaselineStack } from '../../lib/stacks/contact-baseline-stack';
import { defaultConfigInput } from '../helpers/reference';

/** The baseline's stacks for a configuration, in an app with every check, as bin/app.ts builds them. */
function baseline(change: (cfg: Record<string, any>) => void = () => undefined) {
  const input = defaultConfigInput();
  change(input);
  const config = parseConfig(input);
  const app = new App({ builtinCloudFormationValidation: false });
  const stacks = addBaselineStacks(app, config);
  addBaselineChecks(app, { allowedRegions: permittedRegions(config), declared: declaredParties(config) });
  return { config, stacks };
}

/** The logical id of a construct's CloudFormation resource. */
function logicalId(construct: IConstruct): string {
  const cfn = (construct.node.defaultChild ?? construct) as never;
  return Stack.of(construct).getLogicalId(cfn);
}

/**
 * A value as text, `Fn::Join` flattened, `AWS::Partition` as aws (the CLI's
 * partition-literal flag is not set in tests) and any other reference as `${logical id}`.
 */
function text(value: unknown): string {
  if (typeof value === 'string') return value;
  const v = value as Record<string, any>;
  if (v?.Ref === 'AWS::Partition') return 'aws';
  if (typeof v?.Ref === 'string') return `\${${v.Ref}}`;
  if (Array.isArray(v?.['Fn::Join'])) return (v['Fn::Join'][1] as unknown[]).map(text).join(v['Fn::Join'][0]);
  return JSON.stringify(value);
}

const PACKS: [string, () => NagPack][] = [
  // As bin/app.ts: the reference configuration declares the production and backup accounts the vault and key policies name.
  ['GDPR', () => new GdprChecks(undefined, { declared: declaredParties(parseConfig(defaultConfigInput())) })],
  ['AwsSolutions', () => new AwsSolutionsChecks()],
  ['HIPAA.Security', () => new HIPAASecurityChecks()],
  ['NIST.800.53.R5', () => new NIST80053R5Checks()],
  ['PCI.DSS.321', () => new PCIDSS321Checks()],
];

function unacknowledged(pack: NagPack, scope: IConstruct): string[] {
  return pack.validateScope(scope).violations.map((v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`);
}

describe('with a backup account (the reference configuration)', () => {
  let production: ContactBaselineStack;
  let backupAccount: BackupAccountStack;
  let template: Template;
  let backupTemplate: Template;
  beforeAll(() => {
    const { stacks } = baseline();
    [production, backupAccount] = stacks as [ContactBaselineStack, BackupAccountStack];
    template = Template.fromStack(production);
    backupTemplate = Template.fromStack(backupAccount);
  });

  describe('the production vault', () => {
    test('is encrypted with a customer-managed key of its own, neither the database key nor the logs key', () => {
      const vaultKey = logicalId(production.backup.vault.key);
      template.hasResourceProperties('AWS::Backup::BackupVault', { EncryptionKeyArn: { 'Fn::GetAtt': [vaultKey, 'Arn'] } });
      expect(vaultKey).not.toBe(logicalId(production.database.encryptionKey));
      expect(vaultKey).not.toBe(logicalId(production.logsKey));
      template.hasResource('AWS::KMS::Key', {
        DeletionPolicy: 'Retain',
        Properties: Match.objectLike({ EnableKeyRotation: true, Description: 'Backup vault of the contact database (production account)' }),
      });
    });

    test('is locked in compliance mode with the configured minimum and maximum retention', () => {
      template.hasResource('AWS::Backup::BackupVault', {
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Properties: Match.objectLike({ LockConfiguration: { ChangeableForDays: 3, MinRetentionDays: 7, MaxRetentionDays: 35 } }),
      });
    });

    test('denies every principal the deletion of recovery points and any change to its policy or lock', () => {
      template.hasResourceProperties('AWS::Backup::BackupVault', {
        AccessPolicy: {
          Statement: [
            { Effect: 'Deny', Principal: { AWS: '*' }, Resource: '*', Action: Match.arrayEquals([...PROTECTED_VAULT_ACTIONS]), Sid: Match.anyValue() },
          ],
        },
      });
    });
  });

  describe('the backup plan', () => {
    test('takes a snapshot on the configured schedule and copies it to the backup account, kept 35 days in both vaults', () => {
      template.hasResourceProperties('AWS::Backup::BackupPlan', {
        BackupPlan: {
          BackupPlanRule: Match.arrayWith([
            Match.objectLike({
              RuleName: 'SnapshotCopiedOutOfReach',
              ScheduleExpression: 'cron(0 3 * * ? *)',
              Lifecycle: { DeleteAfterDays: 35 },
              TargetBackupVault: { 'Fn::GetAtt': [logicalId(production.backup.vault.vault), 'BackupVaultName'] },
              CopyActions: [{ DestinationBackupVaultArn: Match.anyValue(), Lifecycle: { DeleteAfterDays: 35 } }],
            }),
          ]),
        },
      });
      const plan = Object.values(template.findResources('AWS::Backup::BackupPlan'))[0] as any;
      expect(text(plan.Properties.BackupPlan.BackupPlanRule[0].CopyActions[0].DestinationBackupVaultArn)).toBe(
        `arn:aws:backup:eu-west-3:555566667777:backup-vault:${copyVaultName('GdprContactBaseline')}`,
      );
    });

    test('keeps continuous backup (point-in-time restore) in the locked vault as long as the cluster keeps its own', () => {
      template.hasResourceProperties('AWS::Backup::BackupPlan', {
        BackupPlan: {
          BackupPlanRule: Match.arrayWith([Match.objectLike({ RuleName: 'ContinuousPointInTime', EnableContinuousBackup: true, Lifecycle: { DeleteAfterDays: 7 } })]),
        },
      });
      template.hasResourceProperties('AWS::RDS::DBCluster', { BackupRetentionPeriod: 7 });
    });

    test('keeps no recovery point longer than the lock maximum, which is within the longest category retention', () => {
      const plan = Object.values(template.findResources('AWS::Backup::BackupPlan'))[0] as any;
      const kept = plan.Properties.BackupPlan.BackupPlanRule.flatMap((r: any) => [
        r.Lifecycle.DeleteAfterDays,
        ...(r.CopyActions ?? []).map((c: any) => c.Lifecycle.DeleteAfterDays),
      ]);
      expect(Math.max(...kept)).toBeLessThanOrEqual(production.backup.maxRetention.toDays());
      expect(production.backup.maxRetention.toDays()).toBeLessThanOrEqual(production.catalog.longestRetentionDays);
    });

    test('selects the Aurora cluster by its ARN, never its instances', () => {
      template.resourceCountIs('AWS::Backup::BackupSelection', 1);
      const selection = (Object.values(template.findResources('AWS::Backup::BackupSelection'))[0] as any).Properties.BackupSelection;
      expect(selection.IamRoleArn).toEqual({ 'Fn::GetAtt': [logicalId(production.backup.role), 'Arn'] });
      expect(selection.Resources.map(text)).toEqual([`arn:aws:rds:eu-west-3:111122223333:cluster:\${${logicalId(production.database.cluster)}}`]);
    });

    test('runs as a role with the AWS Backup policy only, which carries the region guard', () => {
      const role = logicalId(production.backup.role);
      template.hasResourceProperties('AWS::IAM::Role', {
        AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'backup.amazonaws.com' } })] },
        ManagedPolicyArns: [{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup']] }],
      });
      const guard = Object.values(
        template.findResources('AWS::IAM::ManagedPolicy', {
          Properties: { PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Sid: 'DenyOutsidePermittedRegions' })]) } },
        }),
      )[0] as any;
      expect(guard.Properties.Roles).toContainEqual({ Ref: role });
    });

    test('lets the backup account use the database key through RDS only, to re-encrypt the copies under its own key', () => {
      const databaseKey = Object.values(template.findResources('AWS::KMS::Key', { Properties: { Description: Match.stringLikeRegexp('^Contact database') } }))[0] as any;
      const toBackupAccount = databaseKey.Properties.KeyPolicy.Statement.filter((s: any) => text(s.Principal?.AWS) === 'arn:aws:iam::555566667777:root');
      expect(toBackupAccount.map(({ Principal: _principal, ...rest }: any) => rest)).toEqual([
        {
          Sid: 'AllowTheBackupAccountToCopySnapshotsThroughRds',
          Effect: 'Allow',
          Action: ['kms:Decrypt', 'kms:DescribeKey'],
          Resource: '*',
          Condition: { StringEquals: { 'kms:ViaService': 'rds.eu-west-3.amazonaws.com' } },
        },
        {
          // kms:GrantIsForAWSResource exists on grant requests only: a separate statement, or Decrypt would never match
          Sid: 'AllowTheBackupAccountRdsGrantsForTheCopies',
          Effect: 'Allow',
          Action: 'kms:CreateGrant',
          Resource: '*',
          Condition: { StringEquals: { 'kms:ViaService': 'rds.eu-west-3.amazonaws.com' }, Bool: { 'kms:GrantIsForAWSResource': 'true' } },
        },
      ]);
    });
  });

  describe('failure notifications', () => {
    test('every failed, aborted or expired backup, copy and restore job goes to the topic', () => {
      template.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: {
          source: ['aws.backup'],
          'detail-type': ['Backup Job State Change', 'Copy Job State Change', 'Restore Job State Change'],
          detail: { state: ['FAILED', 'ABORTED', 'EXPIRED'] },
        },
        Targets: [Match.objectLike({ Arn: { Ref: logicalId(production.backup.notifications.topic) } })],
      });
    });

    test('the topic is encrypted with its own key, which EventBridge may use for this account\'s rules only, and accepts TLS only', () => {
      const key = logicalId(production.backup.notifications.key);
      template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [key, 'Arn'] } });
      const keyPolicy = template.toJSON().Resources[key].Properties.KeyPolicy.Statement as any[];
      const eventBridge = keyPolicy.filter((s) => s.Principal?.Service === 'events.amazonaws.com');
      expect(eventBridge).toHaveLength(1);
      expect(eventBridge[0]).toMatchObject({ Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Condition: { StringEquals: { 'aws:SourceAccount': '111122223333' } } });
      expect(text(eventBridge[0].Condition.ArnLike['aws:SourceArn'])).toBe('arn:aws:events:eu-west-3:111122223333:rule/*');
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Allow',
              Principal: { Service: 'events.amazonaws.com' },
              Action: 'sns:Publish',
              Condition: {
                ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [logicalId(production.backup.notifications.rule), 'Arn'] } },
                StringEquals: { 'aws:SourceAccount': '111122223333' },
              },
            }),
          ]),
        },
      });
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    });
  });

  describe('restore testing', () => {
    test('restores the latest snapshot of the vault every week', () => {
      template.hasResourceProperties('AWS::Backup::RestoreTestingPlan', {
        ScheduleExpression: 'cron(0 5 ? * SUN *)',
        RecoveryPointSelection: {
          Algorithm: 'LATEST_WITHIN_WINDOW',
          IncludeVaults: [{ 'Fn::GetAtt': [logicalId(production.backup.vault.vault), 'BackupVaultArn'] }],
          RecoveryPointTypes: ['SNAPSHOT'],
          SelectionWindowDays: 7,
        },
      });
    });

    test('restores the cluster into the isolated subnets behind a security group that admits nothing, and deletes it at once', () => {
      const testing = production.backup.restoreTesting;
      template.hasResourceProperties('AWS::Backup::RestoreTestingSelection', {
        ProtectedResourceType: 'Aurora',
        ValidationWindowHours: 0,
        IamRoleArn: { 'Fn::GetAtt': [logicalId(testing.role), 'Arn'] },
        RestoreMetadataOverrides: {
          dbSubnetGroupName: { Ref: logicalId(testing.subnetGroup) },
          vpcSecurityGroupIds: { 'Fn::Join': ['', ['["', { 'Fn::GetAtt': [logicalId(testing.securityGroup), 'GroupId'] }, '"]']] },
          availabilityZones: '["eu-west-3a","eu-west-3b"]',
        },
      });
      const selection = (Object.values(template.findResources('AWS::Backup::RestoreTestingSelection'))[0] as any).Properties;
      expect(selection.ProtectedResourceArns.map(text)).toEqual([`arn:aws:rds:eu-west-3:111122223333:cluster:\${${logicalId(production.database.cluster)}}`]);
      const sg = template.toJSON().Resources[logicalId(testing.securityGroup)];
      expect(sg.Properties.SecurityGroupIngress).toBeUndefined();
      expect(sg.Properties.SecurityGroupEgress).toEqual([expect.objectContaining({ CidrIp: '255.255.255.255/32' })]);
      const ingress = Object.values(template.findResources('AWS::EC2::SecurityGroupIngress')) as any[];
      expect(ingress.filter((i) => JSON.stringify(i).includes(logicalId(testing.securityGroup)))).toEqual([]);
      const subnets = production.network.vpc.selectSubnets(production.network.databaseSubnets).subnets.map((s) => ({ Ref: logicalId(s) }));
      template.hasResourceProperties('AWS::RDS::DBSubnetGroup', { SubnetIds: subnets, DBSubnetGroupDescription: Match.stringLikeRegexp('^Restore tests') });
    });
  });

  describe('the backup account stack', () => {
    test('deploys to the configured backup account and region, with termination protection', () => {
      expect([backupAccount.account, backupAccount.region, backupAccount.terminationProtection]).toEqual(['555566667777', 'eu-west-3', true]);
    });

    test('holds one vault, named for the production stack, with its own key in the backup account and the same lock', () => {
      backupTemplate.resourceCountIs('AWS::Backup::BackupVault', 1);
      backupTemplate.resourceCountIs('AWS::KMS::Key', 1);
      backupTemplate.hasResource('AWS::Backup::BackupVault', {
        DeletionPolicy: 'Retain',
        Properties: Match.objectLike({
          BackupVaultName: 'GdprContactBaseline-contact-copies',
          EncryptionKeyArn: { 'Fn::GetAtt': [logicalId(backupAccount.copyVault.key), 'Arn'] },
          LockConfiguration: { ChangeableForDays: 3, MinRetentionDays: 7, MaxRetentionDays: 35 },
        }),
      });
      const key = Object.values(backupTemplate.findResources('AWS::KMS::Key'))[0] as any;
      const admin = key.Properties.KeyPolicy.Statement.find((s: any) => s.Action === 'kms:*');
      expect(text(admin.Principal.AWS)).toBe('arn:aws:iam::555566667777:root');
    });

    test('accepts copies from the production account only, and denies everyone the deletion of recovery points', () => {
      const vault = Object.values(backupTemplate.findResources('AWS::Backup::BackupVault'))[0] as any;
      const statements = vault.Properties.AccessPolicy.Statement;
      const allowed = statements.filter((s: any) => s.Effect === 'Allow');
      expect(allowed.map((s: any) => [text(s.Principal.AWS), s.Action])).toEqual([['arn:aws:iam::111122223333:root', 'backup:CopyIntoBackupVault']]);
      expect(statements).toContainEqual(expect.objectContaining({ Effect: 'Deny', Principal: { AWS: '*' }, Action: [...PROTECTED_VAULT_ACTIONS] }));
      // The production account gets nothing on the copies' key: it can neither decrypt nor re-key them.
      const key = Object.values(backupTemplate.findResources('AWS::KMS::Key'))[0] as any;
      expect(JSON.stringify(key.Properties.KeyPolicy)).not.toContain('111122223333');
    });

    test.each(PACKS)('%s: no unacknowledged finding', (_name, pack) => {
      expect(unacknowledged(pack(), backupAccount)).toEqual([]);
    });
  });
});

describe('without a backup account: a logically air-gapped vault', () => {
  let production: ContactBaselineStack;
  let stacks: Stack[];
  let template: Template;
  beforeAll(() => {
    ({ stacks } = baseline((c) => delete c.backup.copyTarget));
    production = stacks[0] as ContactBaselineStack;
    template = Template.fromStack(production);
  });

  test('the app has no backup account stack', () => {
    expect(stacks.map((s) => s.stackName)).toEqual(['GdprContactBaseline']);
  });

  test('every snapshot is copied to an air-gapped vault with its own key, the lock bounds and the access policy', () => {
    const vault = production.backup.airGappedVault as AirGappedBackupVault;
    expect(vault).toBeDefined();
    template.hasResource('AWS::Backup::LogicallyAirGappedBackupVault', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({
        EncryptionKeyArn: { 'Fn::GetAtt': [logicalId(vault.key), 'Arn'] },
        MinRetentionDays: 7,
        MaxRetentionDays: 35,
        AccessPolicy: { Statement: [Match.objectLike({ Effect: 'Deny', Principal: { AWS: '*' } })], Version: '2012-10-17' },
      }),
    });
    template.hasResourceProperties('AWS::Backup::BackupPlan', {
      BackupPlan: {
        BackupPlanRule: Match.arrayWith([
          Match.objectLike({ CopyActions: [{ DestinationBackupVaultArn: { 'Fn::GetAtt': [logicalId(vault.resource), 'BackupVaultArn'] }, Lifecycle: { DeleteAfterDays: 35 } }] }),
        ]),
      },
    });
  });

  test('no other account gets any use of the database key', () => {
    const databaseKey = Object.values(template.findResources('AWS::KMS::Key', { Properties: { Description: Match.stringLikeRegexp('^Contact database') } }))[0] as any;
    expect(JSON.stringify(databaseKey.Properties.KeyPolicy)).not.toContain('AllowTheBackupAccount');
  });

  test.each(PACKS)('%s: no unacknowledged finding', (_name, pack) => {
    expect(unacknowledged(pack(), production)).toEqual([]);
  });
});

describe('the constructs refuse a backup that would not hold', () => {
  /** A stack with a contact database, to back up. */
  function databaseStack() {
    const stack = new Stack(new App(), 'S', { env: { account: '111122223333', region: 'eu-west-3' } });
    const vpc = new ec2.Vpc(stack, 'Vpc', {
      availabilityZones: ['eu-west-3a', 'eu-west-3b'],
      natGateways: 0,
      subnetConfiguration: [{ name: 'Data', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 }],
    });
    const subnets = { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };
    const database = new ContactDatabase(stack, 'Db', { vpc, subnets, logsKey: new CustomerManagedKey(stack, 'Logs', { description: 'logs' }) });
    return { stack, vpc, subnets, database, availabilityZones: ['eu-west-3a', 'eu-west-3b'] };
  }

  test('a lock maximum beyond the retention bound (the data would be outlived by its backups)', () => {
    const { stack, ...props } = databaseStack();
    expect(
      () =>
        new ContactBackup(stack, 'Backup', {
          ...props,
          retention: Duration.days(400),
          lock: { minRetention: Duration.days(7), maxRetention: Duration.days(400) },
          retentionBound: Duration.days(365),
        }),
    ).toThrow(/lock\.maxRetention \(400 days\) exceeds the retention bound \(365 days\): backups must not outlive the data they hold/);
  });

  test('a retention the lock would refuse', () => {
    const { stack, ...props } = databaseStack();
    expect(() => new ContactBackup(stack, 'Backup', { ...props, retention: Duration.days(60), lock: { minRetention: Duration.days(7), maxRetention: Duration.days(35) } })).toThrow(
      /retention \(60 days\) exceeds lock\.maxRetention \(35 days\); the lock would refuse every snapshot/,
    );
  });

  test('continuous backup longer than AWS Backup allows', () => {
    const { stack, ...props } = databaseStack();
    expect(
      () =>
        new ContactBackup(stack, 'Backup', {
          ...props,
          retention: Duration.days(60),
          continuousRetention: Duration.days(40),
          lock: { minRetention: Duration.days(7), maxRetention: Duration.days(60) },
        }),
    ).toThrow(/continuousRetention must be between lock\.minRetention \(7 days\) and 35 days .*; got 40 days/);
  });

  test('a lock that stays changeable less than 3 days (governance mode)', () => {
    const { stack } = databaseStack();
    expect(
      () => new LockedBackupVault(stack, 'Vault', { description: 'x', lock: { minRetention: Duration.days(7), maxRetention: Duration.days(35), changeableFor: Duration.days(1) } }),
    ).toThrow(/lock\.changeableFor must be at least 3 days for a compliance-mode lock; got 1 days/);
  });

  test('an air-gapped vault keeping recovery points less than 7 days', () => {
    const { stack } = databaseStack();
    expect(() => new AirGappedBackupVault(stack, 'Vault', { description: 'x', minRetention: Duration.days(3), maxRetention: Duration.days(35) })).toThrow(
      /a logically air-gapped vault keeps recovery points at least 7 days; got minRetention 3 days/,
    );
  });

  test('turning continuous backup off leaves a warning on the construct and no continuous rule', () => {
    const { stack, ...props } = databaseStack();
    new ContactBackup(stack, 'Backup', { ...props, continuousBackup: false });
    Annotations.fromStack(stack).hasWarning('/S/Backup', Match.stringLikeRegexp('Continuous backup is off'));
    const plan = Object.values(Template.fromStack(stack).findResources('AWS::Backup::BackupPlan'))[0] as any;
    expect(plan.Properties.BackupPlan.BackupPlanRule.map((r: any) => r.RuleName)).toEqual(['SnapshotCopiedOutOfReach']);
  });

  test('a backup account stack without a backup account in the configuration', () => {
    const input = defaultConfigInput();
    delete input.backup.copyTarget;
    expect(() => new BackupAccountStack(new App(), 'B', { config: parseConfig(input), productionStackName: 'P' })).toThrow(
      /the configuration has no backup\.copyTarget/,
    );
  });

  test('a production stack name too long to name the copy vault', () => {
    expect(() => copyVaultName('x'.repeat(40))).toThrow(/a vault name is 2 to 50 letters, digits, - or _; shorten the production stack name/);
  });
});
