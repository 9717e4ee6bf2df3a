import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { PROCESSOR_LOCATION_METADATA, TRANSFER_MECHANISM_METADATA } from '../../marks/tags';
import { isEuMemberStateRegion } from '../../residency/regions';
import type { GdprRule, GdprRuleContext } from '../rule';
import { resolved } from '../resolve';
import { isProcessorRole } from './processor-no-database-access';

export const ProcessorTransferMechanism: GdprRule = {
  id: 'Art44-ProcessorTransferMechanism',
  article: 'Art. 44, Art. 45, Art. 46',
  level: NagMessageLevel.ERROR,
  info: 'A processor (subcontractor) processes the data outside the allowed EU regions without a declared transfer mechanism, or its role does not say where it processes the data.',
  explanation:
    'Art. 44-46: personal data may leave the EU only under an adequacy decision (art. 45) or appropriate safeguards such as standard contractual clauses or binding corporate rules (art. 46). Where the processor processes the data is a fact of its contract, not of the template, so the processor\'s role carries it as metadata, with the mechanism that covers the transfer.',
  trigger: `\`AWS::IAM::Role\` tagged \`gdpr:processor\` without \`${PROCESSOR_LOCATION_METADATA}\` metadata (finding \`LocationUndeclared\`), or whose \`${PROCESSOR_LOCATION_METADATA}\` is a region outside the stack's allowed regions or outside the EU member states, without a non-empty \`${TRANSFER_MECHANISM_METADATA}\` metadata (finding \`NoTransferMechanism::<region>\`).`,
  fix: 'Declare the processor in the configuration\'s `subcontractors` with its `location` and, outside the EU, its `transferMechanism` (`adequacy-decision`, `standard-contractual-clauses` or `binding-corporate-rules`, with the reference); `ProcessorGrant` writes both.',
  check(node: CfnResource, { allowedRegions }: GdprRuleContext): NagRuleResult {
    const { type, properties } = resolved(node);
    if (type !== 'AWS::IAM::Role') return NagRuleCompliance.NOT_APPLICABLE;
    const location = node.getMetadata(PROCESSOR_LOCATION_METADATA) as unknown;
    if (!isProcessorRole(properties) && location === undefined) return NagRuleCompliance.NOT_APPLICABLE;
    if (typeof location !== 'string' || location === '') return ['LocationUndeclared'];
    const mechanism = node.getMetadata(TRANSFER_MECHANISM_METADATA) as unknown;
    const inside = isEuMemberStateRegion(location) && allowedRegions.includes(location);
    if (inside || (typeof mechanism === 'string' && mechanism.trim() !== '')) return NagRuleCompliance.COMPLIANT;
    return [`NoTransferMechanism::${location}`];
  },
};
