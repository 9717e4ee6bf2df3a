import type { Migration } from './migrations';

/** The part of a `pg` client the migrator uses. */
export interface SqlClient {
  query(sql: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
}

export interface MigrationResult {
  /** Versions applied by this run, in order. */
  readonly applied: number[];
  /** Versions that were already applied. */
  readonly skipped: number[];
}

/** Serialises concurrent runs (two deployments, a retry): an arbitrary constant. */
const LOCK_KEY = 4_242_017;

const BOOTSTRAP = `
CREATE SCHEMA IF NOT EXISTS meta;
CREATE TABLE IF NOT EXISTS meta.schema_migrations (
  version    integer PRIMARY KEY,
  name       text NOT NULL,
  checksum   text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
);`;

/**
 * Applies the pending migrations in order, each in its own transaction with
 * its record in meta.schema_migrations, then the catalog SQL (roles and
 * privileges) in one transaction. Idempotent: applied versions are skipped,
 * and an applied migration whose file changed is refused, since migrations
 * are never edited once shipped.
 */
export async function migrate(client: SqlClient, migrations: readonly Migration[], catalogSql?: string): Promise<MigrationResult> {
  await client.query('SELECT pg_advisory_lock($1)', [LOCK_KEY]);
  try {
    await client.query(BOOTSTRAP);
    const { rows } = await client.query('SELECT version, name, checksum FROM meta.schema_migrations ORDER BY version');
    const done = new Map(rows.map((r) => [Number(r.version), r]));
    for (const m of migrations) {
      const previous = done.get(m.version);
      if (previous && previous.checksum !== m.checksum) {
        throw new MigrationError(
          `migration ${fileName(m)}`,
          `changed after it was applied (checksum ${String(previous.checksum).slice(0, 12)}… in the database, ${m.checksum.slice(0, 12)}… in the file); write a new migration instead of editing a shipped one`,
        );
      }
    }
    const applied: number[] = [];
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      await inTransaction(client, async () => {
        await client.query(m.sql);
        await client.query('INSERT INTO meta.schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [m.version, m.name, m.checksum]);
      }, `migration ${fileName(m)}`);
      applied.push(m.version);
    }
    if (catalogSql) await inTransaction(client, () => client.query(catalogSql).then(() => undefined), 'catalog privileges');
    return { applied, skipped: migrations.filter((m) => done.has(m.version)).map((m) => m.version) };
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]);
  }
}

const fileName = (m: Migration) => `${String(m.version).padStart(4, '0')}_${m.name}.sql`;

/**
 * A step of the migration that failed: its message names the step and, for a
 * database error, its SQLSTATE only. The database's own text (which can carry
 * values: `RAISE EXCEPTION` text, `Key (email)=(...)`) stays in `cause`, for
 * local use; the schema function never reports it.
 */
export class MigrationError extends Error {
  /** SQLSTATE of the database error, when there is one (5 characters). */
  public readonly sqlstate?: string;

  constructor(
    /** `migration NNNN_name.sql` or `catalog privileges`. */
    public readonly step: string,
    problem: string,
    cause?: unknown,
  ) {
    const code = (cause as { code?: unknown } | undefined)?.code;
    const sqlstate = typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
    super(`${step} ${problem}${sqlstate ? ` (SQLSTATE ${sqlstate})` : ''}`, { cause });
    this.name = 'MigrationError';
    this.sqlstate = sqlstate;
  }
}

async function inTransaction(client: SqlClient, work: () => Promise<void>, what: string): Promise<void> {
  await client.query('BEGIN');
  try {
    await work();
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK');
    throw new MigrationError(what, 'failed and was rolled back', err);
  }
}
