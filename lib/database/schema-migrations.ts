import { join } from 'node:path';
import { Aws, CfnResource, CustomResource, Duration, Stack, Stage } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as rds from 'aws-cdk-lib/aws-rds';
import { Construct } from 'constructs';
import type { Catalog } from '../catalog/catalog';
import { InVpcFunction } from '../network/in-vpc-function';
import { BundleError, bundleDir, bundledMigrations } from '../runtime/bundles';
import { migrationsList, stageMigrateAsset } from './migrate-asset';
import { CONTACT_DATABASE_NAME, CONTACT_DATABASE_PORT, ContactDatabase } from './contact-database';
import { databaseSql } from './database-sql';

export interface SchemaMigrationsProps {
  readonly database: ContactDatabase;
  readonly catalog: Catalog;
  readonly vpc: ec2.IVpc;
  /** Subnets with the Secrets Manager and S3 endpoints, where the function runs. */
  readonly subnets: ec2.SubnetSelection;
  /** Customer-managed key for the function's log group. */
  readonly logsKey: kms.IKey;
}

/**
 * Applies the schema migrations (lib/database/sql) and the catalog's roles and
 * privileges at deploy time, from a function inside the VPC that signs in as
 * the RDS-managed master user. Runs again whenever a migration or the catalog
 * changes; deleting the stack never drops the schema.
 *
 * The function runs only SQL that ships in its own asset: the prebuilt bundle
 * with its migrations embedded, plus catalog.sql generated here at synth. The template
 * carries hashes only (the function's environment and the resource's
 * properties), never SQL; the function refuses to run when its files do not
 * match them, and acts only on CloudFormation's request for this resource.
 */
export class SchemaMigrations extends Construct {
  public readonly handler: InVpcFunction;
  public readonly resource: CustomResource;
  /** The SQL generated from the catalog (roles, privileges, purposes), as shipped in the function's asset (catalog.sql). */
  public readonly catalogSql: string;
  /** sha256 of catalog.sql, as the template writes it. */
  public readonly catalogSqlSha256: string;

  constructor(scope: Construct, id: string, props: SchemaMigrationsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { cluster, encryptionKey } = props.database;
    const cfnCluster = cluster.node.defaultChild as rds.CfnDBCluster;
    const secretArn = cfnCluster.attrMasterUserSecretSecretArn;
    const sql = databaseSql(props.catalog);
    this.catalogSql = sql.catalogSql;

    // The bundle must embed the very migrations the catalog SQL was generated for (as its build recorded them).
    const bundle = bundleDir('migrate');
    if (bundledMigrations() !== migrationsList(sql.migrations)) {
      throw new BundleError('SchemaMigrations: the migrations embedded in the migrate bundle differ from lib/database/sql; run npm run build:handlers');
    }
    // Content-addressed in the cloud assembly: the same catalog gives the same directory and asset hash on every synth.
    const stage = Stage.of(this);
    if (!stage) throw new Error('SchemaMigrations must be defined within an App or a Stage');
    const asset = stageMigrateAsset(join(stage.assetOutdir, 'staging.schema-function'), bundle, sql.catalogSql, migrationsList(sql.migrations));
    this.catalogSqlSha256 = asset.catalogSqlSha256;

    this.handler = new InVpcFunction(this, 'Handler', {
      vpc: props.vpc,
      subnets: props.subnets,
      code: lambda.Code.fromAsset(asset.dir),
      handler: 'index.handler',
      description: 'Applies the contact database migrations and catalog privileges',
      logsKey: props.logsKey,
      timeout: Duration.minutes(10),
      environment: {
        DB_HOST: cluster.clusterEndpoint.hostname,
        DB_PORT: String(CONTACT_DATABASE_PORT),
        DB_NAME: CONTACT_DATABASE_NAME,
        SECRET_ARN: secretArn,
        DB_LOG_GROUP: props.database.logGroup.logGroupName,
        // The function refuses to run unless its asset's files have these hashes.
        CATALOG_SQL_SHA256: asset.catalogSqlSha256,
        MIGRATIONS_SHA256: asset.migrationsSha256,
        // It acts only on CloudFormation's request for its resource of this stack.
        STACK_ID: Aws.STACK_ID,
        // Lambda's bundle of Amazon CA certificates, RDS included: the connection verifies the server.
        NODE_EXTRA_CA_CERTS: '/var/runtime/ca-cert.pem',
      },
      statements: [
        new iam.PolicyStatement({ sid: 'ReadMasterSecret', actions: ['secretsmanager:GetSecretValue'], resources: [secretArn] }),
        new iam.PolicyStatement({
          sid: 'DecryptMasterSecret',
          actions: ['kms:Decrypt'],
          resources: [encryptionKey.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${stack.region}.amazonaws.com` } },
        }),
      ],
    });
    this.handler.acknowledgeCustomResourceHandler();
    props.database.allowConnectionsFrom(this.handler.securityGroup, 'PostgreSQL from the schema migrations function');
    this.handler.securityGroup.addEgressRule(props.database.securityGroup, ec2.Port.tcp(CONTACT_DATABASE_PORT), 'PostgreSQL to the contact database');

    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: this.handler.function.functionArn,
      resourceType: 'Custom::ContactSchema',
      // A request the function refuses (or a run past its 10-minute timeout) fails the deployment after 15 minutes, not an hour.
      serviceTimeout: Duration.minutes(15),
      // Hashes only: a new migration or a catalog change updates the resource, which runs the function again.
      properties: {
        Migrations: asset.migrations,
        CatalogSqlSha256: asset.catalogSqlSha256,
      },
    });
    this.handler.function.addEnvironment('LOGICAL_RESOURCE_ID', stack.getLogicalId(this.resource.node.defaultChild as CfnResource));
    // The instances must accept connections before the migrations run.
    this.resource.node.addDependency(cluster);
  }
}
