/**
 * `npm run check:templates`: checks every synthesized template in a cloud assembly
 * with two external tools, after `npm run synth`:
 *
 *  1. cfn-lint (the pinned version `.ci/run` installs), failing on any error or
 *     warning; see bin/lint-templates.ts for the one rule ignored and why.
 *  2. The AWS Control Tower proactive controls shipped as Guard rules inside the
 *     devDependency @cdklabs/cdk-validator-cfnguard, run with its bundled cfn-guard.
 *
 * Usage: node --import tsx bin/guard.ts [--out DIR] [--skip-lint] [--skip-guard]
 *   --out DIR     the cloud assembly to check (default: cdk.out at the repo root)
 * Exit codes: 0 no finding, 1 findings, 2 usage problem (no template, tool missing or broken).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { controlTowerRules, countRuleFiles, findCfnGuard, guardTemplates, guardVersion, ToolError } from '../lib/check/guard';
import { CFN_LINT_IGNORED, findCfnLint, lintTemplates } from './lint-templates';

const REPO_ROOT = resolve(__dirname, '..');
export const CONTROL_TOWER_RULES = controlTowerRules();

export class UsageError extends Error {}

// ---------------------------------------------------------------- templates

/** Every `*.template.json` under a cloud assembly, nested assemblies included, sorted. */
export function findTemplates(assemblyDir: string): string[] {
  if (!existsSync(assemblyDir) || !statSync(assemblyDir).isDirectory()) {
    throw new UsageError(`${assemblyDir} does not exist: run npm run synth first`);
  }
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      // asset.* folders hold Lambda code and other staged files, not templates.
      if (entry.isDirectory() && !entry.name.startsWith('asset.')) walk(full);
      else if (entry.isFile() && entry.name.endsWith('.template.json')) found.push(full);
    }
  };
  walk(assemblyDir);
  if (found.length === 0) {
    throw new UsageError(`no *.template.json in ${assemblyDir}: run npm run synth first`);
  }
  return found.sort();
}

/**
 * The region of each stack template, read from the assembly manifests
 * (`environment: aws://account/region`). Templates the manifests do not name
 * (nested stacks) take the assembly's region when there is only one.
 */
export function templateRegions(assemblyDir: string, templates: string[]): Map<string | undefined, string[]> {
  const regionOf = new Map<string, string>();
  const manifests = templates.map((t) => join(dirname(t), 'manifest.json')).filter((m, i, all) => all.indexOf(m) === i);
  for (const manifest of [join(assemblyDir, 'manifest.json'), ...manifests]) {
    if (!existsSync(manifest)) continue;
    let artifacts: Record<string, { type?: string; environment?: string; properties?: { templateFile?: string } }>;
    try {
      artifacts = (JSON.parse(readFileSync(manifest, 'utf8')) as { artifacts?: typeof artifacts }).artifacts ?? {};
    } catch {
      continue;
    }
    for (const artifact of Object.values(artifacts)) {
      const file = artifact.properties?.templateFile;
      const region = /^aws:\/\/[^/]+\/(.+)$/.exec(artifact.environment ?? '')?.[1];
      if (artifact.type === 'aws:cloudformation:stack' && file && region && region !== 'unknown-region') {
        regionOf.set(resolve(dirname(manifest), file), region);
      }
    }
  }
  const known = new Set(regionOf.values());
  const fallback = known.size === 1 ? [...known][0] : undefined;
  const byRegion = new Map<string | undefined, string[]>();
  for (const template of templates) {
    const region = regionOf.get(resolve(template)) ?? fallback;
    byRegion.set(region, [...(byRegion.get(region) ?? []), template]);
  }
  return byRegion;
}

// ---------------------------------------------------------------- command line

interface Options {
  out: string;
  lint: boolean;
  guard: boolean;
}

/** Where the command writes: the process's streams, or a test's strings. */
export interface GuardIo {
  out(text: string): void;
  err(text: string): void;
}

const PROCESS_IO: GuardIo = { out: (t) => void process.stdout.write(t), err: (t) => void process.stderr.write(t) };

function parseArgs(argv: string[]): Options {
  const options: Options = { out: join(REPO_ROOT, 'cdk.out'), lint: true, guard: true };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--out' || arg === '-o') {
      const value = argv[++i];
      if (!value) throw new UsageError(`${arg} needs a directory`);
      options.out = resolve(value);
    } else if (arg === '--skip-lint') options.lint = false;
    else if (arg === '--skip-guard') options.guard = false;
    else if (arg === '--help' || arg === '-h') {
      process.stdout.write('usage: npm run check:templates [-- --out DIR] [--skip-lint] [--skip-guard]\n');
      process.exit(0);
    } else throw new UsageError(`unknown argument ${arg}; usage: npm run check:templates [-- --out DIR] [--skip-lint] [--skip-guard]`);
  }
  return options;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

function main(argv: string[], io: GuardIo): number {
  const options = parseArgs(argv);
  const templates = findTemplates(options.out);
  const shown = templates.map((t) => relative(process.cwd(), t) || t);
  let failed = false;

  if (options.lint) {
    const command = findCfnLint(REPO_ROOT);
    const { version, findings } = lintTemplates(command, templateRegions(options.out, shown));
    const errors = findings.filter((f) => f.level === 'Error');
    const warnings = findings.filter((f) => f.level === 'Warning');
    const infos = findings.filter((f) => f.level === 'Informational');
    for (const f of [...errors, ...warnings, ...infos]) {
      io.out(`  ${f.level.padEnd(13)} ${f.rule}  ${f.template}${f.line ? `:${f.line}` : ''}  ${f.path}\n      ${f.message}\n`);
    }
    const ignored = Object.keys(CFN_LINT_IGNORED).join(', ');
    io.out(
      `cfn-lint ${version}: ${plural(templates.length, 'template')}, ${plural(errors.length, 'error')}, ${plural(warnings.length, 'warning')}` +
        `${infos.length ? `, ${infos.length} informational (not failing)` : ''} (ignored: ${ignored})\n`,
    );
    failed ||= errors.length + warnings.length > 0;
  }

  if (options.guard) {
    const binary = findCfnGuard();
    const rules = countRuleFiles(CONTROL_TOWER_RULES);
    const findings = guardTemplates(binary, CONTROL_TOWER_RULES, shown);
    for (const f of findings) {
      io.out(
        `  FAIL ${f.controls.join(', ') || f.rule} (${f.rule})  ${f.template}  resources: ${f.resources.join(', ') || '(none named)'}\n` +
          (f.requirement ? `      ${f.requirement}\n` : ''),
      );
    }
    io.out(
      `cfn-guard ${guardVersion(binary)}: ${rules} Control Tower rules, ${plural(templates.length, 'template')}, ${plural(findings.length, 'failure')}\n`,
    );
    failed ||= findings.length > 0;
  }

  return failed ? 1 : 0;
}

/**
 * The command, with its arguments and streams given (a test runs it in its own process): the exit
 * code, 2 with one line on `io.err` for a usage problem or a missing or broken tool. Any other
 * error is thrown, as a bug.
 */
export function runGuard(argv: string[], io: GuardIo = PROCESS_IO): number {
  try {
    return main(argv, io);
  } catch (err) {
    if (err instanceof UsageError || err instanceof ToolError) {
      io.err(`check:templates: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}

if (require.main === module) process.exitCode = runGuard(process.argv.slice(2));
