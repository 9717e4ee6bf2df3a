// Custom resource handler: applies the contact database's pending migrations
// and the catalog privileges at deploy time. Runs inside the VPC, reads the
// RDS-managed master secret through the Secrets Manager endpoint and connects
// with TLS verified against the Amazon RDS certificate authorities.
import { join } from 'node:path';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { Client, ClientConfig } from 'pg';
import { loadMigrations } from '../database/migrations';
import { migrate } from '../database/migrator';
import { CustomResourceEvent, runCustomResource } from './cfn-response';

export interface Credentials {
  readonly user: string;
  readonly password: string;
}

export interface MigrateHandlerOptions {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly credentials: () => Promise<Credentials>;
  /** Directory of the NNNN_name.sql files. */
  readonly migrationsDir: string;
  /** @default verified TLS */
  readonly ssl?: ClientConfig['ssl'];
}

export function createMigrateHandler(options: MigrateHandlerOptions) {
  return (event: CustomResourceEvent) =>
    runCustomResource(event, async ({ RequestType, ResourceProperties }) => {
      const physicalResourceId = `${options.host}/${options.database}/schema`;
      // Deleting the stack never drops the schema: the data outlives the stack.
      if (RequestType === 'Delete') return { physicalResourceId };
      const { user, password } = await options.credentials();
      const client = new Client({
        host: options.host,
        port: options.port,
        database: options.database,
        user,
        password,
        ssl: options.ssl ?? { rejectUnauthorized: true },
        connectionTimeoutMillis: 30_000,
      });
      await client.connect();
      try {
        const result = await migrate(client, loadMigrations(options.migrationsDir), ResourceProperties.CatalogSql);
        console.log(JSON.stringify({ applied: result.applied, skipped: result.skipped }));
        return { physicalResourceId, data: { Applied: result.applied.join(',') || 'none' } };
      } finally {
        await client.end();
      }
    });
}

async function masterCredentials(): Promise<Credentials> {
  const secrets = new SecretsManagerClient({});
  const { SecretString } = await secrets.send(new GetSecretValueCommand({ SecretId: process.env.SECRET_ARN }));
  const { username, password } = JSON.parse(SecretString ?? '{}') as { username?: string; password?: string };
  if (!username || !password) throw new Error('the master secret has no username or password');
  return { user: username, password };
}

export const handler = (event: CustomResourceEvent) =>
  createMigrateHandler({
    host: process.env.DB_HOST as string,
    port: Number(process.env.DB_PORT ?? 5432),
    database: process.env.DB_NAME as string,
    credentials: masterCredentials,
    migrationsDir: join(__dirname, 'sql'),
  })(event);
