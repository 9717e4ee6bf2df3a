import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { REPO_ROOT } from './reference';

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
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- bin/app.ts is a script: requiring it runs it
      require('../../bin/app');
    });
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
