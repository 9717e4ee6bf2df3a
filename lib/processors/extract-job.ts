import type { SqlClient } from '../database/migrator';
import { type ExtractPlan, extractQuery, PSEUDONYM_FIELD } from './extract-plan';
import type { Pseudonymiser } from './pseudonym';

/** A row of the extract query: the contact id (never written) and the exported fields as a JSON object. */
export interface ExtractRow {
  readonly id: string;
  readonly doc: string;
}

/** Where the lines go (a file, then S3). Awaited, so a slow sink holds the query back. */
export interface ExtractSink {
  write(chunk: string): Promise<void> | void;
}

export interface ExtractResult {
  /** Contacts written, one line each. */
  readonly contacts: number;
}

const OPEN = `{"${PSEUDONYM_FIELD}":"`;

/**
 * The hot loop: one JSON line per contact, the id replaced by its pseudonym.
 * The fields come as JSON text from PostgreSQL and are spliced in as they
 * are: no parse, no stringify, one HMAC per contact.
 */
export function extractLines(rows: readonly ExtractRow[], pseudonymise: Pseudonymiser): string {
  let out = '';
  for (let i = 0; i < rows.length; i++) {
    const { id, doc } = rows[i];
    const rest = doc.length > 2 ? `",${doc.slice(1)}` : '"}';
    out += `${OPEN}${pseudonymise(id)}${rest}\n`;
  }
  return out;
}

/**
 * Reads the processor's extract from the database in one consistent snapshot
 * (a read-only, repeatable-read transaction and a server-side cursor, so
 * memory stays flat whatever the number of contacts) and writes JSON lines
 * to the sink. The client is signed in as the processor's extract role:
 * the database, not this code, decides which columns and rows it can read.
 */
export async function runExtract(
  client: SqlClient,
  plan: ExtractPlan,
  pseudonymise: Pseudonymiser,
  sink: ExtractSink,
  batchSize = 10_000,
): Promise<ExtractResult> {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batchSize must be a positive integer; got ${batchSize}`);
  const fetch = `FETCH FORWARD ${batchSize} FROM extract`;
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    await client.query(`DECLARE extract NO SCROLL CURSOR FOR ${extractQuery(plan)}`);
    let contacts = 0;
    // The next batch is already on its way while this one is pseudonymised and written.
    let next = client.query(fetch);
    for (;;) {
      const { rows } = await next;
      if (rows.length === 0) break;
      next = client.query(fetch);
      await sink.write(extractLines(rows as unknown as ExtractRow[], pseudonymise));
      contacts += rows.length;
    }
    await client.query('CLOSE extract');
    await client.query('COMMIT');
    return { contacts };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}
