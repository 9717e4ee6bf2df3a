import { Template } from 'aws-cdk-lib/assertions';
import { CfnResource, type Stack } from 'aws-cdk-lib';
import type { BaselineConfig } from '../../lib/config/schema';
import { parseConfig } from '../../lib/config/load';
import { ContactBaselineStack } from '../../lib/stacks/contact-baseline-stack';
import { developmentConfigInput } from '../helpers/development';
import { defaultConfigInput } from '../helpers/reference';
import { baselineStacks, EXISTING_ENDPOINT, EXISTING_NETWORK, unacknowledgedFindings, useExistingEndpoint, useOrganisationTrail } from './helpers';

/*
 * Every landing-zone option at once, as an organisation on AWS Control Tower would configure them:
 * the organisation trail, an existing VPC with its Client VPN endpoint, IAM Identity Center (the
 * reference already trusts permission sets) and the region-deny SCP from the management account,
 * in both profiles. The options are tested one by one in the other files of this folder; this one
 * proves they do not undo each other's controls or acknowledgments.
 */

const ORGANIZATIONS = { managementAccount: '999988887777', targetIds: ['ou-ab12-cdef3456'] };

function everyOption(input: Record<string, any>): BaselineConfig {
  useOrganisationTrail(input);
  useExistingEndpoint(input);
  input.landingZone.organizations = { ...ORGANIZATIONS };
  return parseConfig(input, 'all-options.json');
}

describe.each([
  ['production', () => everyOption(defaultConfigInput())],
  ['development', () => everyOption(developmentConfigInput())],
])('every landing-zone option together, %s profile', (profile, configOf) => {
  let config: BaselineConfig;
  let stacks: Stack[];
  let stack: ContactBaselineStack;
  let template: Template;
  beforeAll(() => {
    config = configOf();
    stacks = baselineStacks(config);
    stack = stacks.find((s): s is ContactBaselineStack => s instanceof ContactBaselineStack)!;
    template = Template.fromStack(stack);
  });

  test('the configuration is the one meant: every option is set, in the profile named', () => {
    expect(config.environment.profile).toBe(profile);
    expect(Object.keys(config.landingZone).sort()).toEqual(['identityCenter', 'network', 'organisationTrail', 'organizations']);
    expect(config.landingZone.network?.clientVpnEndpoint).toEqual(EXISTING_ENDPOINT);
  });

  test('the stack brings none of what the landing zone already runs: no trail, VPC or Client VPN endpoint', () => {
    for (const type of ['AWS::CloudTrail::Trail', 'AWS::EC2::VPC', 'AWS::EC2::Subnet', 'AWS::EC2::ClientVpnEndpoint']) template.resourceCountIs(type, 0);
  });

  test('and keeps its own controls in the existing VPC: flow log, database in the database subnets, VPN groups to those subnets only', () => {
    template.hasResourceProperties('AWS::EC2::FlowLog', { ResourceId: EXISTING_NETWORK.vpcId, TrafficType: 'ALL' });
    template.hasResourceProperties('AWS::RDS::DBSubnetGroup', { SubnetIds: EXISTING_NETWORK.databaseSubnets.map((s) => s.subnetId) });
    const targets = Object.values(template.findResources('AWS::EC2::ClientVpnAuthorizationRule')).map((r: any) => r.Properties.TargetNetworkCidr);
    expect(targets.length).toBeGreaterThan(0);
    expect(new Set(targets)).toEqual(new Set(EXISTING_NETWORK.databaseSubnets.map((s) => s.cidr)));
    template.hasResourceProperties('AWS::RDS::DBCluster', { EnableIAMDatabaseAuthentication: true, StorageEncrypted: true, DeletionProtection: true });
  });

  test('one stack per account: the baseline, the backup account and the management account\'s SCP', () => {
    expect(stacks.map((s) => s.stackName)).toEqual(['GdprContactBaseline', 'GdprContactBaselineBackupAccount', 'GdprContactBaselineOrganisationPolicy']);
  });

  test('every stack: zero unacknowledged findings in every pack', () => {
    expect(stacks.flatMap((s) => unacknowledgedFindings(s, config).map((f) => `${s.stackName}: ${f}`))).toEqual([]);
  });

  test('each option\'s acknowledgment is there, on the resource it concerns, and no other GDPR finding is acknowledged', () => {
    const acks = Object.entries(template.toJSON().Resources as Record<string, any>).flatMap(([id, r]) =>
      ((r.Metadata?.cdk_nag?.rules_to_suppress ?? []) as { id: string }[]).filter((a) => a.id.startsWith('GDPR-')).map((a) => ({ rule: a.id, on: id })),
    );
    const on = (rule: string) => new Set(acks.filter((a) => a.rule === rule).map((a) => a.on));
    const logicalId = (c: any) => stack.getLogicalId((c.node.defaultChild ?? c) as never);
    const roles = [...Object.values(stack.access.roles), stack.access.operator].map(logicalId);
    const trail = 'GDPR-Art33-TrailEncryptedAndValidated[NoTrail]';
    const routes = EXISTING_NETWORK.databaseSubnets.map((s) => `GDPR-Art32-NoPathAroundVpn[CannotEvaluate::SubnetRoutes::${s.subnetId}]`);
    const endpoint = `GDPR-Art32-VpnConnectionsLogged[CannotEvaluate::ExistingEndpoint::${EXISTING_ENDPOINT.endpointId}]`;
    const mfa = 'GDPR-Art32-HumanRoleRequiresMfa[MfaAtIdentityProvider]';
    expect([...new Set(acks.map((a) => a.rule))].sort()).toEqual([trail, ...routes, endpoint, mfa].sort());
    // An acknowledgment on a construct is written on the resources under it: the cluster's own resources.
    const underCluster = new Set(stack.database.cluster.node.findAll().filter(CfnResource.isCfnResource).map((r) => stack.getLogicalId(r)));
    for (const rule of [trail, ...routes]) {
      expect(on(rule)).toContain(logicalId(stack.database.cluster));
      for (const id of on(rule)) expect(underCluster).toContain(id);
    }
    expect(on(endpoint)).toEqual(new Set(stack.vpn.associations.map((a) => stack.getLogicalId(a))));
    expect(on(mfa)).toEqual(new Set(roles));
  });
});

