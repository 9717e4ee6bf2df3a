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
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { CFN_LINT_IGNORED, findCfnLint, lintTemplates, ToolError } from './lint-templates';

const REPO_ROOT = resolve(__dirname, '..');
const GUARD_PACKAGE = join(REPO_ROOT, 'node_modules', '@cdklabs', 'cdk-validator-cfnguard');
export const CONTROL_TOWER_RULES = join(GUARD_PACKAGE, 'rules', 'control-tower', 'cfn-guard');

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

// ---------------------------------------------------------------- cfn-guard

/** The cfn-guard binary bundled with @cdklabs/cdk-validator-cfnguard, for this machine. */
export function findCfnGuard(): string {
  if (process.env.CFN_GUARD) return process.env.CFN_GUARD;
  const os = ({ linux: 'ubuntu', darwin: 'macos' } as Record<string, string>)[process.platform];
  const arch = ({ x64: 'x86_64', arm64: 'aarch64' } as Record<string, string>)[process.arch];
  if (!os || !arch) {
    throw new UsageError(`@cdklabs/cdk-validator-cfnguard bundles no cfn-guard for ${process.platform}/${process.arch}; set CFN_GUARD to a cfn-guard 3 binary`);
  }
  const binary = join(GUARD_PACKAGE, 'bin', os, arch, 'cfn-guard');
  if (!existsSync(binary)) throw new UsageError(`${binary} is missing: run npm ci`);
  return binary;
}

/** Number of Guard rule files under a directory. */
export function countRuleFiles(dir: string): number {
  if (!existsSync(dir)) throw new UsageError(`${dir} is missing: run npm ci`);
  let count = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && /\.(guard|ruleset)$/.test(entry.name)) count++;
  }
  return count;
}

export interface GuardFinding {
  readonly template: string;
  /** Guard rule name, such as rds_cluster_storage_encrypted_check. */
  readonly rule: string;
  /** Control Tower control ids from the rule's message, such as CT.RDS.PR.16. */
  readonly controls: string[];
  /** The first line of the rule's message: what the control requires. */
  readonly requirement: string;
  /** Logical ids of the failing resources. */
  readonly resources: string[];
}

interface GuardFileReport {
  name: string;
  status: string;
  not_compliant: { Rule?: { name?: string } }[];
}

/** Walks a cfn-guard structured report node, collecting resource ids and control messages. */
function collect(node: unknown, resources: Set<string>, messages: Set<string>): void {
  if (Array.isArray(node)) {
    for (const child of node) collect(child, resources, messages);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
    if (typeof value === 'string') {
      const resource = key === 'path' ? /^\/Resources\/([^/]+)/.exec(value)?.[1] : undefined;
      if (resource) resources.add(resource);
      if (key === 'custom_message' && value.includes('[CT.')) messages.add(value.trim());
    } else {
      collect(value, resources, messages);
    }
  }
}

export function parseGuardReport(json: string, cwd = process.cwd()): GuardFinding[] {
  const reports = JSON.parse(json) as GuardFileReport[];
  if (!Array.isArray(reports)) throw new ToolError('cfn-guard printed an unexpected report (not a list)');
  const findings: GuardFinding[] = [];
  for (const report of reports) {
    for (const failure of report.not_compliant ?? []) {
      const resources = new Set<string>();
      const messages = new Set<string>();
      collect(failure, resources, messages);
      const controls = [...new Set([...messages].flatMap((m) => [...m.matchAll(/\[(CT\.[A-Z0-9.]+)\]/g)].map((x) => x[1])))];
      const first = [...messages][0]?.split('\n')[0].replace(/^\[CT\.[^\]]+\]:\s*/, '') ?? '';
      findings.push({
        template: relative(cwd, report.name) || report.name,
        rule: failure.Rule?.name ?? '(unnamed rule)',
        controls,
        requirement: first,
        resources: [...resources].sort(),
      });
    }
  }
  return findings;
}

/** Runs every Guard rule of a directory over the templates. */
export function guardTemplates(binary: string, rulesDir: string, templates: string[], cwd = process.cwd()): GuardFinding[] {
  const args = ['validate', '--rules', rulesDir, '--structured', '--show-summary', 'none', '--output-format', 'json'];
  for (const template of templates) args.push('--data', template);
  const result = spawnSync(binary, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (result.error) throw new ToolError(`cannot run ${binary}: ${result.error.message}`);
  // cfn-guard exits 0 when every rule passes or is skipped, 19 when a rule fails;
  // anything else is an error of the tool (unreadable rules or data, bad arguments).
  if (result.status !== 0 && result.status !== 19) {
    throw new ToolError(`cfn-guard exited with ${result.status}: ${(result.stderr || result.stdout).trim().slice(0, 2000)}`);
  }
  let findings: GuardFinding[];
  try {
    findings = parseGuardReport(result.stdout, cwd);
  } catch (err) {
    throw new ToolError(`cannot read cfn-guard's report (exit ${result.status}): ${(err as Error).message}`);
  }
  if (result.status === 19 && findings.length === 0) {
    throw new ToolError('cfn-guard reported failures (exit 19) but its report names none');
  }
  return findings;
}

function guardVersion(binary: string): string {
  const result = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  return /cfn-guard\s+(\S+)/.exec(result.stdout ?? '')?.[1] ?? '?';
}

// ---------------------------------------------------------------- command line

interface Options {
  out: string;
  lint: boolean;
  guard: boolean;
}

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

function main(): number {
  const options = parseArgs(process.argv.slice(2));
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
      process.stdout.write(`  ${f.level.padEnd(13)} ${f.rule}  ${f.template}${f.line ? `:${f.line}` : ''}  ${f.path}\n      ${f.message}\n`);
    }
    const ignored = Object.keys(CFN_LINT_IGNORED).join(', ');
    process.stdout.write(
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
      process.stdout.write(
        `  FAIL ${f.controls.join(', ') || f.rule} (${f.rule})  ${f.template}  resources: ${f.resources.join(', ') || '(none named)'}\n` +
          (f.requirement ? `      ${f.requirement}\n` : ''),
      );
    }
    process.stdout.write(
      `cfn-guard ${guardVersion(binary)}: ${rules} Control Tower rules, ${plural(templates.length, 'template')}, ${plural(findings.length, 'failure')}\n`,
    );
    failed ||= findings.length > 0;
  }

  return failed ? 1 : 0;
}

if (require.main === module) {
  try {
    process.exitCode = main();
  } catch (err) {
    if (err instanceof UsageError || err instanceof ToolError) {
      process.stderr.write(`check:templates: ${err.message}\n`);
      process.exitCode = 2;
    } else {
      throw err;
    }
  }
}
