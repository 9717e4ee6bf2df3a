import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { cidrContains } from '../../config/cidr';
import type { GdprRule } from '../rule';
import { isTrue, resolved, stackResources } from '../resolve';

export const VpnAuthorizationScoped: GdprRule = {
  id: 'Art32-VpnAuthorizationScoped',
  article: 'Art. 32(1)(b), Art. 25(2)',
  level: NagMessageLevel.ERROR,
  info: 'A Client VPN authorization rule reaches further than the subnets a role needs: everything, or a whole VPC.',
  explanation:
    'Art. 25(2): by default, personal data must not be made accessible to an indefinite number of people. VPN users must be authorized per group and only to the subnets their role needs (the database subnets), never to the whole network.',
  trigger:
    '`AWS::EC2::ClientVpnAuthorizationRule` targeting 0.0.0.0/0 (`Everything`), authorizing all users to a target that covers a whole VPC of the stack, as `authorizeAllUsersToVpcCidr` does (`AllUsersToVpc`), or authorizing a group to a whole VPC of the stack (`GroupToVpc`). A VPC the stack imports (`landingZone.network`) is known by `network.vpcCidr` of the configuration.',
  fix: 'Set `authorizeAllUsersToVpcCidr: false` and add one authorization rule per identity-provider group, each to the database subnets only.',
  check(node: CfnResource, context): NagRuleResult {
    const { type, properties } = resolved(node);
    if (type !== 'AWS::EC2::ClientVpnAuthorizationRule') return NagRuleCompliance.NOT_APPLICABLE;
    const target = properties.TargetNetworkCidr;
    const allUsers = isTrue(properties.AuthorizeAllGroups);
    if (target === '0.0.0.0/0') return ['Everything'];
    if (typeof target !== 'string') return allUsers ? ['AllUsersToVpc'] : NagRuleCompliance.COMPLIANT; // cannot prove it is narrower than the VPC
    // The stack's VPCs, and the configuration's (an existing VPC is not in the template).
    const vpcCidrs = [...stackResources(node).values()]
      .filter((r) => r.type === 'AWS::EC2::VPC' && typeof r.properties.CidrBlock === 'string')
      .map((r) => r.properties.CidrBlock as string)
      .concat(context.declared?.vpcCidr ?? []);
    if (!vpcCidrs.some((vpc) => cidrContains(target, vpc))) return NagRuleCompliance.COMPLIANT;
    return [allUsers ? 'AllUsersToVpc' : 'GroupToVpc'];
  },
};
