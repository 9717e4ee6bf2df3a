// Scheduled retention purge (art. 5(1)(e)). Runs inside the VPC, invoked by
// an EventBridge schedule; signs in to the contact database as the purge's own
// user (retention_purge) with IAM authentication (a 15-minute token, no
// password anywhere) and runs gdpr.purge_expired(), which does the work with
// its owner's rights as of the database's own clock: the user can do nothing
// else, and has no clock to move (a clock in the future would erase every
// contact, and the erasure journal would replay that onto every restore).
// Logs counts only.
import { Signer } from '@aws-sdk/rds-signer';
import { Client, ClientConfig } from 'pg';

/** One step of the purge: which table and category, what was done, to how many rows. */
export interface PurgeStep {
  readonly relation: string;
  readonly category: string;
  readonly action: 'deleted' | 'anonymised' | 'erased';
  readonly rows: number;
}

export interface PurgeOutcome {
  /** The clock the purge applied: the database's time. */
  readonly clock: string;
  readonly steps: readonly PurgeStep[];
  /** Rows deleted or anonymised, contacts erased, in total. */
  readonly total: number;
}

export interface PurgeHandlerOptions {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  /** The password or IAM authentication token, fetched for each run. */
  readonly password: () => Promise<string>;
  /** @default verified TLS */
  readonly ssl?: ClientConfig['ssl'];
}

export function createPurgeHandler(options: PurgeHandlerOptions) {
  return async (): Promise<PurgeOutcome> => {
    const client = new Client({
      host: options.host,
      port: options.port,
      database: options.database,
      user: options.user,
      password: await options.password(),
      ssl: options.ssl ?? { rejectUnauthorized: true },
      connectionTimeoutMillis: 30_000,
    });
    await client.connect();
    try {
      // now() is the transaction's time, the clock gdpr.purge_expired() applies.
      const { rows } = await client.query('SELECT p.relation, p.category, p.action, p.row_count, now() AS clock FROM gdpr.purge_expired() p');
      const steps = rows.map((r) => ({ relation: r.relation, category: r.category, action: r.action, rows: Number(r.row_count) }));
      const outcome: PurgeOutcome = {
        clock: new Date(rows[0].clock).toISOString(),
        steps,
        total: steps.reduce((sum, s) => sum + s.rows, 0),
      };
      // Counts only: never a value, never a contact id.
      console.log(JSON.stringify({ purge: 'done', clock: outcome.clock, total: outcome.total, steps: steps.filter((s) => s.rows > 0) }));
      return outcome;
    } finally {
      await client.end();
    }
  };
}

export const handler = () => {
  const host = process.env.DB_HOST as string;
  const port = Number(process.env.DB_PORT ?? 5432);
  const user = process.env.DB_USER as string;
  return createPurgeHandler({
    host,
    port,
    database: process.env.DB_NAME as string,
    user,
    password: () => new Signer({ hostname: host, port, username: user, region: process.env.AWS_REGION }).getAuthToken(),
  })();
};
