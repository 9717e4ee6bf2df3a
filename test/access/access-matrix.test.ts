import { runSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import { CfnResource, Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { OPERATOR_ROLE_NAME } from '../../lib/access/access-roles';
import { CONTACT_DATABASE_ADMIN } from '../../lib/database/contact-database';
import type { ContactBaselineStack } from '../../lib/stacks/contact-baseline-stack';
import { referenceTemplate } from '../helpers/reference';
import { FAKE_CLUSTER_RESOURCE_ID, SynthesizedIam } from './synthesized-iam';

/*
 * The access matrix, computed from the SYNTHESIZED IAM policies (not from the
 * configuration) by a real IAM policy evaluator (@cloud-copilot/iam-simulate),
 * and compared with what the catalog says: each catalog role signs in to the
 * database as its own PostgreSQL user and nothing else; no role decrypts a key
 * or reads the master secret itself; the operator reaches no personal data.
 */

type Decision = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';

interface DataAction {
  readonly label: string;
  readonly action: string;
  readonly resource: string;
  readonly resourcePolicy?: unknown;
}

let stack: ContactBaselineStack;
let iam: SynthesizedIam;
let account: string;
let region: string;
/** Catalog role names, then the operator. */
let principals: string[];
let dataActions: DataAction[];

function logicalId(construct: IConstruct): string {
  const cfn = CfnResource.isCfnResource(construct) ? construct : construct.node.defaultChild;
  if (!cfn || !CfnResource.isCfnResource(cfn)) throw new Error(`${construct.node.path} has no CloudFormation resource`);
  return Stack.of(cfn).getLogicalId(cfn);
}

function roleLogicalId(name: string): string {
  return logicalId(name === OPERATOR_ROLE_NAME ? stack.access.operator : stack.access.roles[name]);
}

function dbUserArn(user: string, inRegion = region): string {
  return `arn:aws:rds-db:${inRegion}:${account}:dbuser:${FAKE_CLUSTER_RESOURCE_ID}/${user}`;
}

/** Evaluates one request of a session of the role; fails the test on a simulator validation error. */
async function evaluate(
  roleName: string,
  action: string,
  resource: string,
  options: { requestedRegion?: string; resourcePolicy?: unknown } = {},
): Promise<{ decision: Decision; deniedBy: string[] }> {
  const role = roleLogicalId(roleName);
  const simulation: Simulation = {
    request: {
      principal: iam.sessionArn(role),
      action,
      resource: { resource, accountId: account },
      contextVariables: {
        'aws:RequestedRegion': options.requestedRegion ?? region,
        'aws:PrincipalArn': iam.roleArn(role),
        'aws:PrincipalAccount': account,
        // The session was opened with MFA (the trust policies require it).
        'aws:MultiFactorAuthPresent': 'true',
        'aws:MultiFactorAuthAge': '60',
      },
    },
    identityPolicies: iam.identityPolicies(role),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: options.resourcePolicy,
  };
  const response = await runSimulation(simulation, {});
  if (response.resultType === 'error') {
    throw new Error(`simulation of ${roleName} ${action} on ${resource} did not run: ${JSON.stringify(response.errors)}`);
  }
  // Resource `*` (actions without resource-level permissions) is evaluated once per matching resource pattern.
  const results = response.resultType === 'single' ? [response.result] : response.results;
  const deniedBy = results
    .flatMap((r) => r.analysis.identityAnalysis?.denyStatements ?? [])
    .filter((s) => s.actionMatch && s.resourceMatch && s.conditionMatch === 'Match')
    .map((s) => s.policyId);
  return { decision: response.overallResult as Decision, deniedBy: [...new Set(deniedBy)] };
}

beforeAll(() => {
  const reference = referenceTemplate();
  stack = reference.stack;
  account = stack.account;
  region = stack.region;
  iam = new SynthesizedIam(reference.template.toJSON() as never, { account, region });

  const catalogRoles = stack.catalog.roles.map((r) => r.name);
  principals = [...catalogRoles, OPERATOR_ROLE_NAME];
  const databaseKey = logicalId(stack.database.encryptionKey);
  const logsKey = logicalId(stack.logsKey);
  dataActions = [
    // Every database user a session could sign in as: the catalog's, the operator, the master user.
    ...[...catalogRoles, OPERATOR_ROLE_NAME, CONTACT_DATABASE_ADMIN].map((user) => ({
      label: `connect as ${user}`,
      action: 'rds-db:connect',
      resource: dbUserArn(user),
    })),
    {
      label: 'decrypt the database key',
      action: 'kms:Decrypt',
      resource: iam.materialize({ 'Fn::GetAtt': [databaseKey, 'Arn'] }),
      resourcePolicy: iam.keyPolicy(databaseKey),
    },
    {
      label: 'decrypt the logs key',
      action: 'kms:Decrypt',
      resource: iam.materialize({ 'Fn::GetAtt': [logsKey, 'Arn'] }),
      resourcePolicy: iam.keyPolicy(logsKey),
    },
    {
      label: 'read the master secret',
      action: 'secretsmanager:GetSecretValue',
      resource: iam.masterSecretArn(logicalId(stack.database.cluster)),
    },
  ];
});

describe('the access matrix of the synthesized IAM policies', () => {
  test('each catalog role can connect as exactly its own database user; no role decrypts a key or reads the secret; the operator can do none of it', async () => {
    // Given the catalog: role <name> is PostgreSQL user <name>, the operator has no user
    const expected = Object.fromEntries(principals.map((name) => [name, name === OPERATOR_ROLE_NAME ? [] : [`connect as ${name}`]]));
    // When every role is evaluated against every data action by the IAM simulator
    const actual: Record<string, string[]> = {};
    for (const name of principals) {
      actual[name] = [];
      for (const data of dataActions) {
        const { decision } = await evaluate(name, data.action, data.resource, { resourcePolicy: data.resourcePolicy });
        if (decision === 'Allowed') actual[name].push(data.label);
      }
    }
    // Then the matrix is exactly the catalog's
    expect(actual).toEqual(expected);
  });

  test('the matrix covers every catalog role, the operator, and the key, log key and secret of the database', () => {
    expect(principals).toEqual(['marketing', 'sales', 'accounting', 'dpo', 'operator']);
    expect(dataActions.map((d) => d.label)).toEqual([
      'connect as marketing',
      'connect as sales',
      'connect as accounting',
      'connect as dpo',
      'connect as operator',
      `connect as ${CONTACT_DATABASE_ADMIN}`,
      'decrypt the database key',
      'decrypt the logs key',
      'read the master secret',
    ]);
  });

  test('the key policies leave key access to IAM: a role granted kms:Decrypt would be allowed (the denials above are not vacuous)', async () => {
    // Given the database key's own policy and an identity policy that grants decrypt on it
    const key = dataActions.find((d) => d.label === 'decrypt the database key') as DataAction;
    const response = await runSimulation(
      {
        request: {
          principal: iam.sessionArn(roleLogicalId('dpo')),
          action: 'kms:Decrypt',
          resource: { resource: key.resource, accountId: account },
          contextVariables: { 'aws:RequestedRegion': region },
        },
        identityPolicies: [{ name: 'grant', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:Decrypt', Resource: key.resource }] } }],
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        resourcePolicy: key.resourcePolicy,
      },
      {},
    );
    // Then the simulator allows it: the roles are denied because IAM grants them nothing
    expect(response.resultType === 'single' && response.overallResult).toBe('Allowed');
  });
});

describe('the region guard in the synthesized policies', () => {
  test('is among the identity policies of every role', () => {
    const guard = logicalId(stack.regionGuard.policy);
    for (const name of principals) {
      expect(iam.identityPolicies(roleLogicalId(name)).map((p) => p.name)).toContain(guard);
    }
  });

  test('a catalog role connecting as its own user is allowed in Paris and explicitly denied in us-east-1, by the region guard', async () => {
    const guard = logicalId(stack.regionGuard.policy);
    await expect(evaluate('marketing', 'rds-db:connect', dbUserArn('marketing'))).resolves.toEqual({ decision: 'Allowed', deniedBy: [] });
    await expect(
      evaluate('marketing', 'rds-db:connect', dbUserArn('marketing', 'us-east-1'), { requestedRegion: 'us-east-1' }),
    ).resolves.toEqual({ decision: 'ExplicitlyDenied', deniedBy: [guard] });
  });

  test('the operator reads metrics in Paris and is explicitly denied in us-east-1, by the region guard', async () => {
    const guard = logicalId(stack.regionGuard.policy);
    await expect(evaluate(OPERATOR_ROLE_NAME, 'cloudwatch:ListMetrics', '*')).resolves.toEqual({ decision: 'Allowed', deniedBy: [] });
    await expect(evaluate(OPERATOR_ROLE_NAME, 'cloudwatch:ListMetrics', '*', { requestedRegion: 'us-east-1' })).resolves.toEqual({
      decision: 'ExplicitlyDenied',
      deniedBy: [guard],
    });
  });
});

describe('the trust policies in the synthesized template', () => {
  /** Whether a principal, allowed by its own policy to call sts:AssumeRole, may assume the role. */
  async function canAssume(roleName: string, caller: string, context: Record<string, string>): Promise<boolean> {
    const role = roleLogicalId(roleName);
    const callerAccount = caller.split(':')[4];
    const response = await runSimulation(
      {
        request: {
          principal: caller,
          action: 'sts:AssumeRole',
          resource: { resource: iam.roleArn(role), accountId: account },
          contextVariables: { 'aws:RequestedRegion': region, 'aws:PrincipalAccount': callerAccount, 'aws:PrincipalArn': principalArnOf(roleName, callerAccount), ...context },
        },
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

  /** The role's own Identity Center permission-set role in the caller's account (reference configuration). */
  const SETS: Record<string, string> = { marketing: 'ContactMarketing', sales: 'ContactSales', accounting: 'ContactAccounting', dpo: 'ContactDpo', operator: 'ContactOperator' };
  function principalArnOf(roleName: string, callerAccount: string): string {
    return `arn:aws:iam::${callerAccount}:role/aws-reserved/sso.amazonaws.com/eu-west-3/AWSReservedSSO_${SETS[roleName]}_0123456789abcdef`;
  }
  const alice = () => `arn:aws:sts::${account}:assumed-role/AWSReservedSSO_permission-set_0123456789abcdef/alice`;

  test('every role can be assumed by a person of its own permission set, as Identity Center sessions come: without the MFA keys', async () => {
    for (const name of principals) {
      await expect(canAssume(name, alice(), {})).resolves.toBe(true);
    }
  });

  test.each([
    ['without MFA', { 'aws:MultiFactorAuthPresent': 'false' }],
    ['with no MFA information at all', {}],
    ['with an MFA sign-in older than the configured maximum age', { 'aws:MultiFactorAuthPresent': 'true', 'aws:MultiFactorAuthAge': '3600' }],
  ])('the trust of a permission set tests no MFA key (Identity Center enforces MFA at its sign-in): admitted %s', async (_what, context: Record<string, string>) => {
    // The MFA conditions of roles named exactly are attacked in test/landing/identity-center.test.ts.
    for (const name of principals) {
      await expect(canAssume(name, alice(), context)).resolves.toBe(true);
    }
  });

  test('no role can be assumed from another account, even with MFA', async () => {
    for (const name of principals) {
      await expect(
        canAssume(name, 'arn:aws:sts::444455556666:assumed-role/AWSReservedSSO_permission-set_0123456789abcdef/mallory', { 'aws:MultiFactorAuthPresent': 'true', 'aws:MultiFactorAuthAge': '60' }),
      ).resolves.toBe(false);
    }
  });
});
