import { CfnParameter, Fn } from 'aws-cdk-lib';
import type { PolicyValidationPluginReport } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sso from 'aws-cdk-lib/aws-sso';
import { PROCESSOR_TAG } from '../../lib/marks/tags';
import { referenceStack } from '../helpers/reference';
import { logicalIdOf, newStack, ruleFindingsOn, validate } from './helpers';

/*
 * Attacks on the role catalog: a role that reaches personal data beside it
 * (a broad AWS-managed policy, a wildcard that is not the literal "*", a
 * processor reading beyond its prefix, a database login trusted by an
 * external id instead of MFA) is a finding.
 */

const BROAD = 'GDPR-Art32-NoBroadManagedPolicy';
const WILDCARD = 'GDPR-Art32-NoWildcardDataAccess';
const PREFIX = 'GDPR-Art28-ProcessorReadsOwnPrefix';
const DB_MFA = 'GDPR-Art32-DatabaseRoleRequiresMfa';
const MFA = { Bool: { 'aws:MultiFactorAuthPresent': 'true' } };
const DB_USER = 'arn:aws:rds-db:eu-west-3:111122223333:dbuser:cluster-ABCDEFGHIJKLMNOPQRSTUVWXYZ/marketing';

/** Tags the role's resource itself (validation runs before synthesis applies Tags aspects). */
const tagProcessor = (role: iam.Role, name: string) => (role.node.defaultChild as iam.CfnRole).tags.setTag(PROCESSOR_TAG, name);
const aws = (name: string) => iam.ManagedPolicy.fromAwsManagedPolicyName(name);
const human = (scope: import('constructs').Construct, id: string, props: Partial<iam.RoleProps> = {}) =>
  new iam.Role(scope, id, { assumedBy: new iam.AccountRootPrincipal().withConditions(MFA), ...props });

describe(BROAD, () => {
  let report: PolicyValidationPluginReport;
  const c: Record<string, any> = {};

  beforeAll(() => {
    const stack = newStack();
    const param = new CfnParameter(stack, 'PolicyArn', { type: 'String' });
    c.admin = human(stack, 'Admin', { managedPolicies: [aws('AdministratorAccess')] });
    c.readOnly = human(stack, 'ReadOnly', { managedPolicies: [aws('ReadOnlyAccess'), aws('AmazonS3ReadOnlyAccess')] });
    c.dba = human(stack, 'Dba', { managedPolicies: [aws('job-function/DatabaseAdministrator')] });
    c.functionRole = new iam.Role(stack, 'Function', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'), managedPolicies: [aws('SecretsManagerReadWrite')] });
    c.user = new iam.User(stack, 'User', { managedPolicies: [aws('AmazonRDSFullAccess')] });
    c.group = new iam.Group(stack, 'Group', { managedPolicies: [aws('AWSKeyManagementServicePowerUser')] });
    c.permissionSet = new sso.CfnPermissionSet(stack, 'PermissionSet', {
      instanceArn: 'arn:aws:sso:::instance/ssoins-1234567890abcdef',
      name: 'ContactPower',
      managedPolicies: ['arn:aws:iam::aws:policy/PowerUserAccess'],
    });
    c.customerManaged = human(stack, 'CustomerManaged', {
      managedPolicies: [iam.ManagedPolicy.fromManagedPolicyArn(stack, 'Outside', 'arn:aws:iam::111122223333:policy/TeamPolicy')],
    });
    c.parameter = human(stack, 'Parameter', { managedPolicies: [iam.ManagedPolicy.fromManagedPolicyArn(stack, 'FromParam', param.valueAsString)] });
    c.ownPolicy = human(stack, 'OwnPolicy', {
      managedPolicies: [new iam.ManagedPolicy(stack, 'Own', { statements: [new iam.PolicyStatement({ actions: ['rds-db:connect'], resources: [DB_USER] })] })],
    });
    c.viewOnly = human(stack, 'ViewOnly', { managedPolicies: [aws('job-function/ViewOnlyAccess'), aws('service-role/AmazonRDSEnhancedMonitoringRole')] });
    c.noPolicy = human(stack, 'NoPolicy');
    c.subAdmin = new iam.CfnRole(stack, 'SubAdmin', {
      assumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'lambda.amazonaws.com' } }] },
      managedPolicyArns: [Fn.sub('arn:${AWS::Partition}:iam::aws:policy/AdministratorAccess')],
    });
    c.bucket = new s3.Bucket(stack, 'Bucket');
    report = validate(stack);
  });

  test.each([
    ['a human role with AdministratorAccess', 'admin', [`${BROAD}[ManagedPolicy::AdministratorAccess]`]],
    ['a human role with ReadOnlyAccess and AmazonS3ReadOnlyAccess', 'readOnly', [`${BROAD}[ManagedPolicy::AmazonS3ReadOnlyAccess]`, `${BROAD}[ManagedPolicy::ReadOnlyAccess]`]],
    ['a job-function policy (path)', 'dba', [`${BROAD}[ManagedPolicy::DatabaseAdministrator]`]],
    ['a function role with SecretsManagerReadWrite', 'functionRole', [`${BROAD}[ManagedPolicy::SecretsManagerReadWrite]`]],
    ['a user with AmazonRDSFullAccess', 'user', [`${BROAD}[ManagedPolicy::AmazonRDSFullAccess]`]],
    ['a group with AWSKeyManagementServicePowerUser', 'group', [`${BROAD}[ManagedPolicy::AWSKeyManagementServicePowerUser]`]],
    ['an Identity Center permission set with PowerUserAccess', 'permissionSet', [`${BROAD}[ManagedPolicy::PowerUserAccess]`]],
    ['AdministratorAccess written with Fn::Sub, as a hand-written template does', 'subAdmin', [`${BROAD}[ManagedPolicy::AdministratorAccess]`]],
    ['a customer-managed policy outside the template', 'customerManaged', [`${BROAD}[CannotEvaluate::ManagedPolicyArns]`]],
    ['a policy named by a parameter', 'parameter', [`${BROAD}[CannotEvaluate::ManagedPolicyArns]`]],
  ])('non-compliant: %s', (_n, key, expected) => {
    expect(ruleFindingsOn(report, c[key], BROAD)).toEqual(expected);
  });

  test.each([
    ['a policy of the stack', 'ownPolicy'],
    ['ViewOnlyAccess and a service-role policy that read no data', 'viewOnly'],
    ['a role with no managed policy', 'noPolicy'],
  ])('compliant: %s', (_n, key) => {
    expect(ruleFindingsOn(report, c[key], BROAD)).toEqual([]);
  });

  test('not applicable: a bucket', () => {
    expect(ruleFindingsOn(report, c.bucket, BROAD)).toEqual([]);
  });
});

describe(`${WILDCARD}: wildcards that are not the literal *`, () => {
  let report: PolicyValidationPluginReport;
  const c: Record<string, any> = {};

  beforeAll(() => {
    const stack = newStack();
    const param = new CfnParameter(stack, 'KeyArn', { type: 'String' });
    const key = new kms.Key(stack, 'Key');
    const policy = (id: string, actions: string[], resources: string[]) =>
      new iam.ManagedPolicy(stack, id, { statements: [new iam.PolicyStatement({ actions, resources })] });
    c.anyKey = policy('AnyKey', ['kms:Decrypt'], ['arn:aws:kms:eu-west-3:111122223333:key/*']);
    c.anyKeyPseudo = policy('AnyKeyPseudo', ['kms:Decrypt'], [`arn:${stack.partition}:kms:${stack.region}:${stack.account}:key/*`]);
    c.anySecret = policy('AnySecret', ['secretsmanager:GetSecretValue'], ['arn:aws:secretsmanager:eu-west-3:111122223333:secret:*']);
    c.anyBucket = policy('AnyBucket', ['s3:GetObject'], ['arn:aws:s3:::*/*']);
    c.anyArn = policy('AnyArn', ['kms:*'], ['arn:*:*']);
    c.anyDbUser = policy('AnyDbUser', ['rds-db:connect'], ['arn:aws:rds-db:eu-west-3:111122223333:dbuser:*/*']);
    c.roleAnyKey = new iam.Role(stack, 'RoleAnyKey', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      inlinePolicies: { p: new iam.PolicyDocument({ statements: [new iam.PolicyStatement({ actions: ['kms:Decrypt*'], resources: ['arn:aws:kms:*:*:key/*'] })] }) },
    });
    c.subKey = new iam.CfnManagedPolicy(stack, 'SubKey', {
      policyDocument: { Statement: [{ Effect: 'Allow', Action: 'kms:Decrypt', Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/*' } }] },
    });
    c.subOwnKey = new iam.CfnManagedPolicy(stack, 'SubOwnKey', {
      policyDocument: { Statement: [{ Effect: 'Allow', Action: 'kms:Decrypt', Resource: { 'Fn::Sub': `\${${stack.getLogicalId(key.node.defaultChild as kms.CfnKey)}.Arn}` } }] },
    });
    c.paramKey = policy('ParamKey', ['kms:Decrypt'], [param.valueAsString]);
    c.ownKey = policy('OwnKey', ['kms:Decrypt'], [key.keyArn]);
    c.oneSecret = policy('OneSecret', ['secretsmanager:GetSecretValue'], ['arn:aws:secretsmanager:eu-west-3:111122223333:secret:contacts-master-AbCdEf']);
    c.onePrefix = policy('OnePrefix', ['s3:GetObject'], ['arn:aws:s3:::extracts-bucket/statlab/*']);
    c.logsOnly = policy('LogsOnly', ['logs:PutLogEvents'], ['arn:aws:logs:eu-west-3:111122223333:log-group:*']);
    c.key = key;
    report = validate(stack);
  });

  test.each([
    ['kms:Decrypt on key/*', 'anyKey', [`${WILDCARD}[Action::kms:Decrypt]`]],
    ['kms:Decrypt on key/* of the stack\'s own account and region', 'anyKeyPseudo', [`${WILDCARD}[Action::kms:Decrypt]`]],
    ['GetSecretValue on secret:*', 'anySecret', [`${WILDCARD}[Action::secretsmanager:GetSecretValue]`]],
    ['s3:GetObject on arn:aws:s3:::*/*', 'anyBucket', [`${WILDCARD}[Action::s3:GetObject]`]],
    ['kms:* on arn:*:*', 'anyArn', [`${WILDCARD}[Action::kms:*]`]],
    ['rds-db:connect on dbuser:*/*', 'anyDbUser', [`${WILDCARD}[Action::rds-db:connect]`]],
    ['an inline kms:Decrypt* on key/* of any region', 'roleAnyKey', [`${WILDCARD}[Action::kms:Decrypt*]`]],
    ['key/* written with Fn::Sub', 'subKey', [`${WILDCARD}[Action::kms:Decrypt]`]],
    ['a key named by a parameter (unknown is not compliant)', 'paramKey', [`${WILDCARD}[CannotEvaluate::Resource::kms:Decrypt]`]],
  ])('non-compliant: %s', (_n, key, expected) => {
    expect(ruleFindingsOn(report, c[key], WILDCARD)).toEqual(expected);
  });

  test.each([
    ['the stack\'s own key', 'ownKey'],
    ['one named secret', 'oneSecret'],
    ['the stack\'s own key through Fn::Sub', 'subOwnKey'],
    ['one prefix of one bucket', 'onePrefix'],
  ])('compliant: %s', (_n, key) => {
    expect(ruleFindingsOn(report, c[key], WILDCARD)).toEqual([]);
  });

  test('not applicable: a key, and a wildcard on an action that reads no data', () => {
    expect(ruleFindingsOn(report, c.key, WILDCARD)).toEqual([]);
    expect(ruleFindingsOn(report, c.logsOnly, WILDCARD)).toEqual([]);
  });
});

describe(PREFIX, () => {
  let report: PolicyValidationPluginReport;
  const c: Record<string, any> = {};

  beforeAll(() => {
    const stack = newStack();
    const bucket = new s3.Bucket(stack, 'Extracts');
    c.bucketId = logicalIdOf(bucket);
    const processor = (id: string, name: string, resources: string[], actions = ['s3:GetObject']) => {
      const role = new iam.Role(stack, id, { assumedBy: new iam.AccountPrincipal('444455556666'), externalIds: ['x-1'] });
      tagProcessor(role, name);
      role.addManagedPolicy(new iam.ManagedPolicy(stack, `${id}Policy`, { statements: [new iam.PolicyStatement({ actions, resources })] }));
      return role;
    };
    c.own = processor('Own', 'statlab', [bucket.arnForObjects('statlab/*')]);
    c.literalOwn = processor('LiteralOwn', 'statlab', ['arn:aws:s3:::extracts-bucket/statlab/2026/*']);
    c.whole = processor('Whole', 'statlab', [bucket.arnForObjects('*')]);
    c.other = processor('Other', 'statlab', [bucket.arnForObjects('mailhouse/*')]);
    c.sibling = processor('Sibling', 'statlab', [bucket.arnForObjects('statlab*')]);
    c.anyBucket = processor('AnyBucket', 'statlab', ['arn:aws:s3:::*/statlab/*'], ['s3:Get*']);
    c.inline = new iam.Role(stack, 'Inline', {
      assumedBy: new iam.AccountPrincipal('444455556666'),
      externalIds: ['x-2'],
      inlinePolicies: { p: new iam.PolicyDocument({ statements: [new iam.PolicyStatement({ actions: ['s3:*'], resources: ['*'] })] }) },
    });
    tagProcessor(c.inline, 'statlab');
    c.attached = new iam.Role(stack, 'Attached', { assumedBy: new iam.AccountPrincipal('444455556666'), externalIds: ['x-3'] });
    tagProcessor(c.attached, 'statlab');
    new iam.Policy(stack, 'AttachedPolicy', { roles: [c.attached], statements: [new iam.PolicyStatement({ actions: ['s3:GetObjectVersion'], resources: [bucket.arnForObjects('mailhouse/*')] })] });
    c.listOnly = processor('ListOnly', 'statlab', [bucket.bucketArn], ['s3:ListBucket']);
    c.notProcessor = new iam.Role(stack, 'NotProcessor', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    c.notProcessor.addToPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [bucket.arnForObjects('*')] }));
    report = validate(stack);
  });

  test.each([
    ['the whole extracts bucket', 'whole', [`${PREFIX}[Beyond::<B.Arn>/*]`]],
    ['another processor\'s prefix', 'other', [`${PREFIX}[Beyond::<B.Arn>/mailhouse/*]`]],
    ['a prefix that also matches statlab2/', 'sibling', [`${PREFIX}[Beyond::<B.Arn>/statlab*]`]],
    ['its prefix in every bucket, through s3:Get*', 'anyBucket', [`${PREFIX}[Beyond::arn:aws:s3:::*/statlab/*]`]],
    ['an inline s3:* on *', 'inline', [`${PREFIX}[Beyond::*]`]],
    ['a stack policy attached through its Roles', 'attached', [`${PREFIX}[Beyond::<B.Arn>/mailhouse/*]`]],
  ])('non-compliant: a processor reading %s', (_n, key, expected) => {
    expect(ruleFindingsOn(report, c[key], PREFIX)).toEqual(expected.map((e) => e.replace('<B.', `<${c.bucketId}.`)));
  });

  test.each([
    ['its own prefix of the stack\'s bucket', 'own'],
    ['its own prefix of a named bucket', 'literalOwn'],
    ['nothing but a listing', 'listOnly'],
  ])('compliant: a processor reading %s', (_n, key) => {
    expect(ruleFindingsOn(report, c[key], PREFIX)).toEqual([]);
  });

  test('not applicable: a role without the processor tag', () => {
    expect(ruleFindingsOn(report, c.notProcessor, PREFIX)).toEqual([]);
  });
});

describe(DB_MFA, () => {
  let report: PolicyValidationPluginReport;
  const c: Record<string, any> = {};

  beforeAll(() => {
    const stack = newStack();
    const connect = new iam.PolicyStatement({ actions: ['rds-db:connect'], resources: [DB_USER] });
    c.sameAccount = new iam.Role(stack, 'SameAccount', { assumedBy: new iam.AccountRootPrincipal(), externalIds: ['shared-id'] });
    c.sameAccount.addToPolicy(connect);
    c.otherAccount = new iam.Role(stack, 'OtherAccount', { assumedBy: new iam.AccountPrincipal('444455556666'), externalIds: ['shared-id'] });
    c.otherAccount.addManagedPolicy(new iam.ManagedPolicy(stack, 'DataApi', { statements: [new iam.PolicyStatement({ actions: ['rds-data:*'], resources: ['*'] })] }));
    c.withMfa = new iam.Role(stack, 'WithMfa', {
      assumedBy: new iam.AccountRootPrincipal().withConditions({ ...MFA, StringEquals: { 'sts:ExternalId': 'shared-id' } }),
    });
    c.withMfa.addToPolicy(connect);
    c.noConnect = new iam.Role(stack, 'NoConnect', { assumedBy: new iam.AccountRootPrincipal(), externalIds: ['shared-id'] });
    c.noConnect.addToPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::extracts-bucket/x/*'] }));
    c.service = new iam.Role(stack, 'Service', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    c.service.addToPolicy(connect);
    report = validate(stack);
  });

  test('non-compliant: a same-account role that connects, trusted with an external id instead of MFA', () => {
    expect(ruleFindingsOn(report, c.sameAccount, DB_MFA)).toEqual([`${DB_MFA}[ExternalIdWithoutMfa::own]`]);
  });

  test('non-compliant: another account\'s role with the RDS Data API, trusted with an external id', () => {
    expect(ruleFindingsOn(report, c.otherAccount, DB_MFA)).toEqual([`${DB_MFA}[ExternalIdWithoutMfa::444455556666]`]);
  });

  test('compliant: an external id and MFA', () => {
    expect(ruleFindingsOn(report, c.withMfa, DB_MFA)).toEqual([]);
  });

  test('compliant: an external-id role that reaches no database', () => {
    expect(ruleFindingsOn(report, c.noConnect, DB_MFA)).toEqual([]);
  });

  test('not applicable: a service role', () => {
    expect(ruleFindingsOn(report, c.service, DB_MFA)).toEqual([]);
  });
});

describe('the reference stack', () => {
  test('bypasses no catalog: no broad policy, no wildcard, its processor reads its prefix, its logins need MFA', () => {
    const stack = referenceStack();
    const report = validate(stack);
    const rules = [BROAD, WILDCARD, PREFIX, DB_MFA];
    expect(report.violations.filter((v) => rules.some((id) => v.ruleName === id || v.ruleName.startsWith(`${id}[`)))).toEqual([]);
    // The prefix rule does read the reference processor: widening its grant to the bucket is caught.
    const policy = stack.node.findAll().find((n) => n.node.path.endsWith('Processors/statlab/Policy/Resource')) as iam.CfnManagedPolicy;
    expect(policy).toBeDefined();
    policy.addPropertyOverride('PolicyDocument.Statement.1.Resource', 'arn:aws:s3:::*/*');
    const role = stack.node.findAll().find((n) => n.node.path.endsWith('Processors/statlab/Role/Resource')) as iam.CfnRole;
    expect(ruleFindingsOn(validate(stack), role, PREFIX)).toEqual([`${PREFIX}[Beyond::arn:aws:s3:::*/*]`]);
  });
});
