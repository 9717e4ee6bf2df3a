import { Fn, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';

/**
 * Endpoint policies of the contact VPC: a request through an endpoint is
 * allowed only when the caller AND the resource belong to the stack's
 * account, and only for the actions the kit's functions make. A stolen or
 * foreign credential used from inside the VPC, or a call to another
 * account's bucket, key, secret or topic, is refused at the endpoint.
 */

/** Sid of the statement that admits the account's own principals on its own resources. */
export const OWN_ACCOUNT_SID = 'OwnAccountPrincipalsOnOwnResources';
/** Sid of the S3 statement that admits CloudFormation's pre-signed response URLs of this account's stacks. */
export const CLOUDFORMATION_RESPONSES_SID = 'CloudFormationResponsesOfThisAccountsStacks';

/**
 * The one statement of an interface endpoint (and the first of the S3 endpoint):
 * the given actions, by principals of the account, on resources of the account.
 *
 * @param service the ARN service name, e.g. `kms`; `s3` gets `*` (bucket ARNs carry no account)
 */
export function ownAccountStatement(scope: IConstruct, service: string, actions: string[]): iam.PolicyStatement {
  const stack = Stack.of(scope);
  return new iam.PolicyStatement({
    sid: OWN_ACCOUNT_SID,
    principals: [new iam.StarPrincipal()],
    actions,
    resources: [service === 's3' ? '*' : `arn:${stack.partition}:${service}:${stack.region}:${stack.account}:*`],
    conditions: {
      StringEquals: { 'aws:PrincipalAccount': stack.account, 'aws:ResourceAccount': stack.account },
    },
  });
}

/**
 * CloudFormation custom resources answer with a PUT to a URL that
 * CloudFormation pre-signed, in its own bucket
 * `cloudformation-custom-resource-response-<region without dashes>`, owned
 * by AWS: neither the signer nor the bucket is in this account. The object
 * key is the stack ARN, so the statement admits the responses of this
 * account's stacks in this region and nothing else: a URL pre-signed for
 * another account's stack (a way to carry data out) is refused.
 */
export function cloudFormationResponseStatement(scope: IConstruct): iam.PolicyStatement {
  const stack = Stack.of(scope);
  const region = Token.isUnresolved(stack.region) ? Fn.join('', Fn.split('-', stack.region)) : stack.region.replace(/-/g, '');
  return new iam.PolicyStatement({
    sid: CLOUDFORMATION_RESPONSES_SID,
    principals: [new iam.StarPrincipal()],
    actions: ['s3:PutObject'],
    resources: [
      `arn:${stack.partition}:s3:::cloudformation-custom-resource-response-${region}/arn:${stack.partition}:cloudformation:${stack.region}:${stack.account}:stack/*`,
    ],
  });
}

/** What the kit's functions call through each endpoint of the VPC (see the README, "What gets deployed"). */
export const ENDPOINT_ACTIONS = {
  /** extract: writes the extract file to the extracts bucket. */
  s3: ['s3:PutObject'],
  /** migrate: reads the master secret; extract: reads and initialises its pseudonymisation secret. */
  secretsmanager: ['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue'],
  /** extract: wraps and unwraps its pseudonymisation secret. */
  kms: ['kms:Decrypt', 'kms:GenerateDataKey'],
  /** breach-notify: publishes to the DPO topic. */
  sns: ['sns:Publish'],
} as const;

/** The policy of an interface endpoint of the kit: the service's actions of ENDPOINT_ACTIONS, own account only. */
export function restrictToOwnAccount(endpoint: { addToPolicy(statement: iam.PolicyStatement): void } & IConstruct, service: Exclude<keyof typeof ENDPOINT_ACTIONS, 's3'>): void {
  endpoint.addToPolicy(ownAccountStatement(endpoint, service, [...ENDPOINT_ACTIONS[service]]));
}
