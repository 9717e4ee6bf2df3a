import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import type { GdprRule } from '../rule';
import { isTrue, referencedId, resolved, stackResources } from '../resolve';

export const VpnConnectionsLogged: GdprRule = {
  id: 'Art32-VpnConnectionsLogged',
  article: 'Art. 32(1)(b), Art. 33(3)',
  level: NagMessageLevel.ERROR,
  info: 'The Client VPN endpoint does not log connections to a CloudWatch log group.',
  explanation:
    'Art. 32 requires the ability to ensure confidentiality and to detect incidents; art. 33(3) requires describing a breach and the people affected. Without connection logs, nobody can say who reached the contact database, or when.',
  trigger:
    '`AWS::EC2::ClientVpnEndpoint` whose `ConnectionLogOptions` is not enabled or names no log group; `AWS::EC2::ClientVpnTargetNetworkAssociation` on an endpoint that is no `AWS::EC2::ClientVpnEndpoint` of the stack (an existing endpoint: its logging cannot be read, `CannotEvaluate::ExistingEndpoint::<endpoint id>`).',
  fix: 'Keep `logging: true` on the endpoint and give it an encrypted, retained `logGroup`. On an existing endpoint, acknowledge with who verifies that it logs every connection (`ContactBaselineStack` does for `landingZone.network.clientVpnEndpoint`).',
  check(node: CfnResource): NagRuleResult {
    const { type, properties } = resolved(node);
    if (type === 'AWS::EC2::ClientVpnTargetNetworkAssociation') {
      const id = referencedId(properties.ClientVpnEndpointId);
      if (id !== undefined && stackResources(node).get(id)?.type === 'AWS::EC2::ClientVpnEndpoint') return NagRuleCompliance.NOT_APPLICABLE;
      const written = typeof properties.ClientVpnEndpointId === 'string' ? properties.ClientVpnEndpointId : JSON.stringify(properties.ClientVpnEndpointId);
      return [`CannotEvaluate::ExistingEndpoint::${written}`];
    }
    if (type !== 'AWS::EC2::ClientVpnEndpoint') return NagRuleCompliance.NOT_APPLICABLE;
    const options = properties.ConnectionLogOptions;
    return isTrue(options?.Enabled) && options?.CloudwatchLogGroup !== undefined
      ? NagRuleCompliance.COMPLIANT
      : NagRuleCompliance.NON_COMPLIANT;
  },
};
