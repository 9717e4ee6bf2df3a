import type { PolicyValidationPluginReport } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { CERT_ARN, cfnOf, isolatedVpc, newStack, ruleFindingsOn, validate } from './helpers';

const SCOPED = 'GDPR-Art32-VpnAuthorizationScoped';
const LOGGED = 'GDPR-Art32-VpnConnectionsLogged';

/** A Client VPN endpoint with mutual TLS (fake, well-formed certificate ARNs: nothing is looked up). */
function endpoint(scope: Construct, id: string, vpc: ec2.IVpc, cidr: string, props: Partial<ec2.ClientVpnEndpointProps> = {}): ec2.ClientVpnEndpoint {
  return new ec2.ClientVpnEndpoint(scope, id, {
    vpc,
    cidr,
    serverCertificateArn: CERT_ARN,
    clientCertificateArn: CERT_ARN,
    vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    ...props,
  });
}

describe(SCOPED, () => {
  let report: PolicyValidationPluginReport;
  let wholeVpcAllUsers: ec2.ClientVpnEndpoint;
  let groupToSubnet: ec2.ClientVpnAuthorizationRule;
  let groupToInternet: ec2.ClientVpnAuthorizationRule;
  let allGroupsToVpcCidrLiteral: ec2.ClientVpnAuthorizationRule;
  let allGroupsToWiderCidr: ec2.ClientVpnAuthorizationRule;
  let scopedEndpoint: ec2.ClientVpnEndpoint;
  let vpc: ec2.Vpc;
  let groupToVpc: ec2.ClientVpnAuthorizationRule;

  beforeAll(() => {
    const stack = newStack();
    vpc = isolatedVpc(stack);
    // authorizeAllUsersToVpcCidr defaults to true: every user to the whole VPC
    wholeVpcAllUsers = endpoint(stack, 'WholeVpc', vpc, '10.100.0.0/16', { authorizeAllUsersToVpcCidr: true });

    scopedEndpoint = endpoint(stack, 'Scoped', vpc, '10.101.0.0/16', { authorizeAllUsersToVpcCidr: false });
    const databaseSubnet = vpc.isolatedSubnets[0];
    groupToSubnet = scopedEndpoint.addAuthorizationRule('MarketingToDatabase', { cidr: databaseSubnet.ipv4CidrBlock, groupId: 'marketing' });
    groupToInternet = scopedEndpoint.addAuthorizationRule('MarketingToInternet', { cidr: '0.0.0.0/0', groupId: 'marketing' });
    allGroupsToVpcCidrLiteral = scopedEndpoint.addAuthorizationRule('AllToVpcLiteral', { cidr: '10.0.0.0/16' });
    allGroupsToWiderCidr = scopedEndpoint.addAuthorizationRule('AllToTenSlashEight', { cidr: '10.0.0.0/8' });
    groupToVpc = scopedEndpoint.addAuthorizationRule('SalesToVpc', { cidr: '10.0.0.0/16', groupId: 'sales' });
    report = validate(stack);
  });

  test('precondition: the VPC is 10.0.0.0/16 and the database subnet a /24 inside it', () => {
    expect((vpc.node.defaultChild as ec2.CfnVPC).cidrBlock).toBe('10.0.0.0/16');
    expect((cfnOf(groupToSubnet) as ec2.CfnClientVpnAuthorizationRule).targetNetworkCidr).toMatch(/^10\.0\.\d+\.0\/24$/);
  });

  test('non-compliant: authorizeAllUsersToVpcCidr: true (every user to the whole VPC)', () => {
    const rule = wholeVpcAllUsers.node.findChild('AuthorizeAll');
    expect(ruleFindingsOn(report, rule, SCOPED)).toEqual([`${SCOPED}[AllUsersToVpc]`]);
  });

  test('compliant: one group to one database subnet', () => {
    expect(ruleFindingsOn(report, groupToSubnet, SCOPED)).toEqual([]);
  });

  test('non-compliant: a group authorized to 0.0.0.0/0', () => {
    expect(ruleFindingsOn(report, groupToInternet, SCOPED)).toEqual([`${SCOPED}[Everything]`]);
  });

  test('non-compliant: every group to the VPC CIDR written out', () => {
    expect(ruleFindingsOn(report, allGroupsToVpcCidrLiteral, SCOPED)).toEqual([`${SCOPED}[AllUsersToVpc]`]);
  });

  test('non-compliant: every group to a CIDR wider than the VPC', () => {
    expect(ruleFindingsOn(report, allGroupsToWiderCidr, SCOPED)).toEqual([`${SCOPED}[AllUsersToVpc]`]);
  });

  test('non-compliant: one group to the whole VPC instead of the database subnets', () => {
    expect(ruleFindingsOn(report, groupToVpc, SCOPED)).toEqual([`${SCOPED}[GroupToVpc]`]);
  });

  test('not applicable: the endpoint itself', () => {
    expect(ruleFindingsOn(report, scopedEndpoint, SCOPED)).toEqual([]);
  });
});

describe(LOGGED, () => {
  let report: PolicyValidationPluginReport;
  let loggedByDefault: ec2.ClientVpnEndpoint;
  let loggedToCmkGroup: ec2.ClientVpnEndpoint;
  let notLogged: ec2.ClientVpnEndpoint;
  let logGroup: logs.LogGroup;

  beforeAll(() => {
    const stack = newStack();
    const vpc = isolatedVpc(stack);
    loggedByDefault = endpoint(stack, 'LoggedByDefault', vpc, '10.100.0.0/16', { authorizeAllUsersToVpcCidr: false });
    logGroup = new logs.LogGroup(stack, 'VpnLogs', { encryptionKey: new kms.Key(stack, 'Key', { enableKeyRotation: true }) });
    loggedToCmkGroup = endpoint(stack, 'LoggedToCmkGroup', vpc, '10.101.0.0/16', { authorizeAllUsersToVpcCidr: false, logGroup });
    notLogged = endpoint(stack, 'NotLogged', vpc, '10.102.0.0/16', { authorizeAllUsersToVpcCidr: false, logging: false });
    report = validate(stack);
  });

  test('non-compliant: logging: false', () => {
    expect(ruleFindingsOn(report, notLogged, LOGGED)).toEqual([LOGGED]);
  });

  test('compliant: logging on (the default) to a log group', () => {
    expect(ruleFindingsOn(report, loggedByDefault, LOGGED)).toEqual([]);
    expect(ruleFindingsOn(report, loggedToCmkGroup, LOGGED)).toEqual([]);
  });

  test('not applicable: the log group', () => {
    expect(ruleFindingsOn(report, logGroup, LOGGED)).toEqual([]);
  });
});
