import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { GDPR_PACK_NAME } from '../nag/gdpr-checks';
import { GDPR_RULES } from '../nag/rules';
import type { CheckResult, Finding } from './run';

export const FORMATS = ['human', 'json', 'sarif'] as const;
export type Format = (typeof FORMATS)[number];

const rel = (path: string) => relative(process.cwd(), path) || path;

/** A summary for people: one block per finding with rule, resource, article and fix. */
export function formatHuman(result: CheckResult): string {
  const lines: string[] = [];
  for (const f of result.findings) {
    lines.push(`${f.level.toUpperCase()} ${f.ruleId}  ${f.logicalId} (${f.resourceType})  ${rel(f.template)}`);
    lines.push(`    ${f.article ? `${f.article}: ` : ''}${f.message}`);
    if (f.fix) lines.push(`    Fix: ${f.fix}`);
  }
  for (const a of result.ignoredAcknowledgments) {
    lines.push(`IGNORED acknowledgment ${a.ruleId}  ${a.logicalId} (${a.resourceType})  ${rel(a.template)}`);
    lines.push(`    ${a.problem}; its finding is reported, not acknowledged.`);
  }
  const templates = result.templates.map((t) => `${rel(t.path)} (${t.region}${t.account ? `, account ${t.account}${t.accountFrom === 'inferred' ? ' inferred from its ARNs' : ''}` : ', account unknown: pass --account'}, ${t.resources} resources)`).join(', ');
  const errors = result.findings.filter((f) => f.level === 'error').length;
  const warnings = result.findings.length - errors;
  lines.push(
    `${lines.length > 0 ? '\n' : ''}Checked ${result.templates.length} template${result.templates.length === 1 ? '' : 's'}: ${templates}`,
    result.findings.length === 0
      ? `No finding. ${result.acknowledged.length} acknowledged (listed with --format json).`
      : `${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}; ${result.acknowledged.length} acknowledged.`,
  );
  if (result.ignoredAcknowledgments.length > 0) {
    lines.push(`${result.ignoredAcknowledgments.length} acknowledgment${result.ignoredAcknowledgments.length === 1 ? '' : 's'} ignored: no reason a reviewer can judge.`);
  }
  return `${lines.join('\n')}\n`;
}

export function formatJson(result: CheckResult): string {
  return `${JSON.stringify(
    {
      templates: result.templates.map((t) => ({ ...t, path: rel(t.path) })),
      findings: result.findings.map((f) => ({ ...f, template: rel(f.template) })),
      acknowledged: result.acknowledged.map((a) => ({ ...a, template: rel(a.template) })),
      ignoredAcknowledgments: result.ignoredAcknowledgments.map((a) => ({ ...a, template: rel(a.template) })),
      summary: {
        errors: result.findings.filter((f) => f.level === 'error').length,
        warnings: result.findings.filter((f) => f.level === 'warning').length,
        acknowledged: result.acknowledged.length,
        ignoredAcknowledgments: result.ignoredAcknowledgments.length,
      },
    },
    null,
    2,
  )}\n`;
}

/** Line of a resource's logical id in the template text, for code-scanning annotations. */
function lineOf(template: string, logicalId: string, cache: Map<string, string[]>): number {
  if (!cache.has(template)) cache.set(template, readFileSync(template, 'utf8').split('\n'));
  const lines = cache.get(template) as string[];
  const index = lines.findIndex((l) => new RegExp(`^\\s*"?${logicalId.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"?\\s*:`).test(l));
  return index >= 0 ? index + 1 : 1;
}

/** Where a result points: a file (relative to the working directory, the repository root in CI) and a line. */
interface SourceLine {
  readonly uri: string;
  readonly line: number;
  /** What the location is, for the result's related locations. */
  readonly what: string;
}

/**
 * The path of a file inside the working directory that is not generated or
 * installed (not in node_modules, not in the cloud assembly): the kind of
 * file a repository tracks, so code scanning can annotate it.
 */
function repositoryFile(file: string, assemblyDir?: string): string | undefined {
  const path = resolve(file);
  const rel = relative(process.cwd(), path);
  if (!rel || rel.startsWith('..') || isAbsolute(rel)) return undefined;
  if (rel.split(sep).includes('node_modules') || (assemblyDir && !relative(resolve(assemblyDir), path).startsWith('..'))) return undefined;
  return existsSync(path) ? rel.split(sep).join('/') : undefined;
}

/* eslint-disable @typescript-eslint/no-explicit-any */
/**
 * The creation stacks CDK recorded for the resources of a cloud assembly
 * template (`aws:cdk:creationStack` metadata, on by default in `cdk synth`),
 * by logical id. Empty for a template that is not in a cloud assembly.
 */
function creationStacks(template: string): Map<string, string[]> {
  const stacks = new Map<string, string[]>();
  const dir = dirname(template);
  try {
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    const artifact: any = Object.values(manifest.artifacts ?? {}).find((a: any) => a?.properties?.templateFile === basename(template));
    if (!artifact) return stacks;
    const metadata = artifact.metadata ?? (typeof artifact.additionalMetadataFile === 'string' ? JSON.parse(readFileSync(join(dir, basename(artifact.additionalMetadataFile)), 'utf8')) : {});
    for (const entries of Object.values(metadata as Record<string, any[]>)) {
      const logicalId = entries.find((e) => e?.type === 'aws:cdk:logicalId')?.data;
      const trace = entries.find((e) => e?.type === 'aws:cdk:creationStack')?.data;
      if (typeof logicalId === 'string' && Array.isArray(trace)) stacks.set(logicalId, trace.filter((t: unknown) => typeof t === 'string'));
    }
  } catch {
    // Not a cloud assembly, or one without metadata: no source to point at.
  }
  return stacks;
}
/* eslint-enable @typescript-eslint/no-explicit-any */

/** The first frame of a creation stack in a file of the repository: the construct's source. */
function constructSource(trace: readonly string[], assemblyDir: string): SourceLine | undefined {
  for (const frame of trace) {
    const m = /\(?((?:file:\/\/)?[^()\s]+?):(\d+):\d+\)?$/.exec(frame);
    if (!m) continue;
    const uri = repositoryFile(m[1].replace(/^file:\/\//, ''), assemblyDir);
    if (uri) return { uri, line: Number(m[2]), what: `where ${frame.replace(/^\s*(at\s+)?/, '').replace(/\s*\(.*$/, '')} creates the resource` };
  }
  return undefined;
}

/** Line of the first line matching `pattern` after the line matching `after` (1 when not found). */
function lineAfter(lines: readonly string[], after: RegExp | undefined, pattern: RegExp): number {
  const start = after ? lines.findIndex((l) => after.test(l)) : 0;
  const index = start < 0 ? -1 : lines.findIndex((l, i) => i >= start && pattern.test(l));
  return index >= 0 ? index + 1 : Math.max(start + 1, 1);
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export interface SarifOptions {
  /**
   * The configuration the templates were synthesized from (`check --config`):
   * results without a construct source point at it, an expired grant at its
   * subcontractor's expiryDate.
   */
  readonly configPath?: string;
}

/**
 * SARIF 2.1.0, for code-scanning annotations in pull requests. Each result
 * points at a file the repository tracks wherever the kit can tell which: an
 * expired grant at the configuration's expiryDate, any other result at the
 * construct's source when CDK recorded it, else at the configuration; the
 * template (often generated, in cdk.out) otherwise, and always as a related
 * location.
 */
export function formatSarif(result: CheckResult, toolVersion: string, options: SarifOptions = {}): string {
  const byRule = new Map<string, Finding>();
  for (const f of result.findings) if (!byRule.has(f.rule)) byRule.set(f.rule, f);
  const gdprRules = new Map(GDPR_RULES.map((r) => [`${GDPR_PACK_NAME}-${r.id}`, r]));
  const ruleIds = [...byRule.keys()].sort();
  const cache = new Map<string, string[]>();
  const traces = new Map<string, Map<string, string[]>>();
  const config = options.configPath ? repositoryFile(options.configPath) : undefined;
  const configLines = config ? readFileSync(config, 'utf8').split('\n') : [];
  const locate = (f: Finding): SourceLine | undefined => {
    if (config && f.processor) {
      const line = lineAfter(configLines, new RegExp(`"name"\\s*:\\s*"${escape(f.processor)}"`), /"expiryDate"\s*:/);
      return { uri: config, line, what: `the expiryDate of ${f.processor} in the configuration` };
    }
    if (!traces.has(f.template)) traces.set(f.template, creationStacks(f.template));
    const trace = traces.get(f.template)?.get(f.logicalId);
    const source = trace ? constructSource(trace, dirname(f.template)) : undefined;
    return source ?? (config ? { uri: config, line: 1, what: 'the configuration the template was synthesized from' } : undefined);
  };
  const sarif = {
    $schema: 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'gdpr-baseline',
            version: toolVersion,
            informationUri: 'https://gdpr-info.eu/',
            rules: ruleIds.map((id) => {
              const gdpr = gdprRules.get(id);
              const f = byRule.get(id) as Finding;
              return {
                id,
                name: id.replace(/[^A-Za-z0-9]/g, ''),
                shortDescription: { text: gdpr?.info ?? f.message },
                fullDescription: { text: gdpr ? `${gdpr.explanation} Triggered by: ${gdpr.trigger}` : f.message },
                help: { text: gdpr ? `Fix: ${gdpr.fix}` : f.message },
                defaultConfiguration: { level: f.level },
                properties: { pack: f.pack, ...(gdpr ? { article: gdpr.article, tags: ['gdpr', 'privacy'] } : {}) },
              };
            }),
          },
        },
        results: result.findings.map((f) => ({
          ruleId: f.rule,
          ruleIndex: ruleIds.indexOf(f.rule),
          level: f.level,
          message: { text: `${f.logicalId} (${f.resourceType}): ${f.message}${f.article ? ` [${f.article}]` : ''}${f.fix ? ` Fix: ${f.fix}` : ''}` },
          ...sarifLocations(f, locate(f), { uri: rel(f.template).split(sep).join('/'), line: lineOf(f.template, f.logicalId, cache) }),
          partialFingerprints: { finding: `${f.ruleId}|${f.stack}|${f.logicalId}` },
        })),
      },
    ],
  };
  return `${JSON.stringify(sarif, null, 2)}\n`;
}

/** The result's location (a tracked file when known), with the template resource as a related location. */
function sarifLocations(f: Finding, source: SourceLine | undefined, template: { uri: string; line: number }) {
  const logicalLocations = [{ name: f.logicalId, kind: 'resource', fullyQualifiedName: `${f.stack}/${f.logicalId}` }];
  const templateLocation = { physicalLocation: { artifactLocation: { uri: template.uri }, region: { startLine: template.line } }, logicalLocations };
  if (!source) return { locations: [templateLocation] };
  return {
    locations: [{ physicalLocation: { artifactLocation: { uri: source.uri }, region: { startLine: source.line } }, message: { text: source.what }, logicalLocations }],
    relatedLocations: [{ id: 1, ...templateLocation, message: { text: `${f.logicalId} in the synthesized template` } }],
  };
}
