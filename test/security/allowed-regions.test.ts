import { App, Stack } from 'aws-cdk-lib';
import * as sns from 'aws-cdk-lib/aws-sns';
import { GdprChecks } from '../../lib/nag/gdpr-checks';

/*
 * The GDPR rules take the allowed regions from the pack's props only
 * (issue 14). Before, they read a context key that any construct of the app
 * could set: a stack could write itself a wider list.
 */
const STACK_REGION = 'GDPR-Art44-StackRegionAllowed';

function stackIn(region: string, context?: Record<string, unknown>): Stack {
  const stack = new Stack(new App({ context }), 'S', { env: { account: '111122223333', region } });
  new sns.Topic(stack, 'Topic');
  return stack;
}

const findings = (pack: GdprChecks, stack: Stack) => pack.validateScope(stack).violations.filter((v) => v.ruleName === STACK_REGION);

describe('allowed regions come from the pack, not from the construct tree', () => {
  test('a stack that writes us-east-1 into the old context key is still reported in us-east-1', () => {
    // Given an app whose context claims us-east-1 is allowed, through the key the rules once read
    const stack = stackIn('us-east-1', { 'gdpr-contact-baseline:allowedRegions': ['us-east-1'] });
    // When the pack runs with its default (the EU member states) / Then the stack's region is a finding
    expect(findings(new GdprChecks(), stack)).toHaveLength(1);
    // and with the configuration's regions too
    expect(findings(new GdprChecks(undefined, { allowedRegions: ['eu-west-3'] }), stack)).toHaveLength(1);
  });

  test('the pack prop narrows: Paris is reported when only Frankfurt is allowed', () => {
    expect(findings(new GdprChecks(undefined, { allowedRegions: ['eu-central-1'] }), stackIn('eu-west-3'))).toHaveLength(1);
    expect(findings(new GdprChecks(undefined, { allowedRegions: ['eu-west-3'] }), stackIn('eu-west-3'))).toEqual([]);
  });

  test('an empty list is refused, naming the prop and the value, rather than read as "anything"', () => {
    expect(() => new GdprChecks(undefined, { allowedRegions: [] })).toThrow(/^GdprChecks allowedRegions must name at least one region; got \[\]$/);
  });

  test('the pack keeps its own copy: changing the caller\'s array afterwards changes nothing', () => {
    const regions = ['eu-west-3'];
    const pack = new GdprChecks(undefined, { allowedRegions: regions });
    regions.push('us-east-1');
    expect(findings(pack, stackIn('us-east-1'))).toHaveLength(1);
  });
});
