// The fast half of the package checks (the slow half, `npm run test:package`, installs the tarball):
// every module the library loads at run time is a dependency, and aws-cdk-lib, constructs and
// cdk-nag are peers only, so an app and the kit share one copy.
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import { REPO_ROOT } from '../helpers/reference';

const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8'));
const build = JSON.parse(readFileSync(join(REPO_ROOT, 'tsconfig.build.json'), 'utf8'));

/** The library's sources as the build compiles them: lib/ without the Lambda handlers (shipped as bundles). */
function librarySources(): string[] {
  return readdirSync(join(REPO_ROOT, 'lib'), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => relative(REPO_ROOT, join(e.parentPath, e.name)))
    .filter((f) => !f.startsWith(join('lib', 'runtime', 'dist')) && !(f.startsWith(join('lib', 'runtime')) && f !== join('lib', 'runtime', 'bundles.ts')));
}

/** Packages a source file loads at run time (type-only imports left out). */
function runtimeImports(file: string): string[] {
  const text = readFileSync(join(REPO_ROOT, file), 'utf8');
  const specifiers = [...text.matchAll(/^import (?!type )[^;]*? from '([^'.][^']*)';$/gms), ...text.matchAll(/require\('([^'.][^']*)'\)/g)].map((m) => m[1]);
  return specifiers
    .filter((s) => !s.startsWith('node:') && !builtinModules.includes(s))
    .map((s) => (s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]));
}

test('every package the library loads at run time is a dependency or a peer dependency', () => {
  const installed = new Set([...Object.keys(manifest.dependencies), ...Object.keys(manifest.peerDependencies)]);
  const missing = librarySources().flatMap((f) => runtimeImports(f).filter((p) => !installed.has(p)).map((p) => `${f}: ${p}`));
  expect(missing).toEqual([]);
  // The scan sees the imports it must (a scan that finds nothing would pass anything).
  expect(runtimeImports(join('lib', 'check', 'templates.ts'))).toContain('yaml');
});

test('aws-cdk-lib, constructs and cdk-nag are peers with ranges, pinned only as dev dependencies', () => {
  for (const name of ['aws-cdk-lib', 'constructs', 'cdk-nag']) {
    expect([name, manifest.dependencies[name]]).toEqual([name, undefined]);
    expect(manifest.peerDependencies[name]).toMatch(/^\^\d+\.\d+\.\d+$/);
    expect(manifest.devDependencies[name]).toMatch(/^\d+\.\d+\.\d+$/);
  }
  expect(manifest.peerDependenciesMeta['@cdklabs/cdk-validator-cfnguard']).toEqual({ optional: true });
});

test('the build leaves out tests, bench scripts and handler sources; engines cover node --import', () => {
  expect(build.include).toEqual(['lib/**/*.ts', 'bin/gdpr-baseline.ts']);
  expect(build.exclude).toContain('lib/runtime/*.ts');
  expect(manifest.scripts.prepare).toBe('npm run build');
  expect(manifest.scripts.build).toContain('tsc -p tsconfig.build.json');
  expect(manifest.engines.node).toBe('>=20.6.0');
  expect(manifest.files.some((f: string) => /^(test|bin|lib\/runtime)\b/.test(f))).toBe(false);
});
