import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { BaselineConfig } from '../../lib/config/schema';
import { OrganisationPolicyStack } from '../../lib/stacks/organisation-policy-stack';
import { problems } from '../helpers/config';
import { defaultConfigInput, REPO_ROOT } from '../helpers/reference';
import { baselineStacks, configWith, unacknowledgedFindings } from './helpers';

/*
 * landingZone.organizations: the region-deny SCP of policies/organisation-scp.json deployed as an
 * optional stack for the management account, attached to the organisational units the configuration names.
 */

const ORGANIZATIONS = { managementAccount: '999988887777', targetIds: ['ou-ab12-cdef3456', 'ou-ab12-77aa88bb'] };

let config: BaselineConfig;
let stacks: Stack[];
let scpStack: OrganisationPolicyStack;
let template: Template;
beforeAll(() => {
  config = configWith((c) => (c.landingZone.organizations = { ...ORGANIZATIONS }));
  stacks = baselineStacks(config);
  scpStack = stacks.find((s): s is OrganisationPolicyStack => s instanceof OrganisationPolicyStack)!;
  template = Template.fromStack(scpStack);
});

describe('the management account stack', () => {
  test('is added beside the baseline and its backup account, in the management account and the baseline region', () => {
    expect(stacks.map((s) => s.stackName)).toEqual(['GdprContactBaseline', 'GdprContactBaselineBackupAccount', 'GdprContactBaselineOrganisationPolicy']);
    expect(scpStack.account).toBe('999988887777');
    expect(scpStack.region).toBe('eu-west-3');
    expect(scpStack.terminationProtection).toBe(true);
  });

  test('holds one service control policy: the committed policies/organisation-scp.json, attached to the configured units', () => {
    template.resourceCountIs('AWS::Organizations::Policy', 1);
    const [policy] = Object.values(template.findResources('AWS::Organizations::Policy')) as any[];
    expect(policy.Properties.Type).toBe('SERVICE_CONTROL_POLICY');
    expect(policy.Properties.Name).toBe('GdprDenyOutsidePermittedRegions');
    expect(policy.Properties.TargetIds).toEqual(ORGANIZATIONS.targetIds);
    expect(policy.Properties.Content).toEqual(JSON.parse(readFileSync(join(REPO_ROOT, 'policies', 'organisation-scp.json'), 'utf8')));
    expect(Object.keys(template.toJSON().Resources)).toHaveLength(1);
  });

  test('the SCP denies every regional action outside the permitted regions', () => {
    const [policy] = Object.values(template.findResources('AWS::Organizations::Policy')) as any[];
    const [statement] = policy.Properties.Content.Statement;
    expect(statement).toMatchObject({ Effect: 'Deny', Resource: '*', Condition: { StringNotEquals: { 'aws:RequestedRegion': ['eu-west-3', 'eu-west-1', 'eu-central-1'] } } });
    expect(statement.NotAction).not.toContain('rds:*');
    expect(statement.NotAction).not.toContain('s3:*');
  });

  test.each(['GdprContactBaseline', 'GdprContactBaselineOrganisationPolicy'])('%s: zero unacknowledged findings in every pack', (name) => {
    expect(unacknowledgedFindings(stacks.find((s) => s.stackName === name)!, config)).toEqual([]);
  });
});

describe('the configuration of the organisation', () => {
  const withOrganizations = (change: (o: Record<string, any>) => void) => {
    const cfg = defaultConfigInput();
    cfg.landingZone.organizations = { ...ORGANIZATIONS, targetIds: [...ORGANIZATIONS.targetIds] };
    change(cfg.landingZone.organizations);
    return problems(cfg);
  };

  test('no unit is refused: an SCP attached to nothing protects nothing', () => {
    expect(withOrganizations((o) => (o.targetIds = []))).toEqual([
      'landingZone.organizations.targetIds: name at least one organisational unit the region-deny SCP is attached to; got []',
    ]);
  });

  test('a target that is not an organisational unit or the root (an account id, a name) is refused, one line each', () => {
    expect(withOrganizations((o) => (o.targetIds = ['111122223333', 'Workloads']))).toEqual([
      'landingZone.organizations.targetIds[0]: must be an organisational unit id (ou-xxxx-xxxxxxxx) or the root id (r-xxxx); got "111122223333"',
      'landingZone.organizations.targetIds[1]: must be an organisational unit id (ou-xxxx-xxxxxxxx) or the root id (r-xxxx); got "Workloads"',
    ]);
  });

  test('the contact database in the management account is refused (SCPs never apply to it)', () => {
    expect(withOrganizations((o) => (o.managementAccount = '111122223333'))).toEqual([
      expect.stringMatching(/^landingZone\.organizations\.managementAccount: the contact database must not live in the management account .*; got "111122223333"$/),
    ]);
  });

  test('the root is a valid target', () => {
    expect(withOrganizations((o) => (o.targetIds = ['r-ab12']))).toEqual([]);
  });
});

describe('OrganisationPolicyStack refuses to protect nothing', () => {
  test('with no target', () => {
    const app = new App();
    expect(() => new OrganisationPolicyStack(app, 'Scp', { account: '999988887777', region: 'eu-west-3', permittedRegions: ['eu-west-3'], targetIds: [] })).toThrow(/targetIds names no organisational unit/);
    expect(() => new OrganisationPolicyStack(app, 'Scp2', { account: '999988887777', region: 'eu-west-3', permittedRegions: ['eu-west-3'], targetIds: ['Workloads'] })).toThrow(/got Workloads/);
  });
});
