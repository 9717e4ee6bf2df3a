import { CfnCondition, CfnParameter, CfnResource, Fn } from 'aws-cdk-lib';
import type { PolicyValidationPluginReport } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as rds from 'aws-cdk-lib/aws-rds';
import { newStack, ruleFindingsOn, validate } from './helpers';

const ROTATED = 'GDPR-Art32-DataKeyRotated';

describe(ROTATED, () => {
  let report: PolicyValidationPluginReport;
  const k: Record<string, kms.Key | kms.CfnKey> = {};

  beforeAll(() => {
    const stack = newStack();
    const flag = new CfnParameter(stack, 'RotateParam', { type: 'String', default: 'true' });
    const cond = new CfnCondition(stack, 'IsProd', { expression: Fn.conditionEquals(flag.valueAsString, 'x') });
    k.rotated = new kms.Key(stack, 'Rotated', { enableKeyRotation: true });
    k.notRotated = new kms.Key(stack, 'NotRotated');
    k.notRotatedL1 = new kms.CfnKey(stack, 'NotRotatedL1', { keySpec: 'SYMMETRIC_DEFAULT', enableKeyRotation: false });
    k.external = new kms.CfnKey(stack, 'External', { enableKeyRotation: true, origin: 'EXTERNAL' });
    k.rotateParam = new kms.CfnKey(stack, 'RotateParamKey', { enableKeyRotation: flag.valueAsString as unknown as boolean });
    k.rotateIf = new kms.CfnKey(stack, 'RotateIfKey', { enableKeyRotation: Fn.conditionIf(cond.logicalId, true, false) as unknown as boolean });
    k.rsa = new kms.Key(stack, 'Rsa', { keySpec: kms.KeySpec.RSA_2048, keyUsage: kms.KeyUsage.SIGN_VERIFY });
    k.hmac = new kms.Key(stack, 'Hmac', { keySpec: kms.KeySpec.HMAC_256, keyUsage: kms.KeyUsage.GENERATE_VERIFY_MAC });
    report = validate(stack);
  });

  test.each([
    ['a kms.Key without rotation', 'notRotated'],
    ['an L1 symmetric key with rotation off', 'notRotatedL1'],
    ['imported key material (cannot rotate automatically)', 'external'],
  ])('non-compliant: %s', (_what, id) => {
    expect(ruleFindingsOn(report, k[id], ROTATED)).toEqual([ROTATED]);
  });

  test.each([
    ['rotation given by a parameter', 'rotateParam'],
    ['rotation as Fn::If true/false', 'rotateIf'],
  ])('cannot evaluate: %s', (_what, id) => {
    expect(ruleFindingsOn(report, k[id], ROTATED)).toEqual([`${ROTATED}[CannotEvaluate::EnableKeyRotation]`]);
  });

  test('compliant: a symmetric key with rotation on', () => {
    expect(ruleFindingsOn(report, k.rotated, ROTATED)).toEqual([]);
  });

  test.each([
    ['an RSA signing key', 'rsa'],
    ['an HMAC key', 'hmac'],
  ])('not applicable: %s (cannot encrypt a store)', (_what, id) => {
    expect(ruleFindingsOn(report, k[id], ROTATED)).toEqual([]);
  });
});

const BOUND = 'GDPR-Art5-BackupWithinErasureBound';
const DECLARED = { account: '111122223333', processorAccounts: [], erasureBoundDays: 30 };

describe(BOUND, () => {
  let withBound: PolicyValidationPluginReport;
  let noBound: PolicyValidationPluginReport;
  const r: Record<string, CfnResource> = {};

  beforeAll(() => {
    const stack = newStack();
    const days = new CfnParameter(stack, 'DaysParam', { type: 'Number', default: 7 });
    const plan = (id: string, rule: Record<string, unknown>) =>
      new backup.CfnBackupPlan(stack, id, {
        backupPlan: { backupPlanName: id, backupPlanRule: [{ ruleName: 'Daily', targetBackupVault: 'v', ...rule }] },
      });
    r.planWithin = plan('PlanWithin', { lifecycle: { deleteAfterDays: 30 }, copyActions: [{ destinationBackupVaultArn: 'arn', lifecycle: { deleteAfterDays: 7 } }] });
    r.planBeyond = plan('PlanBeyond', { lifecycle: { deleteAfterDays: 31 } });
    r.planForever = plan('PlanForever', {});
    r.copyBeyond = plan('CopyBeyond', { lifecycle: { deleteAfterDays: 7 }, copyActions: [{ destinationBackupVaultArn: 'arn', lifecycle: { deleteAfterDays: 365 } }] });
    r.copyForever = plan('CopyForever', { lifecycle: { deleteAfterDays: 7 }, copyActions: [{ destinationBackupVaultArn: 'arn' }] });
    r.planParam = plan('PlanParam', { lifecycle: { deleteAfterDays: days.valueAsNumber } });
    r.vaultWithin = new backup.CfnBackupVault(stack, 'VaultWithin', { backupVaultName: 'a', lockConfiguration: { minRetentionDays: 7, maxRetentionDays: 30 } });
    r.vaultBeyond = new backup.CfnBackupVault(stack, 'VaultBeyond', { backupVaultName: 'b', lockConfiguration: { minRetentionDays: 7, maxRetentionDays: 3650 } });
    r.vaultUnlocked = new backup.CfnBackupVault(stack, 'VaultUnlocked', { backupVaultName: 'c' });
    r.airGappedBeyond = new backup.CfnLogicallyAirGappedBackupVault(stack, 'AirGappedBeyond', { backupVaultName: 'd', minRetentionDays: 7, maxRetentionDays: 100 });
    r.airGappedWithin = new backup.CfnLogicallyAirGappedBackupVault(stack, 'AirGappedWithin', { backupVaultName: 'e', minRetentionDays: 7, maxRetentionDays: 30 });
    r.dbWithin = new rds.CfnDBCluster(stack, 'DbWithin', { engine: 'aurora-postgresql', backupRetentionPeriod: 7 });
    r.dbBeyond = new rds.CfnDBCluster(stack, 'DbBeyond', { engine: 'aurora-postgresql', backupRetentionPeriod: 35 });
    r.dbParam = new rds.CfnDBCluster(stack, 'DbParam', { engine: 'aurora-postgresql', backupRetentionPeriod: days.valueAsNumber });
    r.queue = new CfnResource(stack, 'Queue', { type: 'AWS::SQS::Queue' });
    withBound = validate(stack, { declared: DECLARED });
    noBound = validate(stack);
  });

  test.each([
    ['a plan rule beyond the bound', 'planBeyond', ['BeyondBound::Daily.DeleteAfterDays']],
    ['a plan rule kept forever', 'planForever', ['KeptForever::Daily.DeleteAfterDays']],
    ['a copy action beyond the bound', 'copyBeyond', ['BeyondBound::Daily.CopyActions.0.DeleteAfterDays']],
    ['a copy action kept forever', 'copyForever', ['KeptForever::Daily.CopyActions.0.DeleteAfterDays']],
    ['a plan lifecycle given by a parameter', 'planParam', ['CannotEvaluate::Daily.DeleteAfterDays']],
    ['a vault lock maximum beyond the bound', 'vaultBeyond', ['BeyondBound::MaxRetentionDays']],
    ['an air-gapped vault maximum beyond the bound', 'airGappedBeyond', ['BeyondBound::MaxRetentionDays']],
    ['a database restore window beyond the bound', 'dbBeyond', ['BeyondBound::BackupRetentionPeriod']],
    ['a database restore window given by a parameter', 'dbParam', ['CannotEvaluate::BackupRetentionPeriod']],
  ])('with a bound of 30 days, non-compliant: %s', (_what, id, found) => {
    expect(ruleFindingsOn(withBound, r[id], BOUND)).toEqual(found.map((f) => `${BOUND}[${f}]`));
  });

  test.each([['planWithin'], ['vaultWithin'], ['airGappedWithin'], ['dbWithin']])('with a bound, compliant: %s', (id) => {
    expect(ruleFindingsOn(withBound, r[id], BOUND)).toEqual([]);
  });

  test.each([['vaultUnlocked'], ['queue']])('not applicable: %s', (id) => {
    expect(ruleFindingsOn(withBound, r[id], BOUND)).toEqual([]);
  });

  test('without a configuration no bound is checked, but kept forever and unknown are still findings', () => {
    for (const id of ['planBeyond', 'copyBeyond', 'vaultBeyond', 'airGappedBeyond', 'dbBeyond']) expect(ruleFindingsOn(noBound, r[id], BOUND)).toEqual([]);
    expect(ruleFindingsOn(noBound, r.planForever, BOUND)).toEqual([`${BOUND}[KeptForever::Daily.DeleteAfterDays]`]);
    expect(ruleFindingsOn(noBound, r.copyForever, BOUND)).toEqual([`${BOUND}[KeptForever::Daily.CopyActions.0.DeleteAfterDays]`]);
    expect(ruleFindingsOn(noBound, r.dbParam, BOUND)).toEqual([`${BOUND}[CannotEvaluate::BackupRetentionPeriod]`]);
  });
});

const CMK = 'GDPR-Art32-EncryptedWithCmk';

describe(`${CMK}: more store types`, () => {
  let report: PolicyValidationPluginReport;
  const good: Record<string, CfnResource> = {};
  const bad: Record<string, CfnResource> = {};
  // [type, compliant properties (key = a stack kms.Key ARN), non-compliant properties]
  const cases = (key: string): [string, Record<string, unknown>, Record<string, unknown>][] => [
    ['AWS::DocDB::DBCluster', { StorageEncrypted: true, KmsKeyId: key }, { StorageEncrypted: true }],
    ['AWS::Neptune::DBCluster', { StorageEncrypted: true, KmsKeyId: key }, { StorageEncrypted: false, KmsKeyId: key }],
    ['AWS::Redshift::Cluster', { Encrypted: true, KmsKeyId: key }, { Encrypted: true, KmsKeyId: 'alias/aws/redshift' }],
    ['AWS::RedshiftServerless::Namespace', { NamespaceName: 'n', KmsKeyId: key }, { NamespaceName: 'n' }],
    ['AWS::OpenSearchService::Domain', { EncryptionAtRestOptions: { Enabled: true, KmsKeyId: key } }, { EncryptionAtRestOptions: { Enabled: true } }],
    ['AWS::Elasticsearch::Domain', { EncryptionAtRestOptions: { Enabled: true, KmsKeyId: key } }, { EncryptionAtRestOptions: { Enabled: false, KmsKeyId: key } }],
    ['AWS::ElastiCache::ReplicationGroup', { AtRestEncryptionEnabled: true, KmsKeyId: key }, { AtRestEncryptionEnabled: true }],
    ['AWS::ElastiCache::ServerlessCache', { KmsKeyId: key }, {}],
    ['AWS::MemoryDB::Cluster', { KmsKeyId: key }, {}],
    ['AWS::EC2::Volume', { Encrypted: true, KmsKeyId: key }, { Encrypted: true, KmsKeyId: 'alias/aws/ebs' }],
    ['AWS::EC2::Instance', { BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { Encrypted: true, KmsKeyId: key } }] }, {}],
    [
      'AWS::EC2::LaunchTemplate',
      { LaunchTemplateData: { BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { Encrypted: true, KmsKeyId: key } }] } },
      { LaunchTemplateData: { BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { Encrypted: false } }] } },
    ],
    [
      'AWS::DynamoDB::GlobalTable',
      { SSESpecification: { SSEEnabled: true, SSEType: 'KMS' }, Replicas: [{ Region: 'eu-west-3', SSESpecification: { KMSMasterKeyId: key } }] },
      { SSESpecification: { SSEEnabled: true, SSEType: 'KMS' }, Replicas: [{ Region: 'eu-west-3', SSESpecification: { KMSMasterKeyId: key } }, { Region: 'eu-west-1' }] },
    ],
    [
      'AWS::S3Express::DirectoryBucket',
      { BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: key } }] } },
      { BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] } },
    ],
  ];

  beforeAll(() => {
    const stack = newStack();
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    cases(key.keyArn).forEach(([type, compliant, nonCompliant], i) => {
      good[type] = new CfnResource(stack, `Good${i}`, { type, properties: compliant });
      bad[type] = new CfnResource(stack, `Bad${i}`, { type, properties: nonCompliant });
    });
    report = validate(stack);
  });

  test.each(cases('k').map(([type]) => [type]))('%s: compliant with a stack key, non-compliant without encryption or with no/an AWS-managed key', (type) => {
    expect(ruleFindingsOn(report, good[type], CMK)).toEqual([]);
    expect(ruleFindingsOn(report, bad[type], CMK)).toEqual([CMK]);
  });
});
