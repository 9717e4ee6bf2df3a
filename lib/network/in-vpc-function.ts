import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledge } from '../marks/acknowledge';
import { type FunctionEgress, functionEgressOf } from './function-egress';

export interface InVpcFunctionProps {
  readonly vpc: ec2.IVpc;
  /** Isolated subnets to run in; they reach AWS only through the VPC endpoints. */
  readonly subnets: ec2.SubnetSelection;
  readonly code: lambda.Code;
  readonly handler: string;
  readonly description: string;
  /** Customer-managed key for the function's log group. */
  readonly logsKey: kms.IKey;
  /** What the function may do, besides running in the VPC and writing its logs. */
  readonly statements?: iam.PolicyStatement[];
  readonly environment?: Record<string, string>;
  /**
   * Customer-managed key for the environment variables.
   * @default - the logs key
   */
  readonly environmentKey?: kms.IKey;
  /** @default Duration.minutes(5) */
  readonly timeout?: Duration;
  /** @default 256 */
  readonly memorySize?: number;
  /**
   * Reserved concurrency: a ceiling on parallel runs against the database.
   * @default 1
   */
  readonly reservedConcurrentExecutions?: number;
  /** @default logs.RetentionDays.ONE_YEAR */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Where the events of asynchronous invocations (EventBridge, CloudWatch
   * alarms) go once every retry failed. The permission to send to it, and to
   * use its key, is added to the function's managed policy.
   * @default - none: the function is invoked synchronously (a custom resource), its caller sees a failure
   */
  readonly deadLetterQueue?: sqs.IQueue;
  /**
   * Where the function may send HTTPS: the interface endpoints' security group and the region's S3 prefix list.
   * @default - those of the ContactNetwork that created `vpc`; required for any other VPC
   */
  readonly egress?: FunctionEgress;
}

function deadLetterStatements(queue?: sqs.IQueue): iam.PolicyStatement[] {
  if (!queue) return [];
  const statements = [new iam.PolicyStatement({ sid: 'SendToDeadLetterQueue', actions: ['sqs:SendMessage'], resources: [queue.queueArn] })];
  if (queue.encryptionMasterKey) {
    statements.push(
      new iam.PolicyStatement({ sid: 'EncryptForDeadLetterQueue', actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [queue.encryptionMasterKey.keyArn] }),
    );
  }
  return statements;
}

/**
 * A Lambda function the way every function of the kit runs: inside the VPC's
 * isolated subnets with its own security group, on the latest Node.js
 * runtime, logging to an encrypted retained log group, its permissions in a
 * customer-managed policy (no inline policy, no AWS-managed policy) and its
 * concurrency capped. Code is passed in; nothing is bundled at synth.
 */
export class InVpcFunction extends Construct implements iam.IGrantable, ec2.IConnectable {
  public readonly function: lambda.Function;
  /**
   * Grants to the function (`bucket.grantRead(fn)`, `database.grantConnect(fn, user)`) land in its
   * customer-managed policy, like its own statements: never an inline policy on its role.
   */
  public readonly grantPrincipal: iam.IPrincipal;
  /** The function's security group: `database.allowConnectionsFrom(fn, ...)`, `fn.connections.allowTo(...)`. */
  public readonly connections: ec2.Connections;
  public readonly role: iam.Role;
  public readonly policy: iam.ManagedPolicy;
  public readonly securityGroup: ec2.SecurityGroup;
  public readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: InVpcFunctionProps) {
    super(scope, id);
    const stack = Stack.of(this);

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      encryptionKey: props.logsKey,
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: `${props.description}: HTTPS to the VPC endpoints only`,
      allowAllOutbound: false,
    });
    // HTTPS to the interface endpoints and to S3 through the gateway endpoint, nowhere else (not even should a route appear).
    const egress = props.egress ?? functionEgressOf(props.vpc);
    if (!egress) {
      throw new Error(
        `InVpcFunction ${this.node.path}: egress is required when the VPC was not created by ContactNetwork (the interface endpoints' security group and the region's S3 prefix list id)`,
      );
    }
    this.securityGroup.addEgressRule(egress.endpointSecurityGroup, ec2.Port.tcp(443), 'HTTPS to the interface endpoints of the VPC');
    this.securityGroup.addEgressRule(ec2.Peer.prefixList(egress.s3PrefixListId), ec2.Port.tcp(443), 'HTTPS to S3 through the gateway endpoint');

    this.policy = new iam.ManagedPolicy(this, 'Policy', {
      description: props.description,
      statements: [
        new iam.PolicyStatement({
          sid: 'WriteOwnLogs',
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: [this.logGroup.logGroupArn, `${this.logGroup.logGroupArn}:log-stream:*`],
        }),
        new iam.PolicyStatement({
          sid: 'RunInsideTheVpc',
          actions: [
            'ec2:CreateNetworkInterface',
            'ec2:DescribeNetworkInterfaces',
            'ec2:DeleteNetworkInterface',
            'ec2:AssignPrivateIpAddresses',
            'ec2:UnassignPrivateIpAddresses',
          ],
          resources: ['*'],
        }),
        ...(props.statements ?? []),
        ...deadLetterStatements(props.deadLetterQueue),
      ],
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
      description: props.description,
      managedPolicies: [this.policy],
    });

    this.function = new lambda.Function(this, 'Function', {
      runtime: lambda.Runtime.NODEJS_LATEST,
      code: props.code,
      handler: props.handler,
      description: props.description,
      role: this.role,
      vpc: props.vpc,
      vpcSubnets: props.subnets,
      securityGroups: [this.securityGroup],
      allowPublicSubnet: false,
      logGroup: this.logGroup,
      environment: props.environment,
      environmentEncryption: props.environmentKey ?? props.logsKey,
      timeout: props.timeout ?? Duration.minutes(5),
      memorySize: props.memorySize ?? 256,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions ?? 1,
      tracing: lambda.Tracing.DISABLED,
    });
    // Created only once its egress rules exist: a custom resource run earlier could not answer CloudFormation.
    this.function.node.addDependency(this.securityGroup);
    this.grantPrincipal = new ManagedPolicyPrincipal(this.role, this.policy);
    this.connections = this.function.connections;
    if (props.deadLetterQueue) {
      // Set on the resource rather than through lambda.Function's deadLetterQueue, which would add an inline policy.
      (this.function.node.defaultChild as lambda.CfnFunction).deadLetterConfig = { targetArn: props.deadLetterQueue.queueArn };
    }

    acknowledge(
      this.policy,
      'AwsSolutions-IAM5',
      'Lambda creates and deletes the network interfaces of a function in a VPC; the EC2 network-interface actions do not support resource-level permissions.',
      { finding: 'Resource::*' },
    );
    acknowledge(
      this.policy,
      'AwsSolutions-IAM5',
      'Log streams are created by Lambda with generated names inside this function’s own log group; the wildcard covers only that group’s streams.',
      { finding: `Resource::<${stack.getLogicalId(this.logGroup.node.defaultChild as logs.CfnLogGroup)}.Arn>:log-stream:*` },
    );
  }

  /**
   * Records that this function only serves a CloudFormation custom resource:
   * CloudFormation invokes it, a failure fails the deployment and shows in the
   * stack events, so a dead-letter queue would hold nothing to act on.
   */
  acknowledgeCustomResourceHandler(): void {
    for (const pack of ['HIPAA.Security', 'NIST.800.53.R5']) {
      acknowledge(
        this.function,
        `${pack}-LambdaDLQ`,
        'Invoked only by CloudFormation as a custom resource: a failure fails the deployment and shows in the stack events; a dead-letter queue would hold nothing to act on.',
      );
    }
  }
}

/** The function's role as a grantee whose granted statements go into its customer-managed policy. */
class ManagedPolicyPrincipal implements iam.IPrincipal {
  public readonly grantPrincipal: iam.IPrincipal = this;

  constructor(
    private readonly role: iam.IRole,
    private readonly policy: iam.ManagedPolicy,
  ) {}

  get assumeRoleAction(): string {
    return this.role.assumeRoleAction;
  }

  get policyFragment(): iam.PrincipalPolicyFragment {
    return this.role.policyFragment;
  }

  get principalAccount(): string | undefined {
    return this.role.principalAccount;
  }

  addToPolicy(statement: iam.PolicyStatement): boolean {
    return this.addToPrincipalPolicy(statement).statementAdded;
  }

  addToPrincipalPolicy(statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult {
    this.policy.addStatements(statement);
    return { statementAdded: true, policyDependable: this.policy };
  }
}
