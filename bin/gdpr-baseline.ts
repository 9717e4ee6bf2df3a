#!/usr/bin/env node
// The gdpr-baseline command line (see lib/cli/gdpr-baseline.ts and `gdpr-baseline --help`).
import { runCli } from '../lib/cli/gdpr-baseline';

// A reader that stops early (`gdpr-baseline sql | head`) closes the pipe: stop quietly, as
// Unix tools do, instead of an unhandled EPIPE with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(process.exitCode ?? 0);
  });
}

process.exitCode = runCli(process.argv.slice(2));
