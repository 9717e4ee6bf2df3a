import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { REGION_PATTERN } from '../../residency/regions';
import type { GdprRule, GdprRuleContext } from '../rule';
import { resolved } from '../resolve';

export const RegionReferencesAllowed: GdprRule = {
  id: 'Art44-RegionReferencesAllowed',
  article: 'Art. 44',
  level: NagMessageLevel.ERROR,
  info: 'A property names a region outside the allowed regions (in an ARN, an endpoint or a region field).',
  explanation:
    'Art. 44: data follows the references a resource holds. A key, certificate, bucket, replica or copy target in another region sends personal data (or the means to read it) outside the allowed regions.',
  trigger: 'Any resource whose resolved properties contain an AWS region name (ARNs, endpoints, service names, region fields) that is not an allowed region. One finding per region, `Region::<name>`.',
  fix: 'Point the property at a resource in an allowed region, or list the region in `residency` with its transfer basis.',
  check(node: CfnResource, { allowedRegions: allowed }: GdprRuleContext): NagRuleResult {
    const text = JSON.stringify(resolved(node).properties);
    const outside = new Set<string>();
    for (const match of text.matchAll(REGION_PATTERN)) {
      if (!allowed.includes(match[0])) outside.add(match[0]);
    }
    return outside.size === 0 ? NagRuleCompliance.COMPLIANT : [...outside].sort().map((r) => `Region::${r}`);
  },
};
