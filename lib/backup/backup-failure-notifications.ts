import { Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { CustomerManagedKey } from '../keys/customer-managed-key';

/** The AWS Backup job events that mean a backup, a copy out of reach or a restore (test) did not happen. */
export const BACKUP_FAILURE_EVENTS = {
  source: ['aws.backup'],
  detailType: ['Backup Job State Change', 'Copy Job State Change', 'Restore Job State Change'],
  states: ['FAILED', 'ABORTED', 'EXPIRED'],
} as const;

/**
 * Sends every failed, aborted or expired AWS Backup backup, copy and restore
 * job of the account (restore tests included) to an SNS topic encrypted with
 * its own customer-managed key, TLS only. Subscribe the operators to
 * `topic`; the kit does not guess their addresses.
 *
 * Only this construct's rule may publish: the topic policy admits
 * `events.amazonaws.com` with `aws:SourceArn` equal to the rule's ARN and
 * `aws:SourceAccount` the stack's account, and the key admits EventBridge only
 * for rules of the stack's account and region (the key cannot name the rule
 * itself: the rule depends on the topic, which depends on the key). A rule of
 * another account, or another rule of this one, cannot post fake failures or
 * use the key (the confused-deputy problem).
 */
export class BackupFailureNotifications extends Construct {
  public readonly key: kms.IKey;
  public readonly topic: sns.Topic;
  public readonly rule: events.Rule;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const stack = Stack.of(this);
    this.key = new CustomerManagedKey(this, 'Key', { description: 'Backup failure notifications topic' });
    // EventBridge encrypts what it publishes to the topic with this key: rules of this account and region only.
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowEventBridgeRulesOfThisAccountToPublishToTheEncryptedTopic',
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'events', resource: 'rule', resourceName: '*' }) },
        },
      }),
    );
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'Contact database backup, copy and restore failures',
      masterKey: this.key,
      enforceSSL: true,
    });
    this.rule = new events.Rule(this, 'FailedJobs', {
      description: 'Failed, aborted or expired AWS Backup backup, copy and restore jobs',
      eventPattern: {
        source: [...BACKUP_FAILURE_EVENTS.source],
        detailType: [...BACKUP_FAILURE_EVENTS.detailType],
        detail: { state: [...BACKUP_FAILURE_EVENTS.states] },
      },
      // Not targets.SnsTopic: it grants events.amazonaws.com on the topic and the key with no source condition.
      targets: [{ bind: () => ({ arn: this.topic.topicArn }) }],
    });
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowOnlyTheBackupFailureRuleToPublish',
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          ArnEquals: { 'aws:SourceArn': this.rule.ruleArn },
          StringEquals: { 'aws:SourceAccount': stack.account },
        },
      }),
    );
  }
}
