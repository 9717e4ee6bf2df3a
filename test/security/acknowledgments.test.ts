import { App, RemovalPolicy, Stack, Stage, Validations } from 'aws-cdk-lib';
import type { PolicyValidationPluginReport } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledge } from '../../lib/nag/acknowledge';
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
    expect(violation?.severity).toBe('error');
    expect(violation?.description).toMatch(/Not acknowledged: the acknowledgment of GDPR-Art32-EncryptedWithCmk on S is too broad/);
    expect(violation?.description).toContain("{ resource: 'S/Group/ContactsExport/Resource' }");
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
    ['a path relative to the acknowledging scope', () => 'Group/Scratch'],
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
    // A prefix of the path is not the path.
    Validations.of(stack).acknowledge({ id: `${CMK}@S/Group`, reason: REASON });
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
