// Pseudonymised extract job of one processor (subcontractor). Runs inside the
// VPC: loads the processor's pseudonymisation secret with one KMS call, signs
// in to the contact database as the processor's extract role with IAM
// authentication (a 15-minute token, no password stored anywhere), writes one
// JSON line per contact to a local file and stores it as
// <prefix>/<date>.jsonl in the extracts bucket. Invoked by an operator or a
// pipeline: `aws lambda invoke --function-name <job> --payload '{}' out.json`.
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KMSClient } from '@aws-sdk/client-kms';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { Signer } from '@aws-sdk/rds-signer';
import { Client } from 'pg';
import type { SqlClient } from '../database/migrator';
import { runExtract } from '../processors/extract-job';
import type { ExtractPlan } from '../processors/extract-plan';
import { pseudonymiser } from '../processors/pseudonym';
import { loadPseudonymisationSecret, type WrappedSecretStore } from '../processors/pseudonymisation-key';

/**
 * What an invocation carries: nothing. The extract is named by the day it runs
 * (UTC, the function's own clock), so an invoker cannot name it after another
 * day and replace an earlier extract, or pass anything the job would act on.
 */
export type ExtractEvent = Record<string, never>;

export interface ExtractOutcome {
  /** The object key written: `<prefix>/<date>.jsonl`. */
  readonly key: string;
  readonly contacts: number;
  readonly bytes: number;
}

export interface ExtractHandlerOptions {
  readonly plan: ExtractPlan;
  /** The processor's prefix in the extracts bucket. */
  readonly prefix: string;
  readonly kms: KMSClient;
  /** ARN of the key that wraps the pseudonymisation secret. */
  readonly keyId: string;
  readonly store: WrappedSecretStore;
  /** Opens a connection signed in as the processor's extract role. */
  readonly connect: () => Promise<SqlClient & { end(): Promise<void> }>;
  /** Stores the finished file under the key. */
  readonly upload: (key: string, file: string, bytes: number) => Promise<void>;
  /** @default the current time */
  readonly now?: () => Date;
  /** @default the system's temporary directory */
  readonly workDir?: string;
  /** @default 10000 */
  readonly batchSize?: number;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function createExtractHandler(options: ExtractHandlerOptions) {
  return async (event: ExtractEvent = {}): Promise<ExtractOutcome> => {
    const given = event && typeof event === 'object' ? Object.keys(event) : ['(not an object)'];
    if (given.length > 0) {
      throw new Error(`the extract job takes no input (invoke it with {}); got ${given.slice(0, 5).map((k) => JSON.stringify(k.slice(0, 40))).join(', ')}: it is named by the day it runs`);
    }
    const date = (options.now ?? (() => new Date()))().toISOString().slice(0, 10);
    if (!DATE.test(date)) throw new Error(`the clock gave no day (${JSON.stringify(date)})`);
    const key = `${options.prefix}/${date}.jsonl`;

    // The one KMS call of the run; the plaintext is wiped once the HMAC key object holds it.
    const secret = await loadPseudonymisationSecret({
      kms: options.kms,
      keyId: options.keyId,
      processor: options.plan.processor,
      store: options.store,
    });
    const pseudonymise = pseudonymiser(secret);
    secret.fill(0);

    const dir = await mkdtemp(join(options.workDir ?? tmpdir(), 'extract-'));
    const file = join(dir, `${options.plan.processor}-${date}.jsonl`);
    const client = await options.connect();
    try {
      const out = createWriteStream(file, { mode: 0o600 });
      const failed = new Promise<never>((_, reject) => out.once('error', reject));
      failed.catch(() => undefined); // observed through Promise.race below
      const sink = {
        write: (chunk: string) => (out.write(chunk) ? undefined : Promise.race([once(out, 'drain').then(() => undefined), failed])),
      };
      const { contacts } = await runExtract(client, options.plan, pseudonymise, sink, options.batchSize);
      out.end();
      await Promise.race([once(out, 'finish'), failed]);
      const { size } = await stat(file);
      await options.upload(key, file, size);
      console.log(JSON.stringify({ processor: options.plan.processor, key, contacts, bytes: size }));
      return { key, contacts, bytes: size };
    } finally {
      await client.end().catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    }
  };
}

/** The wrapped secret in a Secrets Manager secret (encrypted again there with the same key). */
export function secretsManagerStore(client: SecretsManagerClient, secretId: string): WrappedSecretStore {
  return {
    read: async () => (await client.send(new GetSecretValueCommand({ SecretId: secretId }))).SecretString ?? '',
    write: async (text) => {
      await client.send(new PutSecretValueCommand({ SecretId: secretId, SecretString: text }));
    },
  };
}

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is not set`);
  return value;
}

export const handler = (event: ExtractEvent) => {
  const region = env('AWS_REGION');
  const host = env('DB_HOST');
  const port = Number(env('DB_PORT'));
  const user = env('DB_USER');
  const bucket = env('BUCKET');
  const s3 = new S3Client({});
  return createExtractHandler({
    plan: JSON.parse(env('EXTRACT_PLAN')) as ExtractPlan,
    prefix: env('PREFIX'),
    kms: new KMSClient({}),
    keyId: env('PSEUDONYMISATION_KEY_ARN'),
    store: secretsManagerStore(new SecretsManagerClient({}), env('SECRET_ARN')),
    connect: async () => {
      // IAM database authentication: the job's role may sign in as this one database user only.
      const password = await new Signer({ hostname: host, port, username: user, region }).getAuthToken();
      const client = new Client({
        host,
        port,
        database: env('DB_NAME'),
        user,
        password,
        ssl: { rejectUnauthorized: true },
        connectionTimeoutMillis: 30_000,
      });
      await client.connect();
      return client;
    },
    upload: async (key, file, bytes) => {
      await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: createReadStream(file),
          ContentLength: bytes,
          ContentType: 'application/x-ndjson',
        }),
      );
    },
  })(event);
};
