import { createHash } from 'node:crypto';
import { CustomResource, Duration, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as rds from 'aws-cdk-lib/aws-rds';
import { Construct } from 'constructs';
import type { Catalog } from '../catalog/catalog';
import { InVpcFunction } from '../network/in-vpc-function';
import { bundleDir } from '../runtime/bundles';
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
 */
export class SchemaMigrations extends Construct {
  public readonly handler: InVpcFunction;
  public readonly resource: CustomResource;
  /** The SQL generated from the catalog (roles, privileges, purposes), as sent to the database. */
  public readonly catalogSql: string;

  constructor(scope: Construct, id: string, props: SchemaMigrationsProps) {
    super(scope, id);
    const { cluster, encryptionKey } = props.database;
    const cfnCluster = cluster.node.defaultChild as rds.CfnDBCluster;
    const secretArn = cfnCluster.attrMasterUserSecretSecretArn;
    const sql = databaseSql(props.catalog);
    this.catalogSql = sql.catalogSql;

    this.handler = new InVpcFunction(this, 'Handler', {
      vpc: props.vpc,
      subnets: props.subnets,
      code: lambda.Code.fromAsset(bundleDir('migrate')),
      handler: 'index.handler',
      description: 'Applies the contact database migrations and catalog privileges',
      logsKey: props.logsKey,
      timeout: Duration.minutes(10),
      environment: {
        DB_HOST: cluster.clusterEndpoint.hostname,
        DB_PORT: String(CONTACT_DATABASE_PORT),
        DB_NAME: CONTACT_DATABASE_NAME,
        SECRET_ARN: secretArn,
        // Lambda's bundle of Amazon CA certificates, RDS included: the connection verifies the server.
        NODE_EXTRA_CA_CERTS: '/var/runtime/ca-cert.pem',
      },
      statements: [
        new iam.PolicyStatement({ sid: 'ReadMasterSecret', actions: ['secretsmanager:GetSecretValue'], resources: [secretArn] }),
        new iam.PolicyStatement({
          sid: 'DecryptMasterSecret',
          actions: ['kms:Decrypt'],
          resources: [encryptionKey.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(this).region}.amazonaws.com` } },
        }),
      ],
    });
    this.handler.acknowledgeCustomResourceHandler();
    props.database.allowConnectionsFrom(this.handler.securityGroup, 'PostgreSQL from the schema migrations function');
    this.handler.securityGroup.addEgressRule(props.database.securityGroup, ec2.Port.tcp(CONTACT_DATABASE_PORT), 'PostgreSQL to the contact database');

    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: this.handler.function.functionArn,
      resourceType: 'Custom::ContactSchema',
      properties: {
        // A new migration or a catalog change updates the resource, which runs the function again.
        Migrations: sql.migrations.map((m) => `${m.version}:${m.checksum}`).join(','),
        CatalogSqlSha256: createHash('sha256').update(sql.catalogSql).digest('hex'),
        CatalogSql: sql.catalogSql,
      },
    });
    // The instances must accept connections before the migrations run.
    this.resource.node.addDependency(cluster);
  }
}
