import type { PolicyValidationPluginReport } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { PROCESSOR_LOCATION_METADATA, PROCESSOR_TAG, TRANSFER_MECHANISM_METADATA } from '../../lib/marks/tags';
import { newStack, ruleFindingsOn, validate } from './helpers';

const TRUST = 'GDPR-Art28-ProcessorTrustBounded';
const NO_DB = 'GDPR-Art28-ProcessorNoDatabaseAccess';
const TRANSFER = 'GDPR-Art44-ProcessorTransferMechanism';

const PROCESSOR_ACCOUNT = '444455556666';
const BOUNDED = {
  StringEquals: { 'sts:ExternalId': 'statlab-external-id-7f3a' },
  DateGreaterThan: { 'aws:CurrentTime': '2026-10-01T00:00:00Z' },
  DateLessThan: { 'aws:CurrentTime': '2027-12-31T00:00:00Z' },
};
const DB_USER_ARN = 'arn:aws:rds-db:eu-west-3:111122223333:dbuser:cluster-ABCDEFGHIJKLMNOPQRSTUVWXYZ/extract_statlab';

/** A role of a processor as ProcessorGrant marks it: the tag, and optionally its location and mechanism. */
function processorRole(scope: Construct, id: string, marks: { location?: string; mechanism?: string; tag?: boolean } = {}): iam.Role {
  const role = new iam.Role(scope, id, { assumedBy: new iam.AccountPrincipal(PROCESSOR_ACCOUNT).withConditions(BOUNDED) });
  const cfn = role.node.defaultChild as iam.CfnRole;
  if (marks.tag !== false) cfn.tags.setTag(PROCESSOR_TAG, id.toLowerCase());
  if (marks.location !== undefined) cfn.addMetadata(PROCESSOR_LOCATION_METADATA, marks.location);
  if (marks.mechanism !== undefined) cfn.addMetadata(TRANSFER_MECHANISM_METADATA, marks.mechanism);
  return role;
}

describe(TRUST, () => {
  let report: PolicyValidationPluginReport;
  const roles: Record<string, iam.Role> = {};
  let bucket: s3.Bucket;

  beforeAll(() => {
    const stack = newStack();
    const other = (conditions: Record<string, unknown>) => new iam.AccountPrincipal(PROCESSOR_ACCOUNT).withConditions(conditions);
    roles.bounded = new iam.Role(stack, 'Bounded', { assumedBy: other(BOUNDED) });
    roles.noExternalId = new iam.Role(stack, 'NoExternalId', { assumedBy: other({ DateLessThan: BOUNDED.DateLessThan }) });
    roles.noExpiry = new iam.Role(stack, 'NoExpiry', { assumedBy: new iam.AccountPrincipal(PROCESSOR_ACCOUNT), externalIds: ['statlab-external-id-7f3a'] });
    roles.neither = new iam.Role(stack, 'Neither', { assumedBy: new iam.AccountPrincipal(PROCESSOR_ACCOUNT) });
    roles.wildcardExternalId = new iam.Role(stack, 'WildcardExternalId', {
      assumedBy: other({ StringLike: { 'sts:ExternalId': '*' }, DateLessThan: BOUNDED.DateLessThan }),
    });
    roles.anyone = new iam.Role(stack, 'Anyone', { assumedBy: new iam.AnyPrincipal() });
    roles.roleArnOfOtherAccount = new iam.Role(stack, 'RoleArnOfOtherAccount', {
      assumedBy: new iam.ArnPrincipal(`arn:aws:iam::${PROCESSOR_ACCOUNT}:role/statistics`).withConditions(BOUNDED),
    });
    roles.sameAccount = new iam.Role(stack, 'SameAccount', { assumedBy: new iam.AccountRootPrincipal() });
    roles.service = new iam.Role(stack, 'Service', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    bucket = new s3.Bucket(stack, 'Bucket');
    report = validate(stack);
  });

  test('non-compliant: another account can assume the role without an external id', () => {
    expect(ruleFindingsOn(report, roles.noExternalId, TRUST)).toEqual([`${TRUST}[ExternalId::${PROCESSOR_ACCOUNT}]`]);
  });

  test('non-compliant: another account can assume the role forever (no aws:CurrentTime bound)', () => {
    expect(ruleFindingsOn(report, roles.noExpiry, TRUST)).toEqual([`${TRUST}[Expiry::${PROCESSOR_ACCOUNT}]`]);
  });

  test('non-compliant: each missing bound is its own finding', () => {
    expect(ruleFindingsOn(report, roles.neither, TRUST)).toEqual([`${TRUST}[Expiry::${PROCESSOR_ACCOUNT}]`, `${TRUST}[ExternalId::${PROCESSOR_ACCOUNT}]`]);
  });

  test('non-compliant: an external id that matches anything is no external id', () => {
    expect(ruleFindingsOn(report, roles.wildcardExternalId, TRUST)).toEqual([`${TRUST}[ExternalId::${PROCESSOR_ACCOUNT}]`]);
  });

  test('non-compliant: a role anyone may assume', () => {
    expect(ruleFindingsOn(report, roles.anyone, TRUST)).toEqual([`${TRUST}[Expiry::*]`, `${TRUST}[ExternalId::*]`]);
  });

  test('compliant: StringEquals sts:ExternalId and DateLessThan aws:CurrentTime, for an account or a role of it', () => {
    expect(ruleFindingsOn(report, roles.bounded, TRUST)).toEqual([]);
    expect(ruleFindingsOn(report, roles.roleArnOfOtherAccount, TRUST)).toEqual([]);
  });

  test.each([
    ['a role of the same account', () => roles.sameAccount],
    ['a service role', () => roles.service],
    ['a bucket', () => bucket],
  ])('not applicable: %s', (_what, construct) => {
    expect(ruleFindingsOn(report, construct(), TRUST)).toEqual([]);
  });
});

describe(NO_DB, () => {
  let report: PolicyValidationPluginReport;
  const roles: Record<string, iam.Role> = {};

  beforeAll(() => {
    const stack = newStack();
    roles.readsItsExtracts = processorRole(stack, 'ReadsItsExtracts', { location: 'eu-west-1' });
    new iam.ManagedPolicy(stack, 'ExtractsOnly', {
      statements: [new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::extracts/readsitsextracts/*'] })],
      roles: [roles.readsItsExtracts],
    });

    roles.managedConnect = processorRole(stack, 'ManagedConnect', { location: 'eu-west-1' });
    new iam.ManagedPolicy(stack, 'ConnectPolicy', {
      statements: [new iam.PolicyStatement({ actions: ['rds-db:connect'], resources: [DB_USER_ARN] })],
      roles: [roles.managedConnect],
    });

    roles.inlineDataApi = processorRole(stack, 'InlineDataApi', { location: 'eu-west-1' });
    roles.inlineDataApi.addToPolicy(new iam.PolicyStatement({ actions: ['rds-data:*'], resources: ['arn:aws:rds:eu-west-3:111122223333:cluster:contacts'] }));

    roles.notAction = processorRole(stack, 'NotAction', { location: 'eu-west-1' });
    new iam.ManagedPolicy(stack, 'EverythingButS3Writes', {
      statements: [new iam.PolicyStatement({ notActions: ['s3:Put*'], resources: ['*'] })],
      roles: [roles.notAction],
    });

    roles.awsManaged = processorRole(stack, 'AwsManaged', { location: 'eu-west-1' });
    roles.awsManaged.addManagedPolicy(iam.ManagedPolicy.fromAwsManagedPolicyName('ReadOnlyAccess'));

    roles.notAProcessor = new iam.Role(stack, 'NotAProcessor', { assumedBy: new iam.AccountRootPrincipal() });
    new iam.ManagedPolicy(stack, 'StaffConnect', {
      statements: [new iam.PolicyStatement({ actions: ['rds-db:connect'], resources: [DB_USER_ARN] })],
      roles: [roles.notAProcessor],
    });
    report = validate(stack);
  });

  test('non-compliant: a managed policy of the stack lets the processor sign in to the database', () => {
    expect(ruleFindingsOn(report, roles.managedConnect, NO_DB)).toEqual([`${NO_DB}[Action::rds-db:connect]`]);
  });

  test('non-compliant: an inline policy gives the processor SQL through the RDS Data API', () => {
    expect(ruleFindingsOn(report, roles.inlineDataApi, NO_DB)).toEqual([
      `${NO_DB}[Action::rds-data:BatchExecuteStatement]`,
      `${NO_DB}[Action::rds-data:ExecuteStatement]`,
    ]);
  });

  test('non-compliant: a NotAction grant leaves the database login in', () => {
    expect(ruleFindingsOn(report, roles.notAction, NO_DB)).toEqual([
      `${NO_DB}[Action::rds-data:BatchExecuteStatement]`,
      `${NO_DB}[Action::rds-data:ExecuteStatement]`,
      `${NO_DB}[Action::rds-db:connect]`,
    ]);
  });

  test('non-compliant: an AWS-managed policy cannot be checked', () => {
    expect(ruleFindingsOn(report, roles.awsManaged, NO_DB)).toEqual([
      `${NO_DB}[ManagedPolicy::{"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},":iam::aws:policy/ReadOnlyAccess"]]}]`,
    ]);
  });

  test('compliant: a processor that reads its extracts and nothing else', () => {
    expect(ruleFindingsOn(report, roles.readsItsExtracts, NO_DB)).toEqual([]);
  });

  test('not applicable: a role without the gdpr:processor tag (staff sign in through their own rules)', () => {
    expect(ruleFindingsOn(report, roles.notAProcessor, NO_DB)).toEqual([]);
  });
});

describe(TRANSFER, () => {
  let report: PolicyValidationPluginReport;
  const roles: Record<string, iam.Role> = {};

  beforeAll(() => {
    // The pack allows eu-west-3 and eu-west-1 only.
    const stack = newStack();
    roles.inIreland = processorRole(stack, 'InIreland', { location: 'eu-west-1' });
    roles.inVirginia = processorRole(stack, 'InVirginia', { location: 'us-east-1' });
    roles.inVirginiaWithClauses = processorRole(stack, 'InVirginiaWithClauses', {
      location: 'us-east-1',
      mechanism: 'standard-contractual-clauses: SCC module 3 (2021/914), annex of DPA-2026-020',
    });
    roles.inLondon = processorRole(stack, 'InLondon', { location: 'eu-west-2' });
    roles.inStockholm = processorRole(stack, 'InStockholm', { location: 'eu-north-1' });
    roles.inLondonWithDecision = processorRole(stack, 'InLondonWithDecision', { location: 'eu-west-2', mechanism: 'adequacy-decision: UK, 28 June 2021' });
    roles.emptyMechanism = processorRole(stack, 'EmptyMechanism', { location: 'us-east-1', mechanism: ' ' });
    roles.nowhere = processorRole(stack, 'Nowhere');
    roles.untaggedButLocated = processorRole(stack, 'UntaggedButLocated', { location: 'us-west-2', tag: false });
    roles.staff = new iam.Role(stack, 'Staff', { assumedBy: new iam.AccountRootPrincipal() });
    report = validate(stack, { allowedRegions: ['eu-west-3', 'eu-west-1'] });
  });

  test('non-compliant: a processor outside the EU without a transfer mechanism', () => {
    expect(ruleFindingsOn(report, roles.inVirginia, TRANSFER)).toEqual([`${TRANSFER}[NoTransferMechanism::us-east-1]`]);
  });

  test('non-compliant: an adequacy region is still a transfer: it needs the mechanism declared', () => {
    expect(ruleFindingsOn(report, roles.inLondon, TRANSFER)).toEqual([`${TRANSFER}[NoTransferMechanism::eu-west-2]`]);
  });

  test('non-compliant: an EU region the stack does not allow', () => {
    expect(ruleFindingsOn(report, roles.inStockholm, TRANSFER)).toEqual([`${TRANSFER}[NoTransferMechanism::eu-north-1]`]);
  });

  test('non-compliant: a blank mechanism is no mechanism', () => {
    expect(ruleFindingsOn(report, roles.emptyMechanism, TRANSFER)).toEqual([`${TRANSFER}[NoTransferMechanism::us-east-1]`]);
  });

  test('non-compliant: a processor role that does not say where the data is processed', () => {
    expect(ruleFindingsOn(report, roles.nowhere, TRANSFER)).toEqual([`${TRANSFER}[LocationUndeclared]`]);
  });

  test('non-compliant: a role with a processor location is checked even without the tag', () => {
    expect(ruleFindingsOn(report, roles.untaggedButLocated, TRANSFER)).toEqual([`${TRANSFER}[NoTransferMechanism::us-west-2]`]);
  });

  test('compliant: a processor in an allowed EU region', () => {
    expect(ruleFindingsOn(report, roles.inIreland, TRANSFER)).toEqual([]);
  });

  test('compliant: a processor outside the EU with its declared mechanism', () => {
    expect(ruleFindingsOn(report, roles.inVirginiaWithClauses, TRANSFER)).toEqual([]);
    expect(ruleFindingsOn(report, roles.inLondonWithDecision, TRANSFER)).toEqual([]);
  });

  test('not applicable: a role that is not a processor', () => {
    expect(ruleFindingsOn(report, roles.staff, TRANSFER)).toEqual([]);
  });
});
