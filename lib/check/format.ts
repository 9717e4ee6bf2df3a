import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
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
  const templates = result.templates.map((t) => `${rel(t.path)} (${t.region}, ${t.resources} resources)`).join(', ');
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

/** SARIF 2.1.0, for code-scanning annotations in pull requests. */
export function formatSarif(result: CheckResult, toolVersion: string): string {
  const byRule = new Map<string, Finding>();
  for (const f of result.findings) if (!byRule.has(f.rule)) byRule.set(f.rule, f);
  const gdprRules = new Map(GDPR_RULES.map((r) => [`${GDPR_PACK_NAME}-${r.id}`, r]));
  const ruleIds = [...byRule.keys()].sort();
  const cache = new Map<string, string[]>();
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
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
          locations: [
            {
              physicalLocation: { artifactLocation: { uri: rel(f.template) }, region: { startLine: lineOf(f.template, f.logicalId, cache) } },
              logicalLocations: [{ name: f.logicalId, kind: 'resource', fullyQualifiedName: `${f.stack}/${f.logicalId}` }],
            },
          ],
          partialFingerprints: { finding: `${f.ruleId}|${f.stack}|${f.logicalId}` },
        })),
      },
    ],
  };
  return `${JSON.stringify(sarif, null, 2)}\n`;
}
