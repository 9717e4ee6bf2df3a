import { App, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as rds from 'aws-cdk-lib/aws-rds';
import { AccessRoles, OPERATOR_ROLE_NAME } from '../../lib/access/access-roles';
import { Catalog } from '../../lib/catalog/catalog';
import { iamWildcardMatch } from '../../lib/nag/iam';
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

  const PERMISSION_SETS: Record<string, string> = { marketing: 'ContactMarketing', sales: 'ContactSales', accounting: 'ContactAccounting', dpo: 'ContactDpo', operator: 'ContactOperator' };

  test.each([...CATALOG_ROLES, OPERATOR_ROLE_NAME])('%s: only its own permission-set roles of the account can assume it, with no test of the MFA keys Identity Center sessions never carry', (name) => {
    expect(resources[logicalIdOf(name)].Properties.AssumeRolePolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: 'sts:AssumeRole',
          Principal: { AWS: arn(':iam::111122223333:root') },
          Condition: {
            ArnLike: { 'aws:PrincipalArn': [`arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-3/AWSReservedSSO_${PERMISSION_SETS[name]}_????????????????`] },
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
    const reaching = PERSONAL_DATA_ACTIONS.filter((data) => actions.some((a) => iamWildcardMatch(a, data)));
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
      .flatMap(([id, r]: [string, any]) => (r.Metadata?.cdk_nag?.rules_to_suppress ?? []).map((s: any) => `${id}:${s.id}`))
      .filter((ack) => !ack.endsWith(':GDPR-Art32-HumanRoleRequiresMfa[MfaAtIdentityProvider]'));
    expect(acknowledged).toEqual([`${stack.getLogicalId(stack.access.operatorPolicy.node.defaultChild as any)}:AwsSolutions-IAM5[Resource::*]`]);
  });

  test.each([...CATALOG_ROLES, OPERATOR_ROLE_NAME])('%s: MFA at the Identity Center sign-in is acknowledged on the role, with where the configuration says it is enforced', (name) => {
    const acks = (resources[logicalIdOf(name)].Metadata?.cdk_nag?.rules_to_suppress ?? []) as { id: string; reason: string }[];
    expect(acks.map((a) => a.id)).toEqual(['GDPR-Art32-HumanRoleRequiresMfa[MfaAtIdentityProvider]']);
    expect(acks[0].reason).toContain(`permission set ${PERMISSION_SETS[name]} (ArnLike`);
    expect(acks[0].reason).toContain(stack.catalog.access.identityCenterMfaEnforcement);
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

  const ssoRole = (permissionSet: string) => `arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-3/AWSReservedSSO_${permissionSet}_*`;

  test('each role trusts its own principals from the catalog, as ArnLike aws:PrincipalArn; durations come from the catalog', () => {
    // Given a catalog whose dpo role trusts only the DPO permission set, 2-hour sessions and 15-minute MFA
    const s = newStack();
    const access = new AccessRoles(s, 'Access', {
      catalog: catalog((c) => {
        c.roles[3].trustedPrincipalArns = [ssoRole('Dpo')];
        c.access.maxSessionHours = 2;
        c.access.mfaMaxAgeSeconds = 900;
      }),
      cluster: clusterIn(s),
    });
    // Then the dpo role's trust names the DPO permission set and nothing else (its sessions carry no MFA key)
    const t = Template.fromStack(s);
    expect(access.trustedPrincipalArns.dpo).toEqual([ssoRole('Dpo')]);
    expect(access.trustedPrincipalArns.operator).toEqual([ssoRole('ContactOperator')]);
    const dpo = t.toJSON().Resources[s.getLogicalId(access.roles.dpo.node.defaultChild as any)];
    expect(dpo.Properties.MaxSessionDuration).toBe(7200);
    expect(dpo.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      expect.objectContaining({
        Action: 'sts:AssumeRole',
        Condition: {
          // The configured _* as the 16 characters of Identity Center's suffix.
          ArnLike: { 'aws:PrincipalArn': [ssoRole('Dpo').replace(/\*$/, '?'.repeat(16))] },
        },
      }),
    ]);
    Annotations.fromStack(s).hasNoWarning('*', Match.anyValue());
  });

  test('explicit props override the catalog settings, role by role', () => {
    const s = newStack();
    const admin = 'arn:aws:iam::111122223333:role/ContactAdmin';
    const access = new AccessRoles(s, 'Access', {
      catalog: catalog(),
      cluster: clusterIn(s),
      maxSessionDuration: Duration.hours(4),
      mfaMaxAge: Duration.minutes(10),
      trustedPrincipalArns: { operator: [admin] },
    });
    expect([access.maxSessionDuration.toSeconds(), access.mfaMaxAge.toSeconds(), access.trustedPrincipalArns.operator, access.trustedPrincipalArns.sales]).toEqual([
      14400,
      600,
      [admin],
      [ssoRole('ContactSales')],
    ]);
  });

  test('refuses a role that names no trusted principal, unless any MFA principal is explicitly allowed', () => {
    const s = newStack();
    const none = catalog((c) => {
      c.roles[3].trustedPrincipalArns = [];
    });
    expect(() => new AccessRoles(s, 'Access', { catalog: none, cluster: clusterIn(s) })).toThrow(
      /role "dpo" names no trusted principal; list who may assume it in trustedPrincipalArns .* or set trustAnyMfaPrincipal: true/,
    );
  });

  test('trustAnyMfaPrincipal lets a role without principals trust any MFA principal of the account, with a warning naming the DPO', () => {
    const s = newStack();
    const access = new AccessRoles(s, 'Access', {
      catalog: catalog((c) => {
        c.roles[3].trustedPrincipalArns = [];
      }),
      cluster: clusterIn(s),
      trustAnyMfaPrincipal: true,
    });
    const dpo = Template.fromStack(s).toJSON().Resources[s.getLogicalId(access.roles.dpo.node.defaultChild as any)];
    expect(dpo.Properties.AssumeRolePolicyDocument.Statement[0].Condition.ArnLike).toBeUndefined();
    expect(dpo.Properties.AssumeRolePolicyDocument.Statement[0].Condition.Bool).toEqual({ 'aws:MultiFactorAuthPresent': 'true' });
    const warnings = Annotations.fromStack(s).findWarning('*', Match.stringLikeRegexp('Role dpo can be assumed by any IAM principal'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0].entry.data).toMatch(/IAM policies, not the catalog, decide who holds it \(who is the DPO\)/);
    // The roles that list principals keep them, with no warning
    expect(Annotations.fromStack(s).findWarning('*', Match.stringLikeRegexp('Role sales can be assumed'))).toHaveLength(0);
  });

  test.each([
    ['another account', 'arn:aws:iam::444455556666:role/aws-reserved/sso.amazonaws.com/eu-west-3/AWSReservedSSO_ContactDpo_*', /must be a principal of the stack's account 111122223333, not 444455556666/],
    ['a wildcard account', 'arn:aws:iam::*:role/Dpo', /must be an IAM role or user, named exactly/],
    ['a wildcard role name', 'arn:aws:iam::111122223333:role/*', /the only wildcard is the trailing _\* of AWSReservedSSO_<PermissionSet>_\*/],
    ['every permission set', 'arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/*', /must be an IAM role or user, named exactly/],
    ['a permission-set prefix', 'arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-3/AWSReservedSSO_Contact*', /must be an IAM role or user/],
    ['an assumed-role session', 'arn:aws:sts::111122223333:assumed-role/Dpo/alice', /an assumed-role session ARN never matches aws:PrincipalArn/],
    ['the account root', 'arn:aws:iam::111122223333:root', /must be an IAM role or user/],
    ['not an IAM ARN', 'arn:aws:s3:::bucket', /must be an IAM role or user/],
  ])('refuses a trusted principal of %s, naming the role and the value', (_what, bad, message) => {
    const build = () => {
      const s = newStack();
      return new AccessRoles(s, 'Access', { catalog: catalog(), cluster: clusterIn(s), trustedPrincipalArns: { dpo: [bad] } });
    };
    expect(build).toThrow(message);
    expect(build).toThrow(`AccessRoles: trustedPrincipalArns of role "dpo": `);
    expect(build).toThrow(`; got ${bad}`);
  });

  test('refuses trusted principals for a role the catalog does not declare', () => {
    const s = newStack();
    expect(() => new AccessRoles(s, 'Access', { catalog: catalog(), cluster: clusterIn(s), trustedPrincipalArns: { dop: [ssoRole('Dpo')] } })).toThrow(
      /names role "dop", which is neither a catalog role nor operator/,
    );
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

  test('refuses a cluster without IAM database authentication', () => {
    const s = newStack();
    expect(() => new AccessRoles(s, 'Access', { catalog: catalog(), cluster: clusterIn(s, false) })).toThrow(
      /must enable IAM database authentication \(iamAuthentication: true\)/,
    );
  });
});
