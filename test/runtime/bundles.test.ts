// The Lambda bundles are built, not committed (issue 14): the build must give
// the same bytes from any checkout, reached through any symlink, and every
// bundle must be complete (its handler, and for migrate every migration's SQL
// embedded, no sql/ folder beside it).
import { cpSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { loadMigrations } from '../../lib/database/migrations';
import { bundleHandlers, bundlesStale, REPO_ROOT } from '../../lib/runtime/build';
import { BUNDLES_DIR, HANDLERS, MANIFEST_FILE, readBundleManifest, type HandlerName } from '../../lib/runtime/bundles';
import { migrationsList } from '../../lib/database/migrate-asset';

const NAMES = Object.keys(HANDLERS) as HandlerName[];

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]))
    .sort();
}
const list = (root: string) => files(root).map((f) => relative(root, f));

/** Another checkout of this repository at another path: lib/ and the build's configuration copied, node_modules reached through a symlink to its real path. */
let checkout: string;
let built: string;

beforeAll(async () => {
  checkout = join(realpathSync(mkdtempSync(join(tmpdir(), 'gdpr-checkout-'))), 'elsewhere');
  cpSync(join(REPO_ROOT, 'lib'), join(checkout, 'lib'), { recursive: true, filter: (src) => !relative(join(REPO_ROOT, 'lib', 'runtime'), src).startsWith('dist') });
  for (const file of ['package.json', 'tsconfig.json']) cpSync(join(REPO_ROOT, file), join(checkout, file));
  symlinkSync(realpathSync(join(REPO_ROOT, 'node_modules')), join(checkout, 'node_modules'), 'dir');
  built = join(checkout, 'lib', 'runtime', 'dist');
  await bundleHandlers(built, checkout);
}, 120_000);

describe('the build is deterministic', () => {
  test('another checkout path, node_modules through another symlink: byte for byte the bundles (and manifest) of this checkout', () => {
    expect(list(built)).toEqual(list(BUNDLES_DIR));
    for (const file of list(built)) {
      expect([file, readFileSync(join(built, file)).equals(readFileSync(join(BUNDLES_DIR, file)))]).toEqual([file, true]);
    }
  });

  test('no bundle names an absolute path, a path outside its checkout or where node_modules really is', () => {
    const forbidden = [REPO_ROOT, realpathSync(REPO_ROOT), realpathSync(join(REPO_ROOT, 'node_modules')), checkout, realpathSync(tmpdir()), homedir()].filter((p) => p.length > 1);
    for (const file of list(BUNDLES_DIR)) {
      const text = readFileSync(join(BUNDLES_DIR, file), 'utf8');
      for (const path of forbidden) expect([file, path, text.includes(path)]).toEqual([file, path, false]);
      // esbuild names each module in a comment: always relative to the checkout, never climbing out of it.
      const outside = text.split('\n').filter((line) => /^\/\/ (\/|\.\.\/|[A-Za-z]:)/.test(line));
      expect([file, outside]).toEqual([file, []]);
    }
  });
});

describe('the build is complete', () => {
  const manifest = () => readBundleManifest();

  test('one index.js per handler, and the manifest beside them: nothing else', () => {
    expect(list(BUNDLES_DIR)).toEqual([MANIFEST_FILE, ...NAMES.map((n) => join(n, 'index.js'))].sort());
    expect(Object.keys(manifest().bundles).sort()).toEqual([...NAMES].sort());
  });

  test.each(NAMES)('%s: the bundle loads on its own and exports its handler', (name) => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(join(BUNDLES_DIR, name, 'index.js'));
    expect(typeof mod.handler).toBe('function');
  });

  test('migrate embeds every migration of lib/database/sql, byte for byte, and the manifest records exactly those', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { EMBEDDED_MIGRATIONS } = require(join(BUNDLES_DIR, 'migrate', 'index.js'));
    const source = loadMigrations();
    expect(EMBEDDED_MIGRATIONS).toEqual(source);
    expect(source.length).toBeGreaterThan(0);
    expect(manifest().bundles.migrate.migrations).toBe(migrationsList(source));
    // The SQL lives in index.js only: no copy of the migrations next to it.
    expect(readdirSync(join(BUNDLES_DIR, 'migrate'))).toEqual(['index.js']);
  });

  test('every bundle records its inputs: its sources relative to the checkout, and the migrations for migrate', () => {
    for (const name of NAMES) {
      const { inputs } = manifest().bundles[name];
      expect(inputs).toContain(`lib/runtime/${HANDLERS[name].entry}`);
      expect(inputs.filter((i) => i.startsWith('/') || i.startsWith('..'))).toEqual([]);
    }
    expect(manifest().bundles.migrate.inputs).toEqual(expect.arrayContaining(readdirSync(join(REPO_ROOT, 'lib', 'database', 'sql')).map((f) => `lib/database/sql/${f}`)));
  });
});

describe('staleness (what the tests and cdk synth rebuild on)', () => {
  test('fresh bundles are not stale; a changed source, a new migration or a changed bundle is', () => {
    expect(bundlesStale(built, checkout)).toBeUndefined();
    const source = join(checkout, 'lib', 'runtime', 'cfn-response.ts');
    const original = readFileSync(source);
    writeFileSync(source, `${original}\n// changed\n`);
    expect(bundlesStale(built, checkout)).toMatch(/a source of migrate changed/);
    writeFileSync(source, original);
    expect(bundlesStale(built, checkout)).toBeUndefined();
    const sql = join(checkout, 'lib', 'database', 'sql');
    const later = join(sql, `${String(readdirSync(sql).length + 1).padStart(4, '0')}_later.sql`);
    writeFileSync(later, 'SELECT 1;\n');
    expect(bundlesStale(built, checkout)).toMatch(/the migrations in lib\/database\/sql changed/);
    rmSync(later);
    expect(bundlesStale(built, checkout)).toBeUndefined();
    writeFileSync(join(built, 'purge', 'index.js'), `${readFileSync(join(built, 'purge', 'index.js'))};`);
    expect(bundlesStale(built, checkout)).toMatch(/purge\/index\.js is missing or changed/);
  });
});
