import { CfnCondition, CfnParameter, Fn } from 'aws-cdk-lib';
import type { PolicyValidationPluginReport } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import { newStack, ruleFindingsOn, validate } from './helpers';

const ROTATED = 'GDPR-Art32-DataKeyRotated';

describe(ROTATED, () => {
  let report: PolicyValidationPluginReport;
  const k: Record<string, kms.Key | kms.CfnKey> = {};

  beforeAll(() => {
    const stack = newStack();
    const flag = new CfnParameter(stack, 'RotateParam', { type: 'String', default: 'true' });
    const cond = new CfnCondition(stack, 'IsProd', { expression: Fn.conditionEquals(flag.valueAsString, 'x') });
    k.rotated = new kms.Key(stack, 'Rotated', { enableKeyRotation: true });
    k.notRotated = new kms.Key(stack, 'NotRotated');
    k.notRotatedL1 = new kms.CfnKey(stack, 'NotRotatedL1', { keySpec: 'SYMMETRIC_DEFAULT', enableKeyRotation: false });
    k.external = new kms.CfnKey(stack, 'External', { enableKeyRotation: true, origin: 'EXTERNAL' });
    k.rotateParam = new kms.CfnKey(stack, 'RotateParamKey', { enableKeyRotation: flag.valueAsString as unknown as boolean });
    k.rotateIf = new kms.CfnKey(stack, 'RotateIfKey', { enableKeyRotation: Fn.conditionIf(cond.logicalId, true, false) as unknown as boolean });
    k.rsa = new kms.Key(stack, 'Rsa', { keySpec: kms.KeySpec.RSA_2048, keyUsage: kms.KeyUsage.SIGN_VERIFY });
    k.hmac = new kms.Key(stack, 'Hmac', { keySpec: kms.KeySpec.HMAC_256, keyUsage: kms.KeyUsage.GENERATE_VERIFY_MAC });
    report = validate(stack);
  });

  test.each([
    ['a kms.Key without rotation', 'notRotated'],
    ['an L1 symmetric key with rotation off', 'notRotatedL1'],
    ['imported key material (cannot rotate automatically)', 'external'],
  ])('non-compliant: %s', (_what, id) => {
    expect(ruleFindingsOn(report, k[id], ROTATED)).toEqual([ROTATED]);
  });

  test.each([
    ['rotation given by a parameter', 'rotateParam'],
    ['rotation as Fn::If true/false', 'rotateIf'],
  ])('cannot evaluate: %s', (_what, id) => {
    expect(ruleFindingsOn(report, k[id], ROTATED)).toEqual([`${ROTATED}[CannotEvaluate::EnableKeyRotation]`]);
  });

  test('compliant: a symmetric key with rotation on', () => {
    expect(ruleFindingsOn(report, k.rotated, ROTATED)).toEqual([]);
  });

  test.each([
    ['an RSA signing key', 'rsa'],
    ['an HMAC key', 'hmac'],
  ])('not applicable: %s (cannot encrypt a store)', (_what, id) => {
    expect(ruleFindingsOn(report, k[id], ROTATED)).toEqual([]);
  });
});
