import { Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { acknowledge } from '../marks/acknowledge';

/** The AWS-owned Systems Manager Automation runbook that removes every rule of a VPC's default security group. */
export const REMOVE_DEFAULT_SECURITY_GROUP_RULES_RUNBOOK = 'AWSConfigRemediation-RemoveVPCDefaultSecurityGroupRules';

/** How long the deployment waits for the runbook to report success before it fails. */
export const CLOSER_TIMEOUT_SECONDS = 600;

export interface DefaultSecurityGroupCloserProps {
  readonly vpc: ec2.IVpc;
  /**
   * Id of the VPC's default security group.
   * @default - the group of `vpc`, which must then be an `ec2.Vpc` the stack creates
   */
  readonly defaultSecurityGroupId?: string;
}

/**
 * Removes every rule from the VPC's default security group, so that a
 * resource launched without an explicit group can reach nothing and be
 * reached by nothing. Does what aws-cdk-lib's `restrictDefaultSecurityGroup`
 * does, without a function: a Systems Manager State Manager association runs
 * AWS's runbook `AWSConfigRemediation-RemoveVPCDefaultSecurityGroupRules`
 * (the one AWS Config and Security Hub use to remediate control EC2.2) once
 * when the stack is created, and again whenever the group id changes. The
 * deployment waits for the runbook's success and fails otherwise, as a
 * custom resource would. The runbook checks that the group is named
 * `default` and changes nothing otherwise.
 *
 * The runbook runs as `role`, which SSM Automation of this account alone
 * may assume and which can revoke rules of this one group only: it can
 * close the group further, never open it. Nothing runs in the VPC, so the
 * VPC needs no EC2 endpoint (whose hours cost more than the rest of the
 * network) and AWS Control Tower's CT.LAMBDA.PR.3 has no function to check.
 */
export class DefaultSecurityGroupCloser extends Construct {
  /** The role the runbook runs as. */
  public readonly role: iam.Role;
  public readonly policy: iam.ManagedPolicy;
  public readonly association: ssm.CfnAssociation;
  /** The group the runbook closes. */
  public readonly groupId: string;

  constructor(scope: Construct, id: string, props: DefaultSecurityGroupCloserProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const groupId = props.defaultSecurityGroupId ?? (props.vpc instanceof ec2.Vpc ? props.vpc.vpcDefaultSecurityGroup : undefined);
    if (groupId === undefined) {
      throw new Error(`DefaultSecurityGroupCloser: ${props.vpc.node.path} is an imported VPC, whose default security group the kit cannot know; set defaultSecurityGroupId (landingZone.network.defaultSecurityGroupId)`);
    }
    this.groupId = groupId;
    const groupArn = stack.formatArn({ service: 'ec2', resource: 'security-group', resourceName: groupId });
    const executions = stack.formatArn({ service: 'ssm', resource: 'automation-execution', resourceName: '*' });

    this.policy = new iam.ManagedPolicy(this, 'Policy', {
      description: 'Closes the default security group of the contact VPC (SSM Automation runbook)',
      statements: [
        new iam.PolicyStatement({
          sid: 'RevokeDefaultGroupRules',
          actions: ['ec2:RevokeSecurityGroupIngress', 'ec2:RevokeSecurityGroupEgress'],
          resources: [groupArn],
        }),
        // The runbook's first step checks that the group is named default; EC2 has no resource-level permission for describing.
        new iam.PolicyStatement({ sid: 'CheckTheGroupIsTheDefault', actions: ['ec2:DescribeSecurityGroups'], resources: ['*'] }),
        // What AWS documents the runbook's role needs: its own execution, and this runbook only.
        new iam.PolicyStatement({ sid: 'FollowOwnExecution', actions: ['ssm:GetAutomationExecution'], resources: [executions] }),
        new iam.PolicyStatement({
          sid: 'RunThisRunbookOnly',
          actions: ['ssm:StartAutomationExecution'],
          resources: [`arn:${stack.partition}:ssm:${stack.region}:*:automation-definition/${REMOVE_DEFAULT_SECURITY_GROUP_RULES_RUNBOOK}:*`],
        }),
      ],
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('ssm.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: { 'aws:SourceArn': executions },
        },
      }),
      description: 'SSM Automation: removes the rules of the default security group of the contact VPC',
      managedPolicies: [this.policy],
    });

    this.association = new ssm.CfnAssociation(this, 'Association', {
      name: REMOVE_DEFAULT_SECURITY_GROUP_RULES_RUNBOOK,
      parameters: { GroupId: [groupId], AutomationAssumeRole: [this.role.roleArn] },
      waitForSuccessTimeoutSeconds: CLOSER_TIMEOUT_SECONDS,
    });
    // The runbook starts as soon as the association exists: the role must already have its policy.
    this.association.node.addDependency(this.role, this.policy);

    acknowledge(
      this.policy,
      'AwsSolutions-IAM5',
      'ec2:DescribeSecurityGroups has no resource-level permission; the runbook only reads the group name with it.',
      { finding: 'Resource::*' },
    );
    // As cdk-nag prints the ARNs: the stack's values, or the pseudo parameters of an environment-agnostic stack.
    const [partition, region, account] = (
      [
        [stack.partition, 'Partition'],
        [stack.region, 'Region'],
        [stack.account, 'AccountId'],
      ] as const
    ).map(([value, name]) => (Token.isUnresolved(value) ? `<AWS::${name}>` : value));
    acknowledge(this.policy, 'AwsSolutions-IAM5', 'The role follows its own automation executions, whose ids are known only once they start.', {
      finding: `Resource::arn:${partition}:ssm:${region}:${account}:automation-execution/*`,
    });
    acknowledge(this.policy, 'AwsSolutions-IAM5', 'The role may start the one AWS-owned runbook it runs, named in full, in any version AWS publishes.', {
      finding: `Resource::arn:${partition}:ssm:${region}:*:automation-definition/${REMOVE_DEFAULT_SECURITY_GROUP_RULES_RUNBOOK}:*`,
    });
    // The rule checks AWS::EC2::VPC resources: an imported VPC has none to acknowledge on.
    for (const pack of props.vpc instanceof ec2.Vpc ? ['HIPAA.Security', 'NIST.800.53.R5', 'PCI.DSS.321'] : []) {
      acknowledge(
        props.vpc,
        `${pack}-VPCDefaultSecurityGroupClosed`,
        `The default security group is closed by DefaultSecurityGroupCloser: a State Manager association running AWS's runbook ${REMOVE_DEFAULT_SECURITY_GROUP_RULES_RUNBOOK}, which the deployment waits for; the rule only recognises aws-cdk-lib’s restrictDefaultSecurityGroup, whose function runs outside any VPC.`,
      );
    }
  }
}
