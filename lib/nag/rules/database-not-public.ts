import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import type { GdprRule } from '../rule';
import { cannotEvaluate, evaluability } from '../unknown';
import { asArray, isTrue, referencedId, referencedResource, ResolvedResource, resolved, stackResources } from '../resolve';
import { isVpnGateway } from './no-path-around-vpn';

const OPEN = ['0.0.0.0/0', '::/0'];

/* eslint-disable @typescript-eslint/no-explicit-any */
function opensToInternet(rule: any): boolean {
  return OPEN.includes(rule?.CidrIp) || OPEN.includes(rule?.CidrIpv6);
}

/** Does the subnet have a route to the internet (internet gateway, NAT, egress-only gateway)? A virtual private gateway is Art32-NoPathAroundVpn's. */
function subnetReachesInternet(node: CfnResource, subnetId: string): boolean {
  const resources = [...stackResources(node).values()];
  const routeTables = resources
    .filter((r) => r.type === 'AWS::EC2::SubnetRouteTableAssociation' && referencedId(r.properties.SubnetId) === subnetId)
    .map((r) => referencedId(r.properties.RouteTableId));
  return resources.some(
    (r) =>
      r.type === 'AWS::EC2::Route' &&
      routeTables.includes(referencedId(r.properties.RouteTableId)) &&
      ((r.properties.GatewayId !== undefined && !isVpnGateway(stackResources(node), r.properties.GatewayId)) || r.properties.NatGatewayId !== undefined || r.properties.EgressOnlyInternetGatewayId !== undefined),
  );
}

function findings(node: CfnResource, db: ResolvedResource): string[] {
  const out: string[] = [];
  const p = db.properties;
  if (isTrue(p.PubliclyAccessible)) out.push('PubliclyAccessible');
  else if (evaluability(node, p.PubliclyAccessible) === 'unknown') out.push(cannotEvaluate('PubliclyAccessible'));

  const subnetGroup = referencedResource(node, p.DBSubnetGroupName);
  for (const subnet of asArray(subnetGroup?.properties.SubnetIds)) {
    const subnetId = referencedId(subnet);
    const resource = subnetId ? stackResources(node).get(subnetId) : undefined;
    if (!subnetId || !resource) continue; // imported subnet: cannot be judged from the template
    if (isTrue(resource.properties.MapPublicIpOnLaunch) || subnetReachesInternet(node, subnetId)) {
      out.push(`SubnetNotIsolated::${subnetId}`);
    }
  }

  const groups = asArray(p.VpcSecurityGroupIds).map(referencedId).filter((id): id is string => id !== undefined);
  for (const groupId of groups) {
    const group = stackResources(node).get(groupId);
    const inline = asArray(group?.properties.SecurityGroupIngress).some(opensToInternet);
    const standalone = [...stackResources(node).values()].some(
      (r) => r.type === 'AWS::EC2::SecurityGroupIngress' && referencedId(r.properties.GroupId) === groupId && opensToInternet(r.properties),
    );
    if (inline || standalone) out.push(`OpenIngress::${groupId}`);
  }
  return out;
}
/* eslint-enable @typescript-eslint/no-explicit-any */

export const DatabaseNotPublic: GdprRule = {
  id: 'Art25-DatabaseNotPublic',
  article: 'Art. 25, Art. 32(1)(b)',
  level: NagMessageLevel.ERROR,
  info: 'The database can be reached from the internet: public access, a subnet with an internet route, or a security group open to 0.0.0.0/0 or ::/0.',
  explanation:
    'Art. 25 requires data protection by design and by default; art. 32(1)(b) requires the ongoing confidentiality of processing systems. A contact database must only be reachable from inside the network, through the VPN.',
  trigger:
    '`AWS::RDS::DBCluster` and `AWS::RDS::DBInstance` that are `PubliclyAccessible` (`PubliclyAccessible`; a parameter or `Fn::If` there is `CannotEvaluate::PubliclyAccessible`), sit in a subnet of the stack with an internet gateway or NAT route or public IPs (`SubnetNotIsolated::<subnet>`), or use a security group with ingress from 0.0.0.0/0 or ::/0 (`OpenIngress::<group>`).',
  fix: 'Place the database in isolated subnets (`SubnetType.PRIVATE_ISOLATED`), keep `publiclyAccessible: false`, and admit only the VPN and in-VPC security groups on the database port.',
  check(node: CfnResource): NagRuleResult {
    const db = resolved(node);
    if (db.type !== 'AWS::RDS::DBCluster' && db.type !== 'AWS::RDS::DBInstance') return NagRuleCompliance.NOT_APPLICABLE;
    const out = findings(node, db);
    return out.length === 0 ? NagRuleCompliance.COMPLIANT : out;
  },
};
