import { ArnFormat, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import { Construct, IConstruct } from 'constructs';
import { DATABASE_DEFAULTS } from '../config/defaults';
import { CustomerManagedKey } from '../keys/customer-managed-key';

/** The engine every part of the kit targets (SQL is written for it). */
export const CONTACT_DATABASE_ENGINE = rds.DatabaseClusterEngine.auroraPostgres({
  version: rds.AuroraPostgresEngineVersion.VER_16_13,
});

export const CONTACT_DATABASE_PORT = 5432;
export const CONTACT_DATABASE_NAME = 'contacts';
export const CONTACT_DATABASE_ADMIN = 'contacts_admin';

/** A PostgreSQL user name as IAM database authentication takes it: one user, no wildcard. */
const DATABASE_USER = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * `arn:<partition>:rds-db:<region>:<account>:dbuser:<cluster resource id>/<user>`: the one
 * resource of `rds-db:connect` that signs in as `user` (in the region and account of `scope`'s stack).
 */
export function databaseUserArn(scope: IConstruct, cluster: rds.IDatabaseCluster, user: string): string {
  if (!Token.isUnresolved(user) && !DATABASE_USER.test(user)) {
    throw new Error(`database user must be one PostgreSQL user name (lower-case letters, digits, _; no wildcard); got ${user}`);
  }
  return Stack.of(scope).formatArn({
    service: 'rds-db',
    resource: 'dbuser',
    resourceName: `${cluster.clusterResourceIdentifier}/${user}`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

/** What the kit's constructs need of the contact database; `ContactDatabase` is one. */
export interface IContactDatabase extends IConstruct {
  /** The Aurora PostgreSQL cluster (IAM database authentication on). */
  readonly cluster: rds.IDatabaseCluster;
  /** Key of its storage, snapshots and master secret. */
  readonly encryptionKey: kms.IKey;
  /** The cluster's security group. */
  readonly securityGroup: ec2.ISecurityGroup;
  /** Admits PostgreSQL connections, on the database port only, from a peer. */
  allowConnectionsFrom(peer: ec2.IConnectable, description: string): void;
  /** The `rds-db:connect` resource of one database user. */
  databaseUserArn(user: string): string;
  /** Lets `grantee` sign in as one database user with IAM authentication (`rds-db:connect` on that user only). */
  grantConnect(grantee: iam.IGrantable, user: string): iam.Grant;
}

export interface ContactDatabaseProps {
  readonly vpc: ec2.IVpc;
  /** Isolated subnets that hold the cluster and nothing else. */
  readonly subnets: ec2.SubnetSelection;
  /** Customer-managed key for the exported PostgreSQL log group. */
  readonly logsKey: kms.IKey;
  /**
   * Cluster identifier. The exported log group is named after it and must
   * exist, encrypted, before RDS starts exporting, so the name is fixed.
   * @default - `<stack name>-contacts`, lower-cased
   */
  readonly clusterIdentifier?: string;
  /**
   * Key that encrypts storage, snapshots, Performance Insights and the
   * managed master secret.
   * @default - a new customer-managed key with yearly rotation, retained on stack deletion
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * Minimum Aurora capacity units; 0 lets a development cluster pause.
   * @default 0.5
   */
  readonly minCapacity?: number;
  /**
   * With `minCapacity` 0, how long the database stays idle before it pauses
   * (5 minutes to 24 hours); it resumes on the next connection.
   * @default - Aurora's own (5 minutes)
   */
  readonly autoPause?: Duration;
  /**
   * A reader instance in another zone that takes over when the writer fails.
   * Without it the cluster has one instance (development): a zone failure
   * stops the database until Aurora recreates the instance; no data is lost
   * (storage is replicated across three zones whatever the instance count).
   * @default true
   */
  readonly reader?: boolean;
  /**
   * Maximum Aurora capacity units.
   * @default 4
   */
  readonly maxCapacity?: number;
  /**
   * Automated backup (point-in-time restore) window.
   * @default Duration.days(7)
   */
  readonly backupRetention?: Duration;
  /**
   * How long exported PostgreSQL logs are kept.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * The single source of truth for contact data: one Aurora PostgreSQL 16
 * Serverless v2 cluster (a writer and, unless `reader` is false, a reader in another zone) in isolated
 * subnets, encrypted with its own customer-managed key, IAM database
 * authentication, TLS forced, connections and every read and write (pgaudit,
 * with the database user) logged to an encrypted log group,
 * deletion protection on and retained on stack deletion. The master password
 * is generated and rotated by RDS in Secrets Manager under the same key.
 * Nothing can connect until `allowConnectionsFrom` names a security group.
 */
export class ContactDatabase extends Construct implements IContactDatabase {
  public readonly cluster: rds.DatabaseCluster;
  public readonly encryptionKey: kms.IKey;
  public readonly securityGroup: ec2.SecurityGroup;
  public readonly logGroup: logs.LogGroup;
  public readonly parameterGroup: rds.ParameterGroup;
  public readonly clusterIdentifier: string;

  constructor(scope: Construct, id: string, props: ContactDatabaseProps) {
    super(scope, id);
    const minCapacity = props.minCapacity ?? DATABASE_DEFAULTS.minCapacity;
    const maxCapacity = props.maxCapacity ?? DATABASE_DEFAULTS.maxCapacity;
    if (maxCapacity < minCapacity) {
      throw new Error(`ContactDatabase: maxCapacity (${maxCapacity}) must be at least minCapacity (${minCapacity})`);
    }
    this.clusterIdentifier = props.clusterIdentifier ?? `${Stack.of(this).stackName}-contacts`.toLowerCase();
    if (!Token.isUnresolved(this.clusterIdentifier) && !/^[a-z][a-z0-9-]{0,62}$/.test(this.clusterIdentifier)) {
      throw new Error(`ContactDatabase: clusterIdentifier must be lower-case letters, digits and hyphens, starting with a letter, at most 63 characters; got ${this.clusterIdentifier}`);
    }

    this.encryptionKey =
      props.encryptionKey ??
      new CustomerManagedKey(this, 'Key', {
        description: 'Contact database: storage, snapshots, Performance Insights and master secret',
      });

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'Contact database: PostgreSQL only from the VPN and the kit functions',
      allowAllOutbound: false,
    });

    this.parameterGroup = new rds.ParameterGroup(this, 'ClusterParameters', {
      engine: CONTACT_DATABASE_ENGINE,
      description: 'Contact database: TLS forced, connections, reads and writes logged (pgaudit)',
      parameters: {
        'rds.force_ssl': '1',
        ssl_min_protocol_version: 'TLSv1.2',
        log_connections: '1',
        log_disconnections: '1',
        password_encryption: 'scram-sha-256',
        // Every read and write is logged with its database user (art. 33(3)); Aurora's default library stays.
        shared_preload_libraries: 'pg_stat_statements,pgaudit',
        'pgaudit.log': 'read,write',
        // Values bound to a statement (how drivers send them) stay out of the log; catalog queries add nothing.
        'pgaudit.log_parameter': '0',
        'pgaudit.log_catalog': '0',
        // One line per relation a statement touches: which tables a session read.
        'pgaudit.log_relation': '1',
      },
    });

    this.logGroup = new logs.LogGroup(this, 'PostgresqlLogs', {
      logGroupName: `/aws/rds/cluster/${this.clusterIdentifier}/postgresql`,
      encryptionKey: props.logsKey,
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.cluster = new rds.DatabaseCluster(this, 'Cluster', {
      engine: CONTACT_DATABASE_ENGINE,
      clusterIdentifier: this.clusterIdentifier,
      defaultDatabaseName: CONTACT_DATABASE_NAME,
      credentials: rds.Credentials.fromUsername(CONTACT_DATABASE_ADMIN),
      manageMasterUserPassword: true,
      vpc: props.vpc,
      vpcSubnets: props.subnets,
      securityGroups: [this.securityGroup],
      port: CONTACT_DATABASE_PORT,
      storageEncrypted: true,
      storageEncryptionKey: this.encryptionKey,
      iamAuthentication: true,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
      copyTagsToSnapshot: true,
      parameterGroup: this.parameterGroup,
      cloudwatchLogsExports: ['postgresql'],
      backup: { retention: props.backupRetention ?? Duration.days(DATABASE_DEFAULTS.backupRetentionDays) },
      serverlessV2MinCapacity: minCapacity,
      serverlessV2MaxCapacity: maxCapacity,
      ...(minCapacity === 0 && props.autoPause ? { serverlessV2AutoPauseDuration: props.autoPause } : {}),
      monitoringInterval: Duration.seconds(60),
      enablePerformanceInsights: true,
      performanceInsightEncryptionKey: this.encryptionKey,
      writer: rds.ClusterInstance.serverlessV2('Writer', {
        enablePerformanceInsights: true,
        performanceInsightEncryptionKey: this.encryptionKey,
        publiclyAccessible: false,
        autoMinorVersionUpgrade: true,
      }),
      readers:
        (props.reader ?? true)
          ? [
              rds.ClusterInstance.serverlessV2('Reader', {
                enablePerformanceInsights: true,
                performanceInsightEncryptionKey: this.encryptionKey,
                publiclyAccessible: false,
                autoMinorVersionUpgrade: true,
                scaleWithWriter: true,
              }),
            ]
          : [],
    });
    this.cluster.node.addDependency(this.logGroup);

    const cfnCluster = this.cluster.node.defaultChild as rds.CfnDBCluster;
    cfnCluster.masterUserSecret = { kmsKeyId: this.encryptionKey.keyArn };
  }

  /** Admits PostgreSQL connections, on the database port only, from a security group. */
  allowConnectionsFrom(peer: ec2.IConnectable, description: string): void {
    this.securityGroup.connections.allowFrom(peer, ec2.Port.tcp(CONTACT_DATABASE_PORT), description);
  }

  /** The `rds-db:connect` resource of one database user of this cluster. */
  databaseUserArn(user: string): string {
    return databaseUserArn(this, this.cluster, user);
  }

  /**
   * Lets `grantee` sign in as one database user with IAM authentication:
   * `rds-db:connect` on that user's ARN only, never a wildcard. What it can
   * read is what the database grants that user.
   */
  grantConnect(grantee: iam.IGrantable, user: string): iam.Grant {
    return iam.Grant.addToPrincipal({ grantee, actions: ['rds-db:connect'], resourceArns: [this.databaseUserArn(user)] });
  }
}
