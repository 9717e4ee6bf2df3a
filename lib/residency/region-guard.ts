import { CfnResource, Lazy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { regionGuardStatementJson } from './guard-statement';

export interface RegionGuardProps {
  /** Regions where the stack's roles may act. Every other regional action is denied. */
  readonly permittedRegions: readonly string[];
}

/**
 * A managed policy that denies every regional action outside the permitted
 * regions, attached to every IAM role of the stack, including the roles that
 * aws-cdk-lib creates for its own custom resources. The attachment list is
 * computed at synthesis, so roles added after this construct are covered too.
 */
export class RegionGuard extends Construct {
  public readonly policy: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: RegionGuardProps) {
    super(scope, id);
    const statement = regionGuardStatementJson(props.permittedRegions);
    this.policy = new iam.ManagedPolicy(this, 'Policy', {
      description: `GDPR art. 44: deny regional actions outside ${props.permittedRegions.join(', ')}`,
      document: iam.PolicyDocument.fromJson({ Version: '2012-10-17', Statement: [statement] }),
    });
    const stack = Stack.of(this);
    const cfnPolicy = this.policy.node.defaultChild as iam.CfnManagedPolicy;
    cfnPolicy.roles = Lazy.list({
      produce: () =>
        stack.node
          .findAll()
          .filter((c): c is CfnResource => CfnResource.isCfnResource(c) && c.cfnResourceType === 'AWS::IAM::Role')
          .map((role) => role.ref),
    });
  }
}
