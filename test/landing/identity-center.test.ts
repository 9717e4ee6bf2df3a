import { runSimulation } from '@cloud-copilot/iam-simulate';
import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as rds from 'aws-cdk-lib/aws-rds';
import { Template } from 'aws-cdk-lib/assertions';
import { AccessRoles } from '../../lib/access/access-roles';
import { Catalog } from '../../lib/catalog/catalog';
import type { BaselineConfig } from '../../lib/config/schema';
import { ContactBaselineStack } from '../../lib/stacks/contact-baseline-stack';
import { SynthesizedIam } from '../access/synthesized-iam';
import { problems } from '../helpers/config';
import { defaultConfig, defaultConfigInput } from '../helpers/reference';
import { baselineStacks, configWith, unacknowledgedFindings } from './helpers';

/*
 * IAM Identity Center: a catalog role trusted by the roles of a permission set must not require
 * aws:MultiFactorAuthPresent, which Identity Center sessions never carry (the role could never be assumed),
 * yet must not be assumable by anything else. The DPO role here trusts its permission set AND one IAM user
 * named exactly (break-glass): the user keeps the MFA conditions. Trust policies are read from the
 * synthesized template and evaluated by a real IAM policy simulator.
 */

const ACCOUNT = '111122223333';
const SSO = 'role/aws-reserved/sso.amazonaws.com/eu-west-3';
const BREAK_GLASS = `arn:aws:iam::${ACCOUNT}:user/dpo-break-glass`;
const DPO = 3;

let config: BaselineConfig;
let stack: ContactBaselineStack;
let iam: SynthesizedIam;
let template: Template;
beforeAll(() => {
  config = configWith((c) => c.roles[DPO].trustedPrincipalArns.push(BREAK_GLASS));
  stack = baselineStacks(config)[0] as ContactBaselineStack;
  template = Template.fromStack(stack);
  iam = new SynthesizedIam(template.toJSON() as never, { account: ACCOUNT, region: 'eu-west-3' });
});

const dpoRole = () => stack.getLogicalId(stack.access.roles.dpo.node.defaultChild as never);

async function canAssume(principalArn: string, session: string, context: Record<string, string>): Promise<boolean> {
  const response = await runSimulation(
    {
      request: {
        principal: session,
        action: 'sts:AssumeRole',
        resource: { resource: iam.roleArn(dpoRole()), accountId: ACCOUNT },
        contextVariables: { 'aws:RequestedRegion': 'eu-west-3', 'aws:PrincipalAccount': session.split(':')[4], 'aws:PrincipalArn': principalArn, ...context },
      },
      identityPolicies: [{ name: 'caller', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }] } }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: iam.trustPolicy(dpoRole()),
    },
    {},
  );
  if (response.resultType !== 'single') throw new Error(`simulation did not run: ${JSON.stringify(response)}`);
  return response.overallResult === 'Allowed';
}

const permissionSet = (set: string, path = SSO, account = ACCOUNT) => {
  const name = `AWSReservedSSO_${set}_0123456789abcdef`;
  return [`arn:aws:iam::${account}:${path}/${name}`, `arn:aws:sts::${account}:assumed-role/${name}/alice@hotels-exemple.fr`] as const;
};
const user = (name: string) => [`arn:aws:iam::${ACCOUNT}:user/${name}`, `arn:aws:iam::${ACCOUNT}:user/${name}`] as const;
const FRESH_MFA = { 'aws:MultiFactorAuthPresent': 'true', 'aws:MultiFactorAuthAge': '60' };
/** What an Identity Center session carries: neither MFA key. */
const NO_MFA_KEYS = {};

describe('a role trusted by a permission set and by one IAM user', () => {
  test('two statements: the permission set without MFA keys, the user with MFA', () => {
    const statements = iam.trustPolicy(dpoRole()).Statement as any[];
    expect(statements.map((s) => s.Condition)).toEqual([
      { Bool: { 'aws:MultiFactorAuthPresent': 'true' }, NumericLessThan: { 'aws:MultiFactorAuthAge': '3600' }, ArnLike: { 'aws:PrincipalArn': [BREAK_GLASS] } },
      { ArnLike: { 'aws:PrincipalArn': [`arn:aws:iam::${ACCOUNT}:${SSO}/AWSReservedSSO_ContactDpo_????????????????`] } },
    ]);
  });

  test('a session of the permission set may, as Identity Center sessions come (no MFA key): the denials below are not vacuous', async () => {
    await expect(canAssume(...permissionSet('ContactDpo'), NO_MFA_KEYS)).resolves.toBe(true);
  });

  test('the named user may with a fresh MFA sign-in, and not without MFA, with no MFA key or with an old one', async () => {
    await expect(canAssume(...user('dpo-break-glass'), FRESH_MFA)).resolves.toBe(true);
    await expect(canAssume(...user('dpo-break-glass'), { 'aws:MultiFactorAuthPresent': 'false' })).resolves.toBe(false);
    await expect(canAssume(...user('dpo-break-glass'), NO_MFA_KEYS)).resolves.toBe(false);
    await expect(canAssume(...user('dpo-break-glass'), { 'aws:MultiFactorAuthPresent': 'true', 'aws:MultiFactorAuthAge': '7200' })).resolves.toBe(false);
  });

  test('the statement without MFA admits nothing else: another user, another permission set, a look-alike path, another account', async () => {
    for (const context of [NO_MFA_KEYS, FRESH_MFA]) {
      await expect(canAssume(...user('mallory'), context)).resolves.toBe(false);
      await expect(canAssume(...permissionSet('ContactSales'), context)).resolves.toBe(false);
      await expect(canAssume(...permissionSet('ContactDpo_ReadOnly'), context)).resolves.toBe(false);
      await expect(canAssume(...permissionSet('ContactDpo', 'role/attacker/sso.amazonaws.com/eu-west-3'), context)).resolves.toBe(false);
      await expect(canAssume(...permissionSet('ContactDpo', 'role'), context)).resolves.toBe(false);
      await expect(canAssume(...permissionSet('ContactDpo', SSO, '444455556666'), context)).resolves.toBe(false);
    }
  });

  test('every pack: zero unacknowledged findings', () => {
    expect(unacknowledgedFindings(stack, config)).toEqual([]);
  });
});

describe('where MFA is enforced must be said', () => {
  test('roles trusted by a permission set without landingZone.identityCenter: one line saying why and what to set', () => {
    expect(problems((() => { const c = defaultConfigInput(); delete c.landingZone; return c; })())).toEqual([
      'landingZone.identityCenter: roles are trusted by IAM Identity Center permission sets, whose sessions never carry aws:MultiFactorAuthPresent; set landingZone.identityCenter.mfaEnforcement to say where MFA is enforced (the trust policies then test the permission set, not MFA)',
    ]);
  });

  test('a vague statement is refused', () => {
    const c = defaultConfigInput();
    c.landingZone.identityCenter.mfaEnforcement = 'yes';
    expect(problems(c)).toEqual([expect.stringMatching(/^landingZone\.identityCenter\.mfaEnforcement: say where MFA is enforced for Identity Center sign-ins, in at least 30 characters/)]);
  });

  test('roles trusted by IAM principals named exactly need no Identity Center statement', () => {
    const c = defaultConfigInput();
    delete c.landingZone;
    for (const role of c.roles) role.trustedPrincipalArns = [`arn:aws:iam::${ACCOUNT}:role/people/${role.name}`];
    c.access.operatorTrustedPrincipalArns = [`arn:aws:iam::${ACCOUNT}:role/people/operator`];
    expect(problems(c)).toEqual([]);
  });

  test('AccessRoles refuses a permission-set trust without it, naming the roles', () => {
    const s = new Stack(new App(), 'S', { env: { account: ACCOUNT, region: 'eu-west-3' } });
    const vpc = new ec2.Vpc(s, 'Vpc', { availabilityZones: ['eu-west-3a', 'eu-west-3b'], natGateways: 0, subnetConfiguration: [{ name: 'Data', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    const cluster = new rds.DatabaseCluster(s, 'Db', {
      engine: rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_16_4 }),
      writer: rds.ClusterInstance.serverlessV2('Writer'),
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      iamAuthentication: true,
    });
    const catalog = Catalog.fromConfig({ ...defaultConfig(), landingZone: {} });
    expect(() => new AccessRoles(s, 'Access', { catalog, cluster })).toThrow(
      /roles marketing, sales, accounting, dpo, operator are trusted by IAM Identity Center permission sets, .*set identityCenterMfaEnforcement/,
    );
  });
});
