import { CfnWaitConditionHandle } from 'aws-cdk-lib';
import { NagRuleCompliance } from 'cdk-nag';
import { GDPR_RULES } from '../../lib/nag/rules';
import { newStack } from './helpers';

/**
 * The not-applicable case of every rule (issue 11): a resource that can hold,
 * reach or move no personal data (a wait-condition handle) is left alone, so a
 * rule never reports, or passes, what it does not judge. Only the rules whose
 * trigger is every resource (a stack's region, a region named anywhere) judge
 * it, and RULES.md says so for them.
 */
const EVERY_RESOURCE = ['Art44-StackRegionAllowed', 'Art44-RegionReferencesAllowed'];

describe('a rule judges only the resources its trigger names', () => {
  const stack = newStack();
  const handle = new CfnWaitConditionHandle(stack, 'Handle');
  const context = { allowedRegions: ['eu-west-3'] };

  test.each(GDPR_RULES.filter((r) => !EVERY_RESOURCE.includes(r.id)).map((r) => [r.id, r]))('%s: not applicable to a wait-condition handle', (_id, rule) => {
    expect(rule.check(handle, context)).toBe(NagRuleCompliance.NOT_APPLICABLE);
  });

  test.each(GDPR_RULES.filter((r) => EVERY_RESOURCE.includes(r.id)).map((r) => [r.id, r]))('%s judges every resource, as its trigger says', (_id, rule) => {
    expect(rule.trigger).toMatch(/^(Every|Any) resource/);
    expect(rule.check(handle, context)).toBe(NagRuleCompliance.COMPLIANT);
  });
});
