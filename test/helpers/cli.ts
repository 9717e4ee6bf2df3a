import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runCli } from '../../lib/cli/gdpr-baseline';
import { REPO_ROOT } from './reference';

/** Runs the command line in-process, as the binary does. */
export function cli(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const status = runCli(argv, { out: (t) => void (stdout += t), err: (t) => void (stderr += t) });
  return { status, stdout, stderr };
}

/** The command line in-process, run from `cwd` (as the binary run there: it resolves its default outputs from the working directory). */
export function cliIn(cwd: string, ...argv: string[]) {
  const saved = process.cwd();
  process.chdir(cwd);
  try {
    return cli(...argv);
  } finally {
    process.chdir(saved);
  }
}

/** Arguments of node that run the binary from any working directory (tsx loaded by path, not resolved from cwd). */
export const BIN = [`--import=${pathToFileURL(join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href}`, join(REPO_ROOT, 'bin', 'gdpr-baseline.ts')];
