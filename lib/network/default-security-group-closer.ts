import { Aws, CfnResource, CustomResource, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { acknowledge } from '../marks/acknowledge';
import { bundleDir } from '../runtime/bundles';
import { InVpcFunction } from './in-vpc-function';

export interface DefaultSecurityGroupCloserProps {
  readonly vpc: ec2.IVpc;
  /**
   * Id of the VPC's default security group.
   * @default - the group of `vpc`, which must then be an `ec2.Vpc` the stack creates
   */
  readonly defaultSecurityGroupId?: string;
  /** Subnets with the EC2 and S3 endpoints, where the handler runs. */
  readonly subnets: ec2.SubnetSelection;
  readonly logsKey: kms.IKey;
}

/**
 * Removes every rule from the VPC's default security group, so that a
 * resource launched without an explicit group can reach nothing and be
 * reached by nothing. Does what aws-cdk-lib's `restrictDefaultSecurityGroup`
 * does, but from a function inside the VPC (AWS Control Tower control
 * CT.LAMBDA.PR.3 refuses functions outside a VPC).
 */
export class DefaultSecurityGroupCloser extends Construct {
  public readonly handler: InVpcFunction;
  public readonly resource: CustomResource;

  constructor(scope: Construct, id: string, props: DefaultSecurityGroupCloserProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const groupId = props.defaultSecurityGroupId ?? (props.vpc instanceof ec2.Vpc ? props.vpc.vpcDefaultSecurityGroup : undefined);
    if (groupId === undefined) {
      throw new Error(`DefaultSecurityGroupCloser: ${props.vpc.node.path} is an imported VPC, whose default security group the kit cannot know; set defaultSecurityGroupId (landingZone.network.defaultSecurityGroupId)`);
    }
    const groupArn = stack.formatArn({ service: 'ec2', resource: 'security-group', resourceName: groupId });
    this.handler = new InVpcFunction(this, 'Handler', {
      vpc: props.vpc,
      subnets: props.subnets,
      code: lambda.Code.fromAsset(bundleDir('close-default-security-group')),
      handler: 'index.handler',
      description: 'Closes the default security group of the contact VPC',
      logsKey: props.logsKey,
      statements: [
        new iam.PolicyStatement({
          sid: 'RevokeDefaultGroupRules',
          actions: ['ec2:RevokeSecurityGroupIngress', 'ec2:RevokeSecurityGroupEgress'],
          resources: [groupArn],
        }),
      ],
    });
    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: this.handler.function.functionArn,
      resourceType: 'Custom::DefaultSecurityGroupClosed',
      properties: { GroupId: groupId, AccountId: stack.account },
    });
    // The handler acts only on CloudFormation's request for this resource, on the group named here (not in the event).
    this.handler.function.addEnvironment('STACK_ID', Aws.STACK_ID);
    this.handler.function.addEnvironment('LOGICAL_RESOURCE_ID', stack.getLogicalId(this.resource.node.defaultChild as CfnResource));
    this.handler.function.addEnvironment('GROUP_ID', groupId);
    this.handler.function.addEnvironment('ACCOUNT_ID', stack.account);

    this.handler.acknowledgeCustomResourceHandler();
    // The rule checks AWS::EC2::VPC resources: an imported VPC has none to acknowledge on.
    for (const pack of props.vpc instanceof ec2.Vpc ? ['HIPAA.Security', 'NIST.800.53.R5', 'PCI.DSS.321'] : []) {
      acknowledge(
        props.vpc,
        `${pack}-VPCDefaultSecurityGroupClosed`,
        'The default security group is closed by DefaultSecurityGroupCloser, a custom resource running inside the VPC; the rule only recognises aws-cdk-lib’s restrictDefaultSecurityGroup, whose function runs outside any VPC.',
      );
    }
  }
}
