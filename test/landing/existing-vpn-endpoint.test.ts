import { Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Template } from 'aws-cdk-lib/assertions';
import { declaredParties } from '../../lib/config/declared';
import { type BaselineConfig, permittedRegions } from '../../lib/config/schema';
import { VpnAccess, type VpnAccessProps } from '../../lib/network/vpn-access';
import { ContactBaselineStack } from '../../lib/stacks/contact-baseline-stack';
import { problems } from '../helpers/config';
import { defaultConfigInput } from '../helpers/reference';
import { validate } from '../nag/helpers';
import { baselineStacks, configWith, EXISTING_ENDPOINT, EXISTING_NETWORK, unacknowledgedFindings, useExistingEndpoint } from './helpers';

/*
 * landingZone.network.clientVpnEndpoint: an existing Client VPN endpoint, to which the kit adds its
 * associations (the access subnets) and its per-group authorization rules (the database subnets only).
 */

const ACCESS_SUBNETS = EXISTING_NETWORK.accessSubnets.map((s) => s.subnetId);
const withEndpoint = useExistingEndpoint;

let config: BaselineConfig;
let stack: ContactBaselineStack;
let template: Template;
beforeAll(() => {
  config = configWith(withEndpoint);
  stack = baselineStacks(config).find((s): s is ContactBaselineStack => s instanceof ContactBaselineStack)!;
  template = Template.fromStack(stack);
});

describe('with an existing Client VPN endpoint', () => {
  test('the stack creates no endpoint and no connection log group of its own', () => {
    template.resourceCountIs('AWS::EC2::ClientVpnEndpoint', 0);
    expect(stack.vpn.connectionLogGroup).toBeUndefined();
  });

  test('the kit associates the endpoint with the access subnets', () => {
    const associations = Object.values(template.findResources('AWS::EC2::ClientVpnTargetNetworkAssociation')).map((a: any) => a.Properties);
    expect(associations).toEqual(ACCESS_SUBNETS.map((subnetId) => ({ ClientVpnEndpointId: EXISTING_ENDPOINT.endpointId, SubnetId: subnetId })));
  });

  test('one authorization rule per role group and database subnet, to that subnet only, after the associations', () => {
    const rules = Object.values(template.findResources('AWS::EC2::ClientVpnAuthorizationRule')) as any[];
    const expected = stack.catalog.roles.flatMap((role) => EXISTING_NETWORK.databaseSubnets.map((s) => `${role.vpnGroupId}->${s.cidr}`));
    expect(rules.map((r) => `${r.Properties.AccessGroupId}->${r.Properties.TargetNetworkCidr}`).sort()).toEqual(expected.sort());
    for (const rule of rules) {
      expect(rule.Properties.ClientVpnEndpointId).toBe(EXISTING_ENDPOINT.endpointId);
      expect(rule.Properties.AuthorizeAllGroups).not.toBe(true);
      expect(rule.DependsOn).toEqual(expect.arrayContaining(Object.keys(template.findResources('AWS::EC2::ClientVpnTargetNetworkAssociation'))));
    }
  });

  test('the database admits PostgreSQL from the endpoint\'s security group', () => {
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { SourceSecurityGroupId: EXISTING_ENDPOINT.securityGroupId, FromPort: 5432, ToPort: 5432 });
  });

  test('what the kit cannot read on the endpoint is acknowledged on each association, with the commands that verify it', () => {
    for (const association of stack.vpn.associations) {
      const acks = template.toJSON().Resources[stack.getLogicalId(association)].Metadata.cdk_nag.rules_to_suppress as { id: string; reason: string }[];
      expect(acks.map((a) => a.id)).toEqual([`GDPR-Art32-VpnConnectionsLogged[CannotEvaluate::ExistingEndpoint::${EXISTING_ENDPOINT.endpointId}]`]);
      expect(acks[0].reason).toContain(`aws ec2 describe-client-vpn-endpoints --client-vpn-endpoint-ids ${EXISTING_ENDPOINT.endpointId}`);
    }
  });

  test('every pack: zero unacknowledged findings', () => {
    expect(unacknowledgedFindings(stack, config)).toEqual([]);
  });

  test('an authorization to everything, or to the whole existing VPC, added on the endpoint is still reported: the acknowledgments cover only what the template cannot show (runs last: it changes the stack)', () => {
    new ec2.ClientVpnAuthorizationRule(stack, 'Everyone', { clientVpnEndpoint: stack.vpn.endpoint, cidr: '0.0.0.0/0' });
    // The imported VPC is not in the template: its range comes from the configuration (network.vpcCidr).
    new ec2.ClientVpnAuthorizationRule(stack, 'SalesToVpc', { clientVpnEndpoint: stack.vpn.endpoint, cidr: config.network.vpcCidr, groupId: 'sales' });
    new ec2.ClientVpnAuthorizationRule(stack, 'AllToWider', { clientVpnEndpoint: stack.vpn.endpoint, cidr: '10.0.0.0/8' });
    const findings = (props?: Parameters<typeof validate>[1]) => validate(stack, props).violations.map((v) => v.ruleName).filter((r) => r.startsWith('GDPR-Art32-VpnAuthorizationScoped')).sort();
    expect(findings({ allowedRegions: permittedRegions(config), declared: declaredParties(config) })).toEqual([
      'GDPR-Art32-VpnAuthorizationScoped[AllUsersToVpc]',
      'GDPR-Art32-VpnAuthorizationScoped[Everything]',
      'GDPR-Art32-VpnAuthorizationScoped[GroupToVpc]',
    ]);
    // Without the configuration (gdpr-baseline check without --config) only the rule to everything can be told.
    expect(findings()).toEqual(['GDPR-Art32-VpnAuthorizationScoped[Everything]']);
  });
});

describe('the configuration of an existing endpoint', () => {
  test('its server certificate is the endpoint\'s own: vpn.serverCertificateArn is refused beside it', () => {
    const c = defaultConfigInput();
    withEndpoint(c);
    c.vpn.serverCertificateArn = 'arn:aws:acm:eu-west-3:111122223333:certificate/0b1e7c2a-3f4d-4e5a-9b6c-7d8e9f0a1b2c';
    expect(problems(c)).toEqual([expect.stringMatching(/^vpn\.serverCertificateArn: the existing Client VPN endpoint .* has its own server certificate; remove vpn\.serverCertificateArn/)]);
  });

  test('the settings only the endpoint\'s owner changes are refused beside it, each with the command that sets it, instead of being silently left out', () => {
    const c = defaultConfigInput();
    withEndpoint(c);
    c.vpn.sessionTimeoutHours = 12;
    c.vpn.loginBanner = 'Authorised staff only';
    c.network.vpnClientCidr = '10.100.0.0/22';
    expect(problems(c)).toEqual([
      'network.vpnClientCidr: the existing Client VPN endpoint (landingZone.network.clientVpnEndpoint) assigns client addresses from its own client CIDR, which its owner sets; remove network.vpnClientCidr; got "10.100.0.0/22"',
      'vpn.sessionTimeoutHours: the existing Client VPN endpoint (landingZone.network.clientVpnEndpoint) has its own session timeout (aws ec2 modify-client-vpn-endpoint --client-vpn-endpoint-id cvpn-endpoint-0123456789abcdef0 --session-timeout-hours 12), which its owner sets; remove vpn.sessionTimeoutHours; got 12',
      'vpn.loginBanner: the existing Client VPN endpoint (landingZone.network.clientVpnEndpoint) shows its own login banner (aws ec2 modify-client-vpn-endpoint --client-vpn-endpoint-id cvpn-endpoint-0123456789abcdef0 --client-login-banner-options Enabled=true,BannerText=...), which its owner sets; remove vpn.loginBanner; got "Authorised staff only"',
    ]);
  });

  test('VpnAccess refuses them beside existingEndpoint too, for a construct user', () => {
    const props = { existingEndpoint: EXISTING_ENDPOINT, sessionTimeoutHours: 12, loginBanner: 'hello', clientCidr: '10.100.0.0/22' } as unknown as VpnAccessProps; // refused before any other prop is read
    expect(() => new VpnAccess(new Stack(), 'Vpn', props)).toThrow(
      'VpnAccess: clientCidr, sessionTimeoutHours, loginBanner are settings of the existing endpoint cvpn-endpoint-0123456789abcdef0, which only its owner changes (aws ec2 modify-client-vpn-endpoint); remove them beside existingEndpoint',
    );
  });

  test('without an existing endpoint, the client range is required, saying both ways', () => {
    const c = defaultConfigInput();
    delete c.network.vpnClientCidr;
    expect(problems(c)).toEqual(['network.vpnClientCidr: required: the client IPv4 range of the VPN endpoint the kit creates (/12 to /22, private, outside network.vpcCidr), such as 10.100.0.0/22 (or name an existing endpoint in landingZone.network.clientVpnEndpoint)']);
  });

  test('without an existing endpoint, the certificate is required, saying both ways', () => {
    const c = defaultConfigInput();
    delete c.vpn.serverCertificateArn;
    expect(problems(c)).toEqual(['vpn.serverCertificateArn: required: the ACM certificate of the VPN server the kit creates (or name an existing endpoint in landingZone.network.clientVpnEndpoint)']);
  });

  test('ids that are not ids', () => {
    const c = defaultConfigInput();
    withEndpoint(c);
    c.landingZone.network.clientVpnEndpoint = { endpointId: 'vpn-1', securityGroupId: 'default' };
    expect(problems(c).map((l) => l.split(':')[0]).sort()).toEqual(['landingZone.network.clientVpnEndpoint.endpointId', 'landingZone.network.clientVpnEndpoint.securityGroupId']);
  });
});
