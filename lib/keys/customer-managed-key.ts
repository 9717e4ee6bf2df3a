import { RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

export interface CustomerManagedKeyProps {
  /** What the key protects, shown in the KMS console and in policies/. */
  readonly description: string;
}

/**
 * A customer-managed KMS key as every part of the kit uses it: yearly
 * rotation, retained when the stack is deleted (data encrypted with it would
 * be lost otherwise), and a key policy that lets only AWS services create
 * grants on it (AWS Control Tower control CT.KMS.PR.3).
 */
export class CustomerManagedKey extends kms.Key {
  constructor(scope: Construct, id: string, props: CustomerManagedKeyProps) {
    super(scope, id, {
      description: props.description,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyGrantsExceptForAwsServices',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['kms:CreateGrant'],
        resources: ['*'],
        conditions: {
          BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' },
        },
      }),
    );
  }
}
