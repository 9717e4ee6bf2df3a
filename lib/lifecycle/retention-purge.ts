import { Duration } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { PURGE_DATABASE_USER } from '../config/schema';
import { CONTACT_DATABASE_NAME, CONTACT_DATABASE_PORT, type IContactDatabase } from '../database/contact-database';
import { PURPOSE_TAG, RETENTION_PURGE_PURPOSE } from '../marks/tags';
import { InVpcFunction } from '../network/in-vpc-function';
import { bundleDir } from '../runtime/bundles';
import { DeadLetterQueue } from './dead-letter-queue';

export interface RetentionPurgeProps {
  readonly database: IContactDatabase;
  readonly vpc: ec2.IVpc;
  /** Subnets where the function runs (no internet; it reaches only the database). */
  readonly subnets: ec2.SubnetSelection;
  /** Customer-managed key for the function's log group and environment. */
  readonly logsKey: kms.IKey;
  /** Customer-managed key for the dead-letter queue. */
  readonly queueKey: kms.IKey;
  /**
   * When the purge runs.
   * @default - every night at 02:30 UTC (`cron(30 2 * * ? *)`)
   */
  readonly schedule?: events.Schedule;
  /**
   * Who is told when a purge fails every retry (its event lands in the dead-letter queue).
   * @default - nobody: the alarm is created without an action
   */
  readonly alarmTopic?: sns.ITopic;
}

/**
 * The scheduled retention purge (art. 5(1)(e)): a function inside the VPC,
 * run by an EventBridge schedule, that signs in to the contact database as
 * `retention_purge` with IAM authentication and runs gdpr.purge_expired
 * (migration 0002), which deletes or anonymises whatever has outlived its
 * category's retention and logs every erased contact for replay after a
 * restore. The function may connect as that one database user and nothing
 * else; a failed run lands, after retries, in an encrypted dead-letter queue
 * that raises an alarm. Tagged `gdpr:purpose=retention-purge` for the rule
 * GDPR-Art5-RetentionPurgeScheduled.
 */
export class RetentionPurge extends Construct {
  public readonly handler: InVpcFunction;
  public readonly rule: events.Rule;
  public readonly deadLetterQueue: DeadLetterQueue;

  constructor(scope: Construct, id: string, props: RetentionPurgeProps) {
    super(scope, id);
    const { cluster } = props.database;

    this.deadLetterQueue = new DeadLetterQueue(this, 'DeadLetters', {
      encryptionKey: props.queueKey,
      description: 'Retention purge',
      alarmTopic: props.alarmTopic,
    });

    this.handler = new InVpcFunction(this, 'Handler', {
      vpc: props.vpc,
      subnets: props.subnets,
      code: lambda.Code.fromAsset(bundleDir('purge')),
      handler: 'index.handler',
      description: 'Retention purge: deletes or anonymises personal data past its retention (art. 5(1)(e))',
      logsKey: props.logsKey,
      timeout: Duration.minutes(15),
      deadLetterQueue: this.deadLetterQueue.queue,
      environment: {
        DB_HOST: cluster.clusterEndpoint.hostname,
        DB_PORT: String(CONTACT_DATABASE_PORT),
        DB_NAME: CONTACT_DATABASE_NAME,
        DB_USER: PURGE_DATABASE_USER,
        // Lambda's bundle of Amazon CA certificates, RDS included: the connection verifies the server.
        NODE_EXTRA_CA_CERTS: '/var/runtime/ca-cert.pem',
      },
    });
    // It signs in as retention_purge and as no other database user.
    const connect = props.database.grantConnect(this.handler, PURGE_DATABASE_USER);
    if (connect.principalStatement) connect.principalStatement.sid = 'ConnectAsRetentionPurge';
    // On the resource itself, so that the rules see it whether or not tag aspects have run.
    (this.handler.function.node.defaultChild as lambda.CfnFunction).tags.setTag(PURPOSE_TAG, RETENTION_PURGE_PURPOSE);
    props.database.allowConnectionsFrom(this.handler.securityGroup, 'PostgreSQL from the retention purge');
    this.handler.securityGroup.addEgressRule(props.database.securityGroup, ec2.Port.tcp(CONTACT_DATABASE_PORT), 'PostgreSQL to the contact database');

    this.rule = new events.Rule(this, 'Schedule', {
      description: 'Runs the retention purge of the contact database',
      schedule: props.schedule ?? events.Schedule.expression('cron(30 2 * * ? *)'),
      targets: [new targets.LambdaFunction(this.handler.function, { retryAttempts: 2, maxEventAge: Duration.hours(6) })],
    });
  }
}
