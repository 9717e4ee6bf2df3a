import { runSimulation } from '@cloud-copilot/iam-simulate';
import { Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import type { ContactBaselineStack } from '../../lib/stacks/contact-baseline-stack';
import { referenceStack, referenceStackTemplates } from '../helpers/reference';

/*
 * Attacks on the resource policies that admit an AWS service: without a source
 * condition, `events.amazonaws.com` (or `cloudwatch.amazonaws.com`) acting for
 * ANY account's rule or alarm could publish to the kit's topics or use its keys
 * (the confused deputy). Every such grant on a topic, key or queue names this
 * account, and the backup-failure topic admits only its own rule, proven with
 * an IAM policy evaluator on the synthesized policies.
 */

const ACCOUNT = '111122223333';
const OTHER_ACCOUNT = '999988887777';
const REGION = 'eu-west-3';

type Resources = Record<string, { Type: string; Properties?: Record<string, any> }>;
let templates: { name: string; resources: Resources }[];
let production: ContactBaselineStack;
let resources: Resources;

/** Replaces the intrinsics these policies use with the values they take once deployed (ARNs named after logical ids). */
function deployed(value: any): any {
  if (Array.isArray(value)) return value.map(deployed);
  if (value === null || typeof value !== 'object') return value;
  if (value.Ref === 'AWS::Partition') return 'aws';
  if (typeof value.Ref === 'string') {
    const type = resources[value.Ref]?.Type;
    if (type === 'AWS::SNS::Topic') return `arn:aws:sns:${REGION}:${ACCOUNT}:${value.Ref}`;
    throw new Error(`cannot evaluate Ref ${value.Ref} (${type})`);
  }
  if (Array.isArray(value['Fn::GetAtt'])) {
    const [id, attribute] = value['Fn::GetAtt'];
    if (resources[id]?.Type === 'AWS::Events::Rule' && attribute === 'Arn') return `arn:aws:events:${REGION}:${ACCOUNT}:rule/${id}`;
    throw new Error(`cannot evaluate Fn::GetAtt ${id}.${attribute}`);
  }
  if (Array.isArray(value['Fn::Join'])) return (deployed(value['Fn::Join'][1]) as string[]).join(value['Fn::Join'][0]);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, deployed(v)]));
}

function logicalId(construct: IConstruct): string {
  return Stack.of(construct).getLogicalId((construct.node.defaultChild ?? construct) as never);
}

/** What a service principal may do to a resource under its resource policy alone (services have no identity policy). */
async function serviceMay(service: string, action: string, resource: string, policy: unknown, context: Record<string, string>): Promise<string> {
  const response = await runSimulation(
    {
      request: { principal: service, action, resource: { resource, accountId: ACCOUNT }, contextVariables: context },
      identityPolicies: [],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: policy as never,
    },
    {},
  );
  if (response.resultType === 'error') throw new Error(`simulation did not run: ${JSON.stringify(response.errors)}`);
  return response.overallResult;
}

beforeAll(() => {
  // The reference app's templates as synthesized once for the run (its stack built here for the logical ids only).
  production = referenceStack();
  templates = referenceStackTemplates().map((s) => ({ name: s.name, resources: s.template.Resources as Resources }));
  expect(templates.map((t) => t.name)).toEqual([production.stackName, production.backupAccount?.stackName]);
  resources = templates.find((t) => t.name === 'GdprContactBaseline')?.resources as Resources;
});

describe('every grant to an AWS service on a topic, key or queue names this account', () => {
  const POLICIES: Record<string, (p: Record<string, any>) => any> = {
    'AWS::KMS::Key': (p) => p.KeyPolicy,
    'AWS::SNS::TopicPolicy': (p) => p.PolicyDocument,
    'AWS::SQS::QueuePolicy': (p) => p.PolicyDocument,
  };

  test('each Allow to a service principal is bound by aws:SourceAccount, aws:SourceArn or an encryption context of this account', () => {
    const unbound: string[] = [];
    let grants = 0;
    for (const { name, resources: all } of templates) {
      for (const [id, resource] of Object.entries(all)) {
        const document = POLICIES[resource.Type]?.(resource.Properties ?? {});
        for (const statement of document?.Statement ?? []) {
          if (statement.Effect !== 'Allow' || statement.Principal?.Service === undefined) continue;
          grants += 1;
          const conditions = JSON.stringify(deployed(statement.Condition ?? {}));
          const bound = /"aws:Source(Account|Arn)"/.test(conditions) || /"kms:EncryptionContext:[^"]+":"arn:[^"]*:\d{12}:/.test(conditions);
          if (!bound || !conditions.includes(ACCOUNT)) unbound.push(`${name}/${id} ${statement.Sid ?? '(no sid)'} ${JSON.stringify(statement.Principal.Service)}`);
        }
      }
    }
    expect(grants).toBeGreaterThan(0);
    expect(unbound).toEqual([]);
  });

  test('no dead-letter queue admits a service principal at all (functions send with their own role)', () => {
    const queuePolicies = Object.values(resources).filter((r) => r.Type === 'AWS::SQS::QueuePolicy');
    expect(queuePolicies.length).toBeGreaterThan(0);
    for (const policy of queuePolicies) {
      expect(policy.Properties?.PolicyDocument.Statement.filter((s: any) => s.Effect === 'Allow')).toEqual([]);
    }
  });
});

describe('the backup-failure topic and key accept EventBridge only from this account\'s rules', () => {
  let topicArn: string;
  let ruleArn: string;
  let topicPolicy: any;
  let keyArn: string;
  let keyPolicy: any;
  beforeAll(() => {
    const notifications = production.backup.notifications;
    const topic = logicalId(notifications.topic);
    topicArn = deployed({ Ref: topic });
    ruleArn = deployed({ 'Fn::GetAtt': [logicalId(notifications.rule), 'Arn'] });
    const policy = Object.values(resources).find((r) => r.Type === 'AWS::SNS::TopicPolicy' && r.Properties?.Topics?.some((t: any) => t.Ref === topic));
    topicPolicy = deployed(policy?.Properties?.PolicyDocument);
    const key = logicalId(notifications.key);
    keyArn = `arn:aws:kms:${REGION}:${ACCOUNT}:key/0a1b2c3d-4e5f-4a7b-8c9d-0e1f2a3b4c5d`;
    keyPolicy = deployed(resources[key].Properties?.KeyPolicy);
  });

  test('the topic policy names the rule and the account (from the template)', () => {
    const grants = topicPolicy.Statement.filter((s: any) => s.Effect === 'Allow');
    expect(grants).toEqual([
      expect.objectContaining({
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sns:Publish',
        Condition: { ArnEquals: { 'aws:SourceArn': ruleArn }, StringEquals: { 'aws:SourceAccount': ACCOUNT } },
      }),
    ]);
  });

  test('the key admits EventBridge for rules of this account and region only (from the template)', () => {
    const grants = keyPolicy.Statement.filter((s: any) => s.Principal?.Service === 'events.amazonaws.com');
    expect(grants).toEqual([
      expect.objectContaining({
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT }, ArnLike: { 'aws:SourceArn': `arn:aws:events:${REGION}:${ACCOUNT}:rule/*` } },
      }),
    ]);
  });

  test('the simulator: the kit\'s rule may publish over TLS', async () => {
    const context = { 'aws:SourceArn': ruleArn, 'aws:SourceAccount': ACCOUNT, 'aws:SecureTransport': 'true' };
    expect(await serviceMay('events.amazonaws.com', 'sns:Publish', topicArn, topicPolicy, context)).toBe('Allowed');
    expect(await serviceMay('events.amazonaws.com', 'kms:GenerateDataKey', keyArn, keyPolicy, context)).toBe('Allowed');
  });

  test.each([
    ['a rule of another account', { 'aws:SourceArn': `arn:aws:events:${REGION}:${OTHER_ACCOUNT}:rule/Forged`, 'aws:SourceAccount': OTHER_ACCOUNT }],
    ['another rule of this account', { 'aws:SourceArn': `arn:aws:events:${REGION}:${ACCOUNT}:rule/SomeoneElsesRule`, 'aws:SourceAccount': ACCOUNT }],
    ['a request that names no source', {}],
  ])('the simulator: %s may not publish to the topic', async (_who, source) => {
    expect(await serviceMay('events.amazonaws.com', 'sns:Publish', topicArn, topicPolicy, { ...source, 'aws:SecureTransport': 'true' })).not.toBe('Allowed');
  });

  test.each([
    ['a rule of another account', { 'aws:SourceArn': `arn:aws:events:${REGION}:${OTHER_ACCOUNT}:rule/Forged`, 'aws:SourceAccount': OTHER_ACCOUNT }],
    ['a rule of this account in another region', { 'aws:SourceArn': `arn:aws:events:us-east-1:${ACCOUNT}:rule/Elsewhere`, 'aws:SourceAccount': ACCOUNT }],
    ['a request that names no source', {}],
  ])('the simulator: %s may not use the topic key', async (_who, source) => {
    for (const action of ['kms:GenerateDataKey', 'kms:Decrypt']) {
      expect(await serviceMay('events.amazonaws.com', action, keyArn, keyPolicy, source)).not.toBe('Allowed');
    }
  });
});

describe('the DPO key admits CloudWatch only for this account\'s alarms', () => {
  test('the simulator: an alarm of this account may encrypt for the topic, one of another account may not', async () => {
    const key = logicalId(production.breach.key);
    const keyPolicy = deployed(resources[key].Properties?.KeyPolicy);
    const keyArn = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1a2b3c4d-4e5f-4a7b-8c9d-0e1f2a3b4c5d`;
    const own = { 'aws:SourceArn': `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:DeadLetters`, 'aws:SourceAccount': ACCOUNT };
    const foreign = { 'aws:SourceArn': `arn:aws:cloudwatch:${REGION}:${OTHER_ACCOUNT}:alarm:Forged`, 'aws:SourceAccount': OTHER_ACCOUNT };
    expect(await serviceMay('cloudwatch.amazonaws.com', 'kms:GenerateDataKey', keyArn, keyPolicy, own)).toBe('Allowed');
    expect(await serviceMay('cloudwatch.amazonaws.com', 'kms:GenerateDataKey', keyArn, keyPolicy, foreign)).not.toBe('Allowed');
    expect(await serviceMay('cloudwatch.amazonaws.com', 'kms:GenerateDataKey', keyArn, keyPolicy, { 'aws:SourceAccount': ACCOUNT })).not.toBe('Allowed');
  });
});
