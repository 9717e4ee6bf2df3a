import { runSimulation } from '@cloud-copilot/iam-simulate';
import { OPERATOR_ROLE_NAME } from '../../lib/access/access-roles';
import { loadMigrations } from '../../lib/database/migrations';
import { accessMatrix, renderAccessMatrix } from '../../lib/review/access-matrix';
import type { ContactBaselineStack } from '../../lib/stacks/contact-baseline-stack';
import { SynthesizedIam } from '../access/synthesized-iam';
import { withChange } from '../helpers/config';
import { defaultConfig, referenceTemplate } from '../helpers/reference';

/*
 * Attacks on who may assume a catalog role. The trust policies are read from
 * the synthesized reference template and evaluated by a real IAM policy
 * simulator (@cloud-copilot/iam-simulate): being a principal of the account,
 * even with a fresh MFA sign-in and sts:AssumeRole on *, is not enough; the
 * role must list the caller.
 */

let stack: ContactBaselineStack;
let iam: SynthesizedIam;
let account: string;
let referenceJson: unknown;
const MFA = { 'aws:MultiFactorAuthPresent': 'true', 'aws:MultiFactorAuthAge': '60' };
const SSO = 'role/aws-reserved/sso.amazonaws.com/eu-west-3';
/** What an Identity Center session carries: no aws:MultiFactorAuthPresent, no aws:MultiFactorAuthAge (MFA is at its sign-in). */
const IDENTITY_CENTER_SESSION = {};

beforeAll(() => {
  const reference = referenceTemplate();
  stack = reference.stack;
  account = stack.account;
  referenceJson = reference.template.toJSON();
  iam = new SynthesizedIam(referenceJson as never, { account, region: stack.region });
});

function roleLogicalId(name: string): string {
  const role = name === OPERATOR_ROLE_NAME ? stack.access.operator : stack.access.roles[name];
  return stack.getLogicalId(role.node.defaultChild as never);
}

/**
 * Whether a caller may assume the role. `principalArn` is what IAM puts in aws:PrincipalArn:
 * the role ARN for an assumed-role session, the user ARN for a user.
 */
async function canAssume(roleName: string, caller: { session: string; principalArn: string }, context: Record<string, string> = MFA): Promise<boolean> {
  const role = roleLogicalId(roleName);
  const response = await runSimulation(
    {
      request: {
        principal: caller.session,
        action: 'sts:AssumeRole',
        resource: { resource: iam.roleArn(role), accountId: account },
        contextVariables: { 'aws:RequestedRegion': stack.region, 'aws:PrincipalAccount': caller.session.split(':')[4], 'aws:PrincipalArn': caller.principalArn, ...context },
      },
      // The caller's own policy allows sts:AssumeRole on everything: only the trust policy stands in the way.
      identityPolicies: [{ name: 'caller', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }] } }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: iam.trustPolicy(role),
    },
    {},
  );
  if (response.resultType !== 'single') throw new Error(`simulation did not run: ${JSON.stringify(response)}`);
  return response.overallResult === 'Allowed';
}

/** A session of an Identity Center permission-set role (Identity Center adds a 16-hex-digit suffix). */
const ssoSession = (permissionSet: string, path = SSO, acct = account) => {
  const name = `AWSReservedSSO_${permissionSet}_0123456789abcdef`;
  return { session: `arn:aws:sts::${acct}:assumed-role/${name}/alice@hotels-exemple.fr`, principalArn: `arn:aws:iam::${acct}:${path}/${name}` };
};

describe('who may assume the DPO role (reference configuration)', () => {
  test('a session of the DPO permission set may, as Identity Center sessions are: without the MFA keys (the denials below are not vacuous)', async () => {
    await expect(canAssume('dpo', ssoSession('ContactDpo'), IDENTITY_CENTER_SESSION)).resolves.toBe(true);
    await expect(canAssume('dpo', ssoSession('ContactDpo'))).resolves.toBe(true);
  });

  test('a principal of the account that the role does not list cannot, even with MFA: another permission set', async () => {
    await expect(canAssume('dpo', ssoSession('ContactSales'))).resolves.toBe(false);
    await expect(canAssume('dpo', ssoSession('ContactOperator'))).resolves.toBe(false);
  });

  test('nor an IAM user of the account with MFA, nor an account administrator role', async () => {
    await expect(canAssume('dpo', { session: `arn:aws:iam::${account}:user/mallory`, principalArn: `arn:aws:iam::${account}:user/mallory` })).resolves.toBe(false);
    await expect(
      canAssume('dpo', { session: `arn:aws:sts::${account}:assumed-role/Admin/mallory`, principalArn: `arn:aws:iam::${account}:role/Admin` }),
    ).resolves.toBe(false);
  });

  test('nor a role named like the DPO permission-set role outside the aws-reserved path (which only Identity Center can create)', async () => {
    await expect(canAssume('dpo', ssoSession('ContactDpo', 'role'))).resolves.toBe(false);
    await expect(canAssume('dpo', ssoSession('ContactDpo', 'role/attacker/sso.amazonaws.com/eu-west-3'))).resolves.toBe(false);
  });

  test('nor a permission set whose name merely starts like the DPO one', async () => {
    await expect(canAssume('dpo', ssoSession('ContactDpoReadOnly'))).resolves.toBe(false);
  });

  test('nor another permission set whose name is the DPO one, an underscore and more (review of issue 10: _* matched it)', async () => {
    // AWSReservedSSO_ContactDpo_* also matched AWSReservedSSO_ContactDpo_ReadOnly_<suffix>: the trailing
    // * of the permission-set form must stand for Identity Center's 16-character suffix only.
    await expect(canAssume('dpo', ssoSession('ContactDpo_ReadOnly'))).resolves.toBe(false);
    await expect(canAssume('dpo', ssoSession('ContactDpo_0123456789abcdef'))).resolves.toBe(false);
    await expect(canAssume('marketing', ssoSession('ContactMarketing_Interns'))).resolves.toBe(false);
  });

  test('nor the DPO permission set of another account, with or without MFA keys', async () => {
    await expect(canAssume('dpo', ssoSession('ContactDpo', SSO, '444455556666'))).resolves.toBe(false);
    await expect(canAssume('dpo', ssoSession('ContactDpo', SSO, '444455556666'), IDENTITY_CENTER_SESSION)).resolves.toBe(false);
  });

  test('without the MFA keys (as Identity Center sessions come), no other principal of the account gets in either', async () => {
    await expect(canAssume('dpo', ssoSession('ContactSales'), IDENTITY_CENTER_SESSION)).resolves.toBe(false);
    await expect(canAssume('dpo', ssoSession('ContactDpo', 'role'), IDENTITY_CENTER_SESSION)).resolves.toBe(false);
    await expect(canAssume('dpo', { session: `arn:aws:iam::${account}:user/mallory`, principalArn: `arn:aws:iam::${account}:user/mallory` }, IDENTITY_CENTER_SESSION)).resolves.toBe(false);
  });

  test('the Identity Center trust tests no aws:MultiFactorAuthPresent, which its sessions never carry', () => {
    const statements = iam.trustPolicy(roleLogicalId('dpo')).Statement as any[];
    expect(statements).toHaveLength(1);
    expect(JSON.stringify(statements[0].Condition)).not.toMatch(/MultiFactorAuth/);
    expect(statements[0].Condition.ArnLike['aws:PrincipalArn']).toEqual([`arn:aws:iam::${account}:${SSO}/AWSReservedSSO_ContactDpo_????????????????`]);
  });

  test('every role admits its own permission set and no other role’s', async () => {
    const sets: Record<string, string> = { marketing: 'ContactMarketing', sales: 'ContactSales', accounting: 'ContactAccounting', dpo: 'ContactDpo', operator: 'ContactOperator' };
    const allowed: string[] = [];
    for (const role of Object.keys(sets)) {
      for (const [owner, set] of Object.entries(sets)) {
        if (await canAssume(role, ssoSession(set))) allowed.push(`${owner} -> ${role}`);
      }
    }
    expect(allowed).toEqual(Object.keys(sets).map((r) => `${r} -> ${r}`));
  });
});

describe('the configuration refuses a trust it cannot pin to people', () => {
  const DPO = 3;

  test('a role with no trusted principal, naming the role and both ways out', () => {
    expect(withChange((c) => (c.roles[DPO].trustedPrincipalArns = []))).toEqual([
      'roles[3].trustedPrincipalArns: say who may assume the dpo role, such as arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/<region>/AWSReservedSSO_<PermissionSet>_*; or set access.trustAnyMfaPrincipal: true, which lets IAM, not the catalog, decide who holds it; got []',
    ]);
    expect(withChange((c) => delete c.roles[DPO].trustedPrincipalArns)).toHaveLength(1);
  });

  test('an operator with no trusted principal', () => {
    expect(withChange((c) => delete c.access.operatorTrustedPrincipalArns)).toEqual([
      expect.stringMatching(/^access\.operatorTrustedPrincipalArns: say who may assume the operator role/),
    ]);
  });

  test('no principals is accepted only with the explicit opt-in', () => {
    expect(
      withChange((c) => {
        c.roles[DPO].trustedPrincipalArns = [];
        c.access.trustAnyMfaPrincipal = true;
      }),
    ).toEqual([]);
  });

  test.each([
    ['another account', 'arn:aws:iam::444455556666:role/Dpo', /^roles\[3\]\.trustedPrincipalArns\[0\]: must be a principal of the stack's account 111122223333, not 444455556666 .*; got "arn:aws:iam::444455556666:role\/Dpo"$/],
    ['a wildcard over every role', 'arn:aws:iam::111122223333:role/*', /^roles\[3\]\.trustedPrincipalArns\[0\]: must be an IAM role or user, named exactly/],
    ['a wildcard over every permission set', 'arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-3/AWSReservedSSO_*', /^roles\[3\]\.trustedPrincipalArns\[0\]: must be an IAM role or user/],
    ['a session ARN', 'arn:aws:sts::111122223333:assumed-role/Dpo/alice', /^roles\[3\]\.trustedPrincipalArns\[0\]: an assumed-role session ARN never matches aws:PrincipalArn/],
  ])('%s, on one line naming the field and the value', (_what, bad, message) => {
    const lines = withChange((c) => (c.roles[DPO].trustedPrincipalArns = [bad]));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
  });

  test('the permission-set forms it accepts: _* and _ followed by sixteen ?, with or without the region', () => {
    for (const arn of [
      'arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-3/AWSReservedSSO_ContactDpo_????????????????',
      'arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_ContactDpo_*',
      'arn:aws:iam::111122223333:role/people/Dpo',
      'arn:aws:iam::111122223333:user/dpo',
    ]) {
      expect(withChange((c) => (c.roles[DPO].trustedPrincipalArns = [arn]))).toEqual([]);
    }
  });

  test('the removed account-wide list is reported with where its ARNs go now', () => {
    expect(withChange((c) => (c.access.trustedPrincipalArns = []))).toEqual([
      'access.trustedPrincipalArns: removed: trust is per role now; list who may assume each role in roles[].trustedPrincipalArns, and the operator in access.operatorTrustedPrincipalArns; got []',
    ]);
  });
});

describe('the access matrix shows who may assume each role', () => {
  const matrixOf = (template: unknown, on: ContactBaselineStack = stack) =>
    accessMatrix([{ name: on.stackName, template, catalogSql: on.schema.catalogSql } as never], loadMigrations());

  test('the reference roles: their own permission set, MFA at the Identity Center sign-in', () => {
    const rows = matrixOf(referenceJson).rows;
    const dpo = rows.find((r) => r.iamRole === roleLogicalId('dpo'));
    expect(dpo?.assumableBy).toEqual([`arn:aws:iam::${account}:${SSO}/AWSReservedSSO_ContactDpo_???????????????? (Identity Center: MFA at its sign-in)`]);
  });

  test('with trustAnyMfaPrincipal, the row says that IAM, not the catalog, decides who holds the role', () => {
    const config = defaultConfig();
    config.roles[3].trustedPrincipalArns = [];
    config.access.trustAnyMfaPrincipal = true;
    const other = referenceTemplate(config);
    const id = other.stack.getLogicalId(other.stack.access.roles.dpo.node.defaultChild as never);
    const dpo = matrixOf(other.template.toJSON(), other.stack).rows.find((r) => r.iamRole === id);
    expect(dpo?.assumableBy).toEqual([`any principal of ${account} with MFA (IAM, not the catalog, decides who)`]);
    expect(renderAccessMatrix(matrixOf(other.template.toJSON(), other.stack))).toContain('any principal of 111122223333 with MFA (IAM, not the catalog, decides who)');
  });
});
