import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import type { GdprRule, GdprRuleContext } from '../rule';
import { asArray, referencedResource, resolved } from '../resolve';

/* eslint-disable @typescript-eslint/no-explicit-any */
/**
 * The region of a copy destination: a literal ARN, an ARN joined from literals
 * and AWS::Region, or a vault of the same stack. Undefined when it cannot be
 * known at synthesis (an import, a parameter, another token).
 */
export function destinationRegion(node: CfnResource, arn: unknown): string | undefined | 'stack' {
  if (typeof arn === 'string') return arn.split(':')[3] || undefined;
  if (referencedResource(node, arn) !== undefined) return 'stack';
  const join = (arn as any)?.['Fn::Join'];
  if (Array.isArray(join) && typeof join[0] === 'string' && Array.isArray(join[1])) {
    let text = '';
    for (const part of join[1]) {
      if (typeof part === 'string') text += part;
      else if (part?.Ref === 'AWS::Region') text += '\u0000region\u0000';
      else if (part?.Ref === 'AWS::Partition' || part?.Ref === 'AWS::AccountId' || part?.Ref === 'AWS::URLSuffix') text += 'x';
      else if (referencedResource(node, part) !== undefined) text += 'x';
      else text += '\u0000unknown\u0000';
      text += join[0];
    }
    const region = text.split(':')[3];
    if (region === '\u0000region\u0000') return 'stack';
    if (region === undefined || region.includes('\u0000')) return undefined;
    return region;
  }
  return undefined;
}
/* eslint-enable @typescript-eslint/no-explicit-any */

export const BackupCopyRegionAllowed: GdprRule = {
  id: 'Art44-BackupCopyRegionAllowed',
  article: 'Art. 44',
  level: NagMessageLevel.ERROR,
  info: 'A backup plan copies recovery points to a region outside the allowed regions, or to a vault whose region cannot be known at synthesis.',
  explanation:
    'Art. 44: a copy of a backup is a full copy of the personal data. Its destination must be a vault in an allowed region, and that must be checkable before deployment: a destination imported from another stack, a parameter or any value resolved only at deployment could send every recovery point anywhere.',
  trigger:
    '`AWS::Backup::BackupPlan` whose rules have a `CopyActions[].DestinationBackupVaultArn` in a region that is not allowed (`Region::<name>`), or whose region is not written in the template: not a literal ARN, an ARN joined from literals and `AWS::Region`, or a vault of the same stack (`RegionUnknown::<rule name>`).',
  fix: 'Copy to a vault in an allowed region, named by a literal ARN or a vault of the stack (`ContactBackup` does: a backup-account vault by ARN, or its air-gapped vault).',
  check(node: CfnResource, { allowedRegions: allowed }: GdprRuleContext): NagRuleResult {
    const { type, properties } = resolved(node);
    if (type !== 'AWS::Backup::BackupPlan') return NagRuleCompliance.NOT_APPLICABLE;
    const findings = new Set<string>();
    for (const rule of asArray(properties.BackupPlan?.BackupPlanRule)) {
      for (const copy of asArray((rule as { CopyActions?: unknown })?.CopyActions)) {
        const region = destinationRegion(node, (copy as { DestinationBackupVaultArn?: unknown })?.DestinationBackupVaultArn);
        const name = String((rule as { RuleName?: unknown })?.RuleName ?? '?');
        // A vault of the stack is in the stack's region, which GDPR-Art44-StackRegionAllowed checks.
        if (region === 'stack') continue;
        if (region === undefined) {
          findings.add(`RegionUnknown::${name}`);
        } else if (!allowed.includes(region)) {
          findings.add(`Region::${region}`);
        }
      }
    }
    return findings.size === 0 ? NagRuleCompliance.COMPLIANT : [...findings].sort();
  },
};
