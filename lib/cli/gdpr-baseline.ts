import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import type { Format } from '../check/format';
import { ToolError } from '../check/guard';
import { InputError, loadTemplates } from '../check/templates';
import { ConfigError } from '../config/errors';
import { CostInputError, estimateCost, formatCost, HOURS_PER_MONTH } from '../cost/estimate';
import { DateInputError } from '../processors/processor-grant-expiry';
import type { GeneratedFile } from '../review/outputs';

// What a command needs is loaded when it runs, not with the command line: `--version`, `--help`,
// a mistyped option, `sql` and `schema` never load aws-cdk-lib's constructs or cdk-nag (most of
// a second), and `check` never loads the baseline's stacks.
/* eslint-disable @typescript-eslint/no-require-imports */
const lazy = {
  catalog: () => require('../catalog/catalog') as typeof import('../catalog/catalog'),
  checks: () => require('../check/run') as typeof import('../check/run'),
  config: () => require('../config/load') as typeof import('../config/load'),
  declared: () => require('../config/declared') as typeof import('../config/declared'),
  formats: () => require('../check/format') as typeof import('../check/format'),
  regions: () => require('../config/schema') as typeof import('../config/schema'),
  review: () => require('../review/outputs') as typeof import('../review/outputs'),
  sql: () => require('../database/database-sql') as typeof import('../database/database-sql'),
  synthesis: () => require('../review/synthesize') as typeof import('../review/synthesize'),
};
/* eslint-enable @typescript-eslint/no-require-imports */

/** The package root (the folder with package.json), from the sources or from the compiled dist/. */
function packageRoot(from: string): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

const REPO_ROOT = packageRoot(__dirname);
const DEFAULT_CONFIG = join(REPO_ROOT, 'lib', 'config', 'default.json');
const PACKAGE_VERSION = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/** One command: its options (taking a value, or flags), its positional arguments and its help. */
interface CommandSpec {
  readonly values: readonly string[];
  readonly flags: readonly string[];
  /** Names of the positional arguments, all required. */
  readonly positionals: readonly string[];
  readonly help: string;
}

const EXIT_CODES = 'Exit codes: 0 done (check: no finding), 1 findings (check), 2 usage, input or configuration error (one line on standard error).';

const COMMANDS: Record<string, CommandSpec> = {
  check: {
    values: ['--region', '--account', '--config', '--allowed-regions', '--packs', '--format', '--output', '--today'],
    flags: ['--guard'],
    positionals: ['path'],
    help: `Usage: gdpr-baseline check <path> [options]

Runs the GDPR rules over a cloud assembly (cdk.out), a template file (JSON or YAML) or a directory of templates.

Options:
  --region REGION            region of templates that do not say where they deploy
  --account ID               account (12 digits) of templates that do not say where they deploy;
                             without it, the one account the template's own ARNs name, if exactly one
  --config FILE              take the allowed regions, processors' and backup accounts from a configuration
  --allowed-regions LIST     comma-separated allowed regions (default: EU member-state regions)
  --packs LIST               also run cdk-nag packs: aws-solutions, hipaa, nist, pci (or all)
  --guard                    also run the 237 AWS Control Tower proactive controls (cfn-guard)
  --today YYYY-MM-DD         report roles whose trust ended by that day (expired processor grants);
                             without it nothing is judged against a date (check never reads the clock)
  --format FORMAT            human (default), json or sarif
  --output FILE              write the report to FILE instead of standard output
  -h, --help                 show this help

${EXIT_CODES}`,
  },
  policies: {
    values: ['--config', '--out'],
    flags: [],
    positionals: [],
    help: `Usage: gdpr-baseline policies [--config FILE] [--out DIR]

Synthesizes the baseline and writes the review outputs into DIR (default: ./policies in the current
directory): every synthesized policy document, the access matrix, the record of processing, the rules
reference, the organisation SCP and the breach runbook. DIR is rewritten as a whole, so it must be new,
empty or an earlier output of this command; the kit's own reference outputs are only ever regenerated
from the reference configuration.

Options:
  --config FILE   configuration to use (default: the kit's reference configuration)
  --out DIR       where to write (default: ./policies)
  -h, --help      show this help

${EXIT_CODES}`,
  },
  sql: {
    values: ['--config'],
    flags: [],
    positionals: [],
    help: `Usage: gdpr-baseline sql [--config FILE]

Prints the complete SQL the contact database receives, in apply order (migrations, then roles and
privileges generated from the catalog).

Options:
  --config FILE   configuration to use (default: the kit's reference configuration)
  -h, --help      show this help

${EXIT_CODES}`,
  },
  cost: {
    values: ['--region', '--users', '--hours', '--format'],
    flags: [],
    positionals: ['path'],
    help: `Usage: gdpr-baseline cost <path> [--region REGION] [--users N --hours H] [--format human|json]

Estimates the monthly cost of a cloud assembly (cdk.out), a template file or a directory of templates,
line by line from the synthesized resources, at the list prices shipped with the kit (lib/cost/prices.ts,
dated; no network call). Volume-driven lines (connection hours, storage, logs) rest on assumptions,
printed with the estimate.

Options:
  --region REGION   price as if deployed in REGION (default: where each template deploys)
  --users N         people connected through the VPN (default: 5 in production, 2 in development)
  --hours H         hours each is connected a month (default: 176, 8 h on 22 days)
  --format FORMAT   human (default) or json
  -h, --help        show this help

${EXIT_CODES}`,
  },
  schema: {
    values: ['--out'],
    flags: [],
    positionals: [],
    help: `Usage: gdpr-baseline schema [--out FILE]

Writes the JSON Schema of the configuration, generated from the zod schema, for editors
("$schema": "./config.schema.json" in a configuration).

Options:
  --out FILE      where to write (default: ./config.schema.json in the current directory)
  -h, --help      show this help

${EXIT_CODES}`,
  },
};

const USAGE = `Usage: gdpr-baseline <command> [options]

Commands:
  check <path>    run the GDPR rules over a cloud assembly (cdk.out), a template file or a directory
  policies        write the review outputs (policies, access matrix, record of processing, ...)
  sql             print the complete SQL the contact database receives, in apply order
  schema          write the JSON Schema of the configuration
  cost <path>     estimate the monthly cost of a cloud assembly or template, at the shipped list prices

Run gdpr-baseline <command> --help for the options of a command.

Options:
  -h, --help      show this help
  --version       print the version

${EXIT_CODES}`;

/** Where the command line writes: the process streams, or a test's buffers. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

export const PROCESS_IO: CliIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

/** Makes a directory hold exactly the generated files; returns the stale files it removed. */
function syncDirectory(dir: string, files: GeneratedFile[]): string[] {
  const wanted = new Set(files.map((f) => f.path));
  const existing = existsSync(dir) ? readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name))) : [];
  const stale = existing.filter((f) => !wanted.has(f));
  for (const f of stale) rmSync(join(dir, f));
  for (const file of files) {
    mkdirSync(dirname(join(dir, file.path)), { recursive: true });
    writeFileSync(join(dir, file.path), file.content);
  }
  return stale;
}

class UsageError extends Error {}

/** Edit distance, to suggest the option a typo meant. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length];
}

function suggestion(word: string, candidates: readonly string[]): string {
  const best = [...candidates].sort((x, y) => distance(word, x) - distance(word, y))[0];
  return best && (distance(word, best) <= 2 || word.startsWith(best) || best.startsWith(word)) ? ` (did you mean ${best}?)` : '';
}

interface ParsedArgs {
  readonly values: ReadonlyMap<string, string>;
  readonly flags: ReadonlySet<string>;
  readonly positionals: readonly string[];
}

/**
 * Parses a command's arguments strictly: an option it does not know, an
 * option given twice, a missing value or an extra argument is a usage error,
 * so a typo in CI never silently skips a check.
 */
function parseArgs(command: string, spec: CommandSpec, args: readonly string[]): ParsedArgs {
  const values = new Map<string, string>();
  const flags = new Set<string>();
  const positionals: string[] = [];
  const known = [...spec.values, ...spec.flags];
  const seen = (name: string) => {
    if (values.has(name) || flags.has(name)) throw new UsageError(`${command}: ${name} is given twice; give it once`);
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--') {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    if (spec.flags.includes(name)) {
      if (name !== arg) throw new UsageError(`${command}: ${name} takes no value; got ${arg}`);
      seen(name);
      flags.add(name);
    } else if (spec.values.includes(name)) {
      const value = name !== arg ? arg.slice(eq + 1) : args[++i];
      if (value === undefined || value === '' || (name === arg && value.startsWith('-'))) {
        throw new UsageError(`${command}: ${name} needs a value; run gdpr-baseline ${command} --help`);
      }
      seen(name);
      values.set(name, value);
    } else {
      throw new UsageError(`${command}: unknown option ${arg}${suggestion(name, known)}; run gdpr-baseline ${command} --help`);
    }
  }
  if (positionals.length > spec.positionals.length) {
    const extra = positionals.slice(spec.positionals.length).join(' ');
    throw new UsageError(`${command}: unexpected argument ${extra}${spec.positionals.length ? ` (it takes one ${spec.positionals.join(', ')})` : ' (it takes no argument)'}; run gdpr-baseline ${command} --help`);
  }
  return { values, flags, positionals };
}

const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;

function check(io: CliIo, { values, flags, positionals }: ParsedArgs): number {
  const [path] = positionals;
  if (!path) throw new UsageError('check needs a path: a cdk.out directory, a template file or a directory of templates');
  const format = (values.get('--format') ?? 'human') as Format;
  const { FORMATS, formatHuman, formatJson, formatSarif } = lazy.formats();
  if (!FORMATS.includes(format)) throw new UsageError(`check: --format must be one of ${FORMATS.join(', ')}; got ${format}`);
  const configPath = values.get('--config');
  const listedOption = values.get('--allowed-regions');
  if (configPath && listedOption) throw new UsageError('check: give the allowed regions once, with --config or with --allowed-regions, not both');
  const listed = listedOption?.split(',').map((r) => r.trim()).filter(Boolean);
  const badRegion = listed?.find((r) => !REGION.test(r));
  if (listed && (listed.length === 0 || badRegion)) throw new UsageError(`check: --allowed-regions is a comma-separated list of regions, such as eu-west-3,eu-central-1; got ${badRegion ?? listedOption}`);
  const region = values.get('--region');
  if (region && !REGION.test(region)) throw new UsageError(`check: --region must be a region, such as eu-west-3; got ${region}`);
  const account = values.get('--account');
  if (account !== undefined && !/^\d{12}$/.test(account)) throw new UsageError(`check: --account must be an AWS account id of 12 digits, such as 111122223333; got ${account}`);
  const config = configPath ? lazy.config().loadConfigFile(configPath) : undefined;
  const allowedRegions = config ? lazy.regions().permittedRegions(config) : listed;
  const { checkTemplates, PACKS } = lazy.checks();
  const packsOption = values.get('--packs');
  const packs = packsOption === 'all' ? Object.keys(PACKS) : packsOption?.split(',').map((p) => p.trim()).filter(Boolean);
  if (packs && packs.length === 0) throw new UsageError(`check: --packs is a comma-separated list of ${Object.keys(PACKS).join(', ')} (or all); got ${packsOption}`);
  const today = values.get('--today');
  const result = checkTemplates(loadTemplates(path, region), {
    allowedRegions,
    packs,
    guard: flags.has('--guard'),
    today,
    ...(account ? { account } : {}),
    ...(config ? { declared: lazy.declared().declaredParties(config) } : {}),
  });
  const report =
    format === 'json' ? formatJson(result) : format === 'sarif' ? formatSarif(result, PACKAGE_VERSION, { configPath }) : formatHuman(result);
  const output = values.get('--output');
  if (output) writeFileSync(output, report);
  else io.out(report);
  if (output && format !== 'human') io.err(formatHuman(result));
  return result.findings.length > 0 ? 1 : 0;
}

/** A count given on the command line: a whole number in [0, max]. */
function count(command: string, name: string, value: string | undefined, max: number, what: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) > max) throw new UsageError(`${command}: ${name} must be ${what}, a whole number from 0 to ${max}; got ${value}`);
  return Number(value);
}

function cost(io: CliIo, { values, positionals }: ParsedArgs): number {
  const [path] = positionals;
  if (!path) throw new UsageError('cost needs a path: a cdk.out directory, a template file or a directory of templates');
  const format = values.get('--format') ?? 'human';
  if (format !== 'human' && format !== 'json') throw new UsageError(`cost: --format must be one of human, json; got ${format}`);
  const region = values.get('--region');
  if (region && !REGION.test(region)) throw new UsageError(`cost: --region must be a region, such as eu-west-3; got ${region}`);
  const users = count('cost', '--users', values.get('--users'), 10_000, 'the number of people connected');
  const hours = count('cost', '--hours', values.get('--hours'), HOURS_PER_MONTH, 'the hours each is connected a month');
  const estimate = estimateCost(loadTemplates(path, region), { region, users, hours });
  io.out(format === 'json' ? `${JSON.stringify(estimate, null, 2)}\n` : formatCost(estimate));
  return 0;
}

/** Marks a directory written by `policies` (its index), so a rewrite never deletes anything else. */
const REVIEW_INDEX = 'README.md';
const REVIEW_INDEX_HEADING = '# Review outputs\n';

/**
 * Where `policies` may write: a new or empty directory, or one it wrote
 * before (it is rewritten as a whole, stale files removed); never the kit's
 * own reference outputs from another configuration.
 */
function policiesDir(out: string | undefined, configPath: string): string {
  const dir = resolve(out ?? 'policies');
  // Through symbolic links too: a link to the reference outputs is the reference outputs.
  const real = (path: string): string => (existsSync(path) || dirname(path) === path ? realpathSync(path) : join(real(dirname(path)), basename(path)));
  if (real(dir) === real(resolve(REPO_ROOT, 'policies')) && real(resolve(configPath)) !== real(DEFAULT_CONFIG)) {
    throw new UsageError(
      `policies: ${relative(process.cwd(), dir) || '.'} holds the kit's reference outputs, generated from the reference configuration; write the outputs of ${configPath} elsewhere with --out DIR`,
    );
  }
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory()) throw new UsageError(`policies: --out ${out ?? 'policies'} is a file; give a directory`);
    const entries = readdirSync(dir);
    const index = join(dir, REVIEW_INDEX);
    const ours = existsSync(index) && readFileSync(index, 'utf8').startsWith(REVIEW_INDEX_HEADING);
    if (entries.length > 0 && !ours) {
      throw new UsageError(
        `policies: ${relative(process.cwd(), dir) || '.'} holds files this command did not write, and it rewrites its directory as a whole; give a new or empty directory with --out DIR`,
      );
    }
  }
  return dir;
}

function helpRequested(args: readonly string[]): boolean {
  const end = args.indexOf('--');
  return (end < 0 ? args : args.slice(0, end)).some((a) => a === '-h' || a === '--help');
}

/** The `gdpr-baseline` command line; returns the exit code. */
export function runCli(argv: string[], io: CliIo = PROCESS_IO): number {
  const [command, ...args] = argv;
  try {
    if (command === undefined) {
      io.err(`${USAGE}\n`);
      return 2;
    }
    if (command === '-h' || command === '--help') {
      io.out(`${USAGE}\n`);
      return 0;
    }
    if (command === '--version') {
      if (args.length > 0) throw new UsageError(`--version takes no argument; got ${args.join(' ')}`);
      io.out(`${PACKAGE_VERSION}\n`);
      return 0;
    }
    const spec = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
    if (!spec) {
      const kind = command.startsWith('-') ? 'option' : 'command';
      throw new UsageError(`unknown ${kind} ${command}${suggestion(command, [...Object.keys(COMMANDS), '--help', '--version'])}; run gdpr-baseline --help`);
    }
    if (helpRequested(args)) {
      io.out(`${spec.help}\n`);
      return 0;
    }
    const parsed = parseArgs(command, spec, args);
    switch (command) {
      case 'schema': {
        const path = resolve(parsed.values.get('--out') ?? 'config.schema.json');
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, lazy.review().schemaFile(REPO_ROOT).content);
        io.out(`wrote ${relative(process.cwd(), path)}\n`);
        return 0;
      }
      case 'check':
        return check(io, parsed);
      case 'cost':
        return cost(io, parsed);
      case 'sql': {
        const config = lazy.config().loadConfigFile(parsed.values.get('--config') ?? DEFAULT_CONFIG);
        const { databaseSql, renderDatabaseSql } = lazy.sql();
        io.out(renderDatabaseSql(databaseSql(lazy.catalog().Catalog.fromConfig(config))));
        return 0;
      }
      default: {
        // policies
        const configPath = parsed.values.get('--config') ?? DEFAULT_CONFIG;
        const dir = policiesDir(parsed.values.get('--out'), configPath);
        const config = lazy.config().loadConfigFile(configPath);
        const files = lazy.review().reviewFiles(config, lazy.catalog().Catalog.fromConfig(config), lazy.synthesis().synthesizeBaseline(config));
        const removed = syncDirectory(dir, files);
        io.out(`wrote ${files.length} files to ${relative(process.cwd(), dir) || '.'}${removed.length ? `, removed ${removed.length} stale: ${removed.join(', ')}` : ''}\n`);
        return 0;
      }
    }
  } catch (err) {
    if (command === 'policies' && err instanceof Error && err.name === 'ValidationFailed') {
      // The rule packs refused the synth; their report is already on standard error.
      io.err(`gdpr-baseline: policies: the configuration synthesizes with unacknowledged findings (reported above); fix or acknowledge them, then run it again\n`);
      return 1;
    }
    if (err instanceof ConfigError || err instanceof UsageError || err instanceof InputError || err instanceof ToolError || err instanceof DateInputError || err instanceof CostInputError) {
      io.err(`gdpr-baseline: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}
