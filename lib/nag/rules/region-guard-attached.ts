import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import type { GdprRule } from '../rule';
import { asArray, referencedId, resolved, stackResources } from '../resolve';

/* eslint-disable @typescript-eslint/no-explicit-any */
function deniesOtherRegions(document: any): boolean {
  return asArray(document?.Statement).some((s: any) => {
    const regions = s?.Condition?.StringNotEquals?.['aws:RequestedRegion'];
    return s?.Effect === 'Deny' && s?.Resource === '*' && regions !== undefined;
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
    '`AWS::IAM::Role` of which no inline policy, attached managed policy of the stack, or policy of the stack that lists the role, has a `Deny` statement on `Resource: *` with a `StringNotEquals` condition on `aws:RequestedRegion`.',
  fix: 'Add a `RegionGuard` to the stack (the reference stack does): it attaches itself to every role.',
  check(node: CfnResource): NagRuleResult {
    const role = resolved(node);
    if (role.type !== 'AWS::IAM::Role') return NagRuleCompliance.NOT_APPLICABLE;
    if (asArray(role.properties.Policies).some((p: any) => deniesOtherRegions(p?.PolicyDocument))) {
      return NagRuleCompliance.COMPLIANT;
    }
    const attached = new Set(asArray(role.properties.ManagedPolicyArns).map(referencedId));
    const guarded = [...stackResources(node).values()].some(
      (r) =>
        (r.type === 'AWS::IAM::ManagedPolicy' || r.type === 'AWS::IAM::Policy') &&
        deniesOtherRegions(r.properties.PolicyDocument) &&
        (attached.has(r.logicalId) || asArray(r.properties.Roles).some((ref) => referencedId(ref) === role.logicalId)),
    );
    return guarded ? NagRuleCompliance.COMPLIANT : NagRuleCompliance.NON_COMPLIANT;
  },
};
/* eslint-enable @typescript-eslint/no-explicit-any */
