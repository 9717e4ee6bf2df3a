import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { CONTACT_DATABASE_PORT } from '../../lib/database/contact-database';
import { ContactNetwork, resolveS3PrefixListId } from '../../lib/network/contact-network';
import { CLOUDFORMATION_RESPONSES_SID, OWN_ACCOUNT_SID } from '../../lib/network/endpoint-policies';
import { InVpcFunction } from '../../lib/network/in-vpc-function';
import { S3_PREFIX_LISTS, s3PrefixListLookupCommand } from '../../lib/residency/s3-prefix-lists';
import { EU_MEMBER_STATE_REGIONS, ADEQUACY_REGIONS } from '../../lib/residency/regions';
import type { ContactBaselineStack } from '../../lib/stacks/contact-baseline-stack';
import { withChange } from '../helpers/config';
import { referenceTemplate } from '../helpers/reference';

/*
 * Egress of the kit's functions: HTTPS only to the interface endpoints' security
 * group and to the region's S3 prefix list (from the configuration or the table
 * shipped with the kit), PostgreSQL to the database where a function needs it;
 * every endpoint carries a policy. The VPN's path to the database is untouched.
 */

let stack: ContactBaselineStack;
let template: Template;
let resources: Record<string, any>;

const logicalId = (c: { node: { defaultChild?: unknown } }) => stack.getLogicalId(c.node.defaultChild as ec2.CfnSecurityGroup);

/** Egress rules of a security group: inline ones and AWS::EC2::SecurityGroupEgress resources. */
function egressOf(groupLogicalId: string): Record<string, unknown>[] {
  const inline = (resources[groupLogicalId].Properties.SecurityGroupEgress ?? []) as Record<string, unknown>[];
  const separate = Object.values(resources)
    .filter((r) => r.Type === 'AWS::EC2::SecurityGroupEgress' && r.Properties.GroupId?.['Fn::GetAtt']?.[0] === groupLogicalId)
    .map(({ Properties: { GroupId: _group, ...rule } }) => rule);
  return [...inline, ...separate];
}

function functionGroups(): { name: string; group: string; database: boolean }[] {
  const groups = [
    { name: 'migrate', fn: stack.schema.handler, database: true },
    { name: 'purge', fn: stack.retentionPurge.handler, database: true },
    { name: 'breach-notify', fn: stack.breach.notification.notifier, database: false },
    ...Object.entries(stack.processors?.grants ?? {}).map(([n, g]) => ({ name: `extract ${n}`, fn: g.job, database: true })),
  ];
  return groups.map((g) => ({ name: g.name, group: logicalId(g.fn.securityGroup), database: g.database }));
}

beforeAll(() => {
  const reference = referenceTemplate();
  stack = reference.stack;
  template = reference.template;
  resources = template.toJSON().Resources;
});

describe('security groups of the kit functions', () => {
  test('every function of the template is an InVpcFunction listed here (none is left unchecked)', () => {
    const listed = functionGroups().map((g) => g.group).sort();
    const inTemplate = Object.values(resources)
      .filter((r) => r.Type === 'AWS::Lambda::Function')
      .flatMap((r) => r.Properties.VpcConfig.SecurityGroupIds.map((id: any) => id['Fn::GetAtt'][0]))
      .sort();
    expect(inTemplate).toEqual(listed);
    expect(listed.length).toBe(4);
  });

  test('allow 443 only to the endpoint security group and the region S3 prefix list, and 5432 only to the database', () => {
    const endpoints = stack.getLogicalId(stack.network.endpointSecurityGroup.node.defaultChild as ec2.CfnSecurityGroup);
    const database = stack.getLogicalId(stack.database.securityGroup.node.defaultChild as ec2.CfnSecurityGroup);
    for (const { name, group, database: needsDatabase } of functionGroups()) {
      const expected: Record<string, unknown>[] = [
        { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, DestinationSecurityGroupId: { 'Fn::GetAtt': [endpoints, 'GroupId'] } },
        { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, DestinationPrefixListId: 'pl-23ad484a' },
      ];
      if (needsDatabase) {
        expected.push({ IpProtocol: 'tcp', FromPort: CONTACT_DATABASE_PORT, ToPort: CONTACT_DATABASE_PORT, DestinationSecurityGroupId: { 'Fn::GetAtt': [database, 'GroupId'] } });
      }
      const actual = egressOf(group).map(({ Description: _d, ...rule }) => rule);
      expect({ name, rules: actual }).toEqual({ name, rules: expect.arrayContaining(expected) });
      expect({ name, count: actual.length }).toEqual({ name, count: expected.length });
    }
  });

  test('no egress rule of the template reaches 0.0.0.0/0 or any CIDR outside the VPC', () => {
    const all = [
      ...Object.values(resources).filter((r) => r.Type === 'AWS::EC2::SecurityGroup').flatMap((r) => r.Properties.SecurityGroupEgress ?? []),
      ...Object.values(resources).filter((r) => r.Type === 'AWS::EC2::SecurityGroupEgress').map((r) => r.Properties),
    ];
    // The only CIDR egress left is aws-cdk-lib's "match no traffic" placeholder of groups that send nothing.
    const cidrs = all.filter((rule) => rule.CidrIp !== undefined || rule.CidrIpv6 !== undefined);
    expect(cidrs.every((rule) => rule.CidrIp === '255.255.255.255/32' && rule.IpProtocol === 'icmp')).toBe(true);
  });

  test('each function waits for its security group egress rules (a custom resource could not answer otherwise)', () => {
    for (const { group } of functionGroups()) {
      const egressIds = Object.entries(resources)
        .filter(([, r]) => r.Type === 'AWS::EC2::SecurityGroupEgress' && r.Properties.GroupId?.['Fn::GetAtt']?.[0] === group)
        .map(([id]) => id);
      const fn = Object.values(resources).find(
        (r) => r.Type === 'AWS::Lambda::Function' && r.Properties.VpcConfig.SecurityGroupIds[0]['Fn::GetAtt'][0] === group,
      );
      expect(fn.DependsOn).toEqual(expect.arrayContaining(egressIds));
    }
  });

  test('the VPN path is unchanged: VPN users reach PostgreSQL on the database group, and only that', () => {
    const vpn = stack.getLogicalId(stack.vpn.securityGroup.node.defaultChild as ec2.CfnSecurityGroup);
    const database = stack.getLogicalId(stack.database.securityGroup.node.defaultChild as ec2.CfnSecurityGroup);
    expect(egressOf(vpn).map(({ Description: _d, ...rule }) => rule)).toEqual([
      { IpProtocol: 'tcp', FromPort: CONTACT_DATABASE_PORT, ToPort: CONTACT_DATABASE_PORT, DestinationSecurityGroupId: { 'Fn::GetAtt': [database, 'GroupId'] } },
    ]);
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: { 'Fn::GetAtt': [database, 'GroupId'] },
      SourceSecurityGroupId: { 'Fn::GetAtt': [vpn, 'GroupId'] },
      FromPort: CONTACT_DATABASE_PORT,
    });
  });
});

describe('endpoint policies', () => {
  test('every VPC endpoint of the template has a policy, each statement bound to this account or to its stacks’ CloudFormation responses', () => {
    const endpoints = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::EC2::VPCEndpoint');
    // S3 (gateway), Secrets Manager, KMS, SNS in each of the two zones' access subnets: no EC2 endpoint, nothing calls EC2 from the VPC.
    expect(endpoints.map(([, r]) => JSON.stringify(r.Properties.ServiceName).replace(/.*\.(\w+)"?\]*\]?}?$/, '$1')).sort()).toEqual(['kms', 's3', 'secretsmanager', 'sns']);
    for (const [id, endpoint] of endpoints) {
      const statements = endpoint.Properties.PolicyDocument?.Statement;
      expect({ id, statements: Array.isArray(statements) && statements.length > 0 }).toEqual({ id, statements: true });
      for (const s of statements) {
        expect(s.Effect).toBe('Allow');
        expect(s.Action).not.toContain('*');
        if (s.Sid === CLOUDFORMATION_RESPONSES_SID) continue;
        expect({ id, sid: s.Sid, condition: s.Condition }).toEqual({
          id,
          sid: OWN_ACCOUNT_SID,
          condition: { StringEquals: { 'aws:PrincipalAccount': '111122223333', 'aws:ResourceAccount': '111122223333' } },
        });
      }
    }
  });

  test('only the S3 endpoint admits CloudFormation responses, for this account’s stacks in this region only', () => {
    const withResponses = Object.values(resources).filter(
      (r) => r.Type === 'AWS::EC2::VPCEndpoint' && r.Properties.PolicyDocument.Statement.some((s: any) => s.Sid === CLOUDFORMATION_RESPONSES_SID),
    );
    expect(withResponses).toHaveLength(1);
    const statement = withResponses[0].Properties.PolicyDocument.Statement.find((s: any) => s.Sid === CLOUDFORMATION_RESPONSES_SID);
    expect(statement.Action).toBe('s3:PutObject');
    expect(statement.Resource['Fn::Join'][1].join('')).toMatch(/:s3:::cloudformation-custom-resource-response-euwest3\/arn:.*:cloudformation:eu-west-3:111122223333:stack\/\*$/);
  });
});

describe('the S3 prefix list id', () => {
  test('comes from the shipped table for a region that has one, and from the configuration when given', () => {
    expect(resolveS3PrefixListId('eu-west-3')).toBe('pl-23ad484a');
    expect(resolveS3PrefixListId('eu-west-3', 'pl-0123abcd')).toBe('pl-0123abcd');
  });

  test('the table holds only S3 ids of regions the kit may deploy to', () => {
    const regions = [...Object.keys(EU_MEMBER_STATE_REGIONS), ...Object.keys(ADEQUACY_REGIONS)];
    for (const [region, id] of Object.entries(S3_PREFIX_LISTS)) {
      expect(regions).toContain(region);
      expect(id).toMatch(/^pl-[0-9a-f]{8}$/);
    }
    // Two regions never share an id.
    expect(new Set(Object.values(S3_PREFIX_LISTS)).size).toBe(Object.keys(S3_PREFIX_LISTS).length);
  });

  test('is required, with the command that finds it, in a region the kit ships no id for', () => {
    expect(() => resolveS3PrefixListId('eu-south-2')).toThrow(
      `network.s3PrefixListId is required: the kit ships no S3 prefix list id for eu-south-2; find it with \`${s3PrefixListLookupCommand('eu-south-2')}\``,
    );
    expect(s3PrefixListLookupCommand('eu-south-2')).toContain('describe-managed-prefix-lists');
    expect(s3PrefixListLookupCommand('eu-south-2')).toContain('Name=prefix-list-name,Values=com.amazonaws.eu-south-2.s3');
  });

  test('a malformed id is refused, naming the field and the value', () => {
    expect(() => resolveS3PrefixListId('eu-west-3', 'sg-12345678')).toThrow('network.s3PrefixListId must look like pl-1a2b3c4d; got sg-12345678');
  });

  test('the configuration requires it in one line where no id is shipped, and accepts it when given', () => {
    const toSpain = (cfg: Record<string, any>) => {
      cfg.environment.region = 'eu-south-2';
      cfg.residency.allowedRegions = ['eu-south-2'];
      cfg.network.availabilityZones = ['eu-south-2a', 'eu-south-2b'];
      cfg.vpn.serverCertificateArn = cfg.vpn.serverCertificateArn.replace('eu-west-3', 'eu-south-2');
    };
    const missing = withChange(toSpain).filter((p) => p.includes('s3PrefixListId'));
    expect(missing).toHaveLength(1);
    expect(missing[0]).toMatch(/network\.s3PrefixListId/);
    expect(missing[0]).toContain('eu-south-2');
    expect(missing[0]).toContain('describe-managed-prefix-lists');
    expect(missing[0]).not.toContain('\n');
    const given = withChange((cfg) => {
      toSpain(cfg);
      cfg.network.s3PrefixListId = 'pl-0a1b2c3d';
    });
    expect(given.filter((p) => p.includes('s3PrefixListId'))).toEqual([]);
  });

  test('a region outside the allowed ones is reported once, as a region problem, not also as a missing prefix list', () => {
    const outside = withChange((cfg) => {
      cfg.environment.region = 'us-east-1';
    });
    expect(outside.some((p) => p.startsWith('environment.region'))).toBe(true);
    expect(outside.filter((p) => p.includes('s3PrefixListId'))).toEqual([]);
  });

  test('the configuration refuses a malformed id, naming the field and the value', () => {
    const bad = withChange((cfg) => {
      cfg.network.s3PrefixListId = 'pl-XYZ';
    });
    expect(bad).toHaveLength(1);
    expect(bad[0]).toMatch(/network\.s3PrefixListId/);
    expect(bad[0]).toContain('pl-');
  });

  test('a configured id reaches the functions’ security groups (a region without a shipped id)', () => {
    // Given a network in eu-south-2 with its prefix list id configured
    const app = new App();
    const spain = new Stack(app, 'Spain', { env: { account: '111122223333', region: 'eu-south-2' } });
    const network = new ContactNetwork(spain, 'Network', {
      vpcCidr: '10.40.0.0/16',
      availabilityZones: ['eu-south-2a', 'eu-south-2b'],
      logsKey: new kms.Key(spain, 'Key'),
      s3PrefixListId: 'pl-0a1b2c3d',
    });
    // Then a function of that VPC sends HTTPS to that prefix list
    const fn = new InVpcFunction(spain, 'Function', {
      vpc: network.vpc,
      subnets: network.accessSubnets,
      code: lambda.Code.fromInline('exports.handler = async () => {}'),
      handler: 'index.handler',
      description: 'test',
      logsKey: new kms.Key(spain, 'FunctionKey'),
    });
    const rules = fn.securityGroup.node
      .findAll()
      .filter((c): c is ec2.CfnSecurityGroupEgress => c instanceof ec2.CfnSecurityGroupEgress);
    expect(rules.map((r) => r.destinationPrefixListId).filter(Boolean)).toEqual(['pl-0a1b2c3d']);
  });
});

describe('InVpcFunction outside a ContactNetwork', () => {
  test('refuses to guess where HTTPS may go: egress must be given', () => {
    const app = new App();
    const other = new Stack(app, 'Other', { env: { account: '111122223333', region: 'eu-west-3' } });
    const vpc = new ec2.Vpc(other, 'Vpc', { natGateways: 0, availabilityZones: ['eu-west-3a', 'eu-west-3b'] });
    const make = (id: string, egress?: ConstructorParameters<typeof InVpcFunction>[2]['egress']) =>
      new InVpcFunction(other, id, {
        vpc,
        subnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
        code: lambda.Code.fromInline('exports.handler = async () => {}'),
        handler: 'index.handler',
        description: 'test',
        logsKey: new kms.Key(other, `${id}Key`),
        egress,
      });
    expect(() => make('Unplaced')).toThrow(/InVpcFunction Other\/Unplaced: egress is required when the VPC was not created by ContactNetwork/);
    const group = new ec2.SecurityGroup(other, 'Endpoints', { vpc, allowAllOutbound: false });
    const placed = make('Placed', { endpointSecurityGroup: group, s3PrefixListId: 'pl-23ad484a' });
    expect(placed.securityGroup.node.findAll().filter((c) => c instanceof ec2.CfnSecurityGroupEgress)).toHaveLength(2);
  });
});
