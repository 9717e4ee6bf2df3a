// Builds the Lambda bundles (development only: needs esbuild). Run by
// `npm run build:handlers`, `npm run build` (so `npm ci`, through prepare),
// the tests' global setup and the CDK app command of cdk.json, the last two
// only when a bundle is stale; never by the CDK app itself.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { build, type Plugin, version } from 'esbuild';
import { loadMigrations } from '../database/migrations';
import { BUNDLES_DIR, BundleManifest, BundleRecord, DEFAULT_EXTERNAL, HandlerName, HANDLERS, type HandlerSpec, MANIFEST_FILE, sha256Of } from './bundles';
import { migrationsList } from '../database/migrate-asset';

/** The repository the handlers are built from. */
export const REPO_ROOT = join(__dirname, '..', '..');

/** The import (by lib/runtime/migrate.ts) of the module that the migrate bundle replaces with the embedded SQL. */
const EMBEDDED_MIGRATIONS = /^\.\/embedded-migrations$/;
const NAMESPACE = 'gdpr-embedded-sql';
/** The build itself and what esbuild reads besides the modules (compiler options, the package's type): a change rebuilds every bundle. */
const BUILD_INPUTS = ['lib/runtime/build.ts', 'lib/runtime/bundles.ts', 'package.json', 'tsconfig.json'];

const migrationsDir = (repoRoot: string) => join(repoRoot, 'lib', 'database', 'sql');
const posixPath = (path: string) => path.split(sep).join('/');

/**
 * Replaces lib/runtime/embedded-migrations.ts (which reads lib/database/sql
 * from disk when run from source) with a module that imports every migration
 * as text: the SQL is in the bundle itself, not in a folder next to it.
 */
function embedMigrations(repoRoot: string): Plugin {
  return {
    name: 'embed-migrations',
    setup(b) {
      // A relative path in a namespace of its own: the bundle's comment names it without any absolute path.
      b.onResolve({ filter: EMBEDDED_MIGRATIONS }, () => ({ path: 'lib/runtime/embedded-migrations', namespace: NAMESPACE }));
      b.onLoad({ filter: /.*/, namespace: NAMESPACE }, () => {
        const dir = migrationsDir(repoRoot);
        loadMigrations(dir); // refuses bad names, gaps and duplicates before anything is embedded
        const files = readdirSync(dir).filter((f) => f.endsWith('.sql')).sort();
        const contents = [
          "import { migration } from '../database/migrations';",
          ...files.map((f, i) => `import sql${i} from '../database/sql/${f}';`),
          `export const EMBEDDED_MIGRATIONS = [${files.map((f, i) => `migration(${JSON.stringify(f)}, sql${i})`).join(', ')}];`,
        ].join('\n');
        return { contents, loader: 'ts', resolveDir: join(repoRoot, 'lib', 'runtime') };
      });
    },
  };
}

function inputsSha256(repoRoot: string, inputs: readonly string[]): string | undefined {
  const parts: Buffer[] = [];
  for (const input of inputs) {
    const file = join(repoRoot, input);
    if (!existsSync(file)) return undefined;
    parts.push(Buffer.from(`${input}\0`), readFileSync(file), Buffer.from('\0'));
  }
  return sha256Of(Buffer.concat(parts));
}

async function bundleOne(name: HandlerName, spec: HandlerSpec, repoRoot: string): Promise<{ code: Uint8Array; record: BundleRecord }> {
  const result = await build({
    entryPoints: [join(repoRoot, 'lib', 'runtime', spec.entry)],
    outfile: join(repoRoot, 'lib', 'runtime', 'dist', name, 'index.js'),
    write: false,
    metafile: true,
    absWorkingDir: repoRoot,
    // Named, not looked up: the compiler options ("use strict" among them) are those of the checkout's own tsconfig.json.
    tsconfig: join(repoRoot, 'tsconfig.json'),
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    external: [...(spec.external ?? DEFAULT_EXTERNAL)],
    loader: { '.sql': 'text' },
    plugins: spec.withMigrations ? [embedMigrations(repoRoot)] : [],
    legalComments: 'none',
    // Paths as seen from the repository (a worktree's node_modules may be a symlink): the same bundle wherever it is built.
    preserveSymlinks: true,
    logLevel: 'silent',
  });
  const [output] = result.outputFiles;
  if (!output || result.outputFiles.length !== 1) throw new Error(`bundling ${name}: esbuild wrote ${result.outputFiles.length} files, expected one index.js`);
  const inputs = [...new Set([...Object.keys(result.metafile.inputs).filter((i) => !i.startsWith(`${NAMESPACE}:`)).map(posixPath), ...BUILD_INPUTS])].sort();
  const record: BundleRecord = {
    sha256: sha256Of(output.contents),
    inputs,
    inputsSha256: inputsSha256(repoRoot, inputs) ?? '',
    ...(spec.withMigrations ? { migrations: migrationsList(loadMigrations(migrationsDir(repoRoot))) } : {}),
  };
  return { code: output.contents, record };
}

let building = 0;

/**
 * Bundles every handler from `repoRoot` into `out` (default lib/runtime/dist):
 * <name>/index.js and manifest.json. Built aside and moved in whole, the
 * manifest last, so a build that fails leaves no half set of bundles.
 */
export async function bundleHandlers(out = BUNDLES_DIR, repoRoot = REPO_ROOT): Promise<BundleManifest> {
  const names = Object.keys(HANDLERS) as HandlerName[];
  const built = await Promise.all(names.map((name) => bundleOne(name, HANDLERS[name], repoRoot)));
  const manifest: BundleManifest = { esbuild: version, bundles: Object.fromEntries(names.map((name, i) => [name, built[i].record])) as BundleManifest['bundles'] };
  const tmp = `${out}.building-${process.pid}-${building++}`;
  rmSync(tmp, { recursive: true, force: true });
  names.forEach((name, i) => {
    mkdirSync(join(tmp, name), { recursive: true });
    writeFileSync(join(tmp, name, 'index.js'), built[i].code);
  });
  writeFileSync(join(tmp, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  const old = `${out}.old-${process.pid}-${building++}`;
  if (existsSync(out)) renameSync(out, old);
  renameSync(tmp, out);
  rmSync(old, { recursive: true, force: true });
  return manifest;
}

/** Why the bundles in `out` are not those `repoRoot` would build now, or undefined when they are. Reads files only: no bundling. */
export function bundlesStale(out = BUNDLES_DIR, repoRoot = REPO_ROOT): string | undefined {
  const file = join(out, MANIFEST_FILE);
  if (!existsSync(file)) return `no ${posixPath(relative(repoRoot, file))}`;
  const manifest = JSON.parse(readFileSync(file, 'utf8')) as BundleManifest;
  if (manifest.esbuild !== version) return `built with esbuild ${manifest.esbuild}, not ${version}`;
  const names = Object.keys(HANDLERS) as HandlerName[];
  if (Object.keys(manifest.bundles ?? {}).sort().join(',') !== [...names].sort().join(',')) return 'the handlers are not those the manifest lists';
  for (const name of names) {
    const record = manifest.bundles[name];
    const index = join(out, name, 'index.js');
    if (!existsSync(index) || sha256Of(readFileSync(index)) !== record.sha256) return `${name}/index.js is missing or changed`;
    if (inputsSha256(repoRoot, record.inputs) !== record.inputsSha256) return `a source of ${name} changed`;
    if (HANDLERS[name].withMigrations && migrationsList(loadMigrations(migrationsDir(repoRoot))) !== record.migrations) return `the migrations in lib/database/sql changed`;
  }
  return undefined;
}

/** Builds the bundles when they are stale; says why on stderr. Returns whether it built. */
export async function ensureBundles(out = BUNDLES_DIR, repoRoot = REPO_ROOT): Promise<boolean> {
  const stale = bundlesStale(out, repoRoot);
  if (!stale) return false;
  process.stderr.write(`building the Lambda bundles (${stale})\n`);
  await bundleHandlers(out, repoRoot);
  return true;
}
