import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

/**
 * The AWS Control Tower proactive controls, shipped as Guard rules inside
 * @cdklabs/cdk-validator-cfnguard (a development dependency here; install it
 * to use `check --guard` elsewhere), run with the cfn-guard binary it bundles.
 */

/** An external tool is missing, broken, or answered something unreadable. */
export class ToolError extends Error {}

function guardPackage(): string {
  try {
    return dirname(require.resolve('@cdklabs/cdk-validator-cfnguard/package.json'));
  } catch {
    throw new ToolError('the Control Tower rules come with @cdklabs/cdk-validator-cfnguard: npm install --save-dev @cdklabs/cdk-validator-cfnguard');
  }
}

/** Directory of the Control Tower Guard rules. */
export function controlTowerRules(): string {
  return join(guardPackage(), 'rules', 'control-tower', 'cfn-guard');
}


/** The cfn-guard binary bundled with @cdklabs/cdk-validator-cfnguard, for this machine. */
export function findCfnGuard(): string {
  if (process.env.CFN_GUARD) return process.env.CFN_GUARD;
  const os = ({ linux: 'ubuntu', darwin: 'macos' } as Record<string, string>)[process.platform];
  const arch = ({ x64: 'x86_64', arm64: 'aarch64' } as Record<string, string>)[process.arch];
  if (!os || !arch) {
    throw new ToolError(`@cdklabs/cdk-validator-cfnguard bundles no cfn-guard for ${process.platform}/${process.arch}; set CFN_GUARD to a cfn-guard 3 binary`);
  }
  const binary = join(guardPackage(), 'bin', os, arch, 'cfn-guard');
  if (!existsSync(binary)) throw new ToolError(`${binary} is missing: run npm ci`);
  return binary;
}

/** Number of Guard rule files under a directory. */
export function countRuleFiles(dir: string): number {
  if (!existsSync(dir)) throw new ToolError(`${dir} is missing: run npm ci`);
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

export function guardVersion(binary: string): string {
  const result = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  return /cfn-guard\s+(\S+)/.exec(result.stdout ?? '')?.[1] ?? '?';
}

