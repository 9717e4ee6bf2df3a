#!/usr/bin/env node
// `npm run test:package`: what a platform engineer gets from `npm install gdpr-contact-baseline`.
// Packs the kit (its prepare script builds it), checks what the tarball holds, installs it from the
// tarball into an empty CDK app beside that app's own aws-cdk-lib and constructs (cdk-nag comes as the
// kit's peer), and synthesizes there:
//   (a) the README's library example ("Using the constructs in your own app"), which must pass every pack,
//   (b) the same app with an insecure bucket of the user's own, which must fail with GDPR and AwsSolutions findings,
//   (c) the kit installed from its folder (a symlink to this checkout, whose node_modules holds a second
//       aws-cdk-lib): it must stop with the two-copies error instead of passing a gate that checked nothing,
// and runs the installed `gdpr-baseline` binary. Slow (npm, a TypeScript build, three synths): outside jest,
// run by .ci/run after the tests. Needs the npm registry (or npm's cache) for the app's packages.
// KEEP_PACKAGE_TEST=1 keeps the temporary directory for inspection.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');
const KIT = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  license: string;
  devDependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  dependencies: Record<string, string>;
};
const failures: string[] = [];
let checks = 0;

function expectThat(ok: boolean, what: string, detail = ''): void {
  checks += 1;
  if (ok) process.stdout.write(`  ok   ${what}\n`);
  else {
    failures.push(what);
    process.stdout.write(`  FAIL ${what}${detail ? `\n${detail.replace(/^/gm, '       ')}` : ''}\n`);
  }
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): SpawnSyncReturns<string> {
  const started = Date.now();
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, env: { ...process.env, ...env } });
  process.stdout.write(`  ran  ${command} ${args.join(' ')} (${((Date.now() - started) / 1000).toFixed(1)} s, exit ${result.status})\n`);
  if (result.error) throw result.error;
  return result;
}

function mustSucceed(result: SpawnSyncReturns<string>, what: string): SpawnSyncReturns<string> {
  if (result.status !== 0) {
    process.stdout.write(`${result.stdout}\n${result.stderr}\n`);
    throw new Error(`${what} failed (exit ${result.status})`);
  }
  return result;
}

/** The README's library example, as written. */
function readmeExample(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.split(/^## Using the constructs in your own app$/m)[1];
  const code = section?.match(/```ts\n([\s\S]*?)```/)?.[1];
  if (!code) throw new Error('README.md: no ```ts block under "## Using the constructs in your own app"');
  return code;
}

/** The same app with a bucket of the user's own that has none of the protections. */
function insecureApp(example: string): string {
  const withImport = `import * as s3 from 'aws-cdk-lib/aws-s3';\n${example.replace(/^import \{ App \} from 'aws-cdk-lib';$/m, "import { App, Stack } from 'aws-cdk-lib';")}`;
  const bucket = [
    "const marketing = new Stack(app, 'Marketing', { env: { account: '111122223333', region: 'eu-west-3' } });",
    "new s3.Bucket(marketing, 'Uploads'); // no customer-managed key, no TLS-only policy, no access logs",
  ].join('\n');
  const result = withImport.replace(/^addBaselineChecks\(app\b/m, `${bucket}\naddBaselineChecks(app`);
  if (!result.includes("new s3.Bucket(marketing, 'Uploads')") || !result.includes('import { App, Stack }')) {
    throw new Error('README.md: the library example no longer imports App alone and calls addBaselineChecks(app, ...); update test/package/package.ts');
  }
  return result;
}

function stacksOf(outdir: string): string[] {
  const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8')) as { artifacts: Record<string, { type: string }> };
  return Object.entries(manifest.artifacts)
    .filter(([, a]) => a.type === 'aws:cloudformation:stack')
    .map(([name]) => name)
    .sort();
}

const work = realpathSync(mkdtempSync(join(tmpdir(), 'gdpr-package-')));
try {
  process.stdout.write(`package test in ${work}\n\nPack (the prepare script builds dist/):\n`);
  mustSucceed(run('npm', ['pack', '--pack-destination', work, '--loglevel', 'warn'], ROOT), 'npm pack');
  const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
  if (!tarball) throw new Error('npm pack wrote no tarball');
  const files = mustSucceed(run('tar', ['-tzf', join(work, tarball)], work), 'tar -tzf')
    .stdout.split('\n')
    .filter(Boolean)
    .map((f) => f.replace(/^package\//, ''));

  process.stdout.write(`\nTarball ${tarball} (${files.length} files):\n`);
  for (const f of ['package.json', 'README.md', 'LICENSE', 'dist/lib/index.js', 'dist/lib/index.d.ts', 'dist/bin/gdpr-baseline.js', 'lib/config/default.json', 'dist/lib/database/sql/0001_contacts.sql']) {
    expectThat(files.includes(f), `holds ${f}`);
  }
  const npx = run('npx', ['--no', 'gdpr-baseline', '--', '--help'], ROOT);
  expectThat(npx.status === 0 && npx.stdout.includes('Usage: gdpr-baseline'), 'npx gdpr-baseline runs in the checkout once it is built (npm ci runs prepare)', `${npx.stdout}${npx.stderr}`);
  const license = readFileSync(join(ROOT, 'LICENSE'), 'utf8');
  expectThat(KIT.license === 'Apache-2.0' && /^\s*Apache License\s+Version 2\.0, January 2004/.test(license), 'LICENSE is the Apache License 2.0 that package.json names');
  const tests = files.filter((f) => /^test\/|\.test\.|(^|\/)__tests__\//.test(f));
  expectThat(tests.length === 0, 'holds no tests', tests.join('\n'));
  const sources = files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
  expectThat(sources.length === 0, 'holds no TypeScript sources (only compiled JavaScript and declarations)', sources.join('\n'));
  const devScripts = files.filter((f) => /(^|\/)(bench[^/]*|build-handlers|guard|lint-templates|app)\.(js|d\.ts)$/.test(f) && f.startsWith('dist/bin/'));
  expectThat(devScripts.length === 0, 'holds no bench or repository scripts', devScripts.join('\n'));
  const handlerSources = files.filter((f) => /^dist\/lib\/runtime\/(?!bundles\.|migrate-asset\.|dist\/)/.test(f));
  expectThat(handlerSources.length === 0, 'holds the handlers only as their bundles (no compiled handler sources)', handlerSources.join('\n'));
  const bundles = files.filter((f) => /\/index\.js$/.test(f) && f.includes('runtime/dist/'));
  const names = bundles.map((f) => f.split('/').at(-2));
  const shipped = readdirSync(join(ROOT, 'lib', 'runtime', 'dist'), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  expectThat(JSON.stringify([...names].sort()) === JSON.stringify(shipped), `ships each handler bundle once (${shipped.join(', ')})`, bundles.join('\n'));
  expectThat(files.includes('dist/lib/runtime/dist/manifest.json'), 'ships the manifest the constructs check each bundle against');
  const sqlCopies = files.filter((f) => f.includes('runtime/dist/') && f.endsWith('.sql'));
  expectThat(sqlCopies.length === 0, 'holds no copy of the migrations beside the bundles (the migrate bundle embeds them)', sqlCopies.join('\n'));

  process.stdout.write('\nInstall the tarball into an empty CDK app with its own aws-cdk-lib and constructs:\n');
  const app = join(work, 'app');
  mkdirSync(app);
  const appPackage = {
    name: 'empty-cdk-app',
    version: '0.0.0',
    private: true,
    dependencies: {
      'aws-cdk-lib': KIT.devDependencies['aws-cdk-lib'],
      constructs: KIT.devDependencies.constructs,
      [KIT.name]: `file:../${tarball}`,
    },
  };
  writeFileSync(join(app, 'package.json'), `${JSON.stringify(appPackage, null, 2)}\n`);
  mustSucceed(run('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--prefer-offline', '--loglevel', 'warn'], app), 'npm install (the app)');

  const resolveFrom = (dir: string, request: string): string =>
    mustSucceed(run(process.execPath, ['-p', `require.resolve(${JSON.stringify(request)})`], dir), `resolve ${request} from ${dir}`).stdout.trim();
  const kitDir = join(app, 'node_modules', KIT.name);
  const fromApp = resolveFrom(app, 'aws-cdk-lib');
  const fromKit = resolveFrom(kitDir, 'aws-cdk-lib');
  const fromNag = resolveFrom(dirname(resolveFrom(app, 'cdk-nag/package.json')), 'aws-cdk-lib');
  expectThat(fromApp === fromKit && fromKit === fromNag, 'one aws-cdk-lib: the app, the kit and cdk-nag load the same copy', `app ${fromApp}\nkit ${fromKit}\ncdk-nag ${fromNag}`);
  expectThat(!existsSync(join(kitDir, 'node_modules', 'aws-cdk-lib')), 'the kit brings no aws-cdk-lib of its own');
  for (const dep of Object.keys(KIT.dependencies)) {
    expectThat(existsSync(join(app, 'node_modules', dep, 'package.json')) || existsSync(join(kitDir, 'node_modules', dep, 'package.json')), `its dependency ${dep} is installed with it`);
  }

  process.stdout.write("\nBuild the README's example and the insecure app against the installed kit (its types and exports):\n");
  copyFileSync(join(ROOT, 'lib', 'config', 'default.json'), join(app, 'contacts.json'));
  const example = readmeExample();
  writeFileSync(join(app, 'readme-example.ts'), example);
  writeFileSync(join(app, 'insecure-app.ts'), insecureApp(example));
  writeFileSync(
    join(app, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'nodenext', moduleResolution: 'nodenext', strict: true, skipLibCheck: true, types: [], outDir: 'build' },
      files: ['readme-example.ts', 'insecure-app.ts'],
    }),
  );
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const built = run(process.execPath, [tsc, '-p', 'tsconfig.json'], app);
  expectThat(built.status === 0, 'the examples type-check against the installed kit and compile', `${built.stdout}${built.stderr}`);

  if (built.status === 0) {
    process.stdout.write("\n(a) The README's library example:\n");
    const outA = join(app, 'out-readme');
    const a = run(process.execPath, ['build/readme-example.js'], app, { CDK_OUTDIR: outA });
    expectThat(a.status === 0, 'synthesizes with every pack and no finding', `${a.stdout}${a.stderr}`.slice(-4000));
    if (a.status === 0) {
      const stacks = stacksOf(outA);
      expectThat(JSON.stringify(stacks) === JSON.stringify(['Contacts', 'ContactsBackupAccount']), "the stack has the user's name and the backup account's stack is created beside it", stacks.join(', '));
      const bin = join(app, 'node_modules', '.bin', 'gdpr-baseline');
      const help = run(bin, ['--help'], app);
      expectThat(help.status === 0 && help.stdout.includes('Usage: gdpr-baseline'), 'the installed gdpr-baseline binary runs', `${help.stdout}${help.stderr}`);
      const checked = run(bin, ['check', outA], app);
      expectThat(checked.status === 0, 'gdpr-baseline check passes the example assembly', `${checked.stdout}${checked.stderr}`.slice(-4000));
    }

    process.stdout.write("\n(b) An insecure bucket of the user's own:\n");
    const b = run(process.execPath, ['build/insecure-app.js'], app, { CDK_OUTDIR: join(app, 'out-insecure') });
    const output = `${b.stdout}${b.stderr}`;
    // A finding is a block: the message, the construct path, then "Acknowledge with '<pack>::<rule>'".
    const onBucket = output
      .split(/\n\s*\n/)
      .filter((block) => block.includes('Marketing/Uploads/'))
      .map((block) => block.match(/Acknowledge with '([^:']+)::([^']+)'/)?.slice(1, 3) ?? [])
      .filter((id) => id.length === 2);
    const packs = new Set(onBucket.map(([pack]) => pack));
    expectThat(b.status !== 0, 'the synth fails', output.slice(-4000));
    for (const pack of ['GDPR', 'AwsSolutions', 'HIPAA.Security', 'NIST.800.53.R5', 'PCI.DSS.321']) {
      expectThat(packs.has(pack), `with ${pack} findings on the bucket`, output.slice(-3000));
    }
    process.stdout.write(`       ${onBucket.length} findings on Marketing/Uploads: ${onBucket.map(([, rule]) => rule).join(', ')}\n`);

    process.stdout.write('\n(c) The kit installed from its folder, beside the app\'s own aws-cdk-lib (two copies):\n');
    const linked = join(work, 'app-from-folder');
    mkdirSync(join(linked, 'node_modules'), { recursive: true });
    symlinkSync(ROOT, join(linked, 'node_modules', KIT.name), 'dir'); // what `npm install <folder>` does
    for (const dep of ['aws-cdk-lib', 'constructs']) symlinkSync(join(app, 'node_modules', dep), join(linked, 'node_modules', dep), 'dir');
    copyFileSync(join(app, 'build', 'insecure-app.js'), join(linked, 'insecure-app.js'));
    copyFileSync(join(app, 'contacts.json'), join(linked, 'contacts.json'));
    const kitCopy = resolveFrom(ROOT, 'aws-cdk-lib');
    const appCopy = resolveFrom(linked, 'aws-cdk-lib');
    if (kitCopy === appCopy) {
      expectThat(false, 'the checkout has its own aws-cdk-lib (run npm ci first), so the layout has two copies');
    } else {
      const c = run(process.execPath, ['insecure-app.js'], linked, { CDK_OUTDIR: join(linked, 'out') });
      const text = `${c.stdout}${c.stderr}`;
      expectThat(c.status !== 0 && /another copy of aws-cdk-lib than the kit's/.test(text), 'stops with the two-copies error instead of checking nothing', text.slice(-4000));
    }
  }
} finally {
  if (process.env.KEEP_PACKAGE_TEST) process.stdout.write(`\nkept ${work}\n`);
  else rmSync(work, { recursive: true, force: true });
}

process.stdout.write(`\npackage test: ${checks - failures.length} of ${checks} checks passed\n`);
if (failures.length > 0) {
  process.stdout.write(`failed:\n${failures.map((f) => `  - ${f}`).join('\n')}\n`);
  process.exitCode = 1;
}
