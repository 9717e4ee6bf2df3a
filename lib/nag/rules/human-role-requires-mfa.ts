import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import type { GdprRule } from '../rule';
import { asArray, isTrue, resolved } from '../resolve';
import { grantsAction } from '../iam';
import { isPermissionSetPattern } from '../../config/principal-arn';

/* eslint-disable @typescript-eslint/no-explicit-any */

/** The value of a condition key under an operator, keys compared case-insensitively as IAM does. */
function conditionValue(condition: any, operator: string, key: string): unknown {
  const block = condition?.[operator];
  if (!block || typeof block !== 'object') return undefined;
  const found = Object.keys(block).find((k) => k.toLowerCase() === key.toLowerCase());
  return found === undefined ? undefined : block[found];
}

/** Whether any operator of the condition tests the key. */
function testsKey(condition: any, key: string): boolean {
  if (!condition || typeof condition !== 'object') return false;
  return Object.keys(condition).some((operator) => conditionValue(condition, operator, key) !== undefined);
}

/** A principal that is an IAM identity (account, user, role, or anyone), not a service or a federation. */
function hasAwsPrincipal(statement: any): boolean {
  const principal = statement?.Principal;
  if (principal === '*') return true;
  return principal !== undefined && typeof principal === 'object' && principal.AWS !== undefined;
}

/** Only `Bool` counts: `BoolIfExists` lets a session without the key (an access key) through. */
function requiresMfa(statement: any): boolean {
  const values = asArray(conditionValue(statement?.Condition, 'Bool', 'aws:MultiFactorAuthPresent'));
  return values.length > 0 && values.every(isTrue);
}

/**
 * A statement that admits only IAM Identity Center permission-set roles (`ArnLike`/`ArnEquals`
 * aws:PrincipalArn, every value `.../aws-reserved/sso.amazonaws.com/.../AWSReservedSSO_<set>_...`): their
 * sessions never carry aws:MultiFactorAuthPresent; MFA, if any, is enforced at the Identity Center sign-in,
 * which the template cannot show.
 */
function admitsOnlyPermissionSets(statement: any): boolean {
  const condition = statement?.Condition;
  const values = ['ArnLike', 'ArnEquals'].flatMap((operator) => asArray(conditionValue(condition, operator, 'aws:PrincipalArn')));
  if (values.length === 0 || !values.every((v) => typeof v === 'string' && isPermissionSetPattern(v))) return false;
  // No other operator may widen it (a ...IfExists or a negated test on the same key).
  return Object.keys(condition).every((operator) => ['ArnLike', 'ArnEquals'].includes(operator) || conditionValue(condition, operator, 'aws:PrincipalArn') === undefined);
}

export const HumanRoleRequiresMfa: GdprRule = {
  id: 'Art32-HumanRoleRequiresMfa',
  article: 'Art. 32(1)(b), Art. 32(4)',
  level: NagMessageLevel.ERROR,
  info: 'An IAM role that people assume can be assumed without multi-factor authentication.',
  explanation:
    'Art. 32(1)(b) requires the ongoing confidentiality of processing systems: a stolen password or access key must not be enough to reach personal data. A role that an IAM user or role of an account can assume is a role for people; requiring aws:MultiFactorAuthPresent on its trust policy makes every session prove a second factor.',
  trigger:
    '`AWS::IAM::Role` whose trust policy has an `Allow` statement granting `sts:AssumeRole` to an `AWS` principal (an account, user or role ARN, or `*`) without an `sts:ExternalId` condition (a processor or workload trust, checked elsewhere), and without `Bool` `aws:MultiFactorAuthPresent` = `true` on that statement. Service and `Federated` principals are not checked. A statement without MFA that admits only IAM Identity Center permission-set roles (`ArnLike aws:PrincipalArn` `.../aws-reserved/sso.amazonaws.com/.../AWSReservedSSO_<set>_*`, whose sessions never carry the key) is finding `MfaAtIdentityProvider`: the template cannot show that Identity Center enforces MFA, so it is acknowledged with where it is (`AccessRoles` does, from `landingZone.identityCenter.mfaEnforcement`).',
  fix: 'Add `Bool: { "aws:MultiFactorAuthPresent": "true" }` (and a `NumericLessThan` on `aws:MultiFactorAuthAge`) to the trust statement, for example `new iam.AccountRootPrincipal().withConditions(...)`; `AccessRoles` does.',
  check(node: CfnResource): NagRuleResult {
    const { type, properties } = resolved(node);
    if (type !== 'AWS::IAM::Role') return NagRuleCompliance.NOT_APPLICABLE;
    const humanStatements = asArray(properties.AssumeRolePolicyDocument?.Statement).filter(
      (s: any) =>
        s?.Effect === 'Allow' &&
        grantsAction(s, 'sts:AssumeRole') &&
        hasAwsPrincipal(s) &&
        !testsKey(s.Condition, 'sts:ExternalId'),
    );
    if (humanStatements.length === 0) return NagRuleCompliance.NOT_APPLICABLE;
    const withoutMfa = humanStatements.filter((s: any) => !requiresMfa(s));
    if (withoutMfa.length === 0) return NagRuleCompliance.COMPLIANT;
    return withoutMfa.every(admitsOnlyPermissionSets) ? ['MfaAtIdentityProvider'] : NagRuleCompliance.NON_COMPLIANT;
  },
};
/* eslint-enable @typescript-eslint/no-explicit-any */
