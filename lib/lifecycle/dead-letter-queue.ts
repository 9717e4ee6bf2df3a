import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface DeadLetterQueueProps {
  /** Customer-managed key that encrypts the queue. */
  readonly encryptionKey: kms.IKey;
  /** What the queue catches, for the alarm's description. */
  readonly description: string;
  /**
   * Where the alarm goes when an event lands in the queue.
   * @default - no alarm action (the alarm is still created)
   */
  readonly alarmTopic?: sns.ITopic;
  /**
   * How long a failed event is kept for investigation.
   * @default Duration.days(14), the longest SQS keeps a message
   */
  readonly retentionPeriod?: Duration;
}

/**
 * Where the events of a function invoked asynchronously (EventBridge,
 * CloudWatch alarms) go when every retry failed: an SQS queue encrypted with
 * a customer-managed key, reachable over TLS only, and an alarm as soon as it
 * holds a message, so a failure is seen instead of lost.
 */
export class DeadLetterQueue extends Construct {
  public readonly queue: sqs.Queue;
  public readonly alarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: DeadLetterQueueProps) {
    super(scope, id);
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.encryptionKey,
      dataKeyReuse: Duration.hours(1),
      enforceSSL: true,
      retentionPeriod: props.retentionPeriod ?? Duration.days(14),
      // A dead-letter queue itself: any queue of the account may name it as such (AWS Control Tower CT.SQS.PR.1
      // accepts no narrower setting for a queue that only Lambda fills). At worst another workload's failures
      // land here and raise the alarm: noise, not a disclosure.
      redriveAllowPolicy: { redrivePermission: sqs.RedrivePermission.ALLOW_ALL },
      // Failed events can name people (who acted, from where) and are evidence for the breach register.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.alarm = new cloudwatch.Alarm(this, 'Alarm', {
      alarmDescription: `${props.description}: an event failed every retry and waits in the dead-letter queue`,
      metric: this.queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: cloudwatch.Stats.MAXIMUM }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    if (props.alarmTopic) this.alarm.addAlarmAction(new cloudwatchActions.SnsAction(props.alarmTopic));
  }
}
