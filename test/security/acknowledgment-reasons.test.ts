import { App, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { acknowledge, reasonProblem } from '../../lib/marks/acknowledge';
import { PARIS, ruleFindingsOn, validate } from '../nag/helpers';

/*
 * Review of issue 10: the reason of an acknowledgment is refused when it is
 * shorter than 30 characters or generic, but the length counted invisible
 * characters, runs of spaces and repetition, so a generic reason padded to 30
 * characters silenced a GDPR finding. Each reason below says nothing a
 * reviewer can judge.
 */

const CMK = 'GDPR-Art32-EncryptedWithCmk';

const PADDED = {
  'generic, padded with inner spaces': `false positive${' '.repeat(20)}.`,
  'generic, padded with zero-width spaces': `not needed${'\u200b'.repeat(25)}`,
  'generic, padded with a soft hyphen and word joiners': `ok${'\u00ad\u2060'.repeat(15)}`,
  'generic, padded with non-breaking spaces inside': `n/a${'\u00a0'.repeat(30)}n/a`,
  'one word repeated': 'ok ok ok ok ok ok ok ok ok ok ok ok',
  'one letter repeated': 'x'.repeat(40),
  'punctuation only': '.'.repeat(40),
  'digits and symbols only': '1234567890 - 1234567890 - 1234567890',
};

function plainBucket() {
  const stack = new Stack(new App(), 'S', { env: PARIS });
  const bucket = new s3.Bucket(stack, 'Scratch', { encryption: s3.BucketEncryption.S3_MANAGED, removalPolicy: RemovalPolicy.RETAIN });
  return { stack, bucket };
}

describe('a padded or repeated reason is no reason', () => {
  test.each(Object.entries(PADDED))('%s: refused by the rule (synth and check share it)', (_, reason) => {
    expect(reasonProblem(reason)).toMatch(/the reason must say why/);
  });

  test.each(Object.entries(PADDED))('%s: recorded with Validations directly, the finding stays', (_, reason) => {
    const { stack, bucket } = plainBucket();
    Validations.of(bucket).acknowledge({ id: CMK, reason });
    expect(ruleFindingsOn(validate(stack), bucket, CMK)).toEqual([CMK]);
  });

  test.each(Object.entries(PADDED))('%s: the helper refuses it', (_, reason) => {
    const { bucket } = plainBucket();
    expect(() => acknowledge(bucket, CMK, reason)).toThrow(/the reason must say why/);
  });

  test('a specific reason still silences the finding, also written with accents and typographic spaces', () => {
    const { stack, bucket } = plainBucket();
    expect(reasonProblem('Objets de test synthétiques uniquement,\u00a0jamais de données de contacts.')).toBeUndefined();
    acknowledge(bucket, CMK, 'Holds synthetic load-test objects only, never personal data of contacts.');
    expect(ruleFindingsOn(validate(stack), bucket, CMK)).toEqual([]);
  });
});
