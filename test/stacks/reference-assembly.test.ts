// The reference assembly the global setup keeps for the suite (test/helpers/reference-assembly.ts)
// is exactly what a fresh synthesis of the reference app gives, every check registered: the files
// that read it through referenceTemplate() see the template they would have synthesized.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { synthesizeBaseline } from '../../lib/review/synthesize';
import { defaultConfig, referenceSynthesizedStacks, referenceTemplate, REPO_ROOT, synthesizeReference } from '../helpers/reference';
import { ensureReferenceAssembly, keptReferenceAssembly, keptReferenceTemplateJson, REFERENCE_ASSEMBLY_ERROR_ENV, referenceAssemblyKey, REFERENCE_STACK_NAME } from '../helpers/reference-assembly';

const files = (dir: string) =>
  readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => !f.startsWith('.gdpr-reference') && statSync(join(dir, f)).isFile())
    .sort();

/**
 * A file of the assembly with the stack traces CDK records (where a construct was created,
 * `aws:cdk:creationStack`, and where a finding was acknowledged, `trace`) reduced to the frames of
 * the kit (lib/) and of referenceStack, and each to its file and line: the other frames are the
 * caller's (the global setup, or this test) and the test runner's; the function names are guessed
 * differently by Node's source maps (global setup) and by jest's, and the column of a call differs
 * between the global setup's compiler (@swc/jest) and this file's (tsx): `acknowledge(` at 18, or
 * the statement at 7. The line is what a finding's location names.
 */
const KIT = `${join(REPO_ROOT, 'lib')}/`;

function withoutCallers(file: string): string {
  const text = readFileSync(file, 'utf8');
  if (!file.endsWith('.json')) return text;
  const cut = (frames: unknown[]) =>
    frames
      .filter((f): f is string => typeof f === 'string' && (f.includes(KIT) || f.includes('referenceStack (')))
      .map((f) => f.replace(/^.*\(([^()]+)\)$/, '$1').replace(/:\d+$/, ''));
  return JSON.stringify(
    JSON.parse(text, (key, value) => {
      if (key === 'trace' && Array.isArray(value)) return cut(value);
      if (value?.type === 'aws:cdk:creationStack' && Array.isArray(value.data)) return { ...value, data: cut(value.data) };
      return value;
    }),
  );
}

describe('the reference assembly kept for the suite', () => {
  const kept = keptReferenceAssembly();

  test('is made by the global setup for a run on the real clock', () => {
    // A synthesis that failed (a finding of a pack) names its error here; the files that read the template synthesize and fail on it too.
    expect(process.env[REFERENCE_ASSEMBLY_ERROR_ENV]).toBeUndefined();
    if (process.env.FAKE_DATE) expect(kept).toBeUndefined();
    else expect(kept).toBeDefined();
  });

  (kept ? test : test.skip)('holds the same files as a fresh synthesis of the reference app, the same bytes but for the frames of its caller in the recorded stack traces', () => {
    const fresh = synthesizeReference();
    expect(files(kept!)).toEqual(files(fresh));
    for (const f of files(fresh)) {
      if (f.endsWith('.template.json') || f.startsWith('asset.')) expect([f, readFileSync(join(kept!, f), 'utf8')]).toEqual([f, readFileSync(join(fresh, f), 'utf8')]);
      else expect([f, withoutCallers(join(kept!, f))]).toEqual([f, withoutCallers(join(fresh, f))]);
    }
  });

  (kept ? test : test.skip)('is the template referenceTemplate() gives', () => {
    const { template } = referenceTemplate();
    expect(template.toJSON()).toEqual(JSON.parse(readFileSync(join(kept!, `${REFERENCE_STACK_NAME}.template.json`), 'utf8')));
    expect(Object.keys(template.findResources('AWS::RDS::DBCluster'))).toHaveLength(1);
  });

  (kept ? test : test.skip)('gives the stacks synthesizeBaseline gives the review outputs for the default configuration (what npm run policies writes)', () => {
    const fromKept = referenceSynthesizedStacks();
    expect(fromKept.map((s) => s.name)).toEqual(['GdprContactBaseline', 'GdprContactBaselineBackupAccount']);
    expect(fromKept[0].catalogSql).toMatch(/CREATE ROLE/);
    expect(fromKept).toEqual(synthesizeBaseline(defaultConfig()));
  });

  test('is keyed by the day and by the environment aws-cdk-lib reads, and never kept on a faked clock', () => {
    const key = referenceAssemblyKey({}, '2026-12-02');
    expect(referenceAssemblyKey({}, '2026-12-02')).toBe(key);
    expect(referenceAssemblyKey({}, '2026-12-03')).not.toBe(key);
    expect(referenceAssemblyKey({ CDK_CONTEXT_JSON: '{"a":1}' }, '2026-12-02')).not.toBe(key);
    expect(ensureReferenceAssembly({ FAKE_DATE: '2028-06-15' }, (err) => { throw err; })).toBeUndefined();
  });

  test('each reader parses its own copy: one test file cannot change what another reads', () => {
    if (!kept) return;
    const first = keptReferenceTemplateJson()!;
    first.Resources = {};
    expect(Object.keys(keptReferenceTemplateJson()!.Resources).length).toBeGreaterThan(10);
  });
});
