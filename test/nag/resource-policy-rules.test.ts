import { App, CfnParameter, CfnResource, Duration, Stack } from 'aws-cdk-lib';
import type { PolicyValidationPluginReport } from 'aws-cdk-lib';
import * as cloudtrail from 'aws-cdk-lib/aws-cloudtrail';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as cr from 'aws-cdk-lib/custom-resources';
import type { IConstruct } from 'constructs';
import { AuditTrail } from '../../lib/breach/audit-trail';
import type { DeclaredParties } from '../../lib/config/declared';
import { PARIS, ruleFindingsOn, validate } from './helpers';

const RULE = 'GDPR-Art32-ResourcePolicyBounded';
const OWN = PARIS.account;
const PROCESSOR = '444455556666';
const BACKUP = '555566667777';
const STRANGER = '999988887777';
const DECLARED: DeclaredParties = { account: OWN, processorAccounts: [PROCESSOR], backupAccount: BACKUP, erasureBoundDays: 400 };

const doc = (...statements: object[]) => ({ Version: '2012-10-17', Statement: statements });
const allow = (principal: unknown, action: string, condition?: object) => ({
  Effect: 'Allow',
  Principal: principal,
  Action: action,
  Resource: '*',
  ...(condition ? { Condition: condition } : {}),
});

/*
 * Every resource-based policy type, each way of opening it, and the ways of
 * bounding it that must pass. One app, synthesized once: a stack in a known
 * account, and an environment-agnostic one whose account only the
 * configuration declares.
 */
describe(RULE, () => {
  let plain: PolicyValidationPluginReport;
  let declared: PolicyValidationPluginReport;
  const r: Record<string, IConstruct> = {};

  beforeAll(() => {
    const app = new App();
    const stack = new Stack(app, 'S', { env: PARIS });
    const raw = (id: string, type: string, properties: object) => {
      r[id] = new CfnResource(stack, id, { type, properties });
    };
    const keyPolicy = (id: string, ...statements: object[]) => raw(id, 'AWS::KMS::Key', { KeyPolicy: doc(...statements) });
    const param = new CfnParameter(stack, 'AccountParam', { type: 'String', default: OWN });

    // KMS keys.
    r.defaultKey = new kms.Key(stack, 'DefaultKey');
    keyPolicy('publicKey', allow({ AWS: '*' }, 'kms:Decrypt'));
    keyPolicy('publicStarKey', allow('*', 'kms:CreateGrant'));
    keyPolicy('pinnedKey', allow('*', 'kms:Decrypt', { StringEquals: { 'aws:PrincipalAccount': OWN } }));
    keyPolicy('callerAccountKey', allow('*', 'kms:Decrypt', { StringEquals: { 'kms:CallerAccount': OWN, 'kms:ViaService': 'rds.eu-west-3.amazonaws.com' } }));
    keyPolicy('viaServiceOnlyKey', allow('*', 'kms:Decrypt', { StringEquals: { 'kms:ViaService': 'rds.eu-west-3.amazonaws.com' } }));
    keyPolicy('ifExistsKey', allow('*', 'kms:Decrypt', { StringEqualsIfExists: { 'aws:PrincipalAccount': OWN } }));
    keyPolicy('wildcardPinKey', allow('*', 'kms:Decrypt', { StringLike: { 'aws:PrincipalAccount': '*' } }));
    keyPolicy('strangerPinKey', allow('*', 'kms:Decrypt', { StringEquals: { 'aws:PrincipalAccount': STRANGER } }));
    keyPolicy('processorKey', allow({ AWS: `arn:aws:iam::${PROCESSOR}:root` }, 'kms:Decrypt', { StringEquals: { 'kms:ViaService': 's3.eu-west-3.amazonaws.com' } }));
    keyPolicy('backupKey', allow({ AWS: `arn:aws:iam::${BACKUP}:root` }, 'kms:CreateGrant'));
    keyPolicy('paramKey', allow({ AWS: param.valueAsString }, 'kms:Decrypt'));
    keyPolicy('subParamKey', allow({ AWS: { 'Fn::Sub': 'arn:aws:iam::${AccountParam}:root' } }, 'kms:Decrypt'));
    keyPolicy('subOwnKey', allow({ AWS: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root' } }, 'kms:Decrypt'));
    keyPolicy('importKey', allow({ AWS: { 'Fn::ImportValue': 'PartnerAccount' } }, 'kms:Decrypt'));
    keyPolicy('denyOnlyKey', { Effect: 'Deny', Principal: '*', Action: 'kms:*', Resource: '*' });
    keyPolicy('serviceNoSourceKey', allow({ Service: 'logs.eu-west-3.amazonaws.com' }, 'kms:Decrypt'));
    keyPolicy(
      'serviceContextKey',
      allow({ Service: 'logs.eu-west-3.amazonaws.com' }, 'kms:Decrypt', { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:aws:logs:eu-west-3:${OWN}:log-group:*` } }),
    );
    keyPolicy(
      'serviceStrangerContextKey',
      allow({ Service: 'logs.eu-west-3.amazonaws.com' }, 'kms:Decrypt', { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:aws:logs:eu-west-3:${STRANGER}:log-group:*` } }),
    );
    keyPolicy('federatedKey', allow({ Federated: 'cognito-identity.amazonaws.com' }, 'kms:Decrypt'));
    raw('keyPolicyParam', 'AWS::KMS::Key', { KeyPolicy: { Ref: 'AccountParam' } });
    raw('keyConditionIf', 'AWS::KMS::Key', { KeyPolicy: doc(allow('*', 'kms:Decrypt', { 'Fn::If': ['Cond', { StringEquals: { 'aws:PrincipalAccount': OWN } }, { Ref: 'AWS::NoValue' }] })) });
    raw('keyPinParam', 'AWS::KMS::Key', { KeyPolicy: doc(allow('*', 'kms:Decrypt', { StringEquals: { 'aws:PrincipalAccount': { Ref: 'AccountParam' } } })) });

    // Secrets Manager.
    raw('secretStranger', 'AWS::SecretsManager::ResourcePolicy', { SecretId: 'secret', ResourcePolicy: doc(allow({ AWS: STRANGER }, 'secretsmanager:GetSecretValue')) });
    raw('secretAsText', 'AWS::SecretsManager::ResourcePolicy', { SecretId: 'secret', ResourcePolicy: JSON.stringify(doc(allow('*', 'secretsmanager:GetSecretValue'))) });
    raw('secretOwnRole', 'AWS::SecretsManager::ResourcePolicy', {
      SecretId: 'secret',
      ResourcePolicy: doc(allow({ AWS: { 'Fn::GetAtt': ['OwnRoleBD9B6B7F', 'Arn'] } }, 'secretsmanager:GetSecretValue')),
    });
    new iam.CfnRole(stack, 'OwnRoleBD9B6B7F', { assumeRolePolicyDocument: doc(allow({ Service: 'lambda.amazonaws.com' }, 'sts:AssumeRole')) }).overrideLogicalId('OwnRoleBD9B6B7F');

    // S3.
    r.defaultBucket = new s3.Bucket(stack, 'DefaultBucket', { enforceSSL: true });
    raw('bucketPublic', 'AWS::S3::BucketPolicy', { Bucket: 'b', PolicyDocument: doc(allow('*', 's3:GetObject')) });
    raw('bucketAnyAccount', 'AWS::S3::BucketPolicy', { Bucket: 'b', PolicyDocument: doc(allow({ AWS: 'arn:aws:iam::*:root' }, 's3:GetObject')) });
    raw('bucketNotPrincipal', 'AWS::S3::BucketPolicy', { Bucket: 'b', PolicyDocument: doc({ Effect: 'Allow', NotPrincipal: { AWS: `arn:aws:iam::${OWN}:root` }, Action: 's3:GetObject', Resource: '*' }) });
    raw('bucketServiceNoSource', 'AWS::S3::BucketPolicy', { Bucket: 'b', PolicyDocument: doc(allow({ Service: 'logging.s3.amazonaws.com' }, 's3:PutObject')) });
    raw('bucketServiceSourced', 'AWS::S3::BucketPolicy', {
      Bucket: 'b',
      PolicyDocument: doc(allow({ Service: 'logging.s3.amazonaws.com' }, 's3:PutObject', { StringEquals: { 'aws:SourceAccount': OWN } })),
    });
    raw('bucketServiceStrangerSource', 'AWS::S3::BucketPolicy', {
      Bucket: 'b',
      PolicyDocument: doc(allow({ Service: 'logging.s3.amazonaws.com' }, 's3:PutObject', { StringEquals: { 'aws:SourceAccount': STRANGER } })),
    });
    raw('bucketVpcePinned', 'AWS::S3::BucketPolicy', { Bucket: 'b', PolicyDocument: doc(allow('*', 's3:GetObject', { StringEquals: { 'aws:SourceVpce': 'vpce-0a1b2c3d4e5f67890' } })) });
    raw('bucketProcessor', 'AWS::S3::BucketPolicy', { Bucket: 'b', PolicyDocument: doc(allow({ AWS: `arn:aws:iam::${PROCESSOR}:role/statistics` }, 's3:GetObject')) });
    raw('bucketStatementsParam', 'AWS::S3::BucketPolicy', { Bucket: 'b', PolicyDocument: { Version: '2012-10-17', Statement: { 'Fn::If': ['Cond', [], []] } } });
    raw('expressPublic', 'AWS::S3Express::BucketPolicy', { Bucket: 'b--euw3-az1--x-s3', PolicyDocument: doc(allow('*', 's3express:CreateSession')) });

    // SNS and SQS.
    r.topic = new sns.Topic(stack, 'Topic');
    raw('topicServiceNoSource', 'AWS::SNS::TopicPolicy', { Topics: ['t'], PolicyDocument: doc(allow({ Service: 'events.amazonaws.com' }, 'sns:Publish')) });
    raw('topicInlinePublic', 'AWS::SNS::TopicInlinePolicy', { TopicArn: 't', PolicyDocument: doc(allow({ AWS: '*' }, 'sns:Subscribe')) });
    raw('queueOwnSource', 'AWS::SQS::QueuePolicy', {
      Queues: ['q'],
      PolicyDocument: doc(allow('*', 'sqs:SendMessage', { ArnEquals: { 'aws:SourceArn': { Ref: stack.getLogicalId(r.topic.node.defaultChild as CfnResource) } } })),
    });
    raw('queueInlineStranger', 'AWS::SQS::QueueInlinePolicy', { Queue: 'q', PolicyDocument: doc(allow({ AWS: `arn:aws:iam::${STRANGER}:root` }, 'sqs:ReceiveMessage')) });

    // Backup vaults.
    raw('vaultProduction', 'AWS::Backup::BackupVault', { BackupVaultName: 'v', AccessPolicy: doc(allow({ AWS: `arn:aws:iam::${BACKUP}:root` }, 'backup:CopyIntoBackupVault')) });
    raw('airGappedPublic', 'AWS::Backup::LogicallyAirGappedBackupVault', {
      BackupVaultName: 'ag',
      MinRetentionDays: 7,
      MaxRetentionDays: 30,
      AccessPolicy: doc(allow('*', 'backup:CopyIntoBackupVault')),
    });
    raw('vaultNoPolicy', 'AWS::Backup::BackupVault', { BackupVaultName: 'np' });

    // Logs, EFS, OpenSearch.
    raw('logsPublic', 'AWS::Logs::ResourcePolicy', { PolicyName: 'p', PolicyDocument: JSON.stringify(doc(allow('*', 'logs:PutLogEvents'))) });
    raw('logsUnreadable', 'AWS::Logs::ResourcePolicy', { PolicyName: 'p2', PolicyDocument: '{not json' });
    raw('efsStranger', 'AWS::EFS::FileSystem', { FileSystemPolicy: doc(allow({ AWS: STRANGER }, 'elasticfilesystem:ClientMount')) });
    raw('domainPublic', 'AWS::OpenSearchService::Domain', { AccessPolicies: doc(allow({ AWS: '*' }, 'es:ESHttpGet')) });

    // Lambda permissions.
    const rule = new events.Rule(stack, 'Rule', { schedule: events.Schedule.rate(Duration.hours(1)) });
    const permission = (id: string, properties: object) => raw(id, 'AWS::Lambda::Permission', { Action: 'lambda:InvokeFunction', FunctionName: 'f', ...properties });
    permission('permissionPublic', { Principal: '*' });
    permission('permissionUrlPublic', { Action: 'lambda:InvokeFunctionUrl', Principal: '*', FunctionUrlAuthType: 'NONE' });
    permission('permissionServiceNoSource', { Principal: 's3.amazonaws.com' });
    permission('permissionEventsOwnRule', { Principal: 'events.amazonaws.com', SourceArn: { 'Fn::GetAtt': [stack.getLogicalId(rule.node.defaultChild as CfnResource), 'Arn'] } });
    permission('permissionStrangerRule', { Principal: 'events.amazonaws.com', SourceArn: `arn:aws:events:eu-west-3:${STRANGER}:rule/r` });
    permission('permissionS3SourceAccount', { Principal: 's3.amazonaws.com', SourceAccount: OWN, SourceArn: 'arn:aws:s3:::some-bucket' });
    permission('permissionStranger', { Principal: STRANGER });
    permission('permissionOwnAccount', { Principal: OWN });

    // Snapshot shares by an API call.
    const share = (id: string, values: string[]) => {
      const call = new cr.AwsCustomResource(stack, id, {
        onCreate: {
          service: 'RDS',
          action: 'modifyDBClusterSnapshotAttribute',
          parameters: { DBClusterSnapshotIdentifier: 'snap', AttributeName: 'restore', ValuesToAdd: values },
          physicalResourceId: cr.PhysicalResourceId.of(id),
        },
        policy: cr.AwsCustomResourcePolicy.fromSdkCalls({ resources: cr.AwsCustomResourcePolicy.ANY_RESOURCE }),
        installLatestAwsSdk: false,
      });
      r[id] = call.node.findChild('Resource');
    };
    share('shareAll', ['all']);
    share('shareStranger', [STRANGER]);
    share('shareProcessor', [PROCESSOR]);
    raw('shareDynamic', 'AWS::StepFunctions::StateMachine', {
      RoleArn: `arn:aws:iam::${OWN}:role/sfn`,
      DefinitionString: JSON.stringify({
        StartAt: 'Share',
        States: { Share: { Type: 'Task', Resource: 'arn:aws:states:::aws-sdk:rds:modifyDBSnapshotAttribute', Parameters: { 'ValuesToAdd.$': '$.accounts' }, End: true } },
      }),
    });
    raw('snapshotCreator', 'Custom::Snapshot', { ServiceToken: 'arn:aws:lambda:eu-west-3:111122223333:function:f', Call: 'CreateDBClusterSnapshot' });

    // Not applicable.
    r.role = new iam.Role(stack, 'Role', { assumedBy: new iam.AccountPrincipal(STRANGER) });

    // The kit's trail (its bucket policy is bounded) and aws-cdk-lib's trail as it comes (it is not).
    const trailKey = new kms.Key(stack, 'TrailKey');
    r.kitTrail = new AuditTrail(stack, 'KitTrail', { encryptionKey: trailKey, logsKey: trailKey });
    r.cdkTrailBucket = new s3.Bucket(stack, 'CdkTrailBucket', { enforceSSL: true });
    new cloudtrail.Trail(stack, 'CdkTrail', { bucket: r.cdkTrailBucket as s3.Bucket });

    // A stack of no account: only the configuration says which account is its own.
    const agnostic = new Stack(app, 'Agnostic');
    r.agnosticOwnRef = new CfnResource(agnostic, 'OwnRef', { type: 'AWS::KMS::Key', properties: { KeyPolicy: doc(allow({ AWS: { 'Fn::Sub': 'arn:aws:iam::${AWS::AccountId}:root' } }, 'kms:*')) } });
    r.agnosticLiteral = new CfnResource(agnostic, 'Literal', { type: 'AWS::KMS::Key', properties: { KeyPolicy: doc(allow({ AWS: `arn:aws:iam::${OWN}:root` }, 'kms:*')) } });

    plain = validate(app);
    declared = validate(app, { declared: DECLARED });
  });

  const on = (report: PolicyValidationPluginReport, id: string) => ruleFindingsOn(report, r[id], RULE).map((f) => f.slice(RULE.length));
  const both = (id: string) => [on(plain, id), on(declared, id)];

  test('compliant: this account, a pinned principal, a service with a source condition, Deny only', () => {
    for (const id of [
      'defaultKey',
      'pinnedKey',
      'callerAccountKey',
      'subOwnKey',
      'denyOnlyKey',
      'serviceContextKey',
      'secretOwnRole',
      'defaultBucket',
      'bucketServiceSourced',
      'bucketVpcePinned',
      'queueOwnSource',
      'permissionEventsOwnRule',
      'permissionS3SourceAccount',
      'permissionOwnAccount',
    ]) {
      expect([id, ...both(id)]).toEqual([id, [], []]);
    }
  });

  test('non-compliant: anyone (Principal *, AWS *, an account wildcard, NotPrincipal, a condition that pins nothing)', () => {
    for (const id of [
      'publicKey',
      'publicStarKey',
      'viaServiceOnlyKey',
      'ifExistsKey',
      'wildcardPinKey',
      'secretAsText',
      'bucketPublic',
      'bucketAnyAccount',
      'bucketNotPrincipal',
      'expressPublic',
      'topicInlinePublic',
      'airGappedPublic',
      'logsPublic',
      'domainPublic',
      'permissionPublic',
      'permissionUrlPublic',
      'shareAll',
    ]) {
      expect([id, ...both(id)]).toEqual([id, ['[Public]'], ['[Public]']]);
    }
  });

  test('non-compliant: an account nobody declared, named as principal, in a pin, a source or a snapshot share', () => {
    for (const id of ['strangerPinKey', 'secretStranger', 'bucketServiceStrangerSource', 'queueInlineStranger', 'efsStranger', 'permissionStrangerRule', 'permissionStranger', 'shareStranger']) {
      expect([id, ...both(id)]).toEqual([id, [`[Account::${STRANGER}]`], [`[Account::${STRANGER}]`]]);
    }
    // An encryption context of another account's log groups is no source condition of this account.
    expect(both('serviceStrangerContextKey')).toEqual([['[ServiceWithoutSourceCondition::logs.eu-west-3.amazonaws.com]'], ['[ServiceWithoutSourceCondition::logs.eu-west-3.amazonaws.com]']]);
  });

  test('declared processors and backup account are allowed only with the configuration', () => {
    expect(both('processorKey')).toEqual([[`[Account::${PROCESSOR}]`], []]);
    expect(both('bucketProcessor')).toEqual([[`[Account::${PROCESSOR}]`], []]);
    expect(both('backupKey')).toEqual([[`[Account::${BACKUP}]`], []]);
    expect(both('vaultProduction')).toEqual([[`[Account::${BACKUP}]`], []]);
    expect(both('shareProcessor')).toEqual([[`[Account::${PROCESSOR}]`], []]);
  });

  test('non-compliant: a service principal without a source condition (the confused deputy)', () => {
    expect(both('serviceNoSourceKey')[0]).toEqual(['[ServiceWithoutSourceCondition::logs.eu-west-3.amazonaws.com]']);
    expect(both('bucketServiceNoSource')[0]).toEqual(['[ServiceWithoutSourceCondition::logging.s3.amazonaws.com]']);
    expect(both('topicServiceNoSource')[0]).toEqual(['[ServiceWithoutSourceCondition::events.amazonaws.com]']);
    expect(both('permissionServiceNoSource')[0]).toEqual(['[ServiceWithoutSourceCondition::s3.amazonaws.com]']);
  });

  test('unknown is not compliant: a parameter, Fn::Sub of a parameter, an import, Fn::If, unreadable text', () => {
    for (const id of ['paramKey', 'subParamKey', 'importKey', 'federatedKey']) expect([id, ...both(id)]).toEqual([id, ['[CannotEvaluate::Principal]'], ['[CannotEvaluate::Principal]']]);
    expect(both('keyPolicyParam')).toEqual([['[CannotEvaluate::KeyPolicy]'], ['[CannotEvaluate::KeyPolicy]']]);
    expect(both('keyConditionIf')).toEqual([['[CannotEvaluate::Condition]'], ['[CannotEvaluate::Condition]']]);
    expect(both('keyPinParam')).toEqual([['[CannotEvaluate::Condition]'], ['[CannotEvaluate::Condition]']]);
    expect(both('bucketStatementsParam')).toEqual([['[CannotEvaluate::Statement]'], ['[CannotEvaluate::Statement]']]);
    expect(both('logsUnreadable')).toEqual([['[CannotEvaluate::PolicyDocument]'], ['[CannotEvaluate::PolicyDocument]']]);
    expect(both('shareDynamic')).toEqual([['[CannotEvaluate::ValuesToAdd]'], ['[CannotEvaluate::ValuesToAdd]']]);
  });

  test('not applicable: a topic, a vault without a policy, a role, an API call that shares nothing', () => {
    for (const id of ['topic', 'vaultNoPolicy', 'role', 'snapshotCreator']) expect([id, ...both(id)]).toEqual([id, [], []]);
  });

  test("the kit's audit trail bounds CloudTrail by aws:SourceAccount; aws-cdk-lib's trail alone does not", () => {
    const kitPolicy = (r.kitTrail as AuditTrail).bucket.policy as s3.BucketPolicy;
    expect(ruleFindingsOn(plain, kitPolicy, RULE)).toEqual([]);
    const cdkPolicy = (r.cdkTrailBucket as s3.Bucket).policy as s3.BucketPolicy;
    expect(ruleFindingsOn(plain, cdkPolicy, RULE)).toEqual([`${RULE}[ServiceWithoutSourceCondition::cloudtrail.amazonaws.com]`]);
  });

  test("a stack of no account: its own account is the configuration's, never assumed without it", () => {
    expect(both('agnosticOwnRef')).toEqual([[], []]);
    expect(both('agnosticLiteral')).toEqual([[`[Account::${OWN}]`], []]);
  });
});
