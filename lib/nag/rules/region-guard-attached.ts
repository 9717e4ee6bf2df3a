import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { GLOBAL_SERVICE_ACTIONS } from '../../residency/regions';
import type { GdprRule, GdprRuleContext } from '../rule';
import { asArray, referencedId, resolved, stackResources } from '../resolve';

/* eslint-disable @typescript-eslint/no-explicit-any */
/**
 * A statement guards the role when it denies every action (`Action: *`, or a
 * `NotAction` that exempts only global services) on every resource, in every
 * region but the allowed ones.
 */
function deniesOtherRegions(document: any, allowed: readonly string[]): boolean {
  return asArray(document?.Statement).some((s: any) => {
    // The Deny must apply to every request outside the regions: its only condition is the region condition, as
    // the kit writes it (lib/residency/guard-statement.ts). A second AND-ed key or operator (`aws:username: nobody`)
    // can make it never match, so such a statement is no guard.
    const condition = s?.Condition;
    const operators = condition && typeof condition === 'object' ? Object.keys(condition) : [];
    const keys = operators.length === 1 && operators[0] === 'StringNotEquals' && condition.StringNotEquals && typeof condition.StringNotEquals === 'object' ? Object.keys(condition.StringNotEquals) : [];
    if (keys.length !== 1 || keys[0].toLowerCase() !== 'aws:requestedregion') return false;
    const regions = asArray(condition.StringNotEquals[keys[0]]);
    const onlyAllowed = regions.length > 0 && regions.every((r) => typeof r === 'string' && allowed.includes(r));
    const everyAction =
      asArray(s?.Action).includes('*') ||
      (s?.NotAction !== undefined && asArray(s.NotAction).every((a) => typeof a === 'string' && GLOBAL_SERVICE_ACTIONS.includes(a)));
    return s?.Effect === 'Deny' && s?.Resource === '*' && onlyAllowed && everyAction;
  });
}

export const RegionGuardAttached: GdprRule = {
  id: 'Art44-RegionGuardAttached',
  article: 'Art. 44',
  level: NagMessageLevel.ERROR,
  info: 'The IAM role has no region guard: nothing denies its actions outside the allowed regions.',
  explanation:
    'Art. 44: a role that can act in any region can copy personal data out of the EU (a snapshot copy, a bucket, a key elsewhere). Every role the kit creates, human or workload, carries a deny on aws:RequestedRegion outside the allowed regions.',
  trigger:
    '`AWS::IAM::Role` of which no inline policy, attached managed policy of the stack, or policy of the stack that lists the role, has a `Deny` statement on `Resource: *` for every action (`Action: *`, or a `NotAction` exempting only global services) with a `StringNotEquals` condition on `aws:RequestedRegion` that lists only allowed regions, and no other condition (an extra AND-ed key or operator could make the deny never match).',
  fix: 'Add a `RegionGuard` to the stack (the reference stack does): it attaches itself to every role.',
  check(node: CfnResource, { allowedRegions: allowed }: GdprRuleContext): NagRuleResult {
    const role = resolved(node);
    if (role.type !== 'AWS::IAM::Role') return NagRuleCompliance.NOT_APPLICABLE;
    if (asArray(role.properties.Policies).some((p: any) => deniesOtherRegions(p?.PolicyDocument, allowed))) {
      return NagRuleCompliance.COMPLIANT;
    }
    const attached = new Set(asArray(role.properties.ManagedPolicyArns).map(referencedId));
    const guarded = [...stackResources(node).values()].some(
      (r) =>
        (r.type === 'AWS::IAM::ManagedPolicy' || r.type === 'AWS::IAM::Policy') &&
        deniesOtherRegions(r.properties.PolicyDocument, allowed) &&
        (attached.has(r.logicalId) || asArray(r.properties.Roles).some((ref) => referencedId(ref) === role.logicalId)),
    );
    return guarded ? NagRuleCompliance.COMPLIANT : NagRuleCompliance.NON_COMPLIANT;
  },
};
/* eslint-enable @typescript-eslint/no-explicit-any */
