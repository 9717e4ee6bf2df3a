import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { DeadLetterQueue } from '../lifecycle/dead-letter-queue';
import { DPO_NOTIFICATION_PURPOSE, PURPOSE_TAG } from '../marks/tags';
import { restrictToOwnAccount } from '../network/endpoint-policies';
import { InVpcFunction } from '../network/in-vpc-function';
import { bundleDir } from '../runtime/bundles';

export interface DpoNotificationProps {
  /** The DPO's address: every detection is e-mailed there. */
  readonly dpoEmail: string;
  /** The controller, named in every message. */
  readonly organisation: string;
  /** The supervisory authority to notify, named in every message. */
  readonly authority: string;
  /** IANA time zone the deadline is also written in. */
  readonly timeZone: string;
  /** Customer-managed key for the topic and the dead-letter queue (CloudWatch is allowed to use it for alarms). */
  readonly encryptionKey: kms.Key;
  /** Customer-managed key for the notifier's log group and environment. */
  readonly logsKey: kms.IKey;
  readonly vpc: ec2.IVpc;
  /** Subnets where the notifier runs, and where the SNS endpoint is placed. */
  readonly subnets: ec2.SubnetSelection;
  /** Security group of the VPC's interface endpoints (admits HTTPS from the VPC). */
  readonly endpointSecurityGroup: ec2.ISecurityGroup;
  /**
   * Where the SNS endpoint is placed, if not in every subnet of `subnets`.
   * @default - `subnets`
   */
  readonly endpointSubnets?: ec2.SubnetSelection;
  /**
   * Where the message says the runbook is.
   * @default 'policies/breach-runbook.md in the infrastructure repository'
   */
  readonly runbook?: string;
}

/**
 * The notification path to the DPO (art. 33): an SNS topic encrypted with a
 * customer-managed key, TLS only, with the DPO's e-mail subscribed, and the
 * notifier, a function inside the VPC that turns each detection into a
 * message stating what happened, when it was detected and the deadline 72
 * hours later, and publishes it through an SNS endpoint of the VPC. A message
 * that fails every retry lands in an encrypted dead-letter queue whose alarm
 * goes straight to the topic. The topic is tagged
 * `gdpr:purpose=dpo-breach-notification` for GDPR-Art33-DpoNotificationTopic.
 */
export class DpoNotification extends Construct {
  public readonly topic: sns.Topic;
  public readonly notifier: InVpcFunction;
  public readonly deadLetterQueue: DeadLetterQueue;
  public readonly endpoint: ec2.InterfaceVpcEndpoint;

  constructor(scope: Construct, id: string, props: DpoNotificationProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const key = props.encryptionKey;

    // CloudWatch alarms publish to the encrypted topic (dead-letter queue alarms): alarms of this account and region only.
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }) },
        },
      }),
    );

    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'GDPR breach detection (DPO)',
      masterKey: key,
      enforceSSL: true,
    });
    // On the resource itself, so that the rules see it whether or not tag aspects have run.
    (this.topic.node.defaultChild as sns.CfnTopic).tags.setTag(PURPOSE_TAG, DPO_NOTIFICATION_PURPOSE);
    this.topic.addSubscription(new subscriptions.EmailSubscription(props.dpoEmail));

    this.endpoint = new ec2.InterfaceVpcEndpoint(this, 'SnsEndpoint', {
      vpc: props.vpc,
      service: ec2.InterfaceVpcEndpointAwsService.SNS,
      subnets: props.endpointSubnets ?? props.subnets,
      securityGroups: [props.endpointSecurityGroup],
      privateDnsEnabled: true,
      open: false,
    });
    // Publishes by this account's principals to this account's topics only.
    restrictToOwnAccount(this.endpoint, 'sns');

    this.deadLetterQueue = new DeadLetterQueue(this, 'DeadLetters', {
      encryptionKey: key,
      description: 'Breach notification to the DPO',
      alarmTopic: this.topic,
    });

    this.notifier = new InVpcFunction(this, 'Notifier', {
      vpc: props.vpc,
      subnets: props.subnets,
      code: lambda.Code.fromAsset(bundleDir('breach-notify')),
      handler: 'index.handler',
      description: 'Breach detection: notifies the DPO with the 72-hour deadline (art. 33)',
      logsKey: props.logsKey,
      timeout: Duration.minutes(1),
      deadLetterQueue: this.deadLetterQueue.queue,
      environment: {
        TOPIC_ARN: this.topic.topicArn,
        ORGANISATION: props.organisation,
        AUTHORITY: props.authority,
        TIME_ZONE: props.timeZone,
        RUNBOOK: props.runbook ?? 'policies/breach-runbook.md in the infrastructure repository',
      },
      statements: [
        new iam.PolicyStatement({ sid: 'PublishToDpo', actions: ['sns:Publish'], resources: [this.topic.topicArn] }),
        new iam.PolicyStatement({ sid: 'EncryptForDpoTopic', actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [key.keyArn] }),
      ],
    });
  }
}
