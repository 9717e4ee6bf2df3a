import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import type { GdprRule } from '../rule';
import { isTrue, resolved } from '../resolve';
import { decide, evaluability } from '../unknown';

/* eslint-disable @typescript-eslint/no-explicit-any */
/**
 * A key that can encrypt data: symmetric (KeySpec unset or SYMMETRIC_DEFAULT)
 * for ENCRYPT_DECRYPT (the default usage). Decided by what the key can do, not
 * by which store names it in this template: any store, in any stack or
 * account the key policy allows, can use it, and the template cannot see them all.
 * An asymmetric or HMAC key cannot rotate automatically and encrypts no store.
 */
function canEncryptData(p: Record<string, any>): boolean {
  return (p.KeySpec === undefined || p.KeySpec === 'SYMMETRIC_DEFAULT') && (p.KeyUsage === undefined || p.KeyUsage === 'ENCRYPT_DECRYPT');
}
/* eslint-enable @typescript-eslint/no-explicit-any */

export const DataKeyRotated: GdprRule = {
  id: 'Art32-DataKeyRotated',
  article: 'Art. 32(1)(a), Art. 32(1)(b)',
  level: NagMessageLevel.ERROR,
  info: 'A symmetric KMS key that can encrypt personal data does not rotate its key material.',
  explanation:
    'Art. 32(1)(a) names encryption, and 32(1)(b) the ongoing confidentiality of processing systems. Automatic rotation limits how much data one key version protects and how long a leaked or broken version stays useful, without re-encrypting the data or changing who may decrypt.',
  trigger:
    '`AWS::KMS::Key` that is symmetric (`KeySpec` unset or `SYMMETRIC_DEFAULT`) for `ENCRYPT_DECRYPT` without `EnableKeyRotation: true` (imported key material, `Origin: EXTERNAL`, cannot rotate automatically and is reported too); `CannotEvaluate::<Property>` when `EnableKeyRotation`, `KeySpec` or `KeyUsage` is a parameter or an `Fn::If` that changes the answer.',
  fix: 'Create the key with `new kms.Key(scope, id, { enableKeyRotation: true })` (the kit\'s keys do).',
  check(node: CfnResource): NagRuleResult {
    const { type, properties } = resolved(node);
    if (type !== 'AWS::KMS::Key') return NagRuleCompliance.NOT_APPLICABLE;
    const spec = ['KeySpec', 'KeyUsage'];
    if (spec.every((k) => evaluability(node, properties[k]) !== 'unknown') && !canEncryptData(properties)) return NagRuleCompliance.NOT_APPLICABLE;
    return decide(node, properties, ['EnableKeyRotation', 'KeySpec', 'KeyUsage', 'Origin'], (p) => !canEncryptData(p) || (isTrue(p.EnableKeyRotation) && p.Origin !== 'EXTERNAL'));
  },
};
