#!/usr/bin/env node
// The gdpr-baseline command line (see lib/cli/gdpr-baseline.ts and `gdpr-baseline --help`).
import { runCli } from '../lib/cli/gdpr-baseline';

process.exitCode = runCli(process.argv.slice(2));
