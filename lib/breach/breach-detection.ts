import { Annotations, DefaultStackSynthesizer, Duration, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import type { IContactDatabase } from '../database/contact-database';
import { CustomerManagedKey } from '../keys/customer-managed-key';
import { AuditTrail } from './audit-trail';
import { Deployment, DETECTIONS, ExpectedInvoker, EXPORT_VOLUME_DETECTION, GUARDDUTY_DETECTION, INVOCATION_DETECTION, unexpectedInvocation } from './detections';
import { DpoNotification } from './dpo-notification';

/** The organisation's CloudTrail trail (AWS Control Tower, Landing Zone Accelerator) that records this account. */
export interface OrganisationTrailReference {
  /** ARN of the organisation trail (in the management or delegated administrator account). */
  readonly trailArn: string;
  /** The account that holds the trail's bucket (the log archive account). */
  readonly account: string;
  /** The bucket the trail delivers to. */
  readonly bucketName: string;
  /** The customer-managed KMS key the trail encrypts its log files with. */
  readonly kmsKeyArn: string;
  /**
   * The organisation trail also records the invocations (Lambda data events) of the kit's functions.
   * @default false - the detections of an unexpected invocation receive nothing; a warning says so
   */
  readonly recordsLambdaDataEvents?: boolean;
}

export interface BreachDetectionProps {
  /** The contact database: its export volume is watched. */
  readonly database: IContactDatabase;
  /** The DPO's address. */
  readonly dpoEmail: string;
  /** The controller, named in every message. */
  readonly organisation: string;
  /** The supervisory authority to notify (art. 33), named in every message. */
  readonly authority: string;
  /**
   * IANA time zone the deadline is also written in.
   * @default 'Europe/Paris'
   */
  readonly timeZone?: string;
  readonly vpc: ec2.IVpc;
  /** Subnets of the notifier and the SNS endpoint. */
  readonly subnets: ec2.SubnetSelection;
  /** Security group of the VPC's interface endpoints. */
  readonly endpointSecurityGroup: ec2.ISecurityGroup;
  /**
   * Where the SNS endpoint is placed, if not in every subnet of `subnets`.
   * @default - `subnets`
   */
  readonly endpointSubnets?: ec2.SubnetSelection;
  /** Customer-managed key for the log groups (the trail's, the notifier's). */
  readonly logsKey: kms.IKey;
  /**
   * Route GuardDuty findings on the database (RDS Protection) to the DPO.
   * GuardDuty itself is enabled for the account, usually by the organisation.
   * @default false
   */
  readonly guardDuty?: boolean;
  /**
   * Data the database may send its clients in one hour before the DPO is told.
   * @default 512 MiB
   */
  readonly exportThresholdMegabytesPerHour?: number;
  /**
   * How long the trail's log files are kept and locked (refused with `organisationTrail`: its bucket, in
   * the log archive account, keeps them by its own lifecycle).
   * @default Duration.days(365)
   */
  readonly trailRetention?: Duration;
  /**
   * The role CloudFormation deploys the kit with. Calls made through CloudFormation with this role are
   * deployments (reviewed in the pull request) and not reported; calls through CloudFormation with any
   * other role (another stack's, a person's credentials) are.
   * @default - the CloudFormation execution role of the stack's DefaultStackSynthesizer (the CDK bootstrap's
   * `cdk-<qualifier>-cfn-exec-role-<account>-<region>`); with another synthesizer, none: every call made
   * through CloudFormation is then treated as a deployment, with a warning
   */
  readonly deploymentRoleArn?: string;
  /**
   * Roles that act for a deployment of the kit (custom resources, runbooks the stack starts), whose
   * own calls are part of a deployment, for example the default security group closer's revocations.
   * @default - none
   */
  readonly deploymentFunctionRoles?: readonly iam.IRole[];
  /**
   * The organisation trail records this account: no trail of the stack's own. EventBridge in each member
   * account receives the management events the organisation trail records, so the detections work as
   * with the stack's trail; the invocations of the kit's functions reach them only if the organisation
   * trail records Lambda data events (`recordsLambdaDataEvents`).
   * @default - the stack's own AuditTrail
   */
  readonly organisationTrail?: OrganisationTrailReference;
}

/**
 * Breach detection that starts the DPO's 72-hour clock (art. 33, 34):
 *
 * - an encrypted, validated, multi-region CloudTrail trail kept in the stack
 *   region (AuditTrail), which also feeds EventBridge the API calls below;
 * - one EventBridge rule per detection (lib/breach/detections.ts): a key
 *   disabled or scheduled for deletion, a backup vault lock or policy change
 *   (attempts too), a snapshot shared or made public, a database made public,
 *   a security group opened to the internet, a VPN authorization added
 *   outside a deployment, the trail stopped or changed; GuardDuty findings on
 *   the database when `guardDuty` is set;
 * - an alarm on the data the database sends its clients per hour (the sum of
 *   NetworkTransmitThroughput over its instances), the sign of a bulk export;
 * - every detection goes to the notifier (DpoNotification), which e-mails the
 *   DPO what happened, when it was detected and the deadline 72 hours later.
 *
 * One customer-managed key encrypts the trail's log files, its buckets, the
 * topic and the dead-letter queue.
 */
export class BreachDetection extends Construct {
  public readonly key: CustomerManagedKey;
  /** The stack's own trail; absent when the organisation trail records the account (`organisationTrail`). */
  public readonly auditTrail?: AuditTrail;
  /** The organisation trail that records the account, when the stack has no trail of its own. */
  public readonly organisationTrail?: OrganisationTrailReference;
  public readonly notification: DpoNotification;
  /** The rules, by detection id. */
  public readonly rules: Readonly<Record<string, events.Rule>>;
  public readonly exportAlarm: cloudwatch.Alarm;
  /** Who deploys the kit, as the detections match it. */
  public readonly deployment: Deployment;
  /** The rules on invocations of the kit's functions, by the id given to watchInvocations. */
  public readonly invocationRules: Record<string, events.Rule> = {};
  private readonly notifierFunction: lambda.IFunction;

  constructor(scope: Construct, id: string, props: BreachDetectionProps) {
    super(scope, id);
    if (props.organisationTrail !== undefined && props.trailRetention !== undefined) {
      throw new Error(`BreachDetection: trailRetention applies to the stack's own trail; the organisation trail ${props.organisationTrail.trailArn} keeps its log files in bucket ${props.organisationTrail.bucketName} by that bucket's lifecycle. Remove trailRetention beside organisationTrail`);
    }
    const threshold = props.exportThresholdMegabytesPerHour ?? 512;
    if (!Token.isUnresolved(threshold) && (!Number.isInteger(threshold) || threshold < 1)) {
      throw new Error(`BreachDetection: exportThresholdMegabytesPerHour must be a whole number of megabytes, at least 1; got ${threshold}`);
    }

    this.key = new CustomerManagedKey(this, 'Key', {
      description: 'Breach detection: audit trail log files and buckets, DPO notification topic and dead-letter queue',
    });
    this.organisationTrail = props.organisationTrail;
    if (props.organisationTrail === undefined) {
      this.auditTrail = new AuditTrail(this, 'AuditTrail', {
        encryptionKey: this.key,
        logsKey: props.logsKey,
        retention: props.trailRetention,
      });
    } else if (props.organisationTrail.recordsLambdaDataEvents !== true) {
      Annotations.of(this).addWarningV2(
        'gdpr-baseline:organisation-trail-no-data-events',
        `The organisation trail ${props.organisationTrail.trailArn} is not declared to record Lambda data events: the detections of an unexpected invocation of the kit's functions receive nothing. Add a data event selector for the account's Lambda functions to the organisation trail, then set landingZone.organisationTrail.recordsLambdaDataEvents: true.`,
      );
    }
    this.notification = new DpoNotification(this, 'Dpo', {
      dpoEmail: props.dpoEmail,
      organisation: props.organisation,
      authority: props.authority,
      timeZone: props.timeZone ?? 'Europe/Paris',
      encryptionKey: this.key,
      logsKey: props.logsKey,
      vpc: props.vpc,
      subnets: props.subnets,
      endpointSecurityGroup: props.endpointSecurityGroup,
      ...(props.endpointSubnets ? { endpointSubnets: props.endpointSubnets } : {}),
    });
    const notifier = this.notification.notifier.function;

    this.notifierFunction = notifier;
    this.deployment = {
      roleArns: (() => {
        const role = props.deploymentRoleArn ?? this.synthesizerDeploymentRole();
        return role === undefined ? [] : [role];
      })(),
      functionRoleArns: (props.deploymentFunctionRoles ?? []).map((r) => r.roleArn),
    };
    if (this.deployment.roleArns.length === 0) {
      Annotations.of(this).addWarningV2(
        'gdpr-baseline:deployment-role-unknown',
        'The role CloudFormation deploys this stack with is unknown (no deploymentRoleArn, and the stack synthesizer names none): every call made through CloudFormation, by any stack, is treated as a deployment and not reported.',
      );
    }

    const rules: Record<string, events.Rule> = {};
    for (const detection of [...DETECTIONS, ...(props.guardDuty ? [GUARDDUTY_DETECTION] : [])]) {
      rules[detection.id] = new events.Rule(this, detection.id, {
        description: `GDPR breach detection: ${detection.description}`.slice(0, 512),
        eventPattern: detection.pattern(this.deployment),
        targets: [new targets.LambdaFunction(notifier, { retryAttempts: 8, maxEventAge: Duration.hours(24) })],
      });
    }
    this.rules = rules;
    // The notifier itself: invoked by the rules above and by the alarms (export volume, dead letters).
    this.watchInvocations('Notifier', notifier, { services: ['events.amazonaws.com', 'lambda.alarms.cloudwatch.amazonaws.com'] });

    // Bytes sent to clients in an hour: the hourly average of bytes per second, times 3600, summed over the instances.
    const instances = props.database.cluster.instanceIdentifiers;
    const usingMetrics = Object.fromEntries(
      instances.map((instance, i) => [
        `m${i}`,
        new cloudwatch.Metric({
          namespace: 'AWS/RDS',
          metricName: 'NetworkTransmitThroughput',
          dimensionsMap: { DBInstanceIdentifier: instance },
          statistic: cloudwatch.Stats.AVERAGE,
          period: Duration.hours(1),
        }),
      ]),
    );
    const bytesPerHour = new cloudwatch.MathExpression({
      expression: `(${Object.keys(usingMetrics).map((m) => `FILL(${m}, 0)`).join(' + ')}) * 3600`,
      usingMetrics,
      period: Duration.hours(1),
      label: 'Bytes sent by the contact database to its clients in one hour',
    });
    this.exportAlarm = new cloudwatch.Alarm(this, EXPORT_VOLUME_DETECTION.id, {
      alarmDescription: `The contact database sent more than ${threshold} MB to its clients in one hour`,
      metric: bytesPerHour,
      threshold: threshold * 1024 * 1024,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.exportAlarm.addAlarmAction(new cloudwatchActions.LambdaAction(notifier));
  }

  /**
   * Records every invocation of one of the kit's functions in the trail (a CloudTrail data event) and
   * tells the DPO when anyone but its expected caller invokes it. Without `expected`, the invocations
   * are recorded only (a function people invoke, such as an extract job).
   */
  watchInvocations(id: string, fn: lambda.IFunction, expected?: ExpectedInvoker): events.Rule | undefined {
    this.auditTrail?.logInvocations(fn);
    if (expected === undefined) return undefined;
    if (this.invocationRules[id]) throw new Error(`BreachDetection: invocations of "${id}" are already watched`);
    const rule = new events.Rule(this, `${id}InvokedUnexpectedly`, {
      description: `GDPR breach detection: ${INVOCATION_DETECTION.description}: ${id}`.slice(0, 512),
      eventPattern: unexpectedInvocation(fn.functionArn, expected, this.deployment),
      targets: [new targets.LambdaFunction(this.notifierFunction, { retryAttempts: 8, maxEventAge: Duration.hours(24) })],
    });
    this.invocationRules[id] = rule;
    return rule;
  }

  /** The CDK bootstrap's CloudFormation execution role, when the stack is synthesized with the DefaultStackSynthesizer. */
  private synthesizerDeploymentRole(): string | undefined {
    const stack = Stack.of(this);
    if (!(stack.synthesizer instanceof DefaultStackSynthesizer)) return undefined;
    return stack.synthesizer.cloudFormationExecutionRoleArn.split('${AWS::Partition}').join(stack.partition);
  }
}
