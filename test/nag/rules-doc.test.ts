import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NagMessageLevel, NagRuleCompliance } from 'cdk-nag';
import type { GdprRule } from '../../lib/nag/rule';
import { renderRulesMarkdown, RULES_WITH_ACKNOWLEDGMENT_HINTS } from '../../lib/nag/rules-doc';
import { GDPR_RULES } from '../../lib/nag/rules';

const RULES_MD = join(__dirname, '..', '..', 'policies', 'RULES.md');

let markdown: string;
let rows: string[];
beforeAll(() => {
  markdown = renderRulesMarkdown();
  rows = markdown.split('\n').filter((line) => line.startsWith('| `GDPR-'));
});

/** The cells of a table row, splitting on unescaped pipes only. */
function cells(row: string): string[] {
  return row
    .slice(1, -1)
    .split(/(?<!\\)\|/)
    .map((c) => c.trim());
}

test('policies/RULES.md is up to date', () => {
  const committed = readFileSync(RULES_MD, 'utf8');
  if (committed !== markdown) throw new Error('policies/RULES.md is stale: run npm run policies');
});

test('policies/RULES.md names every rule of the pack', () => {
  const committed = readFileSync(RULES_MD, 'utf8');
  expect(GDPR_RULES.map((r) => `GDPR-${r.id}`).filter((id) => !committed.includes(`| \`${id}\` |`))).toEqual([]);
});

test('has a title, an intro that explains the ids and the level, and one table row per rule, in pack order', () => {
  expect(markdown).toMatch(/^# GDPR rule pack$/m);
  expect(markdown).toContain('`GDPR-<article>-<WhatIsRequired>`');
  expect(markdown).toContain('fails the synth');
  expect(rows.map((r) => cells(r)[0])).toEqual(GDPR_RULES.map((r) => `\`GDPR-${r.id}\``));
});

test.each(GDPR_RULES.map((r) => [`GDPR-${r.id}`, r] as const))('%s: row has id, article, level, trigger, fix and acknowledgment', (id, rule) => {
  const row = rows.find((r) => r.startsWith(`| \`${id}\` |`));
  expect(row).toBeDefined();
  const [, article, level, trigger, fix, ack] = cells(row!);
  expect(article).toBe(rule.article);
  expect(level).toBe('Error');
  expect(trigger).toBe(rule.trigger);
  expect(fix).toBe(rule.fix);
  expect(ack).toContain(`acknowledge(construct, '${id}', '<`);
});

test('rules with several findings show the finding option, one snippet per finding', () => {
  const row = cells(rows.find((r) => r.includes('GDPR-Art5-StatefulResourceRetained'))!);
  expect(row[5].split('<br>')).toEqual([
    "`acknowledge(construct, 'GDPR-Art5-StatefulResourceRetained', '<why losing this resource loses no personal data, key, log or backup>', { finding: 'DeletionPolicy' })`",
    "`acknowledge(construct, 'GDPR-Art5-StatefulResourceRetained', '<why losing this resource loses no personal data, key, log or backup>', { finding: 'UpdateReplacePolicy' })`",
  ]);
  expect(cells(rows.find((r) => r.includes('GDPR-Art44-RegionReferencesAllowed'))!)[5]).toContain("{ finding: 'Region::<region>' }");
});

test('every acknowledgment hint names a rule of the pack', () => {
  expect(RULES_WITH_ACKNOWLEDGMENT_HINTS.filter((id) => !GDPR_RULES.some((r) => r.id === id))).toEqual([]);
});

test('every rule of the pack has an acknowledgment hint (a rule with several findings must list their forms in lib/nag/rules-doc.ts)', () => {
  expect(GDPR_RULES.map((r) => r.id).filter((id) => !RULES_WITH_ACKNOWLEDGMENT_HINTS.includes(id))).toEqual([]);
});

test('escapes pipes and flattens new lines, so a cell never breaks the table', () => {
  const rule: GdprRule = {
    id: 'Art99-Piped',
    article: 'Art. 99',
    level: NagMessageLevel.WARN,
    info: 'info',
    explanation: 'explanation',
    trigger: '`A | B` when\nsplit over lines',
    fix: 'either | or',
    check: () => NagRuleCompliance.NOT_APPLICABLE,
  };
  const row = renderRulesMarkdown([rule])
    .split('\n')
    .find((l) => l.startsWith('| `GDPR-Art99-Piped`'))!;
  expect(cells(row)).toEqual([
    '`GDPR-Art99-Piped`',
    'Art. 99',
    'Warning',
    '`A \\| B` when split over lines',
    'either \\| or',
    "`acknowledge(construct, 'GDPR-Art99-Piped', '<why this rule does not apply to this resource>')`",
  ]);
});
