import { Duration, Lazy, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { CustomerManagedKey } from '../keys/customer-managed-key';
import { acknowledge } from '../marks/acknowledge';

export interface ExtractsBucketProps {
  /**
   * Key that encrypts the extracts (SSE-KMS, one data key per object, so a
   * processor's decrypt permission can be bound to its own prefix).
   * @default - a new customer-managed key with yearly rotation, retained on stack deletion
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * How long the server access logs of the bucket are kept.
   * @default Duration.days(365)
   */
  readonly accessLogRetention?: Duration;
}

/** One processor's share of the bucket. */
export interface ProcessorPrefixOptions {
  /** The only principal that may read the prefix, besides the writer. */
  readonly reader: iam.IRole;
  /** The only principal that may write the prefix (the extract job). */
  readonly writer: iam.IRole;
  /** Every object of the prefix expires on this day (00:00 UTC): the day the grant ends. */
  readonly expires: Date;
  /** Each extract expires this long after it was written, if the grant lasts longer. */
  readonly retention: Duration;
}

const PREFIX = /^[a-z][a-z0-9_]{0,62}$/;

/**
 * The bucket processors receive their extracts in, one prefix each.
 *
 * Encrypted with its own customer-managed key, TLS 1.2 only, public access
 * blocked, ACLs disabled, versioned, no replication, retained on stack
 * deletion, server access logs to a separate bucket (encrypted with its own
 * key). Its policy lets nobody but a prefix's processor role and extract job
 * read the prefix, nobody but the job write it, nobody write outside the
 * declared prefixes, and nobody lock an object (Object Lock is on, as AWS
 * Control Tower requires, but no object may be retained past its expiry).
 * Every object of a prefix expires on the day the processor's grant ends, or
 * its retention after it was written if sooner; old versions a day later.
 */
export class ExtractsBucket extends Construct {
  public readonly bucket: s3.Bucket;
  public readonly encryptionKey: kms.IKey;
  public readonly accessLogs: s3.Bucket;
  public readonly accessLogsKey: kms.IKey;
  private readonly prefixes = new Set<string>();
  private readonly writers: string[] = [];

  constructor(scope: Construct, id: string, props: ExtractsBucketProps = {}) {
    super(scope, id);
    const stack = Stack.of(this);

    this.encryptionKey =
      props.encryptionKey ?? new CustomerManagedKey(this, 'Key', { description: 'Pseudonymised extracts for processors (subcontractors)' });

    const accessLogsKey = new CustomerManagedKey(this, 'AccessLogsKey', {
      description: 'Server access logs of the processor extracts bucket',
    });
    // S3 log delivery writes the access logs; it encrypts them under this key (never the extracts key).
    accessLogsKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowS3LogDeliveryOfThisAccount',
        principals: [new iam.ServicePrincipal('logging.s3.amazonaws.com')],
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    );
    this.accessLogsKey = accessLogsKey;

    const common: s3.BucketProps = {
      encryption: s3.BucketEncryption.KMS,
      bucketKeyEnabled: false,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      objectLockEnabled: true,
      removalPolicy: RemovalPolicy.RETAIN,
    };

    this.accessLogs = new s3.Bucket(this, 'AccessLogs', {
      ...common,
      encryptionKey: accessLogsKey,
      lifecycleRules: [
        {
          id: 'ExpireAccessLogs',
          expiration: props.accessLogRetention ?? Duration.days(365),
          noncurrentVersionExpiration: Duration.days(1),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
    });
    // AWS Control Tower requires access logging on every bucket: the log bucket logs to itself, under its own prefix.
    this.logTo(this.accessLogs, this.accessLogs, 'self/');
    sendEventsToEventBridge(this.accessLogs);

    this.bucket = new s3.Bucket(this, 'Bucket', {
      ...common,
      encryptionKey: this.encryptionKey,
      lifecycleRules: [
        {
          id: 'RemoveOldVersionsAndMarkers',
          noncurrentVersionExpiration: Duration.days(1),
          expiredObjectDeleteMarker: true,
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
    });
    this.logTo(this.bucket, this.accessLogs, 'extracts/');
    sendEventsToEventBridge(this.bucket);

    for (const pack of ['HIPAA.Security', 'NIST.800.53.R5', 'PCI.DSS.321']) {
      acknowledge(
        this.bucket,
        `${pack}-S3BucketReplicationEnabled`,
        'Replicating the extracts would make a second copy of processor data in another bucket or region (art. 5(1)(c), art. 44); an extract is regenerated from the contact database by its job at any time, so losing one loses nothing.',
      );
      acknowledge(
        this.accessLogs,
        `${pack}-S3BucketReplicationEnabled`,
        'The access logs of the extracts stay versioned and retained in the region of what they describe; a replica elsewhere would be a transfer of requester data (art. 44) for no gain in integrity.',
      );
    }

    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyRetainingExtractsPastTheirExpiry',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:PutObjectRetention', 's3:PutObjectLegalHold', 's3:PutBucketObjectLockConfiguration', 's3:BypassGovernanceRetention'],
        resources: [this.bucket.bucketArn, this.bucket.arnForObjects('*')],
      }),
    );
  }

  /**
   * Gives one processor its prefix: readable by `reader` (and `writer`) only,
   * writable by `writer` only, every object expiring on `expires` or after
   * `retention`, whichever comes first. The roles still need identity
   * permissions (`ProcessorGrant` adds them).
   */
  addProcessorPrefix(prefix: string, options: ProcessorPrefixOptions): void {
    if (!PREFIX.test(prefix)) throw new Error(`ExtractsBucket: a prefix is lower-case letters, digits or _ starting with a letter; got ${prefix}`);
    if (this.prefixes.has(prefix)) throw new Error(`ExtractsBucket: prefix ${prefix} is already given to a processor`);
    const { expires } = options;
    if (Number.isNaN(expires.getTime()) || expires.getTime() % 86_400_000 !== 0) {
      throw new Error(`ExtractsBucket: ${prefix} expires at midnight UTC on a day (S3 expires objects by date); got ${String(expires)}`);
    }
    if (!Token.isUnresolved(options.retention.toDays()) && options.retention.toDays() < 1) {
      throw new Error(`ExtractsBucket: ${prefix} retention must be at least one day`);
    }
    if (this.prefixes.size === 0) {
      // Only the extract jobs write, anywhere in the bucket; each job's own policy names its prefix.
      this.bucket.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'DenyWritesButTheExtractJobs',
          effect: iam.Effect.DENY,
          principals: [new iam.AnyPrincipal()],
          actions: ['s3:PutObject*'],
          resources: [this.bucket.arnForObjects('*')],
          conditions: { ArnNotEquals: { 'aws:PrincipalArn': Lazy.list({ produce: () => this.writers }) } },
        }),
      );
    }
    this.prefixes.add(prefix);
    this.writers.push(options.writer.roleArn);
    const objects = this.bucket.arnForObjects(`${prefix}/*`);

    this.bucket.addLifecycleRule({ id: `${prefix}-GrantExpiry`, prefix: `${prefix}/`, expirationDate: expires });
    this.bucket.addLifecycleRule({ id: `${prefix}-Retention`, prefix: `${prefix}/`, expiration: options.retention });
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: `DenyReading${pascal(prefix)}ExtractsToOthers`,
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:GetObject*'],
        resources: [objects],
        conditions: { ArnNotEquals: { 'aws:PrincipalArn': [options.reader.roleArn, options.writer.roleArn] } },
      }),
    );
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: `DenyWriting${pascal(prefix)}ExtractsButItsJob`,
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:PutObject*'],
        resources: [objects],
        conditions: { ArnNotEquals: { 'aws:PrincipalArn': options.writer.roleArn } },
      }),
    );
  }

  /** The prefixes given to processors. */
  get processorPrefixes(): string[] {
    return [...this.prefixes];
  }

  /**
   * Server access logging through a bucket policy (not an ACL), the same
   * with every aws-cdk-lib feature flag: the L1 property is set directly.
   */
  private logTo(source: s3.Bucket, target: s3.Bucket, prefix: string): void {
    const stack = Stack.of(this);
    // Without a destination, CloudFormation sends the logs to the bucket itself (no self-reference, no cycle).
    (source.node.defaultChild as s3.CfnBucket).loggingConfiguration =
      source === target ? { logFilePrefix: prefix } : { destinationBucketName: target.bucketName, logFilePrefix: prefix };
    target.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: `AllowS3LogDelivery${pascal(prefix.replace(/\/$/, ''))}`,
        principals: [new iam.ServicePrincipal('logging.s3.amazonaws.com')],
        actions: ['s3:PutObject'],
        resources: [target.arnForObjects(`${prefix}*`)],
        conditions: {
          ArnLike: { 'aws:SourceArn': source.bucketArn },
          StringEquals: { 'aws:SourceAccount': stack.account },
        },
      }),
    );
  }
}

/**
 * Object events (an extract written, read-only copies expiring) go to
 * EventBridge, where a rule can notify the DPO or the processor. Set on the
 * CloudFormation resource: aws-cdk-lib's `eventBridgeEnabled` would add a
 * custom-resource function outside the VPC to do the same.
 */
function sendEventsToEventBridge(bucket: s3.Bucket): void {
  (bucket.node.defaultChild as s3.CfnBucket).notificationConfiguration = { eventBridgeConfiguration: { eventBridgeEnabled: true } };
}

function pascal(text: string): string {
  return text
    .split(/[^a-zA-Z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join('');
}
