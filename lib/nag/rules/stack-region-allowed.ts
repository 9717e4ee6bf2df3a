import { CfnResource, Stack, Token } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import type { GdprRule, GdprRuleContext } from '../rule';

export const StackRegionAllowed: GdprRule = {
  id: 'Art44-StackRegionAllowed',
  article: 'Art. 44',
  level: NagMessageLevel.ERROR,
  info: 'The resource is deployed by a stack whose region is not explicit or not an allowed region.',
  explanation:
    'Art. 44 forbids transfers of personal data outside the EU without a chapter V mechanism. A stack without an explicit region can be deployed anywhere, and one in a region outside the allowed list moves personal data there.',
  trigger: 'Every resource, when its stack has no explicit `env.region` or the region is not in the allowed list (EU member-state regions by default; London and Zurich only when the configuration lists them with a transfer basis).',
  fix: 'Give the stack an explicit `env: { account, region }` with an allowed region, or list the region in `residency` with its transfer basis.',
  check(node: CfnResource, { allowedRegions }: GdprRuleContext): NagRuleResult {
    const region = Stack.of(node).region;
    if (Token.isUnresolved(region)) return NagRuleCompliance.NON_COMPLIANT;
    return allowedRegions.includes(region) ? NagRuleCompliance.COMPLIANT : NagRuleCompliance.NON_COMPLIANT;
  },
};
