#!/usr/bin/env node
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { Catalog } from '../lib/catalog/catalog';
import { ConfigError } from '../lib/config/errors';
import { loadConfigFile } from '../lib/config/load';
import { databaseSql, renderDatabaseSql } from '../lib/database/database-sql';
import { GeneratedFile, reviewFiles, schemaFile } from '../lib/review/outputs';

const REPO_ROOT = join(__dirname, '..');
const DEFAULT_CONFIG = join(REPO_ROOT, 'lib', 'config', 'default.json');

const USAGE = `Usage: gdpr-baseline <command> [options]

Commands:
  policies [--config FILE]   write the review outputs into policies/ (organisation SCP, rules reference)
  sql [--config FILE]        print the complete SQL the contact database receives, in apply order
                             (migrations, then roles and privileges generated from the catalog)
  schema                     write lib/config/config.schema.json from the zod schema

Options:
  --config FILE   configuration to use (default: lib/config/default.json)
  -h, --help      show this help

Exit codes: 0 done, 2 usage or configuration error.`;

function write(files: GeneratedFile[]): void {
  for (const file of files) {
    mkdirSync(dirname(file.path), { recursive: true });
    writeFileSync(file.path, file.content);
    process.stdout.write(`wrote ${relative(process.cwd(), file.path)}\n`);
  }
}

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const value = args[i + 1];
  if (!value || value.startsWith('-')) throw new UsageError(`${name} needs a value`);
  return value;
}

class UsageError extends Error {}

function main(argv: string[]): number {
  const [command, ...args] = argv;
  if (!command || command === '-h' || command === '--help' || args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return command ? 0 : 2;
  }
  try {
    switch (command) {
      case 'schema':
        write([schemaFile(REPO_ROOT)]);
        return 0;
      case 'sql': {
        const config = loadConfigFile(option(args, '--config') ?? DEFAULT_CONFIG);
        process.stdout.write(renderDatabaseSql(databaseSql(Catalog.fromConfig(config))));
        return 0;
      }
      case 'policies': {
        const config = loadConfigFile(option(args, '--config') ?? DEFAULT_CONFIG);
        write(reviewFiles(REPO_ROOT, config));
        return 0;
      }
      default:
        throw new UsageError(`unknown command "${command}"; run gdpr-baseline --help`);
    }
  } catch (err) {
    if (err instanceof ConfigError || err instanceof UsageError) {
      process.stderr.write(`gdpr-baseline: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}

process.exitCode = main(process.argv.slice(2));
