import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import type { GdprRule } from '../rule';
import { iamWildcardMatch } from '../iam';
import { asArray, isDatabase, isTrue, referencedId, ResolvedResource, resolved, stackResources } from '../resolve';

/*
 * Every way a resource opens a path to the contact database other than the
 * VPN: the Data API, an unauthenticated URL or API whose function sits in the
 * database's VPC, an internet-facing load balancer or a public IP in that
 * VPC, a database subnet routed to another network, another network attached
 * to that VPC, and an endpoint of that VPC that lets anyone reach anything.
 *
 * "The database's VPC" is the VPC of the subnets of the subnet groups the
 * stack's databases use; an imported VPC or subnet is compared as written
 * (`vpc-0123...`, `{"Ref":"VpcParam"}`). Everything is read from one index
 * built once per validation run.
 */

/* eslint-disable @typescript-eslint/no-explicit-any */

/** A value as written: the logical id it refers to, or its literal text, or its JSON. */
function identity(value: unknown): string {
  const id = referencedId(value);
  if (id !== undefined) return `ref:${id}`;
  return typeof value === 'string' ? `lit:${value}` : JSON.stringify(value);
}

/** How a subnet is named in a finding: its logical id, or its id as written. */
function subnetName(value: unknown): string {
  return referencedId(value) ?? (typeof value === 'string' ? value : JSON.stringify(value));
}

type Literal = { known: true; value: unknown } | { known: false };

/**
 * A property read offline: a literal is known; a bare `AWS::NoValue` is known
 * to be unset (the property's default applies); any other intrinsic (a
 * parameter, `Fn::If`, `Fn::ImportValue`, ...) is unknown; an object that is
 * no intrinsic (a policy document) is known.
 */
function literal(value: unknown): Literal {
  if (value === undefined || value === null || typeof value !== 'object') return { known: true, value };
  if ((value as { Ref?: unknown }).Ref === 'AWS::NoValue') return { known: true, value: undefined };
  const keys = Object.keys(value);
  const intrinsic = !Array.isArray(value) && keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'));
  return intrinsic ? { known: false } : { known: true, value };
}

/** Every logical id a value refers to through Ref or Fn::GetAtt, however deep. */
function refsIn(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) {
    for (const v of value) refsIn(v, out);
  } else if (value && typeof value === 'object') {
    const id = referencedId(value);
    if (id !== undefined) out.push(id);
    else for (const v of Object.values(value)) refsIn(v, out);
  }
  return out;
}

interface VpnPathIndex {
  readonly resources: Map<string, ResolvedResource>;
  /** VPCs of the databases' subnets, as identities. */
  readonly vpcs: Set<string>;
  /** The databases' subnets, as identities. */
  readonly databaseSubnets: Set<string>;
  /** VPC of each subnet and security group of the stack, by identity. */
  readonly vpcOf: Map<string, string>;
  /** Route tables associated with each subnet, by identity. */
  readonly tablesOfSubnet: Map<string, string[]>;
  /** Where each route table sends traffic: one target kind per route or propagation. */
  readonly targetsOfTable: Map<string, string[]>;
  /** Launch templates an instance or auto scaling group of the databases' VPC launches. */
  readonly templatesInVpc: Set<string>;
  /** AuthorizationType of each WebSocket API's `$connect` route, by API identity. */
  readonly connectAuthorization: Map<string, unknown>;
}

const indexes = new WeakMap<Map<string, ResolvedResource>, VpnPathIndex>();

/** Route target properties of `AWS::EC2::Route` that leave the VPC for another network, and the kind each is reported as. */
const ROUTE_TARGETS: ReadonlyArray<readonly [string, string]> = [
  ['TransitGatewayId', 'TransitGateway'],
  ['VpcPeeringConnectionId', 'VpcPeering'],
  ['NetworkInterfaceId', 'NetworkInterface'],
  ['InstanceId', 'Instance'],
  ['CarrierGatewayId', 'CarrierGateway'],
  ['LocalGatewayId', 'LocalGateway'],
  ['VpcEndpointId', 'VpcEndpoint'],
  ['CoreNetworkArn', 'CoreNetwork'],
];

/** Whether a route's `GatewayId` is a virtual private gateway (internet gateways are DatabaseNotPublic's). */
export function isVpnGateway(resources: Map<string, ResolvedResource>, gatewayId: unknown): boolean {
  if (typeof gatewayId === 'string') return gatewayId.startsWith('vgw-');
  const id = referencedId(gatewayId);
  return id !== undefined && resources.get(id)?.type === 'AWS::EC2::VPNGateway';
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function buildIndex(resources: Map<string, ResolvedResource>): VpnPathIndex {
  const vpcOf = new Map<string, string>();
  const tablesOfSubnet = new Map<string, string[]>();
  const targetsOfTable = new Map<string, string[]>();
  const connectAuthorization = new Map<string, unknown>();
  const subnetGroups: unknown[] = [];
  for (const r of resources.values()) {
    const p = r.properties;
    switch (r.type) {
      case 'AWS::EC2::Subnet':
      case 'AWS::EC2::SecurityGroup':
        if (p.VpcId !== undefined) vpcOf.set(`ref:${r.logicalId}`, identity(p.VpcId));
        break;
      case 'AWS::EC2::SubnetRouteTableAssociation':
        push(tablesOfSubnet, identity(p.SubnetId), identity(p.RouteTableId));
        break;
      case 'AWS::EC2::Route': {
        const table = identity(p.RouteTableId);
        for (const [property, kind] of ROUTE_TARGETS) if (p[property] !== undefined) push(targetsOfTable, table, kind);
        if (p.GatewayId !== undefined && isVpnGateway(resources, p.GatewayId)) push(targetsOfTable, table, 'VpnGateway');
        break;
      }
      case 'AWS::EC2::VPNGatewayRoutePropagation':
        for (const table of asArray(p.RouteTableIds)) push(targetsOfTable, identity(table), 'VpnGatewayPropagation');
        break;
      case 'AWS::ApiGatewayV2::Route':
        if (p.RouteKey === '$connect') connectAuthorization.set(identity(p.ApiId), p.AuthorizationType);
        break;
      default:
        if ((r.type === 'AWS::RDS::DBCluster' || r.type === 'AWS::RDS::DBInstance') && p.DBSubnetGroupName !== undefined) {
          subnetGroups.push(p.DBSubnetGroupName);
        }
    }
  }
  const vpcs = new Set<string>();
  const databaseSubnets = new Set<string>();
  for (const group of subnetGroups) {
    const id = referencedId(group);
    const resource = id === undefined ? undefined : resources.get(id);
    if (resource?.type !== 'AWS::RDS::DBSubnetGroup') continue; // an imported group: its subnets are unknown
    for (const subnet of asArray(resource.properties.SubnetIds)) {
      const key = identity(subnet);
      databaseSubnets.add(key);
      const vpc = vpcOf.get(key);
      if (vpc !== undefined) vpcs.add(vpc);
    }
  }
  const index: VpnPathIndex = {
    resources,
    vpcs,
    databaseSubnets,
    vpcOf,
    tablesOfSubnet,
    targetsOfTable,
    templatesInVpc: new Set(),
    connectAuthorization,
  };
  for (const r of resources.values()) {
    const p = r.properties;
    if (r.type === 'AWS::EC2::Instance' && instanceInVpc(index, r)) {
      for (const id of refsIn(p.LaunchTemplate?.LaunchTemplateId ?? p.LaunchTemplate?.LaunchTemplateName)) index.templatesInVpc.add(id);
    }
    if (r.type === 'AWS::AutoScaling::AutoScalingGroup' && asArray(p.VPCZoneIdentifier).some((s) => subnetInVpc(index, s))) {
      for (const id of refsIn([p.LaunchTemplate, p.MixedInstancesPolicy?.LaunchTemplate?.LaunchTemplateSpecification])) index.templatesInVpc.add(id);
    }
  }
  return index;
}

function indexOf(node: CfnResource): VpnPathIndex {
  const resources = stackResources(node);
  let index = indexes.get(resources);
  if (!index) {
    index = buildIndex(resources);
    indexes.set(resources, index);
  }
  return index;
}

function subnetInVpc(index: VpnPathIndex, subnet: unknown): boolean {
  const key = identity(subnet);
  if (index.databaseSubnets.has(key)) return true;
  const vpc = index.vpcOf.get(key);
  return vpc !== undefined && index.vpcs.has(vpc);
}

function groupInVpc(index: VpnPathIndex, group: unknown): boolean {
  const vpc = index.vpcOf.get(identity(group));
  return vpc !== undefined && index.vpcs.has(vpc);
}

function inVpc(index: VpnPathIndex, subnets: unknown, groups?: unknown): boolean {
  return asArray(subnets).some((s) => subnetInVpc(index, s)) || asArray(groups).some((g) => groupInVpc(index, g));
}

function instanceInVpc(index: VpnPathIndex, instance: ResolvedResource): boolean {
  const p = instance.properties;
  const interfaces = asArray(p.NetworkInterfaces);
  return (
    inVpc(index, [p.SubnetId, ...interfaces.map((ni: any) => ni?.SubnetId)].filter((s) => s !== undefined), [
      ...asArray(p.SecurityGroupIds),
      ...interfaces.flatMap((ni: any) => asArray(ni?.GroupSet)),
    ])
  );
}

/**
 * The logical id of what a value leads to that runs in the databases' VPC: a
 * function (directly, or through an alias or version), a load balancer or
 * listener, a VPC link, an API Gateway v2 integration.
 */
function reachingTarget(index: VpnPathIndex, value: unknown, depth = 0): string | undefined {
  if (depth > 4) return undefined;
  for (const id of refsIn(value)) {
    const r = index.resources.get(id);
    if (!r) continue;
    const p = r.properties;
    let reaches: string | undefined;
    switch (r.type) {
      case 'AWS::Lambda::Function':
        reaches = inVpc(index, p.VpcConfig?.SubnetIds, p.VpcConfig?.SecurityGroupIds) ? id : undefined;
        break;
      case 'AWS::Lambda::Alias':
      case 'AWS::Lambda::Version':
        reaches = reachingTarget(index, p.FunctionName, depth + 1);
        break;
      case 'AWS::ElasticLoadBalancingV2::LoadBalancer':
        reaches = loadBalancerInVpc(index, r) ? id : undefined;
        break;
      case 'AWS::ElasticLoadBalancingV2::Listener':
        reaches = reachingTarget(index, p.LoadBalancerArn, depth + 1) === undefined ? undefined : id;
        break;
      case 'AWS::ApiGateway::VpcLink':
        reaches = reachingTarget(index, p.TargetArns, depth + 1) === undefined ? undefined : id;
        break;
      case 'AWS::ApiGatewayV2::VpcLink':
        reaches = inVpc(index, p.SubnetIds, p.SecurityGroupIds) ? id : undefined;
        break;
      case 'AWS::ApiGatewayV2::Integration':
        reaches = reachingTarget(index, [p.IntegrationUri, p.ConnectionId], depth + 1);
        break;
      default:
    }
    if (reaches !== undefined) return reaches;
  }
  return undefined;
}

function loadBalancerInVpc(index: VpnPathIndex, lb: ResolvedResource): boolean {
  const p = lb.properties;
  return inVpc(index, [...asArray(p.Subnets), ...asArray(p.SubnetMappings).map((m: any) => m?.SubnetId)], p.SecurityGroups);
}

/** `InternetFacingLoadBalancer` unless the scheme is `internal` (unset is internet-facing). */
function schemeFindings(scheme: unknown): string[] {
  const s = literal(scheme);
  if (!s.known) return ['CannotEvaluate::Scheme'];
  return s.value === 'internal' ? [] : ['InternetFacingLoadBalancer'];
}

/** A finding for an unauthenticated API route (unset AuthorizationType is NONE). */
function authorizationFindings(authorization: unknown, target: string): string[] {
  const a = literal(authorization);
  if (!a.known) return ['CannotEvaluate::AuthorizationType'];
  return a.value === undefined || a.value === 'NONE' ? [`UnauthenticatedApi::${target}`] : [];
}

function publicIpFinding(value: unknown, property = 'AssociatePublicIpAddress'): string[] {
  const v = literal(value);
  if (!v.known) return [`CannotEvaluate::${property}`];
  return isTrue(v.value) ? ['PublicIp'] : [];
}

/** Probes of "anyone's resource" an endpoint policy statement must not allow without a condition. */
function foreignProbes(serviceName: unknown): string[] {
  const service = typeof serviceName === 'string' ? (serviceName.split('.').pop() ?? '*') : 'zzservice';
  return ['arn:aws:s3:::zz-foreign-bucket/zz-object', `arn:aws:${service}:eu-west-3:000000000000:zz-foreign/zz`];
}

function endpointFindings(p: Record<string, any>): string[] {
  const doc = literal(p.PolicyDocument);
  if (!doc.known) return ['CannotEvaluate::PolicyDocument'];
  if (doc.value === undefined) return ['EndpointWithoutPolicy'];
  let policy: any = doc.value;
  if (typeof policy === 'string') {
    try {
      policy = JSON.parse(policy);
    } catch {
      return ['CannotEvaluate::PolicyDocument'];
    }
  }
  const probes = foreignProbes(p.ServiceName);
  const open = asArray(policy?.Statement).some((s: any) => {
    if (s?.Effect !== 'Allow' || s.Condition !== undefined) return false;
    const principal = s.Principal;
    const anyone = principal === undefined || principal === '*' || asArray(principal?.AWS).includes('*');
    const anywhere =
      s.NotResource !== undefined || asArray(s.Resource).some((r: unknown) => r === '*' || probes.some((probe) => iamWildcardMatch(r, probe)));
    return anyone && anywhere;
  });
  return open ? ['EndpointPolicyAllowsAll'] : [];
}

function findings(node: CfnResource, r: ResolvedResource): string[] | undefined {
  const p = r.properties;
  if (r.type === 'AWS::RDS::DBCluster' && p.EnableHttpEndpoint !== undefined) {
    // The Data API answers over HTTPS from anywhere IAM lets in, VPC or not.
    const dataApi = literal(p.EnableHttpEndpoint);
    const out = !dataApi.known ? ['CannotEvaluate::EnableHttpEndpoint'] : isTrue(dataApi.value) ? ['DataApi'] : [];
    return [...out, ...(findings(node, { ...r, properties: { ...p, EnableHttpEndpoint: undefined } }) ?? [])];
  }
  const index = indexOf(node);
  if (index.vpcs.size === 0 && index.databaseSubnets.size === 0) return isDatabase(r) ? [] : undefined;
  switch (r.type) {
    case 'AWS::RDS::DBCluster':
    case 'AWS::RDS::DBInstance': {
      if (!isDatabase(r)) return undefined;
      const group = index.resources.get(referencedId(p.DBSubnetGroupName) ?? '');
      const out = new Set<string>();
      for (const subnet of group?.type === 'AWS::RDS::DBSubnetGroup' ? asArray(group.properties.SubnetIds) : []) {
        // A subnet the template does not hold (imported: an existing VPC): its routes cannot be read.
        if (index.resources.get(referencedId(subnet) ?? '')?.type !== 'AWS::EC2::Subnet') out.add(`CannotEvaluate::SubnetRoutes::${subnetName(subnet)}`);
        for (const table of index.tablesOfSubnet.get(identity(subnet)) ?? []) {
          for (const kind of index.targetsOfTable.get(table) ?? []) out.add(`SubnetRoutedOut::${subnetName(subnet)}::${kind}`);
        }
      }
      return [...out];
    }
    case 'AWS::Lambda::Url': {
      if (reachingTarget(index, p.TargetFunctionArn) === undefined) return undefined;
      const auth = literal(p.AuthType);
      if (!auth.known) return ['CannotEvaluate::AuthType'];
      return auth.value === 'NONE' ? ['PublicFunctionUrl'] : [];
    }
    case 'AWS::ApiGateway::Method': {
      const target = reachingTarget(index, p.Integration);
      if (target === undefined) return undefined;
      const out = authorizationFindings(p.AuthorizationType, target);
      // An API key identifies a caller only as well as the key is kept; it still closes an open route.
      return out[0]?.startsWith('UnauthenticatedApi') && literal(p.ApiKeyRequired).known && isTrue(p.ApiKeyRequired) ? [] : out;
    }
    case 'AWS::ApiGatewayV2::Route': {
      const target = reachingTarget(index, p.Target);
      if (target === undefined) return undefined;
      const api = index.resources.get(referencedId(p.ApiId) ?? '');
      // A WebSocket API authorizes once, on `$connect`: its other routes follow that route's authorization.
      const websocket = api?.properties.ProtocolType === 'WEBSOCKET' && p.RouteKey !== '$connect';
      return authorizationFindings(websocket ? index.connectAuthorization.get(identity(p.ApiId)) : p.AuthorizationType, target);
    }
    case 'AWS::ApiGatewayV2::Api': {
      // Quick create: `Target` makes a default route without authorization.
      const target = p.Target === undefined ? undefined : reachingTarget(index, p.Target);
      return target === undefined ? undefined : [`UnauthenticatedApi::${target}`];
    }
    case 'AWS::ElasticLoadBalancingV2::LoadBalancer':
      if (p.Type === 'gateway' || !loadBalancerInVpc(index, r)) return undefined;
      return schemeFindings(p.Scheme);
    case 'AWS::ElasticLoadBalancing::LoadBalancer':
      if (!inVpc(index, p.Subnets, p.SecurityGroups)) return undefined;
      return schemeFindings(p.Scheme);
    case 'AWS::EC2::Instance': {
      if (!instanceInVpc(index, r)) return undefined;
      return [...new Set(asArray(p.NetworkInterfaces).flatMap((ni: any) => publicIpFinding(ni?.AssociatePublicIpAddress)))];
    }
    case 'AWS::EC2::LaunchTemplate': {
      const interfaces = asArray(p.LaunchTemplateData?.NetworkInterfaces);
      if (!index.templatesInVpc.has(r.logicalId) && !interfaces.some((ni: any) => ni?.SubnetId !== undefined && subnetInVpc(index, ni.SubnetId))) return undefined;
      return [...new Set(interfaces.flatMap((ni: any) => publicIpFinding(ni?.AssociatePublicIpAddress)))];
    }
    case 'AWS::EC2::EIP':
    case 'AWS::EC2::EIPAssociation': {
      const instance = index.resources.get(referencedId(p.InstanceId) ?? '');
      const eni = index.resources.get(referencedId(p.NetworkInterfaceId) ?? '');
      const attached =
        (instance?.type === 'AWS::EC2::Instance' && instanceInVpc(index, instance)) ||
        (eni?.type === 'AWS::EC2::NetworkInterface' && inVpc(index, eni.properties.SubnetId, eni.properties.GroupSet));
      return attached ? ['PublicIp'] : undefined;
    }
    case 'AWS::EC2::Subnet':
      if (!subnetInVpc(index, { Ref: r.logicalId })) return undefined;
      return publicIpFinding(p.MapPublicIpOnLaunch, 'MapPublicIpOnLaunch');
    case 'AWS::EC2::TransitGatewayAttachment':
    case 'AWS::EC2::TransitGatewayVpcAttachment':
      return index.vpcs.has(identity(p.VpcId)) ? ['NetworkAttached::TransitGateway'] : undefined;
    case 'AWS::EC2::VPCGatewayAttachment':
      return p.VpnGatewayId !== undefined && index.vpcs.has(identity(p.VpcId)) ? ['NetworkAttached::VpnGateway'] : undefined;
    case 'AWS::EC2::VPCPeeringConnection':
      return index.vpcs.has(identity(p.VpcId)) || index.vpcs.has(identity(p.PeerVpcId)) ? ['NetworkAttached::VpcPeering'] : undefined;
    case 'AWS::EC2::VPCEndpoint': {
      const type = p.VpcEndpointType ?? 'Gateway';
      // Gateway Load Balancer, resource and service-network endpoints take no policy.
      if ((type !== 'Gateway' && type !== 'Interface') || !index.vpcs.has(identity(p.VpcId))) return undefined;
      return endpointFindings(p);
    }
    default:
      return undefined;
  }
}
/* eslint-enable @typescript-eslint/no-explicit-any */

export const NoPathAroundVpn: GdprRule = {
  id: 'Art32-NoPathAroundVpn',
  article: 'Art. 25, Art. 32(1)(b)',
  level: NagMessageLevel.ERROR,
  info: 'A resource opens a way to the contact database other than the VPN: the Data API, an unauthenticated URL or API to a function in its VPC, an internet-facing load balancer or a public IP there, a route or attachment to another network, or an endpoint that lets anyone reach anything.',
  explanation:
    'Art. 25 requires data protection by design and by default and art. 32(1)(b) the ongoing confidentiality of processing systems: the contact database is reachable only through the VPN, where every connection is authenticated and logged. A function in its VPC, a host with a public address there or a network attached to it is a foothold next to the database that the VPN neither authenticates nor logs.',
  trigger:
    'The database\'s VPC is the VPC of the subnets of the stack\'s DB subnet groups (an imported VPC or subnet compared as written). ' +
    '`AWS::RDS::DBCluster` with `EnableHttpEndpoint` (`DataApi`), and a database subnet whose route table routes to a transit gateway, peering connection, virtual private gateway (route or propagation), network interface, instance, carrier or local gateway, VPC endpoint or core network (`SubnetRoutedOut::<subnet>::<kind>`; internet and NAT routes are `Art25-DatabaseNotPublic`\'s); a database subnet that is no `AWS::EC2::Subnet` of the template (an existing VPC\'s, imported) has routes no template shows (`CannotEvaluate::SubnetRoutes::<subnet>`: acknowledge it with who verifies that the subnet routes nowhere, as `ContactNetwork` does for `existingVpc`); ' +
    '`AWS::Lambda::Url` with `AuthType: NONE` (`PublicFunctionUrl`), `AWS::ApiGateway::Method` without authorization or API key, `AWS::ApiGatewayV2::Route` without authorization (a WebSocket route follows `$connect`) or `AWS::ApiGatewayV2::Api` with `Target` (`UnauthenticatedApi::<target>`), when they invoke a function, VPC link or load balancer in that VPC; ' +
    '`AWS::ElasticLoadBalancingV2::LoadBalancer` and `AWS::ElasticLoadBalancing::LoadBalancer` in that VPC not `internal` (`InternetFacingLoadBalancer`); ' +
    '`AWS::EC2::Instance` and `AWS::EC2::LaunchTemplate` (used there) with `AssociatePublicIpAddress`, `AWS::EC2::EIP`/`EIPAssociation` on an instance or interface there, `AWS::EC2::Subnet` there with `MapPublicIpOnLaunch` (`PublicIp`); ' +
    'transit gateway attachments, VPN gateway attachments and peering connections of that VPC (`NetworkAttached::<kind>`); ' +
    '`AWS::EC2::VPCEndpoint` (Gateway, Interface) of that VPC without `PolicyDocument` (`EndpointWithoutPolicy`) or with an `Allow` for any principal on any resource without a condition (`EndpointPolicyAllowsAll`). ' +
    'A parameter, `Fn::If` or import in `EnableHttpEndpoint`, `AuthType`, `AuthorizationType`, `Scheme`, `AssociatePublicIpAddress`, `MapPublicIpOnLaunch` or `PolicyDocument` is `CannotEvaluate::<property>`; a bare `AWS::NoValue` is the property\'s default.',
  fix: 'Keep the Data API off, put the database\'s VPC behind the VPN only: functions there invoked by IAM-authenticated callers (`AuthType: AWS_IAM`, an authorizer), load balancers `internal`, no public IPs, database subnets routed nowhere, no other network attached, and every endpoint with a policy bound to the account.',
  check(node: CfnResource): NagRuleResult {
    const out = findings(node, resolved(node));
    if (out === undefined) return NagRuleCompliance.NOT_APPLICABLE;
    return out.length === 0 ? NagRuleCompliance.COMPLIANT : out;
  },
};
