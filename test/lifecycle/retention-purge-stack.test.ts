import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { PURGE_DATABASE_USER } from '../../lib/config/schema';
import type { ContactBaselineStack } from '../../lib/stacks/contact-baseline-stack';
import { defaultConfig, referenceTemplate } from '../helpers/reference';

let stack: ContactBaselineStack;
let template: Template;
beforeAll(() => {
  ({ stack, template } = referenceTemplate());
});

const id = (construct: { node: { defaultChild?: unknown } }) => Stack.of(stack).getLogicalId(construct.node.defaultChild as never);

describe('the scheduled retention purge in the reference stack', () => {
  test('an EventBridge schedule from the configuration runs the purge function', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: defaultConfig().retention.purgeSchedule,
      State: 'ENABLED',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [id(stack.retentionPurge.handler.function), 'Arn'] }, RetryPolicy: { MaximumRetryAttempts: 2 } })],
    });
  });

  test('the schedule starts only once the schema has created the purge database user', () => {
    const rule = template.toJSON().Resources[id(stack.retentionPurge.rule)];
    expect(rule.DependsOn).toContain(Stack.of(stack).getLogicalId(stack.schema.resource.node.defaultChild as never));
  });

  test('the function runs inside the VPC, is tagged as the purge, and signs in as its own database user', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^Retention purge'),
      VpcConfig: Match.objectLike({ SubnetIds: Match.anyValue() }),
      Tags: Match.arrayWith([{ Key: 'gdpr:purpose', Value: 'retention-purge' }]),
      Environment: { Variables: Match.objectLike({ DB_USER: PURGE_DATABASE_USER, DB_NAME: 'contacts', NODE_EXTRA_CA_CERTS: '/var/runtime/ca-cert.pem' }) },
      DeadLetterConfig: { TargetArn: { 'Fn::GetAtt': [id(stack.retentionPurge.deadLetterQueue.queue), 'Arn'] } },
    });
  });

  test('its only data permission is rds-db:connect as retention_purge', () => {
    const policy = template.toJSON().Resources[id(stack.retentionPurge.handler.policy)];
    const statement = policy.Properties.PolicyDocument.Statement.find((s: any) => s.Sid === 'ConnectAsRetentionPurge');
    expect(statement.Action).toBe('rds-db:connect');
    expect(JSON.stringify(statement.Resource)).toContain(`/${PURGE_DATABASE_USER}`);
    expect(JSON.stringify(policy)).not.toMatch(/secretsmanager|"rds-db:\*"/);
  });

  test('the database admits PostgreSQL from the purge function', () => {
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: { 'Fn::GetAtt': [id(stack.database.securityGroup), 'GroupId'] },
      SourceSecurityGroupId: { 'Fn::GetAtt': [id(stack.retentionPurge.handler.securityGroup), 'GroupId'] },
      FromPort: 5432,
      ToPort: 5432,
    });
  });

  test('a failed run lands in an encrypted, TLS-only dead-letter queue whose alarm notifies the DPO topic', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      KmsMasterKeyId: { 'Fn::GetAtt': [id(stack.breach.key), 'Arn'] },
      MessageRetentionPeriod: 1209600,
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: id(stack.retentionPurge.deadLetterQueue.queue) }],
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmDescription: Match.stringLikeRegexp('^Retention purge: an event failed every retry'),
      AlarmActions: [{ Ref: id(stack.breach.notification.topic) }],
      Threshold: 0,
    });
  });
});

describe('configuration', () => {
  test('the schedule follows retention.purgeSchedule', () => {
    const config = defaultConfig();
    config.retention.purgeSchedule = 'rate(12 hours)';
    const other = referenceTemplate(config);
    other.template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(12 hours)' });
  });
});
