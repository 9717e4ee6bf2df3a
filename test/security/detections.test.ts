import { App, CliCredentialsStackSynthesizer } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { addBaselineChecks } from '../../lib/nag/baseline-checks';
import { ContactBaselineStack } from '../../lib/stacks/contact-baseline-stack';
import { declaredParties } from '../../lib/config/declared';
import { defaultConfig, referenceTemplate } from '../helpers/reference';
import { matches } from './event-pattern';

/*
 * Attacks on the breach detections: CloudTrail events as AWS records them (the API call, who made it,
 * from where) are run against the EventBridge patterns of the SYNTHESIZED reference template, with
 * the intrinsics replaced by the values they take once deployed. Each attack must fire its rule; each
 * legitimate call of the kit's own deployment must not.
 */

const ACCOUNT = '111122223333';
const REGION = 'eu-west-3';
const EXEC_ROLE = `arn:aws:iam::${ACCOUNT}:role/cdk-hnb659fds-cfn-exec-role-${ACCOUNT}-${REGION}`;
const OTHER_STACK_ROLE = `arn:aws:iam::${ACCOUNT}:role/attacker-stack-service-role`;
const PERSON_ROLE = `arn:aws:iam::${ACCOUNT}:role/aws-reserved/sso.amazonaws.com/${REGION}/AWSReservedSSO_ContactOperator_0123456789abcdef`;

type Resources = Record<string, { Type: string; Properties?: any }>;

/**
 * What an intrinsic is once deployed (role and function ARNs are named after their logical ids;
 * with `longest`, padded to the 64 characters a generated name may reach).
 */
function deployed(value: any, resources: Resources, longest = false): any {
  const name = (id: string) => (longest ? `${id}-${'x'.repeat(64)}`.slice(0, 64) : id);
  if (Array.isArray(value)) return value.map((v) => deployed(v, resources, longest));
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value);
  if (keys.length === 1 && keys[0] === 'Ref') {
    if (value.Ref === 'AWS::Partition') return 'aws';
    if (value.Ref === 'AWS::AccountId') return ACCOUNT;
    if (value.Ref === 'AWS::Region') return REGION;
    throw new Error(`cannot evaluate Ref ${value.Ref}`);
  }
  if (keys.length === 1 && keys[0] === 'Fn::GetAtt') {
    const [id, attribute] = value['Fn::GetAtt'];
    const type = resources[id]?.Type;
    if (type === 'AWS::Lambda::Function' && attribute === 'Arn') return `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name(id)}`;
    if (type === 'AWS::IAM::Role' && attribute === 'Arn') return `arn:aws:iam::${ACCOUNT}:role/${name(id)}`;
    throw new Error(`cannot evaluate GetAtt ${id}.${attribute} (${type})`);
  }
  if (keys.length === 1 && keys[0] === 'Fn::Join') {
    const [separator, parts] = value['Fn::Join'];
    return (deployed(parts, resources, longest) as string[]).join(separator);
  }
  if (keys.length === 1 && keys[0].startsWith('Fn::')) throw new Error(`cannot evaluate ${keys[0]}`);
  return Object.fromEntries(keys.map((k) => [k, deployed(value[k], resources, longest)]));
}

/** Who made a call, as CloudTrail records it. */
type Caller = { userIdentity: Record<string, unknown>; sourceIPAddress: string };
const assumedRole = (roleArn: string, ip: string, invokedBy?: string): Caller => ({
  userIdentity: {
    type: 'AssumedRole',
    arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${roleArn.split('/').pop()}/session`,
    sessionContext: { sessionIssuer: { type: 'Role', arn: roleArn }, attributes: { mfaAuthenticated: 'true' } },
    ...(invokedBy ? { invokedBy } : {}),
  },
  sourceIPAddress: ip,
});
const callers = {
  /** A person of the account, with a role session, from the internet or the VPN. */
  person: assumedRole(PERSON_ROLE, '203.0.113.7'),
  /** An IAM user with an access key: no session issuer. */
  iamUser: { userIdentity: { type: 'IAMUser', arn: `arn:aws:iam::${ACCOUNT}:user/mallory` }, sourceIPAddress: '203.0.113.8' },
  /** The kit's own deployment: CloudFormation with the CDK bootstrap execution role. */
  deployment: assumedRole(EXEC_ROLE, 'cloudformation.amazonaws.com', 'cloudformation.amazonaws.com'),
  /** Another stack of the account, deployed with its own service role (for example an attacker's custom resource). */
  otherStack: assumedRole(OTHER_STACK_ROLE, 'cloudformation.amazonaws.com', 'cloudformation.amazonaws.com'),
  /** CloudFormation with a person's credentials (a stack without a service role). */
  stackWithoutRole: {
    userIdentity: { type: 'IAMUser', arn: `arn:aws:iam::${ACCOUNT}:user/mallory`, invokedBy: 'cloudformation.amazonaws.com' },
    sourceIPAddress: 'cloudformation.amazonaws.com',
  },
  /** Someone who assumed the deployment role itself and calls from a laptop. */
  execRoleByHand: assumedRole(EXEC_ROLE, '203.0.113.9'),
  service: (principal: string): Caller => ({ userIdentity: { type: 'AWSService', invokedBy: principal }, sourceIPAddress: principal }),
};

function apiCall(service: string, eventName: string, caller: Caller, extra: Record<string, unknown> = {}) {
  return {
    source: `aws.${service}`,
    'detail-type': 'AWS API Call via CloudTrail',
    detail: { eventSource: `${service}.amazonaws.com`, eventName, awsRegion: REGION, ...caller, ...extra },
  };
}

let resources: Resources;
let ruleNames: Map<string, string>;
let stack: ContactBaselineStack;

/** The construct ids of the rules of the template whose pattern matches the event. */
function firing(event: unknown, inResources = resources, names = ruleNames): string[] {
  return Object.entries(inResources)
    .filter(([, r]) => r.Type === 'AWS::Events::Rule' && r.Properties?.EventPattern)
    .filter(([, r]) => matches(deployed(r.Properties.EventPattern, inResources), event as never))
    .map(([id]) => names.get(id) ?? id)
    .sort();
}

function namesOf(s: ContactBaselineStack): Map<string, string> {
  const all = { ...s.breach.rules, ...s.breach.invocationRules };
  return new Map(Object.entries(all).map(([name, rule]) => [s.getLogicalId(rule.node.defaultChild as never), name]));
}

const fn = (logicalId: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${logicalId}`;
const invoke = (functionArn: string, caller: Caller, how: 'request' | 'resource' | 'both' = 'both') =>
  apiCall('lambda', 'Invoke', caller, {
    ...(how !== 'resource' ? { requestParameters: { functionName: functionArn } } : {}),
    ...(how !== 'request' ? { resources: [{ accountId: ACCOUNT, type: 'AWS::Lambda::Function', ARN: functionArn }] } : {}),
  });
const fnId = (f: { node: { defaultChild?: unknown } }) => stack.getLogicalId(f.node.defaultChild as never);

beforeAll(() => {
  const reference = referenceTemplate();
  stack = reference.stack;
  resources = reference.template.toJSON().Resources;
  ruleNames = namesOf(stack);
});

describe('snapshots, exports and copies (art. 33: personal data leaving the database)', () => {
  test('an export of a snapshot to S3 fires, whoever asks, the deployment included (the kit never exports)', () => {
    expect(firing(apiCall('rds', 'StartExportTask', callers.person, { requestParameters: { s3BucketName: 'exfil' } }))).toEqual(['SnapshotExported']);
    expect(firing(apiCall('rds', 'StartExportTask', callers.deployment))).toEqual(['SnapshotExported']);
  });

  test('a snapshot created or copied by a person fires; AWS Backup doing its job does not', () => {
    expect(firing(apiCall('rds', 'CreateDBClusterSnapshot', callers.person))).toEqual(['SnapshotCreatedOrCopied']);
    expect(firing(apiCall('rds', 'CopyDBClusterSnapshot', callers.iamUser))).toEqual(['SnapshotCreatedOrCopied']);
    expect(firing(apiCall('rds', 'CopyDBClusterSnapshot', callers.otherStack))).toEqual(['SnapshotCreatedOrCopied']);
    expect(firing(apiCall('rds', 'CreateDBClusterSnapshot', callers.service('backup.amazonaws.com')))).toEqual([]);
  });

  test('a backup copy job started by hand fires; AWS Backup running the plan does not', () => {
    expect(firing(apiCall('backup', 'StartCopyJob', callers.person, { requestParameters: { destinationBackupVaultArn: 'arn:aws:backup:us-east-1:999999999999:backup-vault:x' } }))).toEqual(['BackupCopyStarted']);
    expect(firing(apiCall('backup', 'StartCopyJob', callers.service('backup.amazonaws.com')))).toEqual([]);
  });
});

describe('changes to a function outside a deployment (new code would run with its role)', () => {
  test.each(['UpdateFunctionCode20150331v2', 'UpdateFunctionConfiguration20150331v2', 'AddPermission20150331v2', 'CreateFunctionUrlConfig20211031'])(
    '%s by a person or another stack fires; by the kit’s deployment it does not',
    (eventName) => {
      const change = (caller: Caller) => apiCall('lambda', eventName, caller, { requestParameters: { functionName: 'GdprContactBaseline-SchemaHandler' } });
      expect(firing(change(callers.person))).toEqual(['FunctionChangedOutsideDeployment']);
      expect(firing(change(callers.iamUser))).toEqual(['FunctionChangedOutsideDeployment']);
      expect(firing(change(callers.otherStack))).toEqual(['FunctionChangedOutsideDeployment']);
      expect(firing(change(callers.deployment))).toEqual([]);
    },
  );

  test('reading a function’s configuration fires nothing', () => {
    expect(firing(apiCall('lambda', 'GetFunction20150331v2', callers.person))).toEqual([]);
  });
});

describe('security-group rule changes', () => {
  const ingress = (cidr: string) => ({ requestParameters: { groupId: 'sg-0abc', ipPermissions: { items: [{ ipProtocol: 'tcp', fromPort: 5432, toPort: 5432, ipRanges: { items: [{ cidrIp: cidr }] } }] } } });

  test('a rule added by a person fires, even to a private range; to the internet it also fires the internet rule', () => {
    expect(firing(apiCall('ec2', 'AuthorizeSecurityGroupIngress', callers.person, ingress('10.0.0.0/8')))).toEqual(['SecurityGroupRulesChanged']);
    expect(firing(apiCall('ec2', 'AuthorizeSecurityGroupIngress', callers.person, ingress('0.0.0.0/0')))).toEqual(['SecurityGroupOpenedToInternet', 'SecurityGroupRulesChanged']);
    for (const name of ['AuthorizeSecurityGroupEgress', 'RevokeSecurityGroupIngress', 'RevokeSecurityGroupEgress', 'ModifySecurityGroupRules']) {
      expect([name, firing(apiCall('ec2', name, callers.iamUser))]).toEqual([name, ['SecurityGroupRulesChanged']]);
    }
  });

  test('the kit’s own deployment does not fire, but CloudFormation on behalf of another stack, or without a role, does', () => {
    expect(firing(apiCall('ec2', 'AuthorizeSecurityGroupIngress', callers.deployment, ingress('10.40.0.0/16')))).toEqual([]);
    expect(firing(apiCall('ec2', 'AuthorizeSecurityGroupIngress', callers.otherStack, ingress('10.40.0.0/16')))).toEqual(['SecurityGroupRulesChanged']);
    expect(firing(apiCall('ec2', 'AuthorizeSecurityGroupIngress', callers.stackWithoutRole, ingress('10.40.0.0/16')))).toEqual(['SecurityGroupRulesChanged']);
  });

  test('the deployment role used by hand, outside CloudFormation, fires', () => {
    expect(firing(apiCall('ec2', 'AuthorizeSecurityGroupIngress', callers.execRoleByHand, ingress('10.40.0.0/16')))).toEqual(['SecurityGroupRulesChanged']);
  });

  test('the default security group closer’s runbook revoking the default rules does not fire; the same calls by another role do', () => {
    const closerRole = `arn:aws:iam::${ACCOUNT}:role/${stack.getLogicalId(stack.network.defaultSecurityGroupCloser.role.node.defaultChild as never)}`;
    // SSM Automation makes the runbook's calls with the closer's role, from the Systems Manager service.
    expect(firing(apiCall('ec2', 'RevokeSecurityGroupIngress', assumedRole(closerRole, 'ssm.amazonaws.com', 'ssm.amazonaws.com')))).toEqual([]);
    expect(firing(apiCall('ec2', 'RevokeSecurityGroupEgress', assumedRole(closerRole, 'ssm.amazonaws.com', 'ssm.amazonaws.com')))).toEqual([]);
    const otherRole = `arn:aws:iam::${ACCOUNT}:role/${stack.getLogicalId(stack.schema.handler.role.node.defaultChild as never)}`;
    expect(firing(apiCall('ec2', 'RevokeSecurityGroupIngress', assumedRole(otherRole, 'ssm.amazonaws.com', 'ssm.amazonaws.com')))).toEqual(['SecurityGroupRulesChanged']);
  });
});

describe('the trail and the VPN: only the kit’s own deployment may change them quietly', () => {
  test('event selectors changed by the deployment do not fire; by another stack or a person they do; stopping always does', () => {
    expect(firing(apiCall('cloudtrail', 'PutEventSelectors', callers.deployment))).toEqual([]);
    expect(firing(apiCall('cloudtrail', 'PutEventSelectors', callers.otherStack))).toEqual(['AuditTrailStoppedOrChanged']);
    expect(firing(apiCall('cloudtrail', 'UpdateTrail', callers.person))).toEqual(['AuditTrailStoppedOrChanged']);
    expect(firing(apiCall('cloudtrail', 'StopLogging', callers.deployment))).toEqual(['AuditTrailStoppedOrChanged']);
  });

  test('a VPN authorization added by another stack fires; by the deployment it does not', () => {
    expect(firing(apiCall('ec2', 'AuthorizeClientVpnIngress', callers.otherStack))).toEqual(['VpnAuthorizationWidened']);
    expect(firing(apiCall('ec2', 'AuthorizeClientVpnIngress', callers.stackWithoutRole))).toEqual(['VpnAuthorizationWidened']);
    expect(firing(apiCall('ec2', 'AuthorizeClientVpnIngress', callers.deployment))).toEqual([]);
  });
});

describe('direct invocations of the kit’s functions', () => {
  test('the schema function: CloudFormation with the deployment role is expected; a person, another stack’s custom resource or a stack without a role is not', () => {
    const schema = fn(fnId(stack.schema.handler.function));
    expect(firing(invoke(schema, callers.deployment))).toEqual([]);
    expect(firing(invoke(schema, callers.person))).toEqual(['Schema']);
    expect(firing(invoke(schema, callers.otherStack))).toEqual(['Schema']);
    expect(firing(invoke(schema, callers.stackWithoutRole))).toEqual(['Schema']);
    expect(firing(invoke(schema, callers.service('events.amazonaws.com')))).toEqual(['Schema']);
  });

  test('the function is recognised by the event’s resource, with or without a qualifier', () => {
    const schema = fn(fnId(stack.schema.handler.function));
    expect(firing(invoke(schema, callers.person, 'resource'))).toEqual(['Schema']);
    expect(firing(invoke(`${schema}:$LATEST`, callers.person))).toEqual(['Schema']);
  });

  test('the retention purge: only its schedule (EventBridge) is expected', () => {
    const purge = fn(fnId(stack.retentionPurge.handler.function));
    expect(firing(invoke(purge, callers.service('events.amazonaws.com')))).toEqual([]);
    expect(firing(invoke(purge, callers.person))).toEqual(['RetentionPurge']);
    expect(firing(invoke(purge, callers.deployment))).toEqual(['RetentionPurge']);
  });

  test('the notifier: only the detections and the alarms are expected (a forged alert fires a real one)', () => {
    const notifier = fn(fnId(stack.breach.notification.notifier.function));
    expect(firing(invoke(notifier, callers.service('events.amazonaws.com')))).toEqual([]);
    expect(firing(invoke(notifier, callers.service('lambda.alarms.cloudwatch.amazonaws.com')))).toEqual([]);
    expect(firing(invoke(notifier, callers.person))).toEqual(['Notifier']);
  });

  test('a function that is not the kit’s fires nothing', () => {
    expect(firing(invoke(fn(`${fnId(stack.schema.handler.function)}Other`), callers.person))).toEqual([]);
  });

  test('the trail records the invocations of every function of the template; every one but the extract jobs (run by people) has a rule', () => {
    const functions = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::Lambda::Function').map(([id]) => id).sort();
    const trail = Object.values(resources).find((r) => r.Type === 'AWS::CloudTrail::Trail');
    const logged = trail?.Properties.EventSelectors.flatMap((s: any) => (s.DataResources ?? []).flatMap((d: any) => d.Values.map((v: any) => v['Fn::GetAtt'][0])));
    expect([...logged].sort()).toEqual(functions);
    const watched = Object.values(stack.breach.invocationRules).map((rule) => JSON.stringify(resources[stack.getLogicalId(rule.node.defaultChild as never)].Properties.EventPattern));
    const unwatched = functions.filter((id) => !watched.some((p) => p.includes(`"${id}"`)));
    expect(unwatched).toEqual([expect.stringMatching(/^ProcessorsstatlabExtractJob/)]);
  });
});

describe('EventBridge’s limits', () => {
  test('every rule’s pattern, once deployed with the longest generated names, fits in 2048 characters', () => {
    const sizes = Object.entries(resources)
      .filter(([, r]) => r.Type === 'AWS::Events::Rule' && r.Properties?.EventPattern)
      .map(([id, r]) => [ruleNames.get(id) ?? id, JSON.stringify(deployed(r.Properties.EventPattern, resources, true)).length] as const);
    expect(sizes.length).toBeGreaterThanOrEqual(16);
    expect(sizes.filter(([, size]) => size > 2048)).toEqual([]);
  });

  test('no pattern has an $or of fewer than two branches (CloudFormation refuses it, E9014: the purge and notifier rules had one)', () => {
    const shortOr = (v: unknown, path: string): string[] => {
      if (Array.isArray(v)) return v.flatMap((x, i) => shortOr(x, `${path}[${i}]`));
      if (v === null || typeof v !== 'object') return [];
      return Object.entries(v).flatMap(([k, x]) => [...(k === '$or' && (!Array.isArray(x) || x.length < 2) ? [`${path}.$or`] : []), ...shortOr(x, `${path}.${k}`)]);
    };
    const rules = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::Events::Rule' && r.Properties?.EventPattern);
    expect(rules.flatMap(([id, r]) => shortOr(r.Properties.EventPattern, id))).toEqual([]);
    expect(rules.filter(([, r]) => JSON.stringify(r.Properties.EventPattern).includes('"$or"')).length).toBeGreaterThan(0);
  });
});

describe('with a synthesizer that names no deployment role', () => {
  test('warns, and falls back to treating every CloudFormation call as a deployment (the documented limit)', () => {
    const app = new App({ builtinCloudFormationValidation: false });
    addBaselineChecks(app, { declared: declaredParties(defaultConfig()) });
    const other = new ContactBaselineStack(app, 'NoBootstrapRole', { config: defaultConfig(), synthesizer: new CliCredentialsStackSynthesizer() });
    Annotations.fromStack(other).hasWarning('/NoBootstrapRole/Breach', Match.stringLikeRegexp('role CloudFormation deploys this stack with is unknown'));
    const otherResources = app.synth().getStackByName('NoBootstrapRole').template.Resources as Resources;
    const names = namesOf(other);
    expect(firing(apiCall('ec2', 'ModifySecurityGroupRules', callers.otherStack), otherResources, names)).toEqual([]);
    expect(firing(apiCall('ec2', 'ModifySecurityGroupRules', callers.person), otherResources, names)).toEqual(['SecurityGroupRulesChanged']);
  });
});

describe('the kit’s functions rewritten or opened outside a deployment (review of issue 10)', () => {
  // With lambda:UpdateFunctionCode (PowerUserAccess has it), the schema function's code can be replaced
  // and then run with the function's role (the master user's secret) inside the VPC; the invocation rule
  // fires then, but the rewrite that precedes it, a new layer, an environment that points the extract at
  // another bucket, a resource policy or a function URL opening it to others, fired nothing.
  const changes = [
    'UpdateFunctionCode20150331v2',
    'UpdateFunctionConfiguration20150331v2',
    'AddPermission20150331v2',
    'CreateFunctionUrlConfig20211031',
    'UpdateFunctionUrlConfig20211031',
    'DeleteFunction20150331',
  ];
  const on = (functionArn: string) => ({ requestParameters: { functionName: functionArn } });

  test('a person or another stack changing a function fires, whatever the call’s version suffix; the kit’s own deployment does not', () => {
    const schema = fn(fnId(stack.schema.handler.function));
    for (const name of changes) {
      expect([name, firing(apiCall('lambda', name, callers.person, on(schema)))]).toEqual([name, ['FunctionChangedOutsideDeployment']]);
      expect([name, firing(apiCall('lambda', name, callers.otherStack, on(schema)))]).toEqual([name, ['FunctionChangedOutsideDeployment']]);
      expect([name, firing(apiCall('lambda', name, callers.iamUser, on(schema)))]).toEqual([name, ['FunctionChangedOutsideDeployment']]);
      expect([name, firing(apiCall('lambda', name, callers.deployment, on(schema)))]).toEqual([name, []]);
    }
  });

  test('reading a function’s configuration fires nothing', () => {
    const schema = fn(fnId(stack.schema.handler.function));
    expect(firing(apiCall('lambda', 'GetFunction20150331v2', callers.person, on(schema)))).toEqual([]);
    expect(firing(apiCall('lambda', 'ListFunctions20150331', callers.person))).toEqual([]);
  });
});

describe('a bucket’s protection changed outside a deployment (review of issue 10)', () => {
  // The extracts bucket denies reading a processor's prefix to all but its roles, and expires it with the
  // grant, in its bucket policy and lifecycle; with s3:PutBucketPolicy or s3:PutLifecycleConfiguration
  // (PowerUserAccess has both) anyone could remove either, and nothing fired.
  const bucket = { requestParameters: { bucketName: 'gdprcontactbaseline-processorsextracts-abc123' } };
  const changes = [
    'PutBucketPolicy',
    'DeleteBucketPolicy',
    'PutBucketLifecycle',
    'DeleteBucketLifecycle',
    'PutBucketPublicAccessBlock',
    'DeleteBucketPublicAccessBlock',
    'PutBucketReplication',
    'PutBucketVersioning',
    'PutBucketAcl',
  ];

  test('a person or another stack changing a bucket’s policy, lifecycle, public access block, replication, versioning or ACL fires; the deployment does not', () => {
    for (const name of changes) {
      expect([name, firing(apiCall('s3', name, callers.person, bucket))]).toEqual([name, ['BucketProtectionChanged']]);
      expect([name, firing(apiCall('s3', name, callers.otherStack, bucket))]).toEqual([name, ['BucketProtectionChanged']]);
      expect([name, firing(apiCall('s3', name, callers.deployment, bucket))]).toEqual([name, []]);
    }
  });

  test('reading a bucket’s policy fires nothing', () => {
    expect(firing(apiCall('s3', 'GetBucketPolicy', callers.person, bucket))).toEqual([]);
  });
});
