import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, NagPack, PCIDSS321Checks } from 'cdk-nag';
import { GdprChecks } from '../../lib/nag/gdpr-checks';
import { STATEFUL_TYPES } from '../../lib/nag/rules/stateful-resource-retained';
import type { ContactBaselineStack } from '../../lib/stacks/contact-baseline-stack';
import { declaredParties } from '../../lib/config/declared';
import { defaultConfig, referenceTemplate } from '../helpers/reference';

let stack: ContactBaselineStack;
let template: Template;
beforeAll(() => {
  ({ stack, template } = referenceTemplate());
});

/** Logical id of a construct's CloudFormation resource. */
function logicalId(construct: { node: { defaultChild?: unknown } }): string {
  return Stack.of(stack).getLogicalId(construct.node.defaultChild as never);
}

describe('the reference baseline passes every rule pack', () => {
  test.each<[string, () => NagPack]>([
    // As bin/app.ts: the configuration declares the backup account the database key policy names.
    ['GDPR', () => new GdprChecks(undefined, { declared: declaredParties(defaultConfig()) })],
    ['AwsSolutions', () => new AwsSolutionsChecks()],
    ['HIPAA.Security', () => new HIPAASecurityChecks()],
    ['NIST.800.53.R5', () => new NIST80053R5Checks()],
    ['PCI.DSS.321', () => new PCIDSS321Checks()],
  ])('%s: no unacknowledged finding', (_name, pack) => {
    const report = pack().validateScope(stack);
    expect(report.violations.map((v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
  });

  test('every acknowledgment carries a specific reason in the template metadata', () => {
    const acknowledged = Object.values(template.toJSON().Resources as Record<string, any>)
      .flatMap((r) => r.Metadata?.cdk_nag?.rules_to_suppress ?? []) as { id: string; reason: string }[];
    expect(acknowledged.length).toBeGreaterThan(0);
    for (const { reason } of acknowledged) expect(reason.length).toBeGreaterThanOrEqual(30);
  });
});

describe('EU-region pinning', () => {
  test('the stack deploys to the configured account and region', () => {
    expect(stack.region).toBe('eu-west-3');
    expect(stack.account).toBe('111122223333');
    expect(stack.terminationProtection).toBe(true);
  });

  test('every IAM role of the stack carries the region guard', () => {
    const roles = Object.keys(template.findResources('AWS::IAM::Role'));
    expect(roles.length).toBeGreaterThanOrEqual(3);
    const guard = template.findResources('AWS::IAM::ManagedPolicy', {
      Properties: { PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Sid: 'DenyOutsidePermittedRegions' })]) } },
    });
    const [policy] = Object.values(guard) as any[];
    expect(policy.Properties.Roles.map((r: { Ref: string }) => r.Ref).sort()).toEqual(roles.sort());
  });

  test('the guard denies every regional action outside the configured regions, exempting only global services', () => {
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: [
          {
            Sid: 'DenyOutsidePermittedRegions',
            Effect: 'Deny',
            NotAction: Match.arrayWith(['iam:*', 'sts:*']),
            Resource: '*',
            Condition: { StringNotEquals: { 'aws:RequestedRegion': ['eu-west-3', 'eu-west-1', 'eu-central-1'] } },
          },
        ],
      },
    });
  });
});

describe('private network', () => {
  test('has no internet gateway, NAT gateway or public subnet', () => {
    template.resourceCountIs('AWS::EC2::InternetGateway', 0);
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.resourceCountIs('AWS::EC2::EIP', 0);
    for (const subnet of Object.values(template.findResources('AWS::EC2::Subnet')) as any[]) {
      expect(subnet.Properties.MapPublicIpOnLaunch).toBe(false);
    }
    expect(Object.values(template.findResources('AWS::EC2::Route'))).toEqual([]);
  });

  test('logs every flow to a log group encrypted with the logs key', () => {
    template.hasResourceProperties('AWS::EC2::FlowLog', { TrafficType: 'ALL', LogDestinationType: 'cloud-watch-logs' });
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      KmsKeyId: { 'Fn::GetAtt': [logicalId(stack.logsKey), 'Arn'] },
      RetentionInDays: 365,
    });
  });

  test('closes the default security group with AWS’s runbook, not with a function', () => {
    template.hasResourceProperties('AWS::SSM::Association', {
      Name: 'AWSConfigRemediation-RemoveVPCDefaultSecurityGroupRules',
      Parameters: { GroupId: [{ 'Fn::GetAtt': [logicalId(stack.network.vpc), 'DefaultSecurityGroup'] }] },
    });
    template.resourceCountIs('Custom::VpcRestrictDefaultSG', 0);
    for (const fn of Object.values(template.findResources('AWS::Lambda::Function')) as any[]) {
      expect(fn.Properties.VpcConfig.SubnetIds.length).toBeGreaterThan(0);
    }
  });

  test('reaches KMS, Secrets Manager and S3 through private endpoints, and no EC2 endpoint (nothing calls EC2 from the VPC)', () => {
    const services = Object.values(template.findResources('AWS::EC2::VPCEndpoint')).map((e: any) => JSON.stringify(e.Properties.ServiceName));
    expect(services.filter((s) => s.endsWith('.ec2"'))).toEqual([]);
    for (const service of ['kms', 'secretsmanager']) {
      template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
        ServiceName: `com.amazonaws.eu-west-3.${service}`,
        VpcEndpointType: 'Interface',
        PrivateDnsEnabled: true,
      });
    }
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      ServiceName: { 'Fn::Join': ['', ['com.amazonaws.', { Ref: 'AWS::Region' }, '.s3']] },
      VpcEndpointType: 'Gateway',
    });
  });
});

describe('VPN-only access', () => {
  const databaseSubnetCidrs = () =>
    stack.network.vpc.selectSubnets(stack.network.databaseSubnets).subnets.map((s) => s.ipv4CidrBlock);

  test('the endpoint uses split tunnel, a session timeout, SAML and connection logging', () => {
    template.hasResourceProperties('AWS::EC2::ClientVpnEndpoint', {
      SplitTunnel: true,
      SessionTimeoutHours: 8,
      ClientCidrBlock: '10.100.0.0/22',
      AuthenticationOptions: [
        { Type: 'federated-authentication', FederatedAuthentication: { SAMLProviderArn: 'arn:aws:iam::111122223333:saml-provider/corporate-idp' } },
      ],
      ConnectionLogOptions: { Enabled: true, CloudwatchLogGroup: { Ref: logicalId(stack.vpn.connectionLogGroup!) } },
    });
  });

  test('each role group is authorized to the database subnets only, never to all users or the VPC', () => {
    const rules = Object.values(template.findResources('AWS::EC2::ClientVpnAuthorizationRule')) as any[];
    const cidrs = databaseSubnetCidrs();
    expect(rules).toHaveLength(4 * cidrs.length);
    for (const rule of rules) {
      expect(rule.Properties.AuthorizeAllGroups).not.toBe(true);
      expect(cidrs).toContain(rule.Properties.TargetNetworkCidr);
    }
    expect(new Set(rules.map((r) => r.Properties.AccessGroupId))).toEqual(
      new Set(['b7e1c3a0-marketing', 'b7e1c3a0-sales', 'b7e1c3a0-accounting', 'b7e1c3a0-dpo']),
    );
  });

  test('the database admits PostgreSQL only from the VPN, the schema migrations function, the retention purge and the processors\' extract jobs', () => {
    const ingress = Object.values(template.findResources('AWS::EC2::SecurityGroupIngress', {
      Properties: { GroupId: { 'Fn::GetAtt': [logicalId(stack.database.securityGroup), 'GroupId'] } },
    })) as any[];
    const jobs = Object.values(stack.processors?.grants ?? {}).map((g) => g.job.securityGroup);
    expect(jobs).toHaveLength(1);
    const sources = [stack.vpn.securityGroup, stack.schema.handler.securityGroup, stack.retentionPurge.handler.securityGroup, ...jobs].map((sg) => ({
      'Fn::GetAtt': [logicalId(sg), 'GroupId'],
    }));
    expect(ingress.map((i) => [i.Properties.SourceSecurityGroupId, i.Properties.FromPort, i.Properties.ToPort])).toEqual(
      expect.arrayContaining(sources.map((source) => [source, 5432, 5432])),
    );
    expect(ingress).toHaveLength(sources.length);
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('^Contact database'),
      SecurityGroupIngress: Match.absent(),
    });
  });
});

describe('contact database', () => {
  test('is one Aurora PostgreSQL 16 Serverless v2 cluster with IAM auth, its own key and deletion protection', () => {
    template.resourceCountIs('AWS::RDS::DBCluster', 1);
    template.hasResource('AWS::RDS::DBCluster', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({
        Engine: 'aurora-postgresql',
        EngineVersion: Match.stringLikeRegexp('^16\\.'),
        StorageEncrypted: true,
        KmsKeyId: { 'Fn::GetAtt': [logicalId(stack.database.encryptionKey as never), 'Arn'] },
        EnableIAMDatabaseAuthentication: true,
        DeletionProtection: true,
        ManageMasterUserPassword: true,
        MasterUserSecret: { KmsKeyId: { 'Fn::GetAtt': [logicalId(stack.database.encryptionKey as never), 'Arn'] } },
        EnableCloudwatchLogsExports: ['postgresql'],
        ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 4 },
        BackupRetentionPeriod: 7,
      }),
    });
  });

  test('its key is not the logs key, rotates and is retained', () => {
    expect(logicalId(stack.database.encryptionKey as never)).not.toBe(logicalId(stack.logsKey));
    template.hasResource('AWS::KMS::Key', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({ EnableKeyRotation: true, Description: Match.stringLikeRegexp('^Contact database') }),
    });
  });

  test('forces TLS 1.2+ in the cluster parameter group', () => {
    template.hasResourceProperties('AWS::RDS::DBClusterParameterGroup', {
      Parameters: Match.objectLike({ 'rds.force_ssl': '1', ssl_min_protocol_version: 'TLSv1.2', log_connections: '1' }),
    });
  });

  test('exports PostgreSQL logs to an encrypted log group created before the cluster', () => {
    template.hasResource('AWS::Logs::LogGroup', {
      DeletionPolicy: 'Retain',
      Properties: {
        LogGroupName: '/aws/rds/cluster/gdprcontactbaseline-contacts/postgresql',
        KmsKeyId: Match.anyValue(),
        RetentionInDays: 365,
      },
    });
    const cluster = Object.values(template.findResources('AWS::RDS::DBCluster'))[0] as any;
    expect(cluster.DependsOn).toContain(logicalId(stack.database.logGroup));
  });

  test('its instances are private and in the database subnets', () => {
    const instances = Object.values(template.findResources('AWS::RDS::DBInstance')) as any[];
    expect(instances).toHaveLength(2);
    for (const instance of instances) expect(instance.Properties.PubliclyAccessible).toBe(false);
    const subnetGroup = Object.values(template.findResources('AWS::RDS::DBSubnetGroup'))[0] as any;
    const databaseSubnets = stack.network.vpc.selectSubnets(stack.network.databaseSubnets).subnets.map((s) => ({ Ref: logicalId(s) }));
    expect(subnetGroup.Properties.SubnetIds).toEqual(databaseSubnets);
  });
});

describe('schema migrations at deploy time', () => {
  test('a custom resource applies the migrations and the catalog privileges from a function in the VPC', () => {
    template.hasResourceProperties('Custom::ContactSchema', {
      ServiceToken: { 'Fn::GetAtt': [logicalId(stack.schema.handler.function), 'Arn'] },
      Migrations: Match.stringLikeRegexp('^1:[0-9a-f]{64}'),
      CatalogSqlSha256: stack.schema.catalogSqlSha256,
    });
    const resource = Object.values(template.findResources('Custom::ContactSchema'))[0] as any;
    expect(resource.DependsOn).toEqual(expect.arrayContaining([logicalId(stack.database.cluster)]));
    expect(stack.schema.catalogSql).toMatch(/GRANT SELECT \([^)]*"email"[^)]*\) ON "crm"\."contacts" TO "marketing";/);
  });

  test('the function reads only the master secret, and decrypts it only through Secrets Manager', () => {
    const cluster = logicalId(stack.database.cluster);
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          { Sid: 'ReadMasterSecret', Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: { 'Fn::GetAtt': [cluster, 'MasterUserSecret.SecretArn'] } },
          {
            Sid: 'DecryptMasterSecret',
            Effect: 'Allow',
            Action: 'kms:Decrypt',
            Resource: { 'Fn::GetAtt': [logicalId(stack.database.encryptionKey as never), 'Arn'] },
            Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-3.amazonaws.com' } },
          },
        ]),
      },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'Applies the contact database migrations and catalog privileges',
      Environment: { Variables: Match.objectLike({ NODE_EXTRA_CA_CERTS: '/var/runtime/ca-cert.pem', DB_NAME: 'contacts', DB_PORT: '5432' }) },
      VpcConfig: Match.objectLike({ SubnetIds: Match.anyValue() }),
    });
  });
});

describe('nothing holding personal data is lost when the stack is deleted', () => {
  test('every stateful resource is retained on deletion and replacement', () => {
    const stateful = Object.entries(template.toJSON().Resources as Record<string, any>).filter(([, r]) =>
      STATEFUL_TYPES.includes(r.Type) && !(r.Type === 'AWS::RDS::DBInstance' && r.Properties.DBClusterIdentifier),
    );
    expect(stateful.length).toBeGreaterThanOrEqual(7);
    for (const [id, r] of stateful) {
      expect([id, r.DeletionPolicy, r.UpdateReplacePolicy]).toEqual([id, 'Retain', 'Retain']);
    }
  });

  test('logical ids of the data stores are pinned (a rename would replace them)', () => {
    expect({
      cluster: logicalId(stack.database.cluster),
      databaseKey: logicalId(stack.database.encryptionKey as never),
      logsKey: logicalId(stack.logsKey),
      databaseLogs: logicalId(stack.database.logGroup),
      vpc: logicalId(stack.network.vpc),
    }).toEqual({
      cluster: 'ContactDatabaseCluster3D2A951D',
      databaseKey: 'ContactDatabaseKeyC5B41393',
      logsKey: 'LogsKeyA6AB43B2',
      databaseLogs: 'ContactDatabasePostgresqlLogsB7EF9A14',
      vpc: 'NetworkVpc7FB7348F',
    });
  });
});
