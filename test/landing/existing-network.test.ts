import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Template } from 'aws-cdk-lib/assertions';
import { Catalog } from '../../lib/catalog/catalog';
import type { BaselineConfig } from '../../lib/config/schema';
import { recordOfProcessing, renderRecordOfProcessing } from '../../lib/review/record-of-processing';
import { ContactBaselineStack } from '../../lib/stacks/contact-baseline-stack';
import { problems } from '../helpers/config';
import { defaultConfigInput } from '../helpers/reference';
import { baselineStacks, configWith, EXISTING_NETWORK, unacknowledgedFindings } from './helpers';

/*
 * landingZone.network: the baseline built in an existing VPC and its isolated subnets, named by id
 * (ec2.Vpc.fromVpcAttributes, no lookup). The kit still adds everything of its own (flow log,
 * endpoints, security groups, the Client VPN endpoint with its per-group authorizations and
 * associations), but cannot see the VPC's routes: that is acknowledged per database subnet.
 */

const existing = () => JSON.parse(JSON.stringify(EXISTING_NETWORK));
const DB_SUBNETS = EXISTING_NETWORK.databaseSubnets.map((s) => s.subnetId);
const ACCESS_SUBNETS = EXISTING_NETWORK.accessSubnets.map((s) => s.subnetId);

let config: BaselineConfig;
let stack: ContactBaselineStack;
let template: Template;
beforeAll(() => {
  config = configWith((c) => (c.landingZone.network = existing()));
  stack = baselineStacks(config).find((s): s is ContactBaselineStack => s instanceof ContactBaselineStack)!;
  template = Template.fromStack(stack);
});

describe('in an existing VPC', () => {
  test('the stack creates no VPC, subnet, route table or gateway', () => {
    for (const type of ['AWS::EC2::VPC', 'AWS::EC2::Subnet', 'AWS::EC2::RouteTable', 'AWS::EC2::InternetGateway', 'AWS::EC2::NatGateway']) {
      template.resourceCountIs(type, 0);
    }
  });

  test('the database lives in the configured database subnets only', () => {
    template.hasResourceProperties('AWS::RDS::DBSubnetGroup', { SubnetIds: DB_SUBNETS });
  });

  test('the Client VPN endpoint is in the existing VPC, associated with the access subnets, each group authorized to the database subnets\' ranges only', () => {
    template.hasResourceProperties('AWS::EC2::ClientVpnEndpoint', { VpcId: EXISTING_NETWORK.vpcId });
    const associations = Object.values(template.findResources('AWS::EC2::ClientVpnTargetNetworkAssociation')).map((a: any) => a.Properties.SubnetId);
    expect(associations.sort()).toEqual([...ACCESS_SUBNETS].sort());
    const rules = Object.values(template.findResources('AWS::EC2::ClientVpnAuthorizationRule')).map((r: any) => r.Properties);
    expect(new Set(rules.map((r) => r.TargetNetworkCidr))).toEqual(new Set(EXISTING_NETWORK.databaseSubnets.map((s) => s.cidr)));
    expect(rules.every((r) => r.AuthorizeAllGroups !== true && typeof r.AccessGroupId === 'string')).toBe(true);
    expect(rules).toHaveLength(stack.catalog.roles.length * DB_SUBNETS.length);
  });

  test('every flow of the existing VPC is logged to the kit\'s encrypted log group', () => {
    template.hasResourceProperties('AWS::EC2::FlowLog', { ResourceId: EXISTING_NETWORK.vpcId, ResourceType: 'VPC', TrafficType: 'ALL' });
  });

  test('the interface endpoints and the kit\'s functions are in the access subnets', () => {
    for (const endpoint of Object.values(template.findResources('AWS::EC2::VPCEndpoint', { Properties: { VpcEndpointType: 'Interface' } })) as any[]) {
      expect(endpoint.Properties.VpcId).toBe(EXISTING_NETWORK.vpcId);
      expect(endpoint.Properties.SubnetIds).toEqual(ACCESS_SUBNETS);
    }
    for (const fn of Object.values(template.findResources('AWS::Lambda::Function')) as any[]) {
      expect(fn.Properties.VpcConfig.SubnetIds).toEqual(ACCESS_SUBNETS);
    }
  });

  test('the default security group of the existing VPC is closed, by its configured id', () => {
    template.hasResourceProperties('AWS::SSM::Association', { Parameters: { GroupId: [EXISTING_NETWORK.defaultSecurityGroupId] } });
  });

  test('what the kit cannot check is acknowledged per database subnet, naming its route table and the command that verifies it', () => {
    const cluster = template.toJSON().Resources[stack.getLogicalId(stack.database.cluster.node.defaultChild as never)];
    const acks = (cluster.Metadata.cdk_nag.rules_to_suppress as { id: string; reason: string }[]).filter((a) => a.id.startsWith('GDPR-Art32-NoPathAroundVpn'));
    expect(acks.map((a) => a.id)).toEqual(DB_SUBNETS.map((s) => `GDPR-Art32-NoPathAroundVpn[CannotEvaluate::SubnetRoutes::${s}]`));
    for (const [i, subnet] of EXISTING_NETWORK.databaseSubnets.entries()) {
      expect(acks[i].reason).toContain(`aws ec2 describe-route-tables --route-table-ids ${subnet.routeTableId}`);
      expect(acks[i].reason).toContain('cannot prove');
    }
  });

  test('the record of processing does not claim the existing VPC has no way out: it says who verifies it', () => {
    const record = renderRecordOfProcessing(recordOfProcessing(config, Catalog.fromConfig(config), [{ name: stack.stackName, template: template.toJSON(), catalogSql: stack.schema.catalogSql } as never]));
    expect(record).toContain('- Network: the database is in an existing VPC that these templates do not hold');
    expect(record).not.toContain('no internet gateway and no NAT: the database is reachable only through the VPN');
  });

  test('every pack: zero unacknowledged findings', () => {
    expect(unacknowledgedFindings(stack, config)).toEqual([]);
  });

  test('a route added to another network in the template is still reported: the acknowledgments cover the unknown routes only (runs last: it changes the stack)', () => {
    new ec2.CfnSubnetRouteTableAssociation(stack, 'Assoc', { subnetId: DB_SUBNETS[0], routeTableId: 'rtb-0a0a0a0a0a0a0a0a0' });
    new ec2.CfnRoute(stack, 'ToPeer', { routeTableId: 'rtb-0a0a0a0a0a0a0a0a0', destinationCidrBlock: '192.168.0.0/16', vpcPeeringConnectionId: 'pcx-0123456789abcdef0' });
    expect(unacknowledgedFindings(stack, config).filter((f) => f.startsWith('GDPR-Art32-NoPathAroundVpn'))).toEqual([
      expect.stringMatching(new RegExp(`^GDPR-Art32-NoPathAroundVpn\\[SubnetRoutedOut::${DB_SUBNETS[0]}::`)),
    ]);
  });
});

describe('the configuration of an existing network', () => {
  const withNetwork = (change: (n: Record<string, any>, cfg: Record<string, any>) => void) => {
    const cfg = defaultConfigInput();
    cfg.landingZone.network = existing();
    change(cfg.landingZone.network, cfg);
    return problems(cfg);
  };

  test('the example is valid (network.availabilityZones may stay when it names the same zones)', () => {
    expect(withNetwork(() => undefined)).toEqual([]);
  });

  test('a subnet outside network.vpcCidr, which must be the existing VPC\'s range', () => {
    expect(withNetwork((n) => (n.databaseSubnets[1].cidr = '10.41.1.0/24'))).toEqual([
      expect.stringMatching(/^landingZone\.network\.databaseSubnets\[1\]\.cidr: outside network\.vpcCidr 10\.40\.0\.0\/16; .*; got "10\.41\.1\.0\/24"$/),
    ]);
  });

  test('access subnets in other zones than the database subnets', () => {
    expect(withNetwork((n) => n.accessSubnets.reverse())).toEqual([
      expect.stringMatching(/^landingZone\.network\.accessSubnets: must be in the zones of the database subnets, in the same order: eu-west-3a, eu-west-3b/),
    ]);
  });

  test('two database subnets in one zone', () => {
    expect(withNetwork((n) => (n.databaseSubnets[1].availabilityZone = 'eu-west-3a'))).toEqual(
      expect.arrayContaining([expect.stringMatching(/^landingZone\.network\.databaseSubnets\[1\]\.availabilityZone: a second database subnet in eu-west-3a; name one per zone/)]),
    );
  });

  test('network.availabilityZones naming other zones than the subnets', () => {
    expect(withNetwork((_n, cfg) => (cfg.network.availabilityZones = ['eu-west-3b', 'eu-west-3c']))).toEqual([
      expect.stringMatching(/^network\.availabilityZones: with landingZone\.network the zones are those of its subnets \(eu-west-3a, eu-west-3b\)/),
    ]);
  });

  test('ids that are not ids, one line each', () => {
    const lines = withNetwork((n) => {
      n.vpcId = 'my-vpc';
      n.defaultSecurityGroupId = 'default';
      n.databaseSubnets[0].subnetId = 'subnet-xyz';
      n.accessSubnets[0].routeTableId = 'main';
    });
    expect(lines.map((l) => l.split(':')[0]).sort()).toEqual([
      'landingZone.network.accessSubnets[0].routeTableId',
      'landingZone.network.databaseSubnets[0].subnetId',
      'landingZone.network.defaultSecurityGroupId',
      'landingZone.network.vpcId',
    ]);
  });

  test('one zone only', () => {
    expect(withNetwork((n) => n.databaseSubnets.pop())).toEqual(
      expect.arrayContaining([expect.stringMatching(/^landingZone\.network\.databaseSubnets: name one database subnet in each of at least two zones/)]),
    );
  });
});
