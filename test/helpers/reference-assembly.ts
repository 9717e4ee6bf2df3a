// The reference app, synthesized once per suite instead of once per test file.
//
// Building the reference stack and synthesizing it with every pack registered costs about 2-3 s of
// CPU; a dozen test files did it only to read the same template. Jest's global setup
// (test/helpers/global-setup.ts) calls `ensureReferenceAssembly()`, which synthesizes the app exactly
// as `referenceTemplate()` does and keeps its cloud assembly (templates, manifest, assets) in the
// system's temporary directory under a key of everything the output depends on (every file under
// lib/, these helpers, the versions of aws-cdk-lib, cdk-nag, constructs and Node.js, the environment
// variables CDK reads, the day). The workers find it through REFERENCE_ASSEMBLY_ENV.
//
// Nothing here decides what a test sees: without the variable (a faked date, a jest run without
// the global setup, a synthesis that failed on a finding) every helper synthesizes for itself, as
// before, and the failure shows in the test that needs the template. test/stacks/reference-assembly.test.ts
// proves the kept assembly is what a fresh synthesis gives.
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

/** Environment variable through which jest's workers find the reference assembly made by the global setup. */
export const REFERENCE_ASSEMBLY_ENV = 'GDPR_TEST_REFERENCE_ASSEMBLY';
/** Set instead when the global setup's synthesis failed: its first line, for the test that proves the assembly is kept. */
export const REFERENCE_ASSEMBLY_ERROR_ENV = 'GDPR_TEST_REFERENCE_ASSEMBLY_ERROR';

/** The reference stack's name (bin/app.ts, test/helpers/reference.ts) and so its template's file name. */
export const REFERENCE_STACK_NAME = 'GdprContactBaseline';

const REPO_ROOT = join(__dirname, '..', '..');
/** The file that says an assembly directory is complete (it is renamed into place with it). */
export const READY_MARKER = '.gdpr-reference-ready';
const READY = READY_MARKER;
/** Environment variables aws-cdk-lib reads when an app is built or synthesized. */
const CDK_ENV = ['CDK_VALIDATION', 'CDK_CONTEXT_JSON', 'CDK_DEBUG', 'CDK_DISABLE_STACK_TRACE', 'CDK_OUTDIR', 'CDK_DEFAULT_ACCOUNT', 'CDK_DEFAULT_REGION', 'JSII_DEPRECATED'];

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((name) => join(dir, name))
    .filter((file) => statSync(file).isFile())
    .sort();
}

function packageVersion(name: string): string {
  return JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules', name, 'package.json'), 'utf8')).version as string;
}

/**
 * The key of the reference assembly: a hash of every input of the synthesis. `day` is the
 * UTC date, so that even a synthesis that read the clock would never be reused on another day.
 */
export function referenceAssemblyKey(env: NodeJS.ProcessEnv = process.env, day = new Date().toISOString().slice(0, 10)): string {
  const hash = createHash('sha256');
  const sources = [...filesUnder(join(REPO_ROOT, 'lib')), join(__dirname, 'reference.ts'), join(__dirname, 'reference-assembly.ts')];
  for (const file of sources) hash.update(`${relative(REPO_ROOT, file)}\0`).update(readFileSync(file)).update('\0');
  for (const name of ['aws-cdk-lib', 'cdk-nag', 'constructs']) hash.update(`${name}@${packageVersion(name)}\0`);
  for (const name of CDK_ENV) hash.update(`${name}=${env[name] ?? ''}\0`);
  // The output records absolute paths (the stack traces of its metadata): a copy made from another
  // checkout of the repository is another assembly.
  hash.update(`${REPO_ROOT}\0${process.version}\0${day}`);
  return hash.digest('hex').slice(0, 24);
}

const PREFIX = 'gdpr-reference-assembly-';
const SUFFIX = `-${process.getuid?.() ?? 'u'}`;
/** A kept assembly no suite used for a day is deleted (each change under lib/ makes a new one of about 4 MB). */
const UNUSED_MS = 24 * 3600_000;

function touch(file: string): void {
  const now = new Date();
  utimesSync(file, now, now);
}

function pruneOld(): void {
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith(PREFIX) || !name.endsWith(SUFFIX)) continue;
    const dir = join(tmpdir(), name);
    try {
      if (Date.now() - statSync(join(dir, READY)).mtimeMs > UNUSED_MS) rmSync(dir, { recursive: true, force: true });
    } catch {
      // Half made by a suite running now, or already gone: not ours to delete.
    }
  }
}

/**
 * The directory of the reference app's cloud assembly for the current sources, synthesized now
 * if no suite made it yet. `undefined` when it cannot be kept: the clock is faked (FAKE_DATE is
 * applied in the workers only, not in the process that runs the global setup) or the synthesis
 * failed (a finding: the tests that synthesize for themselves report it).
 */
export function ensureReferenceAssembly(env: NodeJS.ProcessEnv = process.env, onError: (err: unknown) => void = () => {}): string | undefined {
  if (env.FAKE_DATE) return undefined;
  const dir = join(tmpdir(), `${PREFIX}${referenceAssemblyKey(env)}${SUFFIX}`);
  if (existsSync(join(dir, READY))) {
    touch(join(dir, READY));
    return dir;
  }
  pruneOld();
  const work = mkdtempSync(join(tmpdir(), 'gdpr-reference-work-'));
  try {
    // Loaded here, not at the top: a suite that finds the assembly made never loads aws-cdk-lib in the parent process.
    // The stack traces CDK records (where each construct was created, where a finding was
    // acknowledged) name the TypeScript lines, as in the workers, where jest maps them: swc's inline
    // source maps, read by Node for the modules loaded from here on.
    process.setSourceMapsEnabled(true);
    // And as many frames as a worker records: the light runner's workers keep Node's default of 10
    // (as the CDK CLI's app process does), where jest's own runner raised it to 100.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 10;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { synthesizeReference } = require('./reference') as typeof import('./reference');
    let directory: string;
    try {
      directory = synthesizeReference();
    } finally {
      Error.stackTraceLimit = limit;
    }
    const out = join(work, 'assembly');
    cpSync(directory, out, { recursive: true });
    writeFileSync(join(out, READY), '');
    try {
      renameSync(out, dir);
    } catch {
      // Another suite made it first: use theirs.
      if (!existsSync(join(dir, READY))) return undefined;
    }
    return dir;
  } catch (err) {
    onError(err);
    return undefined;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The assembly directory the global setup made for this run, if any (read it, never write into it). */
export function keptReferenceAssembly(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const dir = env[REFERENCE_ASSEMBLY_ENV];
  return dir && existsSync(join(dir, READY)) ? dir : undefined;
}

/** The reference stack's template as kept by the global setup, parsed afresh (safe to mutate). */
export function keptReferenceTemplateJson(env: NodeJS.ProcessEnv = process.env): Record<string, any> | undefined {
  const dir = keptReferenceAssembly(env);
  return dir ? JSON.parse(readFileSync(join(dir, `${REFERENCE_STACK_NAME}.template.json`), 'utf8')) : undefined;
}
