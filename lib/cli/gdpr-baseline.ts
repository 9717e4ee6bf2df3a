import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { Catalog } from '../catalog/catalog';
import { FORMATS, Format, formatHuman, formatJson, formatSarif } from '../check/format';
import { ToolError } from '../check/guard';
import { checkTemplates, PACKS } from '../check/run';
import { InputError, loadTemplates } from '../check/templates';
import { ConfigError } from '../config/errors';
import { loadConfigFile } from '../config/load';
import { permittedRegions } from '../config/schema';
import { databaseSql, renderDatabaseSql } from '../database/database-sql';
import { GeneratedFile, reviewFiles, schemaFile } from '../review/outputs';
import { synthesizeBaseline } from '../review/synthesize';

/** The package root (the folder with package.json), from the sources or from the compiled dist/. */
function packageRoot(from: string): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

const REPO_ROOT = packageRoot(__dirname);
const DEFAULT_CONFIG = join(REPO_ROOT, 'lib', 'config', 'default.json');
const PACKAGE_VERSION = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

const USAGE = `Usage: gdpr-baseline <command> [options]

Commands:
  check <path> [options]     run the GDPR rules over a cloud assembly (cdk.out), a template file
                             (JSON or YAML) or a directory of templates
      --region REGION            region of templates that do not say where they deploy
      --config FILE              take the allowed regions from a configuration
      --allowed-regions LIST     comma-separated allowed regions (default: EU member-state regions)
      --packs LIST               also run cdk-nag packs: aws-solutions, hipaa, nist, pci (or all)
      --guard                    also run the 237 AWS Control Tower proactive controls (cfn-guard)
      --format FORMAT            human (default), json or sarif
      --output FILE              write the report to FILE instead of standard output
  policies [--config FILE] [--out DIR]
                             write the review outputs into policies/: every synthesized policy document,
                             the access matrix, the record of processing, the rules reference, the SCP
  sql [--config FILE]        print the complete SQL the contact database receives, in apply order
                             (migrations, then roles and privileges generated from the catalog)
  schema                     write lib/config/config.schema.json from the zod schema

Options:
  --config FILE   configuration to use (default: lib/config/default.json)
  -h, --help      show this help

Exit codes: 0 done (check: no finding), 1 findings (check), 2 usage, input or configuration error.`;

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

function write(io: CliIo, files: GeneratedFile[]): void {
  for (const file of files) {
    mkdirSync(dirname(file.path), { recursive: true });
    writeFileSync(file.path, file.content);
    io.out(`wrote ${relative(process.cwd(), file.path)}\n`);
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

function check(io: CliIo, args: string[]): number {
  const flags = ['--guard'];
  const path = args.find((a, i) => !a.startsWith('-') && (i === 0 || !args[i - 1].startsWith('--') || flags.includes(args[i - 1])));
  if (!path) throw new UsageError('check needs a path: a cdk.out directory, a template file or a directory of templates');
  const format = (option(args, '--format') ?? 'human') as Format;
  if (!FORMATS.includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}; got ${format}`);
  const configPath = option(args, '--config');
  const listed = option(args, '--allowed-regions')?.split(',').map((r) => r.trim()).filter(Boolean);
  const allowedRegions = configPath ? permittedRegions(loadConfigFile(configPath)) : listed;
  const packsOption = option(args, '--packs');
  const packs = packsOption === 'all' ? Object.keys(PACKS) : packsOption?.split(',').map((p) => p.trim());
  const result = checkTemplates(loadTemplates(path, option(args, '--region')), { allowedRegions, packs, guard: args.includes('--guard') });
  const report =
    format === 'json' ? formatJson(result) : format === 'sarif' ? formatSarif(result, PACKAGE_VERSION) : formatHuman(result);
  const output = option(args, '--output');
  if (output) writeFileSync(output, report);
  else io.out(report);
  if (output && format !== 'human') io.err(formatHuman(result));
  return result.findings.length > 0 ? 1 : 0;
}

/** The `gdpr-baseline` command line; returns the exit code. */
export function runCli(argv: string[], io: CliIo = PROCESS_IO): number {
  const [command, ...args] = argv;
  if (!command || command === '-h' || command === '--help' || args.includes('--help') || args.includes('-h')) {
    io.out(`${USAGE}\n`);
    return command ? 0 : 2;
  }
  try {
    switch (command) {
      case 'schema':
        write(io, [schemaFile(REPO_ROOT)]);
        return 0;
      case 'check':
        return check(io, args);
      case 'sql': {
        const config = loadConfigFile(option(args, '--config') ?? DEFAULT_CONFIG);
        io.out(renderDatabaseSql(databaseSql(Catalog.fromConfig(config))));
        return 0;
      }
      case 'policies': {
        const config = loadConfigFile(option(args, '--config') ?? DEFAULT_CONFIG);
        const dir = option(args, '--out') ?? join(REPO_ROOT, 'policies');
        const files = reviewFiles(config, Catalog.fromConfig(config), synthesizeBaseline(config));
        const removed = syncDirectory(dir, files);
        io.out(`wrote ${files.length} files to ${relative(process.cwd(), dir) || '.'}${removed.length ? `, removed ${removed.length} stale: ${removed.join(', ')}` : ''}\n`);
        return 0;
      }
      default:
        throw new UsageError(`unknown command "${command}"; run gdpr-baseline --help`);
    }
  } catch (err) {
    if (err instanceof ConfigError || err instanceof UsageError || err instanceof InputError || err instanceof ToolError) {
      io.err(`gdpr-baseline: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}

