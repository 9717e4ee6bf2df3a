import { Stack, TagManager } from 'aws-cdk-lib';
import * as cloudtrail from 'aws-cdk-lib/aws-cloudtrail';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { DPO_NOTIFICATION_PURPOSE, PURPOSE_TAG, RETENTION_PURGE_PURPOSE } from '../../lib/marks/tags';
import { clusterProps, isolatedVpc, logicalIdOf, newStack, ruleFindingsOn, validate } from './helpers';

const TRAIL = 'GDPR-Art33-TrailEncryptedAndValidated';
const DPO_TOPIC = 'GDPR-Art33-DpoNotificationTopic';
const PURGE = 'GDPR-Art5-RetentionPurgeScheduled';

/** Tags the resource itself, as the kit's constructs do (no aspect needed before validation). */
function tag(construct: { node: { defaultChild?: unknown } }, key: string, value: string): void {
  (construct.node.defaultChild as { tags: TagManager }).tags.setTag(key, value);
}

/** A stack with an Aurora cluster in isolated subnets. */
function databaseStack(): { stack: Stack; cluster: rds.DatabaseCluster } {
  const stack = newStack();
  const cluster = new rds.DatabaseCluster(stack, 'Cluster', clusterProps(isolatedVpc(stack)));
  return { stack, cluster };
}

function purgeFunction(stack: Stack, id = 'Purge'): lambda.Function {
  const fn = new lambda.Function(stack, id, { runtime: lambda.Runtime.NODEJS_LATEST, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => {}') });
  tag(fn, PURPOSE_TAG, RETENTION_PURGE_PURPOSE);
  return fn;
}

describe(TRAIL, () => {
  test('non-compliant: a database in a stack with no trail (NoTrail)', () => {
    const { stack, cluster } = databaseStack();
    expect(ruleFindingsOn(validate(stack), cluster, TRAIL)).toEqual([`${TRAIL}[NoTrail]`]);
  });

  test('non-compliant: a trail neither encrypted nor validated, one finding per way', () => {
    const { stack, cluster } = databaseStack();
    const trail = new cloudtrail.Trail(stack, 'Trail', { enableFileValidation: false });
    const id = logicalIdOf(trail);
    expect(ruleFindingsOn(validate(stack), cluster, TRAIL)).toEqual([`${TRAIL}[NotEncrypted::${id}]`, `${TRAIL}[NotValidated::${id}]`]);
  });

  test('non-compliant: an encrypted, validated trail that does not log (NotLogging)', () => {
    const { stack, cluster } = databaseStack();
    const trail = new cloudtrail.Trail(stack, 'Trail', { encryptionKey: new kms.Key(stack, 'Key') });
    (trail.node.defaultChild as cloudtrail.CfnTrail).isLogging = false;
    expect(ruleFindingsOn(validate(stack), cluster, TRAIL)).toEqual([`${TRAIL}[NotLogging::${logicalIdOf(trail)}]`]);
  });

  test('compliant: a logging trail encrypted with a customer-managed key and validated (the default of cloudtrail.Trail)', () => {
    const { stack, cluster } = databaseStack();
    new cloudtrail.Trail(stack, 'Trail', { encryptionKey: new kms.Key(stack, 'Key') });
    expect(ruleFindingsOn(validate(stack), cluster, TRAIL)).toEqual([]);
  });

  test('compliant: one good trail is enough, beside a weaker one', () => {
    const { stack, cluster } = databaseStack();
    new cloudtrail.Trail(stack, 'Weak', { enableFileValidation: false });
    new cloudtrail.Trail(stack, 'Strong', { encryptionKey: new kms.Key(stack, 'Key') });
    expect(ruleFindingsOn(validate(stack), cluster, TRAIL)).toEqual([]);
  });

  test('not applicable: the Aurora instances (their cluster answers) and a stack without a database', () => {
    const { stack, cluster } = databaseStack();
    const report = validate(stack);
    expect(ruleFindingsOn(report, cluster.node.findChild('Writer'), TRAIL)).toEqual([]);
    const bare = newStack();
    new sqs.Queue(bare, 'Queue');
    expect(validate(bare).violations.filter((v) => v.ruleName.startsWith(TRAIL))).toEqual([]);
  });
});

describe(DPO_TOPIC, () => {
  function dpoTopic(stack: Stack, props: sns.TopicProps = {}): sns.Topic {
    const topic = new sns.Topic(stack, 'Dpo', props);
    tag(topic, PURPOSE_TAG, DPO_NOTIFICATION_PURPOSE);
    return topic;
  }

  test('non-compliant: a database in a stack with no DPO topic (NoDpoTopic); an untagged topic does not count', () => {
    const { stack, cluster } = databaseStack();
    new sns.Topic(stack, 'Other', { masterKey: new kms.Key(stack, 'Key') }).addSubscription(new subscriptions.EmailSubscription('ops@example.fr'));
    expect(ruleFindingsOn(validate(stack), cluster, DPO_TOPIC)).toEqual([`${DPO_TOPIC}[NoDpoTopic]`]);
  });

  test('non-compliant: the DPO topic neither encrypted nor subscribed, one finding per way', () => {
    const { stack, cluster } = databaseStack();
    const topic = dpoTopic(stack);
    const report = validate(stack);
    expect(ruleFindingsOn(report, topic, DPO_TOPIC)).toEqual([`${DPO_TOPIC}[NotEncrypted]`, `${DPO_TOPIC}[NotSubscribed]`]);
    expect(ruleFindingsOn(report, cluster, DPO_TOPIC)).toEqual([]);
  });

  test('non-compliant: a queue subscription reaches no person (NotSubscribed)', () => {
    const stack = newStack();
    const topic = dpoTopic(stack, { masterKey: new kms.Key(stack, 'Key') });
    topic.addSubscription(new subscriptions.SqsSubscription(new sqs.Queue(stack, 'Queue')));
    expect(ruleFindingsOn(validate(stack), topic, DPO_TOPIC)).toEqual([`${DPO_TOPIC}[NotSubscribed]`]);
  });

  test('compliant: encrypted with a customer-managed key and the DPO subscribed by e-mail', () => {
    const { stack, cluster } = databaseStack();
    const topic = dpoTopic(stack, { masterKey: new kms.Key(stack, 'Key') });
    topic.addSubscription(new subscriptions.EmailSubscription('dpo@example.fr'));
    const report = validate(stack);
    expect(ruleFindingsOn(report, topic, DPO_TOPIC)).toEqual([]);
    expect(ruleFindingsOn(report, cluster, DPO_TOPIC)).toEqual([]);
  });

  test('compliant: an inline HTTPS subscription (a paging service) counts', () => {
    const stack = newStack();
    const key = new kms.Key(stack, 'Key');
    const topic = new sns.CfnTopic(stack, 'Dpo', {
      kmsMasterKeyId: key.keyArn,
      subscription: [{ protocol: 'https', endpoint: 'https://pager.example.fr/hook' }],
      tags: [{ key: PURPOSE_TAG, value: DPO_NOTIFICATION_PURPOSE }],
    });
    expect(ruleFindingsOn(validate(stack), topic, DPO_TOPIC)).toEqual([]);
  });
});

describe(PURGE, () => {
  test('non-compliant: a database in a stack with no purge function (NoPurgeFunction)', () => {
    const { stack, cluster } = databaseStack();
    expect(ruleFindingsOn(validate(stack), cluster, PURGE)).toEqual([`${PURGE}[NoPurgeFunction]`]);
  });

  test('non-compliant: a purge function nothing schedules (NotScheduled)', () => {
    const { stack, cluster } = databaseStack();
    purgeFunction(stack);
    expect(ruleFindingsOn(validate(stack), cluster, PURGE)).toEqual([`${PURGE}[NotScheduled]`]);
  });

  test('non-compliant: a disabled schedule, or a rule on events rather than time, does not run the purge', () => {
    const { stack, cluster } = databaseStack();
    const fn = purgeFunction(stack);
    new events.Rule(stack, 'Disabled', { schedule: events.Schedule.expression('cron(30 2 * * ? *)'), enabled: false, targets: [new targets.LambdaFunction(fn)] });
    new events.Rule(stack, 'OnEvent', { eventPattern: { source: ['aws.rds'] }, targets: [new targets.LambdaFunction(fn)] });
    expect(ruleFindingsOn(validate(stack), cluster, PURGE)).toEqual([`${PURGE}[NotScheduled]`]);
  });

  test('non-compliant: a schedule that targets another function', () => {
    const { stack, cluster } = databaseStack();
    purgeFunction(stack);
    const other = new lambda.Function(stack, 'Other', { runtime: lambda.Runtime.NODEJS_LATEST, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => {}') });
    new events.Rule(stack, 'Nightly', { schedule: events.Schedule.expression('cron(30 2 * * ? *)'), targets: [new targets.LambdaFunction(other)] });
    expect(ruleFindingsOn(validate(stack), cluster, PURGE)).toEqual([`${PURGE}[NotScheduled]`]);
  });

  test('compliant: an EventBridge schedule that invokes the tagged purge function', () => {
    const { stack, cluster } = databaseStack();
    new events.Rule(stack, 'Nightly', { schedule: events.Schedule.expression('cron(30 2 * * ? *)'), targets: [new targets.LambdaFunction(purgeFunction(stack))] });
    expect(ruleFindingsOn(validate(stack), cluster, PURGE)).toEqual([]);
  });

  test('compliant: an EventBridge Scheduler schedule that invokes it', () => {
    const { stack, cluster } = databaseStack();
    const fn = purgeFunction(stack);
    const role = new iam.Role(stack, 'SchedulerRole', { assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com') });
    new scheduler.CfnSchedule(stack, 'Nightly', {
      scheduleExpression: 'cron(30 2 * * ? *)',
      flexibleTimeWindow: { mode: 'OFF' },
      target: { arn: fn.functionArn, roleArn: role.roleArn },
    });
    expect(ruleFindingsOn(validate(stack), cluster, PURGE)).toEqual([]);
  });
});
