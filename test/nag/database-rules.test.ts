import { RemovalPolicy } from 'aws-cdk-lib';
import type { PolicyValidationPluginReport } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as rds from 'aws-cdk-lib/aws-rds';
import type { Construct } from 'constructs';
import { AURORA_POSTGRES, clusterProps, isolatedVpc, logicalIdOf, newStack, ruleFindingsOn, validate, ZONES } from './helpers';

const NOT_PUBLIC = 'GDPR-Art25-DatabaseNotPublic';
const IAM_AUTH = 'GDPR-Art32-DatabaseIamAuth';
const TLS = 'GDPR-Art32-DatabaseTlsForced';
const DELETION = 'GDPR-Art5-DatabaseDeletionProtected';

/** A parameter group for the cluster, with or without rds.force_ssl. */
function clusterParameters(scope: Construct, id: string, parameters: Record<string, string>): rds.ParameterGroup {
  return new rds.ParameterGroup(scope, id, { engine: AURORA_POSTGRES, parameters });
}

describe(NOT_PUBLIC, () => {
  test('non-compliant: a cluster in public subnets is reported once per subnet (SubnetNotIsolated) and its instance as PubliclyAccessible', () => {
    // Given a VPC whose only subnets are public (internet gateway route, public IPs)
    const stack = newStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', {
      availabilityZones: ZONES,
      natGateways: 0,
      subnetConfiguration: [{ name: 'Public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 }],
    });
    const cluster = new rds.DatabaseCluster(stack, 'Cluster', { ...clusterProps(vpc), vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC } });
    // When the pack runs
    const report = validate(stack);
    // Then each public subnet is a finding of its own
    const subnets = vpc.publicSubnets.map((s) => `${NOT_PUBLIC}[SubnetNotIsolated::${logicalIdOf(s)}]`).sort();
    expect(subnets).toHaveLength(2);
    expect(ruleFindingsOn(report, cluster, NOT_PUBLIC)).toEqual(subnets);
    // and CDK makes instances in public subnets publicly accessible by default
    expect(ruleFindingsOn(report, cluster.node.findChild('Writer'), NOT_PUBLIC)).toEqual([`${NOT_PUBLIC}[PubliclyAccessible]`]);
  });

  test('non-compliant: private subnets with a NAT route are not isolated', () => {
    const stack = newStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', {
      availabilityZones: ZONES,
      natGateways: 1,
      subnetConfiguration: [
        { name: 'Public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'App', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 24 },
      ],
    });
    const cluster = new rds.DatabaseCluster(stack, 'Cluster', { ...clusterProps(vpc), vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS } });
    const expected = vpc.privateSubnets.map((s) => `${NOT_PUBLIC}[SubnetNotIsolated::${logicalIdOf(s)}]`).sort();
    expect(ruleFindingsOn(validate(stack), cluster, NOT_PUBLIC)).toEqual(expected);
  });

  describe('in isolated subnets', () => {
    let report: PolicyValidationPluginReport;
    let closed: rds.DatabaseCluster;
    let openInline: rds.DatabaseCluster;
    let openSg: ec2.SecurityGroup;
    let openStandalone: rds.DatabaseCluster;
    let openStandaloneSg: ec2.SecurityGroup;
    let openIpv6: rds.DatabaseCluster;
    let openIpv6Sg: ec2.SecurityGroup;
    let vpnSg: ec2.SecurityGroup;

    beforeAll(() => {
      const stack = newStack();
      const vpc = isolatedVpc(stack);
      vpnSg = new ec2.SecurityGroup(stack, 'VpnSg', { vpc });
      closed = new rds.DatabaseCluster(stack, 'Closed', clusterProps(vpc));
      closed.connections.allowDefaultPortFrom(vpnSg, 'PostgreSQL from the VPN');

      openSg = new ec2.SecurityGroup(stack, 'OpenSg', { vpc });
      openSg.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(5432), 'open to the internet');
      openInline = new rds.DatabaseCluster(stack, 'OpenInline', { ...clusterProps(vpc), securityGroups: [openSg] });

      openStandaloneSg = new ec2.SecurityGroup(stack, 'OpenStandaloneSg', { vpc });
      new ec2.CfnSecurityGroupIngress(stack, 'OpenStandaloneIngress', {
        groupId: openStandaloneSg.securityGroupId,
        ipProtocol: 'tcp',
        fromPort: 5432,
        toPort: 5432,
        cidrIp: '0.0.0.0/0',
      });
      openStandalone = new rds.DatabaseCluster(stack, 'OpenStandalone', { ...clusterProps(vpc), securityGroups: [openStandaloneSg] });

      openIpv6Sg = new ec2.SecurityGroup(stack, 'OpenIpv6Sg', { vpc });
      openIpv6Sg.addIngressRule(ec2.Peer.anyIpv6(), ec2.Port.tcp(5432), 'open to the internet over IPv6');
      openIpv6 = new rds.DatabaseCluster(stack, 'OpenIpv6', { ...clusterProps(vpc), securityGroups: [openIpv6Sg] });
      report = validate(stack);
    });

    test('compliant: isolated subnets and ingress only from the VPN security group', () => {
      expect(ruleFindingsOn(report, closed, NOT_PUBLIC)).toEqual([]);
      expect(ruleFindingsOn(report, closed.node.findChild('Writer'), NOT_PUBLIC)).toEqual([]);
    });

    test('non-compliant: a security group with inline ingress from 0.0.0.0/0 (OpenIngress)', () => {
      expect(ruleFindingsOn(report, openInline, NOT_PUBLIC)).toEqual([`${NOT_PUBLIC}[OpenIngress::${logicalIdOf(openSg)}]`]);
    });

    test('non-compliant: a standalone AWS::EC2::SecurityGroupIngress from 0.0.0.0/0 (OpenIngress)', () => {
      expect(ruleFindingsOn(report, openStandalone, NOT_PUBLIC)).toEqual([`${NOT_PUBLIC}[OpenIngress::${logicalIdOf(openStandaloneSg)}]`]);
    });

    test('non-compliant: ingress from ::/0 (OpenIngress)', () => {
      expect(ruleFindingsOn(report, openIpv6, NOT_PUBLIC)).toEqual([`${NOT_PUBLIC}[OpenIngress::${logicalIdOf(openIpv6Sg)}]`]);
    });

    test('not applicable: a security group is not a database', () => {
      expect(ruleFindingsOn(report, openSg, NOT_PUBLIC)).toEqual([]);
    });
  });

  test('non-compliant: a standalone instance marked PubliclyAccessible', () => {
    const stack = newStack();
    const instance = new rds.CfnDBInstance(stack, 'Instance', { engine: 'postgres', dbInstanceClass: 'db.t4g.micro', publiclyAccessible: true });
    expect(ruleFindingsOn(validate(stack), instance, NOT_PUBLIC)).toEqual([`${NOT_PUBLIC}[PubliclyAccessible]`]);
  });
});

describe('cluster settings: IAM authentication, forced TLS, deletion protection', () => {
  let report: PolicyValidationPluginReport;
  let hardened: rds.DatabaseCluster;
  let defaults: rds.DatabaseCluster;
  let tlsOff: rds.DatabaseCluster;
  let explicitlyUnprotected: rds.DatabaseCluster;
  let standaloneHardened: rds.DatabaseInstance;
  let standaloneDefaults: rds.DatabaseInstance;
  let key: kms.Key;

  beforeAll(() => {
    const stack = newStack();
    const vpc = isolatedVpc(stack);
    key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    hardened = new rds.DatabaseCluster(stack, 'Hardened', {
      ...clusterProps(vpc),
      storageEncryptionKey: key,
      iamAuthentication: true,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
      parameterGroup: clusterParameters(stack, 'ForceSsl', { 'rds.force_ssl': '1' }),
    });
    defaults = new rds.DatabaseCluster(stack, 'Defaults', clusterProps(vpc));
    tlsOff = new rds.DatabaseCluster(stack, 'TlsOff', {
      ...clusterProps(vpc),
      parameterGroup: clusterParameters(stack, 'NoForceSsl', { 'rds.force_ssl': '0', log_connections: '1' }),
    });
    explicitlyUnprotected = new rds.DatabaseCluster(stack, 'Unprotected', { ...clusterProps(vpc), deletionProtection: false });

    const instanceProps = {
      engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_16 }),
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    };
    standaloneHardened = new rds.DatabaseInstance(stack, 'StandaloneHardened', {
      ...instanceProps,
      iamAuthentication: true,
      deletionProtection: true,
      parameterGroup: new rds.ParameterGroup(stack, 'InstanceForceSsl', { engine: instanceProps.engine, parameters: { 'rds.force_ssl': '1' } }),
    });
    standaloneDefaults = new rds.DatabaseInstance(stack, 'StandaloneDefaults', { ...instanceProps, deletionProtection: false });
    report = validate(stack);
  });

  describe(IAM_AUTH, () => {
    test('non-compliant: a cluster without iamAuthentication', () => {
      expect(ruleFindingsOn(report, defaults, IAM_AUTH)).toEqual([IAM_AUTH]);
    });
    test('non-compliant: a standalone instance without iamAuthentication', () => {
      expect(ruleFindingsOn(report, standaloneDefaults, IAM_AUTH)).toEqual([IAM_AUTH]);
    });
    test('compliant: iamAuthentication: true on the cluster and on a standalone instance', () => {
      expect(ruleFindingsOn(report, hardened, IAM_AUTH)).toEqual([]);
      expect(ruleFindingsOn(report, standaloneHardened, IAM_AUTH)).toEqual([]);
    });
    test('not applicable: the instances of a cluster (the cluster carries the setting)', () => {
      expect(ruleFindingsOn(report, defaults.node.findChild('Writer'), IAM_AUTH)).toEqual([]);
    });
  });

  describe(TLS, () => {
    test('non-compliant: the default parameter group (not in the stack, cannot prove TLS)', () => {
      expect(ruleFindingsOn(report, defaults, TLS)).toEqual([TLS]);
    });
    test("non-compliant: a cluster parameter group with 'rds.force_ssl': '0'", () => {
      expect(ruleFindingsOn(report, tlsOff, TLS)).toEqual([TLS]);
    });
    test("compliant: a cluster parameter group with 'rds.force_ssl': '1'", () => {
      expect(ruleFindingsOn(report, hardened, TLS)).toEqual([]);
    });
    test("compliant: a standalone instance whose parameter group sets 'rds.force_ssl': '1'", () => {
      expect(ruleFindingsOn(report, standaloneHardened, TLS)).toEqual([]);
    });
    test('non-compliant: a standalone instance on the default parameter group', () => {
      expect(ruleFindingsOn(report, standaloneDefaults, TLS)).toEqual([TLS]);
    });
    test('not applicable: the instances of a cluster', () => {
      expect(ruleFindingsOn(report, hardened.node.findChild('Writer'), TLS)).toEqual([]);
    });
  });

  describe(DELETION, () => {
    test('non-compliant: a cluster with the default (no deletion protection)', () => {
      expect(ruleFindingsOn(report, defaults, DELETION)).toEqual([DELETION]);
    });
    test('non-compliant: deletionProtection: false', () => {
      expect(ruleFindingsOn(report, explicitlyUnprotected, DELETION)).toEqual([DELETION]);
      expect(ruleFindingsOn(report, standaloneDefaults, DELETION)).toEqual([DELETION]);
    });
    test('compliant: deletionProtection: true', () => {
      expect(ruleFindingsOn(report, hardened, DELETION)).toEqual([]);
      expect(ruleFindingsOn(report, standaloneHardened, DELETION)).toEqual([]);
    });
    test('not applicable: a KMS key and the instances of a cluster', () => {
      expect(ruleFindingsOn(report, key, DELETION)).toEqual([]);
      expect(ruleFindingsOn(report, defaults.node.findChild('Writer'), DELETION)).toEqual([]);
    });
  });
});
