import { App, CfnCondition, CfnParameter, Fn, Stack } from 'aws-cdk-lib';
import type { PolicyValidationPluginReport } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import { evaluability } from '../../lib/nag/unknown';
import { newStack, PARIS, ruleFindingsOn, validate } from './helpers';

const CMK = 'GDPR-Art32-EncryptedWithCmk';

describe('unknown is not compliant: Art32-EncryptedWithCmk', () => {
  let report: PolicyValidationPluginReport;
  let crossReport: PolicyValidationPluginReport;
  const c: Record<string, logs.CfnLogGroup | rds.CfnDBCluster> = {};
  let stack: Stack;
  let consumer: logs.LogGroup;
  let importedUnknown: logs.CfnLogGroup;

  beforeAll(() => {
    stack = newStack();
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    const keyParam = new CfnParameter(stack, 'KeyParam', { type: 'String', default: 'alias/aws/rds' });
    const encryptedParam = new CfnParameter(stack, 'EncryptedParam', { type: 'String', default: 'true' });
    const isProd = new CfnCondition(stack, 'IsProd', { expression: Fn.conditionEquals(keyParam.valueAsString, 'x') });
    const noValue = Fn.ref('AWS::NoValue');
    const cluster = (id: string, props: Partial<rds.CfnDBClusterProps>) =>
      new rds.CfnDBCluster(stack, id, { engine: 'aurora-postgresql', storageEncrypted: true, kmsKeyId: key.keyArn, ...props });
    c.keyParam = cluster('ClusterKeyParam', { kmsKeyId: keyParam.valueAsString });
    c.keyNoValue = cluster('ClusterKeyNoValue', { kmsKeyId: noValue });
    c.keyMissing = cluster('ClusterKeyMissing', { kmsKeyId: undefined });
    c.keyIfRemoves = cluster('ClusterKeyIfRemoves', { kmsKeyId: Fn.conditionIf(isProd.logicalId, key.keyArn, noValue).toString() });
    c.keyIfBothCmk = cluster('ClusterKeyIfBothCmk', { kmsKeyId: Fn.conditionIf(isProd.logicalId, key.keyArn, key.keyId).toString() });
    c.keyIfAwsManaged = cluster('ClusterKeyIfAwsManaged', { kmsKeyId: Fn.conditionIf(isProd.logicalId, key.keyArn, 'alias/aws/rds').toString() });
    c.encryptedParam = cluster('ClusterEncryptedParam', { storageEncrypted: encryptedParam.valueAsString as unknown as boolean });
    c.encryptedIf = cluster('ClusterEncryptedIf', { storageEncrypted: Fn.conditionIf(isProd.logicalId, true, false) as unknown as boolean });
    c.encryptedFalseKeyParam = cluster('ClusterNotEncryptedKeyParam', { storageEncrypted: false, kmsKeyId: keyParam.valueAsString });
    c.keySubParam = cluster('ClusterKeySubParam', { kmsKeyId: Fn.sub('arn:aws:kms:eu-west-3:111122223333:${K}', { K: keyParam.valueAsString }) });
    c.keySelectParam = cluster('ClusterKeySelectParam', { kmsKeyId: Fn.select(0, [keyParam.valueAsString, key.keyArn]) });
    c.keySelectKnown = cluster('ClusterKeySelectKnown', { kmsKeyId: Fn.select(1, ['x', key.keyArn]) });
    c.keyImportUnknown = cluster('ClusterKeyImportUnknown', { kmsKeyId: Fn.importValue('OtherApp-KeyArn') });
    c.cmk = cluster('ClusterCmk', {});
    importedUnknown = new logs.CfnLogGroup(stack, 'LogsImportUnknown', { kmsKeyId: Fn.importValue('OtherApp-KeyArn') });
    report = validate(stack);

    // At synth CDK writes a cross-stack reference as Fn::ImportValue: the export of a stack of the same app is known.
    const app = new App();
    const producer = new Stack(app, 'Producer', { env: PARIS });
    const shared = new kms.Key(producer, 'SharedKey', { enableKeyRotation: true });
    const consumerStack = new Stack(app, 'Consumer', { env: PARIS });
    consumer = new logs.LogGroup(consumerStack, 'Logs', { encryptionKey: shared });
    app.synth();
    crossReport = validate(app);
  });

  test.each([
    ['a key given by a parameter (default alias/aws/rds)', 'keyParam', 'KmsKeyId'],
    ['an Fn::If with one branch removing the key', 'keyIfRemoves', 'KmsKeyId'],
    ['an Fn::If with one branch an AWS-managed key', 'keyIfAwsManaged', 'KmsKeyId'],
    ['StorageEncrypted given by a parameter', 'encryptedParam', 'StorageEncrypted'],
    ['StorageEncrypted as Fn::If true/false', 'encryptedIf', 'StorageEncrypted'],
    ['a key ARN built with Fn::Sub over a parameter', 'keySubParam', 'KmsKeyId'],
    ['a key chosen by Fn::Select among a parameter', 'keySelectParam', 'KmsKeyId'],
    ['an import no stack of the app exports', 'keyImportUnknown', 'KmsKeyId'],
  ])('cannot evaluate: %s', (_what, id, property) => {
    expect(ruleFindingsOn(report, c[id], CMK)).toEqual([`${CMK}[CannotEvaluate::${property}]`]);
  });

  test.each([
    ['a key removed by AWS::NoValue is no key', 'keyNoValue'],
    ['a missing key', 'keyMissing'],
    ['not encrypted, whatever the key parameter says', 'encryptedFalseKeyParam'],
  ])('non-compliant: %s', (_what, id) => {
    expect(ruleFindingsOn(report, c[id], CMK)).toEqual([CMK]);
  });

  test.each([
    ['an Fn::If whose branches are both the stack key', 'keyIfBothCmk'],
    ['an Fn::Select over known values', 'keySelectKnown'],
    ['a kms.Key of the stack', 'cmk'],
  ])('compliant: %s', (_what, id) => {
    expect(ruleFindingsOn(report, c[id], CMK)).toEqual([]);
  });

  test('a log group whose key is imported from no stack of the app cannot be evaluated', () => {
    expect(ruleFindingsOn(report, importedUnknown, CMK)).toEqual([`${CMK}[CannotEvaluate::KmsKeyId]`]);
  });

  test('a cross-stack key of the same app (Fn::ImportValue at synth) is known and compliant', () => {
    const cfn = consumer.node.defaultChild as logs.CfnLogGroup;
    expect(JSON.stringify(Stack.of(cfn).resolve(cfn._toCloudFormation()))).toContain('Fn::ImportValue');
    expect(evaluability(cfn, Stack.of(cfn).resolve(cfn.kmsKeyId))).toBe('known');
    expect(ruleFindingsOn(crossReport, consumer, CMK)).toEqual([]);
  });

  test('evaluability: pseudo parameters are known, AWS::NoValue removed, a parameter unknown', () => {
    const node = c.cmk;
    expect(evaluability(node, { Ref: 'AWS::Region' })).toBe('known');
    expect(evaluability(node, { Ref: 'AWS::NoValue' })).toBe('removed');
    expect(evaluability(node, { Ref: 'KeyParam' })).toBe('unknown');
    expect(evaluability(node, { 'Fn::If': ['IsProd', 'a', 'a'] })).toBe('unknown');
    expect(evaluability(node, { 'Fn::FindInMap': ['M', { Ref: 'AWS::Region' }, 'k'] })).toBe('known');
    expect(evaluability(node, { 'Fn::FindInMap': ['M', { Ref: 'KeyParam' }, 'k'] })).toBe('unknown');
    expect(evaluability(node, { 'Fn::Sub': 'arn:${AWS::Partition}:kms:${KeyParam}' })).toBe('unknown');
    expect(evaluability(node, { 'Fn::Sub': 'arn:${AWS::Partition}:kms:${!Literal}' })).toBe('known');
  });
});

describe('unknown is not compliant: database properties and trusted accounts', () => {
  let report: PolicyValidationPluginReport;
  const c: Record<string, rds.CfnDBCluster | iam.CfnRole> = {};
  const bounded = {
    StringEquals: { 'sts:ExternalId': 'agreed-id' },
    DateLessThan: { 'aws:CurrentTime': '2027-01-01T00:00:00Z' },
  };
  const trust = (aws: unknown) => ({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { AWS: aws }, Condition: bounded }],
  });

  beforeAll(() => {
    const stack = newStack();
    const flag = new CfnParameter(stack, 'FlagParam', { type: 'String', default: 'true' });
    new CfnParameter(stack, 'AccountParam', { type: 'String', default: '111122223333' });
    const cond = new CfnCondition(stack, 'IsProd', { expression: Fn.conditionEquals(flag.valueAsString, 'x') });
    const db = (id: string, props: Partial<rds.CfnDBClusterProps>) =>
      new rds.CfnDBCluster(stack, id, { engine: 'aurora-postgresql', deletionProtection: true, enableIamDatabaseAuthentication: true, ...props });
    const param = flag.valueAsString as unknown as boolean;
    c.protectionParam = db('ProtectionParam', { deletionProtection: param });
    c.protectionIf = db('ProtectionIf', { deletionProtection: Fn.conditionIf(cond.logicalId, true, false) as unknown as boolean });
    c.protectionNoValue = db('ProtectionNoValue', { deletionProtection: Fn.ref('AWS::NoValue') as unknown as boolean });
    c.iamAuthParam = db('IamAuthParam', { enableIamDatabaseAuthentication: param });
    c.publicParam = db('PublicParam', {});
    (c.publicParam as rds.CfnDBCluster).addPropertyOverride('PubliclyAccessible', { Ref: 'FlagParam' });
    c.known = db('Known', {});
    c.trustParam = new iam.CfnRole(stack, 'TrustParam', { assumeRolePolicyDocument: trust({ Ref: 'AccountParam' }) });
    c.trustSubParam = new iam.CfnRole(stack, 'TrustSubParam', {
      assumeRolePolicyDocument: trust({ 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AccountParam}:root' }),
    });
    c.trustJoinParam = new iam.CfnRole(stack, 'TrustJoinParam', {
      assumeRolePolicyDocument: trust({ 'Fn::Join': ['', ['arn:aws:iam::', { Ref: 'AccountParam' }, ':root']] }),
    });
    c.trustSubLiteral = new iam.CfnRole(stack, 'TrustSubLiteral', {
      assumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { AWS: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::999988887777:root' } } }],
      },
    });
    c.trustOwn = new iam.CfnRole(stack, 'TrustOwn', {
      assumeRolePolicyDocument: trust({ 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root' }),
    });
    c.trustBounded = new iam.CfnRole(stack, 'TrustBounded', { assumeRolePolicyDocument: trust('999988887777') });
    report = validate(stack);
  });

  test.each([
    ['DeletionProtection as a parameter', 'protectionParam', 'GDPR-Art5-DatabaseDeletionProtected', 'DeletionProtection'],
    ['DeletionProtection as Fn::If true/false', 'protectionIf', 'GDPR-Art5-DatabaseDeletionProtected', 'DeletionProtection'],
    ['EnableIAMDatabaseAuthentication as a parameter', 'iamAuthParam', 'GDPR-Art32-DatabaseIamAuth', 'EnableIAMDatabaseAuthentication'],
    ['PubliclyAccessible as a parameter', 'publicParam', 'GDPR-Art25-DatabaseNotPublic', 'PubliclyAccessible'],
    ['a trusted account given by a parameter', 'trustParam', 'GDPR-Art28-ProcessorTrustBounded', 'Principal'],
    ['a trusted account in an Fn::Sub over a parameter', 'trustSubParam', 'GDPR-Art28-ProcessorTrustBounded', 'Principal'],
    ['a trusted account in an Fn::Join over a parameter', 'trustJoinParam', 'GDPR-Art28-ProcessorTrustBounded', 'Principal'],
  ])('cannot evaluate: %s', (_what, id, rule, property) => {
    expect(ruleFindingsOn(report, c[id], rule)).toEqual([`${rule}[CannotEvaluate::${property}]`]);
  });

  test('DeletionProtection removed by AWS::NoValue is off', () => {
    expect(ruleFindingsOn(report, c.protectionNoValue, 'GDPR-Art5-DatabaseDeletionProtected')).toEqual(['GDPR-Art5-DatabaseDeletionProtected']);
  });

  test('a literal other account inside Fn::Sub is read (unbounded trust is reported), not passed as unknown', () => {
    expect(ruleFindingsOn(report, c.trustSubLiteral, 'GDPR-Art28-ProcessorTrustBounded')).toEqual([
      'GDPR-Art28-ProcessorTrustBounded[Expiry::999988887777]',
      'GDPR-Art28-ProcessorTrustBounded[ExternalId::999988887777]',
    ]);
  });

  test.each([
    ['literal database properties', 'known', 'GDPR-Art5-DatabaseDeletionProtected'],
    ['literal database properties (IAM auth)', 'known', 'GDPR-Art32-DatabaseIamAuth'],
    ['the own account through Fn::Sub of AWS::AccountId', 'trustOwn', 'GDPR-Art28-ProcessorTrustBounded'],
    ['a literal account with external id and expiry', 'trustBounded', 'GDPR-Art28-ProcessorTrustBounded'],
  ])('compliant or not applicable: %s', (_what, id, rule) => {
    expect(ruleFindingsOn(report, c[id], rule)).toEqual([]);
  });
});
