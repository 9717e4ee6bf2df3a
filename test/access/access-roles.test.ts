import { App, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as rds from 'aws-cdk-lib/aws-rds';
import { AccessRoles, OPERATOR_ROLE_NAME } from '../../lib/access/access-roles';
import { Catalog } from '../../lib/catalog/catalog';
import { actionMatches } from '../../lib/nag/rules/db-connect-scoped';
import { DATA_ACCESS_ACTIONS } from '../../lib/nag/rules/no-wildcard-data-access';
import type { ContactBaselineStack } from '../../lib/stacks/contact-baseline-stack';
import { defaultConfig, referenceTemplate } from '../helpers/reference';


const CATALOG_ROLES = ['marketing', 'sales', 'accounting', 'dpo'];
/** Logical ids are public API: renaming a role's construct would replace the role and break every session and grant on it. */
const PINNED_LOGICAL_IDS = {
  marketing: 'AccessmarketingFA0E445D',
  sales: 'Accesssales2B89C052',
  accounting: 'Accessaccounting6BE8A242',
  dpo: 'AccessdpoE5FD5AE7',
  operator: 'AccessOperator9D7E479F',
};
/** Actions that reveal personal data or its means, which the operator must not hold in any form. */
const PERSONAL_DATA_ACTIONS = [...DATA_ACCESS_ACTIONS, 'logs:GetLogEvents', 'logs:FilterLogEvents', 'logs:StartQuery', 'rds:DownloadDBLogFilePortion', 'pi:GetResourceMetrics'];

let stack: ContactBaselineStack;
let template: Template;
let resources: Record<string, any>;

function logicalIdOf(name: string): string {
  const role = name === OPERATOR_ROLE_NAME ? stack.access.operator : stack.access.roles[name];
  return stack.getLogicalId(role.node.defaultChild as any);
}

/** The customer-managed policies of the template that list the role. */
function policiesOf(roleLogicalId: string): [string, any][] {
  return Object.entries(resources).filter(
    ([, r]) => r.Type === 'AWS::IAM::ManagedPolicy' && (r.Properties.Roles ?? []).some((ref: any) => ref.Ref === roleLogicalId),
  );
}

/** An ARN as the test app renders it (the partition stays a token). */
const arn = (...rest: unknown[]) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ...rest]] });
const clusterResourceId = () => ({ 'Fn::GetAtt': [stack.getLogicalId(stack.database.cluster.node.defaultChild as any), 'DBClusterResourceId'] });

beforeAll(() => {
  ({ stack, template } = referenceTemplate());
  resources = template.toJSON().Resources;
});

describe('AccessRoles in the reference stack', () => {
  test('one IAM role per catalog role plus the operator, with pinned logical ids', () => {
    expect(stack.catalog.roles.map((r) => r.name)).toEqual(CATALOG_ROLES);
    expect(Object.keys(stack.access.roles)).toEqual(CATALOG_ROLES);
    const ids = Object.fromEntries([...CATALOG_ROLES, OPERATOR_ROLE_NAME].map((name) => [name, logicalIdOf(name)]));
    expect(ids).toEqual(PINNED_LOGICAL_IDS);
    const tagged = Object.values(resources)
      .filter((r: any) => r.Type === 'AWS::IAM::Role')
      .map((r: any) => (r.Properties.Tags ?? []).find((t: any) => t.Key === 'gdpr:role')?.Value)
      .filter((v) => v !== undefined)
      .sort();
    expect(tagged).toEqual([...CATALOG_ROLES, OPERATOR_ROLE_NAME].sort());
  });

  test.each([...CATALOG_ROLES, OPERATOR_ROLE_NAME])('%s: only principals of the account, with MFA younger than the configured age, can assume it', (name) => {
    expect(resources[logicalIdOf(name)].Properties.AssumeRolePolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: 'sts:AssumeRole',
          Principal: { AWS: arn(':iam::111122223333:root') },
          Condition: {
            Bool: { 'aws:MultiFactorAuthPresent': 'true' },
            NumericLessThan: { 'aws:MultiFactorAuthAge': '3600' },
          },
        },
      ],
    });
  });

  test.each([...CATALOG_ROLES, OPERATOR_ROLE_NAME])('%s: sessions last at most the configured hour, permissions only in managed policies', (name) => {
    const role = resources[logicalIdOf(name)].Properties;
    expect(role.MaxSessionDuration).toBe(3600);
    expect(role.Policies).toBeUndefined();
    expect(role.ManagedPolicyArns).toBeUndefined();
  });

  test.each(CATALOG_ROLES)('%s: tagged with its role and the categories it reads or writes', (name) => {
    const entry = stack.catalog.role(name);
    const categories = [...new Set([...entry.reads, ...entry.writes].map((c) => c.name))].join(' ');
    expect(resources[logicalIdOf(name)].Properties.Tags).toEqual(
      expect.arrayContaining([
        { Key: 'gdpr:role', Value: name },
        { Key: 'gdpr:categories', Value: categories },
      ]),
    );
  });

  test.each(CATALOG_ROLES)('%s: its only permission is rds-db:connect as its own database user, besides the region guard', (name) => {
    const id = logicalIdOf(name);
    const guard = stack.getLogicalId(stack.regionGuard.policy.node.defaultChild as any);
    const policies = policiesOf(id);
    expect(policies.map(([policyId]) => policyId).sort()).toEqual([guard, stack.getLogicalId(stack.access.databaseRoles[name].policy.node.defaultChild as any)].sort());
    const own = policies.find(([policyId]) => policyId !== guard)?.[1];
    expect(own.Properties.PolicyDocument.Statement).toEqual([
      {
        Sid: 'ConnectAsOwnDatabaseUser',
        Effect: 'Allow',
        Action: 'rds-db:connect',
        Resource: arn(':rds-db:eu-west-3:111122223333:dbuser:', clusterResourceId(), `/${name}`),
      },
    ]);
    // The user name in the ARN is the PostgreSQL role the database grants (lib/database/grants.ts).
    expect(stack.resolve(stack.access.databaseUserArn(name))).toEqual(own.Properties.PolicyDocument.Statement[0].Resource);
  });

  test('the operator holds no action that reads personal data, in any of its policies', () => {
    const statements = policiesOf(logicalIdOf(OPERATOR_ROLE_NAME)).flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
    const allowed = statements.filter((s: any) => s.Effect === 'Allow');
    expect(allowed.every((s: any) => s.NotAction === undefined)).toBe(true);
    const actions: string[] = allowed.flatMap((s: any) => [s.Action].flat());
    expect(actions.sort()).toEqual(['cloudwatch:GetMetricData', 'cloudwatch:ListMetrics', 'rds:DescribeDBClusters', 'rds:DescribeDBInstances']);
    const reaching = PERSONAL_DATA_ACTIONS.filter((data) => actions.some((a) => actionMatches(a, data)));
    expect(reaching).toEqual([]);
  });

  test('the operator describes only the contact cluster and its instances', () => {
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      Roles: [{ Ref: PINNED_LOGICAL_IDS.operator }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'rds:DescribeDBClusters',
            Resource: arn(':rds:eu-west-3:111122223333:cluster:', { Ref: stack.getLogicalId(stack.database.cluster.node.defaultChild as any) }),
          }),
          Match.objectLike({
            Action: 'rds:DescribeDBInstances',
            Resource: (stack.resolve(stack.database.cluster.instanceIdentifiers) as unknown[]).map((ref) => arn(':rds:eu-west-3:111122223333:db:', ref)),
          }),
        ]),
      },
    });
  });

  test('the metrics wildcard is acknowledged on the operator policy only, for AwsSolutions-IAM5 Resource::*', () => {
    const acknowledged = Object.entries(resources)
      .filter(([id]) => id.startsWith('Access'))
      .flatMap(([id, r]: [string, any]) => (r.Metadata?.cdk_nag?.rules_to_suppress ?? []).map((s: any) => `${id}:${s.id}`));
    expect(acknowledged).toEqual([`${stack.getLogicalId(stack.access.operatorPolicy.node.defaultChild as any)}:AwsSolutions-IAM5[Resource::*]`]);
  });

  test('databaseUserArn refuses a role the catalog does not declare', () => {
    expect(() => stack.access.databaseUserArn('cleaning')).toThrow(/unknown role "cleaning"; catalog roles: marketing, sales, accounting, dpo/);
  });
});

describe('AccessRoles props and validation', () => {
  /** A catalog from the default configuration, adjusted. */
  function catalog(change: (config: ReturnType<typeof defaultConfig>) => void = () => undefined): Catalog {
    const config = defaultConfig();
    change(config);
    return Catalog.fromConfig(config);
  }

  function clusterIn(stackUnderTest: Stack, iamAuthentication = true): rds.DatabaseCluster {
    const vpc = new ec2.Vpc(stackUnderTest, 'Vpc', {
      availabilityZones: ['eu-west-3a', 'eu-west-3b'],
      natGateways: 0,
      subnetConfiguration: [{ name: 'Data', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
    });
    return new rds.DatabaseCluster(stackUnderTest, 'Cluster', {
      engine: rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_16_13 }),
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      writer: rds.ClusterInstance.serverlessV2('Writer'),
      iamAuthentication,
    });
  }

  function newStack(): Stack {
    return new Stack(new App(), 'S', { env: { account: '111122223333', region: 'eu-west-3' } });
  }

  test('trustedPrincipalArns from the catalog become an ArnLike aws:PrincipalArn condition; durations come from the catalog', () => {
    // Given a catalog that trusts only the identity provider's roles, 2-hour sessions and 15-minute MFA
    const sso = 'arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-3/AWSReservedSSO_*';
    const s = newStack();
    const access = new AccessRoles(s, 'Access', {
      catalog: catalog((c) => {
        c.access.trustedPrincipalArns = [sso];
        c.access.maxSessionHours = 2;
        c.access.mfaMaxAgeSeconds = 900;
      }),
      cluster: clusterIn(s),
    });
    // Then every role's trust names them
    const t = Template.fromStack(s);
    expect(access.trustedPrincipalArns).toEqual([sso]);
    t.resourcePropertiesCountIs(
      'AWS::IAM::Role',
      {
        MaxSessionDuration: 7200,
        AssumeRolePolicyDocument: {
          Statement: [
            Match.objectLike({
              Condition: {
                Bool: { 'aws:MultiFactorAuthPresent': 'true' },
                NumericLessThan: { 'aws:MultiFactorAuthAge': '900' },
                ArnLike: { 'aws:PrincipalArn': [sso] },
              },
            }),
          ],
        },
      },
      5,
    );
    Annotations.fromStack(s).hasNoWarning('*', Match.anyValue());
  });

  test('explicit props override the catalog settings', () => {
    const s = newStack();
    const access = new AccessRoles(s, 'Access', {
      catalog: catalog(),
      cluster: clusterIn(s),
      maxSessionDuration: Duration.hours(4),
      mfaMaxAge: Duration.minutes(10),
      trustedPrincipalArns: ['arn:aws:iam::111122223333:role/Admin*'],
    });
    expect([access.maxSessionDuration.toSeconds(), access.mfaMaxAge.toSeconds(), access.trustedPrincipalArns]).toEqual([
      14400,
      600,
      ['arn:aws:iam::111122223333:role/Admin*'],
    ]);
  });

  test('refuses a catalog role named operator', () => {
    const s = newStack();
    const clash = catalog((c) => {
      c.roles[0].name = 'operator';
    });
    expect(() => new AccessRoles(s, 'Access', { catalog: clash, cluster: clusterIn(s) })).toThrow(
      /catalog role "operator" clashes with the operator role this construct creates/,
    );
  });

  test.each([
    [Duration.minutes(30), /maxSessionDuration must be between 1 and 12 hours; got 30 minutes/],
    [Duration.hours(13), /maxSessionDuration must be between 1 and 12 hours; got 13 hours/],
  ])('refuses a session of %s', (maxSessionDuration, message) => {
    const s = newStack();
    expect(() => new AccessRoles(s, 'Access', { catalog: catalog(), cluster: clusterIn(s), maxSessionDuration })).toThrow(message);
  });

  test('refuses an MFA age above 12 hours', () => {
    const s = newStack();
    expect(() => new AccessRoles(s, 'Access', { catalog: catalog(), cluster: clusterIn(s), mfaMaxAge: Duration.hours(13) })).toThrow(
      /mfaMaxAge must be between 1 second and 12 hours; got 13 hours/,
    );
  });

  test('refuses a trusted principal that is not an IAM principal ARN, naming it', () => {
    const s = newStack();
    expect(
      () => new AccessRoles(s, 'Access', { catalog: catalog(), cluster: clusterIn(s), trustedPrincipalArns: ['arn:aws:s3:::bucket'] }),
    ).toThrow(/trustedPrincipalArns must be IAM principal ARNs .*; got arn:aws:s3:::bucket/);
  });

  test('refuses a cluster without IAM database authentication', () => {
    const s = newStack();
    expect(() => new AccessRoles(s, 'Access', { catalog: catalog(), cluster: clusterIn(s, false) })).toThrow(
      /must enable IAM database authentication \(iamAuthentication: true\)/,
    );
  });
});
