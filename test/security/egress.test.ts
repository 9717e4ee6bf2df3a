import { runSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import { CfnResource, Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { encryptionContext } from '../../lib/processors/pseudonymisation-key';
import type { ContactBaselineStack } from '../../lib/stacks/contact-baseline-stack';
import { SynthesizedIam } from '../access/synthesized-iam';
import { referenceTemplate } from '../helpers/reference';

/*
 * Attacks on the egress of the kit's functions, evaluated by a real IAM
 * policy evaluator (@cloud-copilot/iam-simulate) over the SYNTHESIZED
 * endpoint policies and the functions' own identity policies:
 *
 * - every AWS call each function makes (migrate, extract, breach-notify;
 *   purge makes none) is allowed through its
 *   endpoint, and so is CloudFormation's pre-signed response PUT;
 * - code running in a function (a compromised dependency) cannot use the
 *   endpoints to write to, read from or decrypt with another account's bucket,
 *   key, secret or topic, nor use credentials of another account from inside
 *   the VPC, nor abuse a CloudFormation response URL of another account, nor
 *   call actions the kit does not make (GetObject, Encrypt, Authorize...).
 */

type Decision = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';
type Policy = { name: string; policy: any };

const FOREIGN = '444455556666';
/** The account that owns CloudFormation's response buckets and signs their URLs (AWS's, not ours). */
const AWS_OWNED = '987654321098';
const ALLOW_ALL = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };
/** A resource policy an attacker puts on their own bucket, key, secret or topic: anyone may use it. */
const OPEN_TO_ANYONE = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: '*', Resource: '*' }] };

let stack: ContactBaselineStack;
let iam: SynthesizedIam;
let resources: Record<string, any>;
let account: string;
let region: string;

function logicalId(construct: IConstruct): string {
  const cfn = CfnResource.isCfnResource(construct) ? construct : construct.node.defaultChild;
  if (!cfn || !CfnResource.isCfnResource(cfn)) throw new Error(`${construct.node.path} has no CloudFormation resource`);
  return Stack.of(cfn).getLogicalId(cfn);
}

/** Deployed values for what SynthesizedIam leaves to its callers (secrets, topics, buckets, queues, the default group). */
function prepare(v: any): any {
    if (Array.isArray(v)) return v.map(prepare);
    if (v === null || typeof v !== 'object') return v;
    if (typeof v.Ref === 'string' && resources[v.Ref]) {
      const type = resources[v.Ref].Type;
      if (type === 'AWS::SecretsManager::Secret') return `arn:aws:secretsmanager:${region}:${account}:secret:${v.Ref}-AbCdEf`;
      if (type === 'AWS::SNS::Topic') return `arn:aws:sns:${region}:${account}:${v.Ref}`;
      if (type === 'AWS::S3::Bucket') return v.Ref.toLowerCase();
    }
    const att = v['Fn::GetAtt'];
    if (Array.isArray(att) && resources[att[0]]) {
      const type = `${resources[att[0]].Type}.${att[1]}`;
      if (type === 'AWS::S3::Bucket.Arn') return `arn:aws:s3:::${att[0].toLowerCase()}`;
      if (type === 'AWS::SQS::Queue.Arn') return `arn:aws:sqs:${region}:${account}:${att[0]}`;
      if (type === 'AWS::EC2::VPC.DefaultSecurityGroup') return 'sg-0de1a017';
    }
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, prepare(x)]));
}

function materialize(value: any): any {
  return iam.materialize(prepare(value));
}

/** The materialized policy of the endpoint of a service (`s3`, `kms`, ...). */
function endpointPolicy(service: string): Policy {
  const matches = Object.entries(resources).filter(([, r]) => {
    if (r.Type !== 'AWS::EC2::VPCEndpoint') return false;
    const name = JSON.stringify(r.Properties.ServiceName);
    return name.includes(`.${service}"`) || name.endsWith(`.${service}"]]}`) || name.includes(`"com.amazonaws.${region}.${service}"`);
  });
  if (matches.length !== 1) throw new Error(`expected one ${service} endpoint, found ${matches.length}`);
  const [id, endpoint] = matches[0];
  return { name: id, policy: materialize(endpoint.Properties.PolicyDocument) };
}

interface Call {
  readonly principal: string;
  readonly principalAccount: string;
  readonly action: string;
  readonly resource: string;
  readonly resourceAccount: string;
  readonly identityPolicies: Policy[];
  readonly resourcePolicy?: unknown;
  readonly context?: Record<string, string>;
}

async function evaluate(call: Call, endpoint: Policy | undefined): Promise<{ decision: Decision; endpoint?: Decision }> {
  const simulation: Simulation = {
    request: {
      principal: call.principal,
      action: call.action,
      resource: { resource: call.resource, accountId: call.resourceAccount },
      contextVariables: {
        'aws:RequestedRegion': region,
        'aws:PrincipalAccount': call.principalAccount,
        'aws:ResourceAccount': call.resourceAccount,
        ...call.context,
      },
    },
    identityPolicies: call.identityPolicies,
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: call.resourcePolicy,
    vpcEndpointPolicies: endpoint ? [endpoint] : undefined,
  };
  const response = await runSimulation(simulation, {});
  if (response.resultType === 'error') throw new Error(`simulation of ${call.action} on ${call.resource} did not run: ${JSON.stringify(response.errors)}`);
  const results = response.resultType === 'single' ? [response.result] : response.results;
  const endpointResults = results.map((r) => r.analysis.endpointAnalysis?.result).filter(Boolean) as Decision[];
  return { decision: response.overallResult as Decision, endpoint: endpointResults[0] };
}

/**
 * iam-simulate ignores `kms:EncryptionContext:<key>` context keys (it matches
 * only `/`-style variable keys), so a statement conditioned on the encryption
 * context alone is checked here by equality with the context the job sends,
 * and then handed to the simulator without that condition. A statement whose
 * condition differs is left as it is, and the call is then denied.
 */
function withEncryptionContextChecked(policies: Policy[], context: Record<string, string>): Policy[] {
  const matches = (condition: any) => {
    const entries = Object.entries(condition?.StringEquals ?? {});
    return (
      Object.keys(condition ?? {}).length === 1 &&
      entries.length === Object.keys(context).length &&
      entries.every(([key, value]) => key.startsWith('kms:EncryptionContext:') && context[key] === value)
    );
  };
  return policies.map(({ name, policy }) => ({
    name,
    policy: {
      ...policy,
      Statement: policy.Statement.map((st: any) => (matches(st.Condition) ? Object.fromEntries(Object.entries(st).filter(([key]) => key !== 'Condition')) : st)),
    },
  }));
}

/** A session of a function's role, with the role's synthesized identity policies. */
function asFunction(fn: { role: IConstruct }): Pick<Call, 'principal' | 'principalAccount' | 'identityPolicies'> {
  const role = logicalId(fn.role);
  return { principal: iam.sessionArn(role, 'lambda-session'), principalAccount: account, identityPolicies: iam.identityPolicies(role) };
}

/** The deployed values of a function's environment variables that name AWS resources. */
function environment(fn: { function: IConstruct }): Record<string, any> {
  const variables = resources[logicalId(fn.function)].Properties.Environment.Variables as Record<string, unknown>;
  const named = Object.entries(variables).filter(([name]) => /(_ARN|^BUCKET|^PREFIX)$/.test(name));
  return Object.fromEntries(named.map(([name, value]) => [name, materialize(value)]));
}

/** CloudFormation's response PUT for a custom resource of a stack: the key is the stack ARN (URL-decoded). */
function responsePut(bucketRegion: string, stackAccount: string, logical: string): Call {
  const bucket = `cloudformation-custom-resource-response-${bucketRegion.replace(/-/g, '')}`;
  return {
    principal: `arn:aws:iam::${AWS_OWNED}:user/cloudformation-response-signer`,
    principalAccount: AWS_OWNED,
    action: 's3:PutObject',
    resource: `arn:aws:s3:::${bucket}/arn:aws:cloudformation:${bucketRegion}:${stackAccount}:stack/GdprContactBaseline/0b1e7c2a-3f4d-4e5a-9b6c-7d8e9f0a1b2c|${logical}|5f1d3c8e-2a4b-4c6d-8e0f-1a2b3c4d5e6f`,
    resourceAccount: AWS_OWNED,
    identityPolicies: [{ name: 'signer', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:PutObject', Resource: `arn:aws:s3:::${bucket}/*` }] } }],
  };
}

beforeAll(() => {
  const reference = referenceTemplate();
  stack = reference.stack;
  account = stack.account;
  region = stack.region;
  resources = reference.template.toJSON().Resources;
  iam = new SynthesizedIam({ Resources: prepare(resources) }, { account, region });
});

/** Each function's AWS calls, through which endpoint; derived from its synthesized environment and properties. */
function callsOfEachFunction(): { fn: string; service: string; call: Call }[] {
  const calls: { fn: string; service: string; call: Call }[] = [];
  const migrate = stack.schema.handler;
  calls.push({
    fn: 'migrate',
    service: 'secretsmanager',
    call: { ...asFunction(migrate), action: 'secretsmanager:GetSecretValue', resource: environment(migrate).SECRET_ARN, resourceAccount: account },
  });
  calls.push({ fn: 'migrate', service: 's3', call: responsePut(region, account, logicalId(stack.schema.resource)) });

  const notifier = stack.breach.notification.notifier;
  calls.push({
    fn: 'breach-notify',
    service: 'sns',
    call: { ...asFunction(notifier), action: 'sns:Publish', resource: environment(notifier).TOPIC_ARN, resourceAccount: account },
  });

  for (const [name, grant] of Object.entries(stack.processors?.grants ?? {})) {
    const env = environment(grant.job);
    const as = asFunction(grant.job);
    const context = Object.fromEntries(Object.entries(encryptionContext(name)).map(([k, v]) => [`kms:EncryptionContext:${k}`, v]));
    const keyPolicy = iam.keyPolicy(logicalId(stack.processors!.pseudonymisationKey));
    calls.push(
      { fn: `extract ${name}`, service: 'secretsmanager', call: { ...as, action: 'secretsmanager:GetSecretValue', resource: env.SECRET_ARN, resourceAccount: account } },
      { fn: `extract ${name}`, service: 'secretsmanager', call: { ...as, action: 'secretsmanager:PutSecretValue', resource: env.SECRET_ARN, resourceAccount: account } },
      ...['kms:GenerateDataKey', 'kms:Decrypt'].map((action) => ({
        fn: `extract ${name}`,
        service: 'kms',
        call: { ...as, identityPolicies: withEncryptionContextChecked(as.identityPolicies, context), action, resource: env.PSEUDONYMISATION_KEY_ARN, resourceAccount: account, resourcePolicy: keyPolicy },
      })),
      { fn: `extract ${name}`, service: 's3', call: { ...as, action: 's3:PutObject', resource: `arn:aws:s3:::${env.BUCKET}/${env.PREFIX}/2026-12-01.jsonl`, resourceAccount: account } },
    );
  }
  return calls;
}

describe('what the functions need goes through the endpoints', () => {
  test('the list covers every function of the kit and every endpoint (purge makes no AWS call: its token is signed locally)', () => {
    const calls = callsOfEachFunction();
    expect([...new Set(calls.map((c) => c.fn))]).toEqual(['migrate', 'breach-notify', 'extract statlab']);
    expect([...new Set(calls.map((c) => c.service))].sort()).toEqual(['kms', 's3', 'secretsmanager', 'sns']);
    // The purge's policy grants only its logs, its network interfaces, its dead letters and rds-db:connect: nothing that crosses an endpoint.
    const purge = asFunction(stack.retentionPurge.handler).identityPolicies.flatMap((p) => p.policy.Statement.flatMap((s: any) => [s.Action].flat()));
    expect(purge.filter((a: string) => /^(s3|kms|secretsmanager|sns|ec2:Revoke)/.test(a))).toEqual(['kms:GenerateDataKey', 'kms:Decrypt']);
  });

  test.each([
    ['migrate'],
    ['breach-notify'],
    ['extract statlab'],
  ])('every call of %s is allowed by its own policy and its endpoint', async (fn) => {
    for (const { service, call } of callsOfEachFunction().filter((c) => c.fn === fn)) {
      const result = await evaluate(call, endpointPolicy(service));
      expect({ fn, action: call.action, resource: call.resource, ...result }).toEqual({ fn, action: call.action, resource: call.resource, decision: 'Allowed', endpoint: 'Allowed' });
    }
  });
});

describe('the endpoints refuse what the functions do not need', () => {
  /** A compromised function granted everything by IAM: only the endpoint policy stands in the way. */
  const unbounded = () => ({ ...asFunction(stack.schema.handler), identityPolicies: [{ name: 'all', policy: ALLOW_ALL }] });

  const foreignResources: [string, string, string][] = [
    ['s3', 's3:PutObject', `arn:aws:s3:::attacker-drop-bucket/loot.jsonl`],
    ['s3', 's3:GetObject', `arn:aws:s3:::attacker-drop-bucket/payload.js`],
    ['secretsmanager', 'secretsmanager:GetSecretValue', `arn:aws:secretsmanager:eu-west-3:${FOREIGN}:secret:stolen-AbCdEf`],
    ['secretsmanager', 'secretsmanager:PutSecretValue', `arn:aws:secretsmanager:eu-west-3:${FOREIGN}:secret:drop-AbCdEf`],
    ['kms', 'kms:Decrypt', `arn:aws:kms:eu-west-3:${FOREIGN}:key/0b1e7c2a-3f4d-4e5a-9b6c-7d8e9f0a1b2c`],
    ['kms', 'kms:GenerateDataKey', `arn:aws:kms:eu-west-3:${FOREIGN}:key/0b1e7c2a-3f4d-4e5a-9b6c-7d8e9f0a1b2c`],
    ['sns', 'sns:Publish', `arn:aws:sns:eu-west-3:${FOREIGN}:exfiltration`],
  ];

  test.each(foreignResources)('%s: %s on another account’s resource is refused by the endpoint (allowed without it)', async (service, action, resource) => {
    const call: Call = { ...unbounded(), action, resource, resourceAccount: FOREIGN, resourcePolicy: OPEN_TO_ANYONE };
    // Given the attacker's resource open to anyone, the call would succeed without the endpoint policy
    await expect(evaluate(call, undefined)).resolves.toEqual({ decision: 'Allowed' });
    // Then the endpoint refuses it
    await expect(evaluate(call, endpointPolicy(service))).resolves.toEqual({ decision: 'ImplicitlyDenied', endpoint: 'ImplicitlyDenied' });
  });

  test.each([
    ['s3', 's3:PutObject', () => `arn:aws:s3:::${environment(Object.values(stack.processors!.grants)[0].job).BUCKET}/statlab/planted.jsonl`],
    ['secretsmanager', 'secretsmanager:GetSecretValue', () => environment(stack.schema.handler).SECRET_ARN],
    ['sns', 'sns:Publish', () => environment(stack.breach.notification.notifier).TOPIC_ARN],
  ] as const)('%s: credentials of another account used from inside the VPC are refused on %s to our own resource', async (service, action, resource) => {
    const call: Call = {
      principal: `arn:aws:sts::${FOREIGN}:assumed-role/attacker/session`,
      principalAccount: FOREIGN,
      identityPolicies: [{ name: 'all', policy: ALLOW_ALL }],
      action,
      resource: resource(),
      resourceAccount: account,
      resourcePolicy: OPEN_TO_ANYONE,
    };
    await expect(evaluate(call, undefined)).resolves.toEqual({ decision: 'Allowed' });
    await expect(evaluate(call, endpointPolicy(service))).resolves.toEqual({ decision: 'ImplicitlyDenied', endpoint: 'ImplicitlyDenied' });
  });

  test.each([
    ['s3', 's3:GetObject', () => `arn:aws:s3:::${environment(Object.values(stack.processors!.grants)[0].job).BUCKET}/statlab/2026-12-01.jsonl`],
    ['s3', 's3:DeleteObject', () => `arn:aws:s3:::${environment(Object.values(stack.processors!.grants)[0].job).BUCKET}/statlab/2026-12-01.jsonl`],
    ['s3', 's3:PutBucketPolicy', () => `arn:aws:s3:::${environment(Object.values(stack.processors!.grants)[0].job).BUCKET}`],
    ['kms', 'kms:Encrypt', () => environment(Object.values(stack.processors!.grants)[0].job).PSEUDONYMISATION_KEY_ARN],
    ['kms', 'kms:ReEncryptFrom', () => environment(Object.values(stack.processors!.grants)[0].job).PSEUDONYMISATION_KEY_ARN],
    ['secretsmanager', 'secretsmanager:DeleteSecret', () => environment(stack.schema.handler).SECRET_ARN],
    ['sns', 'sns:Subscribe', () => environment(stack.breach.notification.notifier).TOPIC_ARN],
  ] as const)('%s: %s on our own resource, an action no function makes, is refused by the endpoint', async (service, action, resource) => {
    // KMS needs the key policy to let IAM decide (it does, for the account).
    const resourcePolicy = service === 'kms' ? iam.keyPolicy(logicalId(stack.processors!.pseudonymisationKey)) : undefined;
    const call: Call = { ...unbounded(), action, resource: resource(), resourceAccount: account, resourcePolicy };
    await expect(evaluate(call, undefined)).resolves.toEqual({ decision: 'Allowed' });
    await expect(evaluate(call, endpointPolicy(service))).resolves.toEqual({ decision: 'ImplicitlyDenied', endpoint: 'ImplicitlyDenied' });
  });

  test('a CloudFormation response URL of another account’s stack (a way to carry data out) is refused; our stacks’ responses pass', async () => {
    const s3 = endpointPolicy('s3');
    await expect(evaluate(responsePut(region, account, 'Any'), s3)).resolves.toEqual({ decision: 'Allowed', endpoint: 'Allowed' });
    await expect(evaluate(responsePut(region, FOREIGN, 'Any'), s3)).resolves.toEqual({ decision: 'ImplicitlyDenied', endpoint: 'ImplicitlyDenied' });
    // Another region's response bucket, even for a stack of ours
    const elsewhere = responsePut('eu-west-1', account, 'Any');
    await expect(evaluate(elsewhere, s3)).resolves.toEqual({ decision: 'ImplicitlyDenied', endpoint: 'ImplicitlyDenied' });
    // Reading back a response (or any other action on CloudFormation's bucket)
    const read = { ...responsePut(region, account, 'Any'), action: 's3:GetObject', identityPolicies: [{ name: 'all', policy: ALLOW_ALL }] };
    await expect(evaluate(read, s3)).resolves.toEqual({ decision: 'ImplicitlyDenied', endpoint: 'ImplicitlyDenied' });
  });
});
