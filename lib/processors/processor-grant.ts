import { Annotations, CfnElement, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { Subcontractor } from '../catalog/catalog';
import { CONTACT_DATABASE_NAME, CONTACT_DATABASE_PORT, type IContactDatabase } from '../database/contact-database';
import { loadMigrations } from '../database/migrations';
import { schemaColumns, type SchemaColumn } from '../database/schema-columns';
import { acknowledge } from '../marks/acknowledge';
import { InVpcFunction } from '../network/in-vpc-function';
import { isEuMemberStateRegion } from '../residency/regions';
import { bundleDir } from '../runtime/bundles';
import { type ExtractPlan, extractPlan } from './extract-plan';
import type { ExtractsBucket } from './extracts-bucket';
import { CATEGORIES_TAG, CONTRACT_TAG, EXPIRES_TAG, PROCESSOR_LOCATION_METADATA, PROCESSOR_TAG, PURPOSE_TAG, TRANSFER_MECHANISM_METADATA } from '../marks/tags';
import { EMPTY_STATE, encryptionContext } from './pseudonymisation-key';


export interface ProcessorGrantProps {
  /** The processor, from the catalog: account, external id, purpose, categories, contract, location, dates. */
  readonly processor: Subcontractor;
  /** The bucket its extracts are written to, under the prefix `<processor name>/`. */
  readonly extracts: ExtractsBucket;
  /** Key that wraps the processor's pseudonymisation secret (and encrypts the secret that stores it). */
  readonly pseudonymisationKey: kms.IKey;
  /** The contact database the extract job reads, as the processor's extract role. */
  readonly database: IContactDatabase;
  readonly vpc: ec2.IVpc;
  /** Subnets with the KMS, Secrets Manager and S3 endpoints, where the extract job runs. */
  readonly subnets: ec2.SubnetSelection;
  /** Customer-managed key for the extract job's log group and environment. */
  readonly logsKey: kms.IKey;
  /**
   * Tagged columns of the schema, from which the extract is planned.
   * @default - the columns of the kit's migrations (lib/database/sql)
   */
  readonly columns?: readonly SchemaColumn[];
  /**
   * Longest session of the processor's role.
   * @default Duration.hours(1)
   */
  readonly maxSessionDuration?: Duration;
}

/**
 * Art. 28 access for one processor (subcontractor): what it may read, until when, and nothing else.
 *
 * - `role`: assumable only from the processor's account, only with its
 *   external id, only from its start date and until its expiry date
 *   (`aws:CurrentTime`); tagged with the processor, purpose, contract and expiry.
 *   It can list and read its own prefix of the extracts bucket and decrypt
 *   objects of that prefix through S3, nothing else: no database, no other
 *   processor's extracts, no key outside S3.
 * - `job`: the pseudonymised extract job, a function inside the VPC that
 *   signs in to the database as `extract_<name>` (IAM authentication), which
 *   reads the granted categories only, and writes `<name>/<date>.jsonl`.
 * - `secret`: the processor's pseudonymisation secret, wrapped by KMS.
 *
 * The role carries the processor's location and transfer mechanism as
 * metadata for the GDPR rules.
 */
export class ProcessorGrant extends Construct {
  public readonly role: iam.Role;
  public readonly policy: iam.ManagedPolicy;
  public readonly job: InVpcFunction;
  public readonly secret: secretsmanager.Secret;
  /** What the extract holds. */
  public readonly plan: ExtractPlan;
  /** The processor's prefix in the extracts bucket (without the trailing /). */
  public readonly prefix: string;
  /** `arn:<partition>:rds-db:<region>:<account>:dbuser:<cluster resource id>/extract_<name>` */
  public readonly databaseUserArn: string;

  constructor(scope: Construct, id: string, props: ProcessorGrantProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { processor, extracts } = props;
    validate(processor);
    this.prefix = processor.name;
    this.plan = extractPlan(processor, props.columns ?? schemaColumns(loadMigrations()));
    const start = `${processor.startDate}T00:00:00Z`;
    const expiry = `${processor.expiryDate}T00:00:00Z`;
    const bucketArn = extracts.bucket.bucketArn;
    const objects = `${bucketArn}/${this.prefix}/*`;

    // ---- the processor's role
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.AccountPrincipal(processor.accountId).withConditions({
        StringEquals: { 'sts:ExternalId': processor.externalId },
        DateGreaterThan: { 'aws:CurrentTime': start },
        DateLessThan: { 'aws:CurrentTime': expiry },
      }),
      description: latin1(
        `Processor ${processor.name} (art. 28): reads its ${processor.pseudonymised ? 'pseudonymised ' : ''}extracts until ${processor.expiryDate}; contract ${processor.contractReference}; purpose: ${processor.purpose}`,
      ).slice(0, 1000),
      maxSessionDuration: props.maxSessionDuration ?? Duration.hours(1),
    });
    const cfnRole = this.role.node.defaultChild as iam.CfnRole;
    // Set on the resource itself (not through an aspect), so the rules see them before synthesis too.
    cfnRole.tags.setTag(PROCESSOR_TAG, processor.name);
    cfnRole.tags.setTag(PURPOSE_TAG, tagValue(processor.purpose));
    cfnRole.tags.setTag(CONTRACT_TAG, tagValue(processor.contractReference));
    cfnRole.tags.setTag(EXPIRES_TAG, processor.expiryDate);
    cfnRole.tags.setTag(CATEGORIES_TAG, processor.categories.map((c) => c.name).join(' '));
    cfnRole.addMetadata(PROCESSOR_LOCATION_METADATA, processor.location);
    if (processor.transferMechanism) {
      cfnRole.addMetadata(TRANSFER_MECHANISM_METADATA, `${processor.transferMechanism.type}: ${processor.transferMechanism.reference}`);
    }

    this.policy = new iam.ManagedPolicy(this, 'Policy', {
      description: latin1(`Processor ${processor.name}: list, read and decrypt its own extracts (${this.prefix}/), nothing else`).slice(0, 1000),
      statements: [
        new iam.PolicyStatement({
          sid: 'ListOwnExtracts',
          actions: ['s3:ListBucket'],
          resources: [bucketArn],
          conditions: { StringLike: { 's3:prefix': [`${this.prefix}/`, `${this.prefix}/*`] } },
        }),
        new iam.PolicyStatement({ sid: 'ReadOwnExtracts', actions: ['s3:GetObject'], resources: [objects] }),
        new iam.PolicyStatement({
          sid: 'DecryptOwnExtractsThroughS3',
          actions: ['kms:Decrypt'],
          resources: [extracts.encryptionKey.keyArn],
          conditions: {
            StringEquals: { 'kms:ViaService': `s3.${stack.region}.amazonaws.com` },
            StringLike: { 'kms:EncryptionContext:aws:s3:arn': objects },
          },
        }),
      ],
      roles: [this.role],
    });
    acknowledge(
      this.policy,
      'AwsSolutions-IAM5',
      `The processor reads the extracts of its own prefix (${this.prefix}/), whose object names carry the date of each extract; the wildcard stops at that prefix, and the bucket policy denies every other reader.`,
      { finding: `Resource::<${logicalId(extracts.bucket.node.defaultChild)}.Arn>/${this.prefix}/*` },
    );

    // ---- the pseudonymisation secret, wrapped by KMS (written by the job on its first run)
    this.secret = new secretsmanager.Secret(this, 'PseudonymisationSecret', {
      description: `KMS-wrapped pseudonymisation secret of processor ${processor.name}: its pseudonyms depend on it`,
      encryptionKey: props.pseudonymisationKey,
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ state: EMPTY_STATE }),
        generateStringKey: 'nonce',
        excludePunctuation: true,
        passwordLength: 16,
      },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const pack of ['AwsSolutions-SMG4', 'HIPAA.Security-SecretsManagerRotationEnabled', 'NIST.800.53.R5-SecretsManagerRotationEnabled', 'PCI.DSS.321-SecretsManagerRotationEnabled']) {
      acknowledge(
        this.secret,
        pack,
        `Holds the KMS-wrapped HMAC secret behind processor ${processor.name}'s pseudonyms: rotating it would give every contact a new pseudonym and break the processor's statistics over time. It is useless without kms:Decrypt under the processor's encryption context, and the wrapping key rotates yearly.`,
      );
    }

    // ---- the pseudonymised extract job
    const { cluster } = props.database;
    this.databaseUserArn = props.database.databaseUserArn(processor.databaseUser);
    const context = encryptionContext(processor.name);
    this.job = new InVpcFunction(this, 'ExtractJob', {
      vpc: props.vpc,
      subnets: props.subnets,
      code: lambda.Code.fromAsset(bundleDir('extract')),
      handler: 'index.handler',
      description: `Pseudonymised extract of processor ${processor.name}`,
      logsKey: props.logsKey,
      timeout: Duration.minutes(15),
      // 1769 MB is one full vCPU: the HMAC loop is CPU-bound.
      memorySize: 1769,
      environment: {
        DB_HOST: cluster.clusterReadEndpoint.hostname,
        DB_PORT: String(CONTACT_DATABASE_PORT),
        DB_NAME: CONTACT_DATABASE_NAME,
        DB_USER: processor.databaseUser,
        BUCKET: extracts.bucket.bucketName,
        PREFIX: this.prefix,
        SECRET_ARN: this.secret.secretArn,
        PSEUDONYMISATION_KEY_ARN: props.pseudonymisationKey.keyArn,
        EXTRACT_PLAN: JSON.stringify(this.plan),
        // Lambda's bundle of Amazon CA certificates, RDS included: the connection verifies the server.
        NODE_EXTRA_CA_CERTS: '/var/runtime/ca-cert.pem',
      },
      statements: [
        new iam.PolicyStatement({ sid: 'ConnectAsExtractRole', actions: ['rds-db:connect'], resources: [this.databaseUserArn] }),
        new iam.PolicyStatement({
          sid: 'ReadAndInitialiseOwnSecret',
          actions: ['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue'],
          resources: [this.secret.secretArn],
        }),
        new iam.PolicyStatement({
          sid: 'UseKeyForOwnSecretThroughSecretsManager',
          actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
          resources: [props.pseudonymisationKey.keyArn],
          conditions: {
            StringEquals: {
              'kms:ViaService': `secretsmanager.${stack.region}.amazonaws.com`,
              'kms:EncryptionContext:SecretARN': this.secret.secretArn,
            },
          },
        }),
        new iam.PolicyStatement({
          sid: 'UnwrapOwnPseudonymisationSecret',
          actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
          resources: [props.pseudonymisationKey.keyArn],
          conditions: {
            StringEquals: Object.fromEntries(Object.entries(context).map(([k, v]) => [`kms:EncryptionContext:${k}`, v])),
          },
        }),
        new iam.PolicyStatement({ sid: 'WriteOwnExtracts', actions: ['s3:PutObject'], resources: [objects] }),
        new iam.PolicyStatement({
          sid: 'EncryptOwnExtractsThroughS3',
          actions: ['kms:GenerateDataKey'],
          resources: [extracts.encryptionKey.keyArn],
          conditions: {
            StringEquals: { 'kms:ViaService': `s3.${stack.region}.amazonaws.com` },
            StringLike: { 'kms:EncryptionContext:aws:s3:arn': objects },
          },
        }),
      ],
    });
    // The extract is written to /tmp before the upload: about 250 bytes per contact, so 4 GiB holds some 15 million contacts.
    (this.job.function.node.defaultChild as lambda.CfnFunction).ephemeralStorage = { size: EXTRACT_STORAGE_MB };
    props.database.allowConnectionsFrom(this.job.securityGroup, `PostgreSQL from the extract job of processor ${processor.name}`);
    this.job.securityGroup.addEgressRule(props.database.securityGroup, ec2.Port.tcp(CONTACT_DATABASE_PORT), 'PostgreSQL to the contact database');
    acknowledge(
      this.job.policy,
      'AwsSolutions-IAM5',
      `The extract job writes one object per day under its processor's prefix (${this.prefix}/<date>.jsonl); the wildcard stops at that prefix.`,
      { finding: `Resource::<${logicalId(extracts.bucket.node.defaultChild)}.Arn>/${this.prefix}/*` },
    );
    for (const pack of ['HIPAA.Security', 'NIST.800.53.R5']) {
      acknowledge(
        this.job.function,
        `${pack}-LambdaDLQ`,
        'Invoked synchronously by an operator or a pipeline (aws lambda invoke), which receives the error and the outcome; there is no asynchronous event for a dead-letter queue to keep.',
      );
    }

    extracts.addProcessorPrefix(this.prefix, {
      reader: this.role,
      writer: this.job.role,
      expires: new Date(expiry),
      retention: Duration.days(processor.extractRetentionDays),
    });

    if (!processor.pseudonymised) {
      Annotations.of(this).addWarningV2(
        'gdpr-contact-baseline:identifiedExtract',
        `Processor ${processor.name} receives identified data (pseudonymised: false): ${processor.identifiedReason ?? '(no reason given)'}`,
      );
    }
  }
}

/** Temporary storage of an extract job, in MiB. */
const EXTRACT_STORAGE_MB = 4096;

function validate(p: Subcontractor): void {
  const problems: string[] = [];
  if (!/^\d{12}$/.test(p.accountId)) problems.push(`accountId must be 12 digits; got ${p.accountId}`);
  if (p.externalId.length < 16) problems.push(`externalId must be at least 16 characters; got ${p.externalId.length}`);
  if (!p.contractReference.trim()) problems.push('contractReference (the data processing agreement) is required');
  const start = Date.parse(`${p.startDate}T00:00:00Z`);
  const expiry = Date.parse(`${p.expiryDate}T00:00:00Z`);
  if (Number.isNaN(start)) problems.push(`startDate must be YYYY-MM-DD; got ${p.startDate}`);
  if (Number.isNaN(expiry)) problems.push(`expiryDate must be YYYY-MM-DD; got ${p.expiryDate}`);
  if (!Number.isNaN(start) && !Number.isNaN(expiry) && expiry <= start) problems.push(`expiryDate ${p.expiryDate} must be after startDate ${p.startDate}`);
  if (!isEuMemberStateRegion(p.location) && !p.transferMechanism) {
    problems.push(`location ${p.location} is outside the EU: a transfer mechanism (art. 45-46) is required`);
  }
  const special = p.categories.filter((c) => c.special).map((c) => c.name);
  if (special.length > 0 && !p.specialCategoryJustification) problems.push(`special categories ${special.join(', ')} need a specialCategoryJustification`);
  if (!p.pseudonymised && !p.identifiedReason) problems.push('an identified extract (pseudonymised: false) needs an identifiedReason');
  if (problems.length > 0) throw new Error(`ProcessorGrant ${p.name}: ${problems.join('; ')}`);
}

function logicalId(resource: unknown): string {
  const cfn = resource as CfnElement;
  return Stack.of(cfn).getLogicalId(cfn);
}

/** IAM tag values: letters, digits, spaces and _ . : / = + - @, at most 256 characters. */
function tagValue(text: string): string {
  return text.replace(/[^\p{L}\p{Z}\p{N}_.:/=+\-@]+/gu, ' ').replace(/\s+/g, ' ').trim().slice(0, 256);
}

/** IAM descriptions accept Latin-1 only. */
function latin1(text: string): string {
  return text.replace(/[^\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]/g, ' ');
}

