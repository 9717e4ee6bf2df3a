import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, RemovalPolicy, Stack, Stage, Validations } from 'aws-cdk-lib';
import type { PolicyValidationPluginReport } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { formatHuman, formatJson } from '../../lib/check/format';
import { checkTemplates } from '../../lib/check/run';
import { loadTemplates } from '../../lib/check/templates';
import { runCli } from '../../lib/cli/gdpr-baseline';
import { acknowledge } from '../../lib/marks/acknowledge';
import { GdprChecks } from '../../lib/nag/gdpr-checks';
import { findingsOn, logicalIdOf, PARIS, ruleFindingsOn, validate } from '../nag/helpers';

/*
 * Attacks on acknowledgments at synth: an acknowledgment of a GDPR rule made
 * anywhere above a resource (stack, stage, app, a grouping construct) would,
 * in plain cdk-nag, silence the rule for every resource below it, including
 * one added later that really is non-compliant. The GDPR pack honours only
 * acknowledgments on the resource (or its L2 construct) or naming it, with a
 * reason a reviewer can judge.
 */

const CMK = 'GDPR-Art32-EncryptedWithCmk';
const RETAINED = 'GDPR-Art5-StatefulResourceRetained';
const REASON = 'Holds synthetic load-test objects only, never personal data of contacts.';

/** A stack with two S3-managed (not customer-managed) buckets, retained: only GDPR-Art32-EncryptedWithCmk fails. */
function twoPlainBuckets(scope: Construct = new App()) {
  const stack = new Stack(scope, 'S', { env: PARIS });
  const group = new Construct(stack, 'Group');
  const scratch = new s3.Bucket(group, 'Scratch', { encryption: s3.BucketEncryption.S3_MANAGED, removalPolicy: RemovalPolicy.RETAIN });
  const contacts = new s3.Bucket(group, 'ContactsExport', { encryption: s3.BucketEncryption.S3_MANAGED, removalPolicy: RemovalPolicy.RETAIN });
  return { stack, group, scratch, contacts };
}

function violationOn(report: PolicyValidationPluginReport, construct: s3.Bucket, ruleName: string) {
  const path = (construct.node.defaultChild as Construct).node.path;
  return report.violations.find((v) => v.ruleName === ruleName && v.violatingResources.some((r) => r.constructPath === path));
}

describe('an acknowledgment above the resource silences nothing', () => {
  test('given no acknowledgment, both buckets are reported (the attack below starts from here)', () => {
    const { stack, scratch, contacts } = twoPlainBuckets();
    const report = validate(stack);
    expect(ruleFindingsOn(report, scratch, CMK)).toEqual([CMK]);
    expect(ruleFindingsOn(report, contacts, CMK)).toEqual([CMK]);
  });

  test('a stack-level acknowledgment does not hide an unencrypted bucket, and the finding says which acknowledgment was too broad and how to fix it', () => {
    const { stack, scratch, contacts } = twoPlainBuckets();
    Validations.of(stack).acknowledge({ id: CMK, reason: REASON });
    const report = validate(stack);
    expect(report.success).toBe(false);
    expect(ruleFindingsOn(report, scratch, CMK)).toEqual([CMK]);
    expect(ruleFindingsOn(report, contacts, CMK)).toEqual([CMK]);
    const violation = violationOn(report, contacts, CMK);
    // fatal: aws-cdk-lib's report cannot suppress it either
    expect(violation?.severity).toBe('fatal');
    expect(violation?.description).toMatch(/Not acknowledged: the acknowledgment of GDPR-Art32-EncryptedWithCmk on S is too broad/);
    expect(violation?.fix).toContain("{ resource: 'S/Group/ContactsExport/Resource' }");
    expect(violation?.fix).toContain('GDPR-Art32-EncryptedWithCmk@S/Group/ContactsExport/Resource');
  });

  test('the kit helper on the stack (without naming a resource) does not either', () => {
    const { stack, contacts } = twoPlainBuckets();
    acknowledge(stack, CMK, REASON);
    expect(ruleFindingsOn(validate(stack), contacts, CMK)).toEqual([CMK]);
  });

  test('an app-level acknowledgment does not hide it', () => {
    const app = new App();
    const { stack, contacts } = twoPlainBuckets(app);
    Validations.of(app).acknowledge({ id: CMK, reason: REASON });
    const report = validate(app);
    expect(ruleFindingsOn(report, contacts, CMK)).toEqual([CMK]);
    expect(violationOn(report, contacts, CMK)?.description).toMatch(/on the app is too broad/);
    expect(stack.node.path).toBe('S');
  });

  test('a stage-level acknowledgment does not hide it', () => {
    const stage = new Stage(new App(), 'Prod');
    const { contacts } = twoPlainBuckets(stage);
    Validations.of(stage).acknowledge({ id: CMK, reason: REASON });
    expect(ruleFindingsOn(validate(stage), contacts, CMK)).toEqual([CMK]);
  });

  test('a grouping construct above the buckets is not their L2 wrapper: its acknowledgment does not hide them', () => {
    const { stack, group, scratch } = twoPlainBuckets();
    acknowledge(group, CMK, REASON);
    expect(ruleFindingsOn(validate(stack), scratch, CMK)).toEqual([CMK]);
  });

  test('a finding of a rule with several findings is not silenced from the stack either', () => {
    const { stack, scratch } = twoPlainBuckets();
    (scratch.node.defaultChild as s3.CfnBucket).applyRemovalPolicy(RemovalPolicy.DESTROY);
    acknowledge(stack, RETAINED, REASON, { finding: 'DeletionPolicy' });
    expect(ruleFindingsOn(validate(stack), scratch, RETAINED)).toEqual([`${RETAINED}[DeletionPolicy]`, `${RETAINED}[UpdateReplacePolicy]`]);
  });
});

describe('at a real synth (aws-cdk-lib filters the report with acknowledgments of its own)', () => {
  test.each(['GDPR-Art32-EncryptedWithCmk', 'GDPR::GDPR-Art32-EncryptedWithCmk'])('a stack-level "%s" fails the synth', (id) => {
    const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'gdpr-acks-synth-')) });
    Validations.of(app).addPlugins(new GdprChecks(app));
    const stack = new Stack(app, 'S', { env: PARIS });
    new s3.Bucket(stack, 'Plain', { encryption: s3.BucketEncryption.S3_MANAGED, removalPolicy: RemovalPolicy.RETAIN });
    Validations.of(stack).acknowledge({ id, reason: REASON });
    expect(() => app.synth()).toThrow(/^FATAL .*Not acknowledged/m);
  });

  test('the namespaced form on the bucket itself, with a good reason, synthesizes', () => {
    const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'gdpr-acks-synth-')) });
    Validations.of(app).addPlugins(new GdprChecks(app));
    const stack = new Stack(app, 'S', { env: PARIS });
    const bucket = new s3.Bucket(stack, 'Plain', { encryption: s3.BucketEncryption.S3_MANAGED, removalPolicy: RemovalPolicy.RETAIN });
    Validations.of(bucket).acknowledge({ id: `GDPR::${CMK}`, reason: REASON });
    expect(() => app.synth()).not.toThrow();
  });

  test('the namespaced form on the bucket with reason "ok" fails the synth', () => {
    const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'gdpr-acks-synth-')) });
    Validations.of(app).addPlugins(new GdprChecks(app));
    const stack = new Stack(app, 'S', { env: PARIS });
    const bucket = new s3.Bucket(stack, 'Plain', { encryption: s3.BucketEncryption.S3_MANAGED, removalPolicy: RemovalPolicy.RETAIN });
    Validations.of(bucket).acknowledge({ id: `GDPR::${CMK}`, reason: 'ok' });
    expect(() => app.synth()).toThrow(/^FATAL .*Not acknowledged/m);
  });
});

describe('an acknowledgment on the resource, or naming it, silences that resource only', () => {
  test('on the L2 bucket (whose default child is the resource)', () => {
    const { stack, scratch, contacts } = twoPlainBuckets();
    acknowledge(scratch, CMK, REASON);
    const report = validate(stack);
    expect(ruleFindingsOn(report, scratch, CMK)).toEqual([]);
    expect(ruleFindingsOn(report, contacts, CMK)).toEqual([CMK]);
  });

  test('on the CfnBucket itself', () => {
    const { stack, scratch } = twoPlainBuckets();
    acknowledge(scratch.node.defaultChild as Construct, CMK, REASON);
    expect(findingsOn(validate(stack), scratch)).toEqual([]);
  });

  test.each([
    ['the construct', (b: s3.Bucket) => b],
    ['its logical id', (b: s3.Bucket) => logicalIdOf(b)],
    ['its absolute construct path', (b: s3.Bucket) => (b.node.defaultChild as Construct).node.path],
    ['the path of its L2 construct', (b: s3.Bucket) => b.node.path],
  ])('on the stack, naming the resource by %s', (_how, target) => {
    const { stack, scratch, contacts } = twoPlainBuckets();
    const id = acknowledge(stack, CMK, REASON, { resource: target(scratch) });
    expect(id).toMatch(/^GDPR-Art32-EncryptedWithCmk@/);
    const report = validate(stack);
    expect(ruleFindingsOn(report, scratch, CMK)).toEqual([]);
    expect(ruleFindingsOn(report, contacts, CMK)).toEqual([CMK]);
  });

  test('a named acknowledgment of another rule, or naming another resource, does not match', () => {
    const { stack, scratch } = twoPlainBuckets();
    Validations.of(stack).acknowledge({ id: `${CMK}@S/Group/ContactsExport/Resource`, reason: REASON });
    Validations.of(stack).acknowledge({ id: `${RETAINED}@S/Group/Scratch/Resource`, reason: REASON });
    // A prefix of the path is not the path, nor is a path relative to the stack.
    Validations.of(stack).acknowledge({ id: `${CMK}@S/Group`, reason: REASON });
    Validations.of(stack).acknowledge({ id: `${CMK}@Group/Scratch`, reason: REASON });
    expect(ruleFindingsOn(validate(stack), scratch, CMK)).toEqual([CMK]);
  });
});

describe('an acknowledgment without a reason a reviewer can judge silences nothing at synth', () => {
  test.each(['', '   ', 'ok', 'false positive', 'Not needed.', 'short but specific reason'])('reason "%s" recorded with Validations directly', (reason) => {
    const { stack, scratch } = twoPlainBuckets();
    Validations.of(scratch).acknowledge({ id: CMK, reason });
    const report = validate(stack);
    expect(ruleFindingsOn(report, scratch, CMK)).toEqual([CMK]);
    expect(violationOn(report, scratch, CMK)?.description).toMatch(/Not acknowledged: the acknowledgment on S\/Group\/Scratch: the reason must say why/);
  });

  test('a named acknowledgment with an empty reason neither', () => {
    const { stack, scratch } = twoPlainBuckets();
    Validations.of(stack).acknowledge({ id: `${CMK}@S/Group/Scratch/Resource`, reason: '' });
    expect(ruleFindingsOn(validate(stack), scratch, CMK)).toEqual([CMK]);
  });
});

describe('the helper refuses a named acknowledgment it cannot honour', () => {
  test('for a rule of another pack (cdk-nag matches ids exactly)', () => {
    const { stack, scratch } = twoPlainBuckets();
    expect(() => acknowledge(stack, 'AwsSolutions-S1', REASON, { resource: scratch })).toThrow(/only GDPR rules read an acknowledgment that names its resource/);
  });

  test('for a resource outside the scope', () => {
    const { scratch } = twoPlainBuckets();
    const other = new Stack(new App(), 'Other', { env: PARIS });
    expect(() => acknowledge(other, CMK, REASON, { resource: scratch })).toThrow(/is not below that scope/);
  });

  test.each(['', 'two words', 'S/Group@x'])('a target that is not a logical id or path: "%s"', (target) => {
    const { stack } = twoPlainBuckets();
    expect(() => acknowledge(stack, CMK, REASON, { resource: target })).toThrow(/resource must be a logical id or a construct path/);
  });
});

describe('check ignores acknowledgments a reviewer cannot judge, so their findings stay', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gdpr-acks-'));
  /** A retained log group without a customer-managed key, acknowledged in its metadata with `suppression`. */
  function templateWith(name: string, suppression: Record<string, unknown>): string {
    const path = join(dir, `${name}.json`);
    const template = {
      Resources: {
        Scratch: {
          Type: 'AWS::Logs::LogGroup',
          DeletionPolicy: 'Retain',
          UpdateReplacePolicy: 'Retain',
          Metadata: { cdk_nag: { rules_to_suppress: [suppression] } },
          Properties: { RetentionInDays: 1 },
        },
      },
    };
    writeFileSync(path, JSON.stringify(template));
    return path;
  }
  const check = (path: string) => checkTemplates(loadTemplates(path, 'eu-west-3'));

  test.each([
    ['empty', ''],
    ['blank', '   '],
    ['ok', 'ok'],
    ['false positive', 'false positive'],
    ['short', 'synthetic data, not personal'],
  ])('reason %s: the finding is reported and the acknowledgment listed as ignored', (name, reason) => {
    const result = check(templateWith(name, { id: CMK, reason }));
    expect(result.findings.map((f) => `${f.ruleId} ${f.logicalId}`)).toEqual([`${CMK} Scratch`]);
    expect(result.acknowledged).toEqual([]);
    expect(result.ignoredAcknowledgments).toEqual([
      expect.objectContaining({ ruleId: CMK, logicalId: 'Scratch', problem: expect.stringMatching(/in at least 30 characters/) }),
    ]);
  });

  test.each([
    ['no reason', { id: CMK }],
    ['a reason that is not text', { id: CMK, reason: 42 }],
  ])('%s: ignored too', (_name, suppression) => {
    const result = check(templateWith(`odd-${_name.replace(/\W/g, '')}`, suppression));
    expect(result.findings.map((f) => f.ruleId)).toEqual([CMK]);
    expect(result.ignoredAcknowledgments.map((a) => a.problem)).toEqual([expect.stringMatching(/^the reason must be text/)]);
  });

  test('a v2 acknowledgment with applies_to and an empty reason silences none of its findings', () => {
    const result = check(templateWith('applies-to', { id: 'GDPR-Art5-StatefulResourceRetained', reason: '', applies_to: ['DeletionPolicy'] }));
    expect(result.ignoredAcknowledgments.map((a) => a.ruleId)).toEqual(['GDPR-Art5-StatefulResourceRetained[DeletionPolicy]']);
  });

  test('the command exits 1 and says which acknowledgment it ignored and why', () => {
    const path = templateWith('cli', { id: CMK, reason: 'false positive' });
    let stdout = '';
    const status = runCli(['check', path, '--region', 'eu-west-3'], { out: (t) => void (stdout += t), err: () => undefined });
    expect(status).toBe(1);
    expect(stdout).toMatch(/^ERROR GDPR-Art32-EncryptedWithCmk {2}Scratch /m);
    expect(stdout).toMatch(/^IGNORED acknowledgment GDPR-Art32-EncryptedWithCmk {2}Scratch \(AWS::Logs::LogGroup\) .*\n {4}the reason must say why this rule does not apply to this resource, in at least 30 characters; got "false positive"; its finding is reported/m);
    expect(stdout).toMatch(/^1 acknowledgment ignored: no reason a reviewer can judge\.$/m);
    const json = JSON.parse(formatJson(check(path)));
    expect(json.summary).toMatchObject({ errors: 1, acknowledged: 0, ignoredAcknowledgments: 1 });
    expect(json.ignoredAcknowledgments[0]).toMatchObject({ ruleId: CMK, reason: 'false positive', logicalId: 'Scratch' });
    expect(formatHuman(check(path))).toContain('IGNORED acknowledgment');
  });

  test('a good reason is still honoured (the rule is not simply "ignore everything")', () => {
    const result = check(templateWith('good', { id: CMK, reason: REASON }));
    expect(result.findings).toEqual([]);
    expect(result.acknowledged.map((a) => a.ruleId)).toEqual([CMK]);
    expect(result.ignoredAcknowledgments).toEqual([]);
  });
});

describe('check honours a named acknowledgment only on the resource it names', () => {
  test('a stack-level acknowledgment naming one bucket, written onto every resource of the stack, acknowledges that bucket only', () => {
    // Given an app whose stack acknowledges the rule for the scratch bucket only, synthesized with the metadata written
    const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'gdpr-acks-app-')), context: { 'aws:cdk:enable-path-metadata': true } });
    const { stack, scratch, contacts } = twoPlainBuckets(app);
    new GdprChecks(app, { writeSuppressionsToCloudFormation: true });
    acknowledge(stack, CMK, REASON, { resource: scratch });
    Validations.of(stack).acknowledge({ id: `${CMK}@${logicalIdOf(contacts)}`, reason: 'ok' });
    const assembly = app.synth();
    // When check reads the template
    const result = checkTemplates(loadTemplates(assembly.directory));
    // Then the scratch bucket is acknowledged, the contacts export is reported, and its named acknowledgment is ignored
    const cmk = result.findings.filter((f) => f.ruleId === CMK).map((f) => f.logicalId);
    expect(cmk).toEqual([logicalIdOf(contacts)]);
    expect(result.acknowledged.filter((a) => a.ruleId === CMK).map((a) => a.logicalId)).toEqual([logicalIdOf(scratch)]);
    expect(result.ignoredAcknowledgments.map((a) => [a.ruleId, a.logicalId])).toEqual([[CMK, logicalIdOf(contacts)]]);
  });
});
