import { Duration, type IResolvable, type IResolveContext, Lazy, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudtrail from 'aws-cdk-lib/aws-cloudtrail';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledge } from '../marks/acknowledge';

export interface AuditTrailProps {
  /** Customer-managed key for the log files and the buckets (CloudTrail and S3 log delivery are allowed to use it). */
  readonly encryptionKey: kms.Key;
  /** Customer-managed key for the CloudWatch log group the trail also writes to. */
  readonly logsKey: kms.IKey;
  /**
   * How long log files are kept, locked against deletion (S3 Object Lock, governance mode) for that time.
   * @default Duration.days(365)
   */
  readonly retention?: Duration;
}

/**
 * The record breach detection and the breach register stand on (art. 33(3),
 * 33(5)): a multi-region CloudTrail trail of every management event, and of
 * every invocation of the kit's functions (logInvocations), with log
 * file validation, encrypted with a customer-managed key, delivered to a
 * bucket in the stack's region (events of every region land there: nothing
 * leaves the EU) and to an encrypted CloudWatch log group.
 *
 * The bucket is encrypted with the key, TLS only, versioned, its objects
 * locked for the retention then expired, retained on stack deletion, and its
 * accesses logged to a second bucket with the same protections. That second
 * bucket is the end of the chain: it logs its own accesses under `self/`
 * (every bucket must log its accesses, AWS Control Tower CT.S3.PR.2), and it
 * has no default lock retention, which S3 server access logging refuses.
 */
export class AuditTrail extends Construct {
  public readonly trail: cloudtrail.Trail;
  public readonly bucket: s3.Bucket;
  public readonly accessLogsBucket: s3.Bucket;
  public readonly logGroup: logs.LogGroup;
  /** ARNs of the functions whose invocations the trail records (data events), in the order they were added. */
  public readonly loggedFunctionArns: string[] = [];

  constructor(scope: Construct, id: string, props: AuditTrailProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const retention = props.retention ?? Duration.days(365);
    const key = props.encryptionKey;

    const bucketDefaults = (lock?: s3.ObjectLockRetention): s3.BucketProps => ({
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: key,
      bucketKeyEnabled: true,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      objectLockEnabled: true,
      objectLockDefaultRetention: lock,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        {
          id: 'ExpireAfterRetention',
          expiration: retention,
          noncurrentVersionExpiration: Duration.days(1),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
    });

    this.accessLogsBucket = new s3.Bucket(this, 'AccessLogs', bucketDefaults());
    this.bucket = new s3.Bucket(this, 'Bucket', bucketDefaults(s3.ObjectLockRetention.governance(retention)));

    // Server access logging through a bucket policy (never ACLs, whatever the app's feature flags say).
    const logDelivery = new iam.ServicePrincipal('logging.s3.amazonaws.com');
    const logAccesses = (source: s3.Bucket, prefix: string) => {
      this.accessLogsBucket.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: `S3ServerAccessLogsFor${source === this.accessLogsBucket ? 'Itself' : 'TrailBucket'}`,
          principals: [logDelivery],
          actions: ['s3:PutObject'],
          resources: [this.accessLogsBucket.arnForObjects(`${prefix}*`)],
          conditions: { ArnLike: { 'aws:SourceArn': source.bucketArn }, StringEquals: { 'aws:SourceAccount': stack.account } },
        }),
      );
      (source.node.defaultChild as s3.CfnBucket).loggingConfiguration = {
        // Without a destination, S3 logs a bucket's accesses into the bucket itself.
        destinationBucketName: source === this.accessLogsBucket ? undefined : this.accessLogsBucket.bucketName,
        logFilePrefix: prefix,
      };
    };
    logAccesses(this.bucket, 'trail/');
    logAccesses(this.accessLogsBucket, 'self/');
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowS3LogDeliveryToEncryptAccessLogs',
        principals: [logDelivery],
        actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    );

    // Object events go to EventBridge (AWS Control Tower CT.S3.PR.4), set on the resource: the
    // construct's eventBridgeEnabled would add a notifications function outside the VPC.
    for (const bucket of [this.accessLogsBucket, this.bucket]) {
      (bucket.node.defaultChild as s3.CfnBucket).notificationConfiguration = { eventBridgeConfiguration: { eventBridgeEnabled: true } };
    }

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      encryptionKey: props.logsKey,
      retention: logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // CloudTrail encrypts the log files with the key; only trails of this account may ask.
    const trailArns = `arn:${stack.partition}:cloudtrail:*:${stack.account}:trail/*`;
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudTrailToEncryptLogFiles',
        principals: [new iam.ServicePrincipal('cloudtrail.amazonaws.com')],
        actions: ['kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': trailArns },
        },
      }),
    );
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudTrailToDescribeKey',
        principals: [new iam.ServicePrincipal('cloudtrail.amazonaws.com')],
        actions: ['kms:DescribeKey'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    );

    this.trail = new cloudtrail.Trail(this, 'Trail', {
      bucket: this.bucket,
      encryptionKey: key,
      enableFileValidation: true,
      isMultiRegionTrail: true,
      includeGlobalServiceEvents: true,
      managementEvents: cloudtrail.ReadWriteType.ALL,
      sendToCloudWatchLogs: true,
      cloudWatchLogGroup: this.logGroup,
    });
    sourceAccountForCloudTrail(this.bucket, stack.account);

    for (const pack of ['HIPAA.Security', 'NIST.800.53.R5', 'PCI.DSS.321']) {
      acknowledge(
        this.bucket,
        `${pack}-S3BucketReplicationEnabled`,
        'The trail also delivers every event to its encrypted CloudWatch log group, an independent second copy; the bucket is versioned and object-locked. A replica would be a third copy of records that name employees (data minimisation).',
      );
      acknowledge(
        this.accessLogsBucket,
        `${pack}-S3BucketReplicationEnabled`,
        'Server access logs of the trail bucket, versioned and object-locked in the stack region; a replica would duplicate records that name employees without protecting the contact data any further.',
      );
      acknowledge(
        this.trail.node.findChild('LogsRole').node.findChild('DefaultPolicy'),
        `${pack}-IAMNoInlinePolicy`,
        'Inline policy generated by aws-cdk-lib for the CloudTrail delivery role: it only allows writing to the one encrypted trail log group and cannot be attached to any other principal.',
      );
    }
  }

  /**
   * Records every invocation of the function (CloudTrail data events, also sent to EventBridge). One
   * event selector holds every function, so the trail stays within CloudTrail's five selectors.
   */
  logInvocations(fn: lambda.IFunction): void {
    if (this.loggedFunctionArns.length === 0) {
      this.trail.addEventSelector(cloudtrail.DataResourceType.LAMBDA_FUNCTION, Lazy.list({ produce: () => this.loggedFunctionArns }), {
        includeManagementEvents: false,
        readWriteType: cloudtrail.ReadWriteType.ALL,
      });
    }
    if (this.loggedFunctionArns.length >= 250) {
      throw new Error(`AuditTrail: a trail records invocations of at most 250 functions; ${fn.node.path} would be the 251st`);
    }
    this.loggedFunctionArns.push(fn.functionArn);
  }
}

/**
 * The Trail construct lets `cloudtrail.amazonaws.com` read the bucket ACL and write log files with no
 * source condition: any account's trail could then name the bucket (the confused deputy). Every such
 * statement of the bucket policy gets `StringEquals aws:SourceAccount: <this account>`, as AWS
 * recommends for CloudTrail bucket policies (GDPR-Art32-ResourcePolicyBounded).
 */
function sourceAccountForCloudTrail(bucket: s3.IBucket, account: string): void {
  const policy = bucket.policy;
  if (!policy) return;
  const document = policy.document;
  const withSourceAccount: IResolvable = {
    creationStack: [],
    resolve: (context: IResolveContext) => {
      /* eslint-disable @typescript-eslint/no-explicit-any */
      const resolved = context.resolve(document) as { Statement?: any[] };
      const sourceAccount = context.resolve(account);
      return {
        ...resolved,
        Statement: (resolved.Statement ?? []).map((statement: any) => {
          const services = [statement?.Principal?.Service].flat();
          if (statement?.Effect !== 'Allow' || !services.includes('cloudtrail.amazonaws.com')) return statement;
          const condition = statement.Condition ?? {};
          return { ...statement, Condition: { ...condition, StringEquals: { ...(condition.StringEquals ?? {}), 'aws:SourceAccount': sourceAccount } } };
        }),
      };
      /* eslint-enable @typescript-eslint/no-explicit-any */
    },
  };
  (policy.node.defaultChild as s3.CfnBucketPolicy).policyDocument = withSourceAccount;
}
