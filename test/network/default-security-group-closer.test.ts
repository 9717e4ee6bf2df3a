import { runSimulation } from '@cloud-copilot/iam-simulate';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { CLOSER_TIMEOUT_SECONDS, DefaultSecurityGroupCloser, REMOVE_DEFAULT_SECURITY_GROUP_RULES_RUNBOOK } from '../../lib/network/default-security-group-closer';
import type { ContactBaselineStack } from '../../lib/stacks/contact-baseline-stack';
import { SynthesizedIam } from '../access/synthesized-iam';
import { referenceTemplate } from '../helpers/reference';

/*
 * The default security group is closed by AWS's runbook, run by a State
 * Manager association as a role of its own: no function, no EC2 endpoint.
 * The role is the new privilege, so the tests try to abuse it with a real
 * IAM policy evaluator over the synthesized policies: it can close the
 * default group further and nothing else.
 */

const DEFAULT_GROUP = 'sg-0de1a017';
const OTHER_GROUP = 'sg-0123456789abcdef0';
const FOREIGN = '444455556666';

let stack: ContactBaselineStack;
let resources: Record<string, any>;
let iam: SynthesizedIam;
let roleId: string;

/** The deployed value of the VPC's default group, which SynthesizedIam leaves to its callers. */
function withDefaultGroup(v: any): any {
  if (Array.isArray(v)) return v.map(withDefaultGroup);
  if (v === null || typeof v !== 'object') return v;
  const att = v['Fn::GetAtt'];
  if (Array.isArray(att) && att[1] === 'DefaultSecurityGroup' && resources[att[0]]?.Type === 'AWS::EC2::VPC') return DEFAULT_GROUP;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, withDefaultGroup(x)]));
}

beforeAll(() => {
  const reference = referenceTemplate();
  stack = reference.stack;
  resources = reference.template.toJSON().Resources;
  iam = new SynthesizedIam({ Resources: withDefaultGroup(resources) }, { account: stack.account, region: stack.region });
  roleId = stack.getLogicalId(stack.network.defaultSecurityGroupCloser.role.node.defaultChild as never);
});

async function asCloser(action: string, resource: string, resourceAccount = stack.account) {
  const response = await runSimulation(
    {
      request: {
        principal: iam.sessionArn(roleId, 'automation-session'),
        action,
        resource: { resource, accountId: resourceAccount },
        contextVariables: { 'aws:RequestedRegion': stack.region, 'aws:PrincipalAccount': stack.account, 'aws:ResourceAccount': resourceAccount },
      },
      identityPolicies: iam.identityPolicies(roleId),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
  if (response.resultType === 'error') throw new Error(`simulation of ${action} did not run: ${JSON.stringify(response.errors)}`);
  return response.overallResult;
}

const group = (id: string, account = stack.account) => `arn:aws:ec2:${stack.region}:${account}:security-group/${id}`;

describe('the association', () => {
  test('runs AWS’s runbook on the VPC’s default group as the closer’s role, and the deployment waits for its success', () => {
    const associations = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::SSM::Association');
    expect(associations).toHaveLength(1);
    const [, association] = associations[0];
    expect(association.Properties).toEqual({
      Name: REMOVE_DEFAULT_SECURITY_GROUP_RULES_RUNBOOK,
      Parameters: {
        GroupId: [{ 'Fn::GetAtt': [stack.getLogicalId(stack.network.vpc.node.defaultChild as never), 'DefaultSecurityGroup'] }],
        AutomationAssumeRole: [{ 'Fn::GetAtt': [roleId, 'Arn'] }],
      },
      WaitForSuccessTimeoutSeconds: CLOSER_TIMEOUT_SECONDS,
    });
    // Without a schedule it runs once, when created (and when the group id changes): like a custom resource.
    expect(association.Properties.ScheduleExpression).toBeUndefined();
  });

  test('starts only once the role has its policy (otherwise the first run fails with access denied)', () => {
    const [, association] = Object.entries(resources).find(([, r]) => r.Type === 'AWS::SSM::Association')!;
    const policyId = stack.getLogicalId(stack.network.defaultSecurityGroupCloser.policy.node.defaultChild as never);
    expect(association.DependsOn).toEqual(expect.arrayContaining([roleId, policyId]));
  });

  test('no function closes the group any more, and the VPC has no EC2 endpoint', () => {
    expect(Object.values(resources).filter((r) => r.Type === 'Custom::DefaultSecurityGroupClosed' || r.Type === 'Custom::VpcRestrictDefaultSG')).toEqual([]);
    const services = Object.values(resources)
      .filter((r) => r.Type === 'AWS::EC2::VPCEndpoint')
      .map((r) => JSON.stringify(r.Properties.ServiceName));
    expect(services.some((s) => s.endsWith('.ec2"'))).toBe(false);
  });
});

describe('the closer’s role', () => {
  test('only SSM Automation of this account, for an execution in this region, may assume it', () => {
    expect(iam.trustPolicy(roleId).Statement).toEqual([
      {
        Effect: 'Allow',
        Principal: { Service: 'ssm.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Condition: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: { 'aws:SourceArn': `arn:aws:ssm:${stack.region}:${stack.account}:automation-execution/*` },
        },
      },
    ]);
  });

  test.each(['ec2:RevokeSecurityGroupIngress', 'ec2:RevokeSecurityGroupEgress'])('may %s on the default group', async (action) => {
    await expect(asCloser(action, group(DEFAULT_GROUP))).resolves.toBe('Allowed');
  });

  test.each([
    ['revoke the rules of another group of the account (cut the VPN or the database off)', 'ec2:RevokeSecurityGroupIngress', () => group(OTHER_GROUP)],
    ['revoke the egress of another group', 'ec2:RevokeSecurityGroupEgress', () => group(OTHER_GROUP)],
    ['revoke rules in another account', 'ec2:RevokeSecurityGroupIngress', () => group(DEFAULT_GROUP, FOREIGN)],
    ['open the default group', 'ec2:AuthorizeSecurityGroupIngress', () => group(DEFAULT_GROUP)],
    ['open the default group outwards', 'ec2:AuthorizeSecurityGroupEgress', () => group(DEFAULT_GROUP)],
    ['rewrite its rules', 'ec2:ModifySecurityGroupRules', () => group(DEFAULT_GROUP)],
    ['attach it to an interface', 'ec2:ModifyNetworkInterfaceAttribute', () => `arn:aws:ec2:${stack.region}:${stack.account}:network-interface/eni-0123456789abcdef0`],
    ['run another runbook with its role (a shell on instances)', 'ssm:StartAutomationExecution', () => `arn:aws:ssm:${stack.region}:${stack.account}:automation-definition/AWS-RunShellScript:$DEFAULT`],
    ['pass itself to another service', 'iam:PassRole', () => iam.roleArn(roleId)],
    ['read a secret', 'secretsmanager:GetSecretValue', () => `arn:aws:secretsmanager:${stack.region}:${stack.account}:secret:any-AbCdEf`],
  ] as const)('cannot %s', async (_what, action, resource) => {
    const target = resource();
    const account = target.split(':')[4] || stack.account;
    await expect(asCloser(action, target, account)).resolves.toBe('ImplicitlyDenied');
  });

  test('may start the one runbook it runs, in any version', async () => {
    // The policy leaves the owner's account open (the runbook is AWS's); the evaluator needs one in the ARN.
    await expect(asCloser('ssm:StartAutomationExecution', `arn:aws:ssm:${stack.region}:${stack.account}:automation-definition/${REMOVE_DEFAULT_SECURITY_GROUP_RULES_RUNBOOK}:1`)).resolves.toBe('Allowed');
  });
});

describe('outside the kit’s network', () => {
  test('an imported VPC needs the default group id, named in the error with the configuration field', () => {
    const app = new App();
    const other = new Stack(app, 'Other', { env: { account: '111122223333', region: 'eu-west-3' } });
    const vpc = ec2.Vpc.fromVpcAttributes(other, 'Vpc', { vpcId: 'vpc-0123456789abcdef0', availabilityZones: ['eu-west-3a'] });
    expect(() => new DefaultSecurityGroupCloser(other, 'Closer', { vpc })).toThrow(
      /DefaultSecurityGroupCloser: Other\/Vpc is an imported VPC, whose default security group the kit cannot know; set defaultSecurityGroupId \(landingZone.network.defaultSecurityGroupId\)/,
    );
    new DefaultSecurityGroupCloser(other, 'Named', { vpc, defaultSecurityGroupId: 'sg-0abc1234' });
    Template.fromStack(other).hasResourceProperties('AWS::SSM::Association', { Parameters: { GroupId: ['sg-0abc1234'] } });
  });
});
