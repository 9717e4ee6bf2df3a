// Custom resource handler: applies the contact database's pending migrations
// and the catalog privileges at deploy time. Runs inside the VPC, reads the
// RDS-managed master secret through the Secrets Manager endpoint and connects
// with TLS verified against the Amazon RDS certificate authorities.
//
// It runs only SQL that ships in its own asset (the migrations embedded in its
// bundle, EMBEDDED_MIGRATIONS, and catalog.sql),
// checked against the hashes its template wrote in its environment; the event
// carries hashes only and is checked before anything else (see cfn-response).
// Nothing of a database error but its SQLSTATE leaves the function.
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { Client, ClientConfig } from 'pg';
import type { Migration } from '../database/migrations';
import { MigrationError, migrate } from '../database/migrator';
import {
  CustomResourceEvent,
  CustomResourceOptions,
  errorCode,
  errorName,
  expectedFromEnvironment,
  ReportableError,
  runCustomResource,
} from './cfn-response';
import { MigrateAssetHashes, readMigrateAsset } from '../database/migrate-asset';
import { EMBEDDED_MIGRATIONS } from './embedded-migrations';

export { EMBEDDED_MIGRATIONS };

export interface Credentials {
  readonly user: string;
  readonly password: string;
}

/** The only properties the custom resource may carry: CloudFormation's own, and the hashes of the asset's SQL. */
export const SCHEMA_RESOURCE_PROPERTIES = ['ServiceToken', 'ServiceTimeout', 'Migrations', 'CatalogSqlSha256'] as const;

export interface MigrateHandlerOptions extends Omit<CustomResourceOptions, 'describeFailure'> {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly credentials: () => Promise<Credentials>;
  /** Directory of the function's asset: its catalog.sql. */
  readonly assetDir: string;
  /** The migrations the function ships. @default EMBEDDED_MIGRATIONS (in the bundle, the SQL embedded in it) */
  readonly migrations?: readonly Migration[];
  /** The hashes the template wrote for the asset (the function's environment). */
  readonly expectedAsset: Pick<MigrateAssetHashes, 'catalogSqlSha256' | 'migrationsSha256'>;
  /** Where the operator reads a failure's detail, named in the reason. @default the database's own log */
  readonly databaseLog?: string;
  /** @default verified TLS */
  readonly ssl?: ClientConfig['ssl'];
}

/** What a failure may say: the step and the SQLSTATE, and where the detail is; never the database's text. */
function describeFailure(databaseLog: string) {
  return (err: unknown): string | undefined => {
    if (err instanceof MigrationError) {
      // The message is built from the step's name, fixed text and the SQLSTATE only.
      const code = err.sqlstate ? undefined : errorCode(err.cause);
      return `${err.message}${code ? ` (${code})` : ''}. The database's message, if any, is in ${databaseLog}, not here: it can hold personal data`;
    }
    if (err instanceof ReportableError) return err.message;
    const code = errorCode(err);
    return `the schema function failed (${errorName(err)}${code ? `, ${code}` : ''}); nothing was applied by this step. Detail, if any, is in ${databaseLog}`;
  };
}

function readAsset(dir: string, migrations: readonly Migration[]) {
  try {
    return readMigrateAsset(dir, migrations);
  } catch {
    throw new ReportableError("the function's asset cannot be read (catalog.sql): nothing was run; redeploy the stack");
  }
}

export function createMigrateHandler(options: MigrateHandlerOptions) {
  const databaseLog = options.databaseLog ?? "the database's own log";
  return (event: unknown) =>
    runCustomResource(event, { ...options, describeFailure: describeFailure(databaseLog) }, async (request: CustomResourceEvent) => {
      const physicalResourceId = `${options.host}/${options.database}/schema`;
      // Deleting the stack never drops the schema: the data outlives the stack.
      if (request.RequestType === 'Delete') return { physicalResourceId: request.PhysicalResourceId ?? physicalResourceId };

      const properties = request.ResourceProperties;
      if (Object.keys(properties).some((key) => !(SCHEMA_RESOURCE_PROPERTIES as readonly string[]).includes(key))) {
        throw new ReportableError(
          `the request carries properties this function does not take; it takes only ${SCHEMA_RESOURCE_PROPERTIES.join(', ')} (hashes of the SQL it ships): nothing was run`,
        );
      }
      const asset = readAsset(options.assetDir, options.migrations ?? EMBEDDED_MIGRATIONS);
      if (asset.catalogSqlSha256 !== options.expectedAsset.catalogSqlSha256 || asset.migrationsSha256 !== options.expectedAsset.migrationsSha256) {
        throw new ReportableError("the function's asset does not match the hashes its template wrote: nothing was run; redeploy the stack");
      }
      if (properties.Migrations !== asset.migrations || properties.CatalogSqlSha256 !== asset.catalogSqlSha256) {
        throw new ReportableError("the resource's hashes are not those of the function's asset: nothing was run; deploy the function and the resource together");
      }

      let client: Client;
      try {
        const { user, password } = await options.credentials();
        client = new Client({
          host: options.host,
          port: options.port,
          database: options.database,
          user,
          password,
          ssl: options.ssl ?? { rejectUnauthorized: true },
          connectionTimeoutMillis: 30_000,
        });
        // A connection error after connect must not crash the process (the runtime would log its message).
        client.on('error', () => undefined);
        await client.connect();
      } catch (err) {
        throw new MigrationError('connecting to the database', 'failed', err);
      }
      try {
        const result = await migrate(client, asset.migrationFiles, asset.catalogSql);
        (options.log ?? console.log)(JSON.stringify({ applied: result.applied, skipped: result.skipped }));
        return { physicalResourceId, data: { Applied: result.applied.join(',') || 'none' } };
      } finally {
        await client.end().catch(() => undefined);
      }
    });
}

async function masterCredentials(): Promise<Credentials> {
  const secrets = new SecretsManagerClient({});
  const { SecretString } = await secrets.send(new GetSecretValueCommand({ SecretId: process.env.SECRET_ARN }));
  const { username, password } = JSON.parse(SecretString ?? '{}') as { username?: string; password?: string };
  if (!username || !password) throw new ReportableError('the master secret has no username or password');
  return { user: username, password };
}

/** The deployed handler: everything it trusts comes from its environment (written by the template) and its own asset. */
export const handler = (event: unknown) =>
  createMigrateHandler({
    host: process.env.DB_HOST ?? '',
    port: Number(process.env.DB_PORT ?? 5432),
    database: process.env.DB_NAME ?? '',
    credentials: masterCredentials,
    assetDir: __dirname,
    expected: expectedFromEnvironment(),
    expectedAsset: { catalogSqlSha256: process.env.CATALOG_SQL_SHA256 ?? '', migrationsSha256: process.env.MIGRATIONS_SHA256 ?? '' },
    databaseLog: process.env.DB_LOG_GROUP ? `the cluster's PostgreSQL log (CloudWatch log group ${process.env.DB_LOG_GROUP})` : undefined,
  })(event);
