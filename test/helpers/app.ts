import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { transformSync } from '@swc/core';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { REPO_ROOT } from './reference';

const APP_SCRIPT = join(REPO_ROOT, 'bin', 'app.ts');

let compiled: { file: string; code: string } | undefined;

/**
 * Runs a script of the repository once more in this process: its own code afresh (the script runs
 * on evaluation), the modules it imports from this test file's registry. A fresh registry for each
 * run (jest.isolateModules) loads aws-cdk-lib and the kit again, about 2 s of each 2.5 s synth.
 * Compiled as jest compiles it (package.json's transform options for @swc/jest).
 */
function runScript(file: string): void {
  if (compiled?.file !== file) {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8'));
    const { transform } = pkg.jest;
    const [, options] = transform['^.+\\.ts$'] as [string, Record<string, unknown>];
    const { code } = transformSync(readFileSync(file, 'utf8'), { ...options, filename: file, sourceMaps: 'inline' });
    compiled = { file, code: code.replace(/^#!.*/, '') }; // the shebang, which a function body cannot hold
  }
  const dir = dirname(file);
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the script's imports, resolved from its own directory
  const load = (id: string): unknown => require(id.startsWith('.') ? resolve(dir, id) : id);
  const module = { exports: {} };
  new Function('exports', 'require', 'module', '__filename', '__dirname', compiled.code)(module.exports, load, module, file, dir);
}

class Exit extends Error {
  constructor(readonly status: number) {
    super(`process.exit(${status})`);
  }
}

/**
 * Runs bin/app.ts in this process as the CDK CLI runs it (from the repository, the context and the
 * output directory in the environment), with process.exit and stderr captured: the exit status and
 * the message are the app's own. A child process costs a second load of tsx, aws-cdk-lib and the
 * kit (2-4 s of CPU); keep one real process per behaviour that is about the process. An error the
 * app does not handle is not captured: it fails the test that ran it, as a stack trace would.
 */
export function runAppInProcess(context: Record<string, unknown>): { status: number; stderr: string; outdir: string } {
  const outdir = join(mkdtempSync(join(tmpdir(), 'gdpr-app-')), 'cdk.out');
  const saved = { cwd: process.cwd(), context: process.env[cxapi.CONTEXT_ENV], outdir: process.env[cxapi.OUTDIR_ENV] };
  let stderr = '';
  let status = 0;
  const exit = jest.spyOn(process, 'exit').mockImplementation((code?: string | number | null) => {
    throw new Exit(Number(code ?? 0));
  });
  const write = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  try {
    process.chdir(REPO_ROOT);
    process.env[cxapi.CONTEXT_ENV] = JSON.stringify(context);
    process.env[cxapi.OUTDIR_ENV] = outdir;
    runScript(APP_SCRIPT);
  } catch (err) {
    if (!(err instanceof Exit)) throw err;
    status = err.status;
  } finally {
    write.mockRestore();
    exit.mockRestore();
    process.chdir(saved.cwd);
    for (const [name, value] of [[cxapi.CONTEXT_ENV, saved.context], [cxapi.OUTDIR_ENV, saved.outdir]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
  return { status, stderr, outdir };
}
