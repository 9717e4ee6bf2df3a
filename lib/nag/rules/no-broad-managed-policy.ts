import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import type { GdprRule } from '../rule';
import { asArray, resolved, stackResources } from '../resolve';
import { BROAD_MANAGED_POLICIES, isListed, managedPolicyRef } from '../managed-policies';

/* eslint-disable @typescript-eslint/no-explicit-any */

/** The policy ARNs an identity lists, by resource type: IAM roles, users and groups, and Identity Center permission sets (the roles people get). */
function listedPolicies(type: string, p: Record<string, any>): unknown[] | undefined {
  switch (type) {
    case 'AWS::IAM::Role':
    case 'AWS::IAM::User':
    case 'AWS::IAM::Group':
      return p.ManagedPolicyArns === undefined || Array.isArray(p.ManagedPolicyArns) ? asArray(p.ManagedPolicyArns) : [p.ManagedPolicyArns];
    case 'AWS::SSO::PermissionSet':
      return [
        ...(p.ManagedPolicies === undefined || Array.isArray(p.ManagedPolicies) ? asArray(p.ManagedPolicies) : [p.ManagedPolicies]),
        // A customer-managed policy is looked up by name in each account: its document is not in the template.
        ...asArray(p.CustomerManagedPolicyReferences).map(() => ({ customerManaged: true })),
      ];
    default:
      return undefined;
  }
}

export const NoBroadManagedPolicy: GdprRule = {
  id: 'Art32-NoBroadManagedPolicy',
  article: 'Art. 25(2), Art. 32(1)(b), Art. 32(4)',
  level: NagMessageLevel.ERROR,
  info: 'An IAM role, user, group or Identity Center permission set holds an AWS-managed policy that reaches personal data whatever the role catalog says, or a policy whose document is not in the template.',
  explanation:
    'Art. 25(2) and 32(4): each person and each function reaches only the personal data its purpose needs, and the role catalog says which. A broad AWS-managed policy (AdministratorAccess, PowerUserAccess, ReadOnlyAccess, AmazonRDSFullAccess, SecretsManagerReadWrite, AmazonS3ReadOnlyAccess, ...) reads every bucket, secret, table or log, or lets its holder grant itself that, beside the catalog: no column privilege, no consent filter and no review of the template stops it. A policy whose document is not in the template (customer-managed in an account, a parameter, an import) cannot be reviewed at all. ViewOnlyAccess and the read-only policies of RDS and KMS are not reported: they describe, and read no data.',
  trigger:
    '`AWS::IAM::Role`, `User` and `Group` (`ManagedPolicyArns`) and `AWS::SSO::PermissionSet` (`ManagedPolicies`) naming, under any path (`job-function/`, `service-role/`), the AWS-managed policy ' +
    BROAD_MANAGED_POLICIES.map((n) => `\`${n}\``).join(', ') +
    ' (finding `ManagedPolicy::<name>`), or a policy that is neither AWS-managed nor an `AWS::IAM::ManagedPolicy` of the stack (a customer-managed policy ARN, a parameter, an import, a condition, a permission set\'s `CustomerManagedPolicyReferences`: finding `CannotEvaluate::ManagedPolicyArns`).',
  fix: 'Grant what the purpose needs with a policy of the stack naming its resources: a catalog role of `AccessRoles` for people who read contacts, `Operator` for people who run the database, `grantRead`/`grantDecrypt` on one resource for a function.',
  check(node: CfnResource): NagRuleResult {
    const { type, properties } = resolved(node);
    const listed = listedPolicies(type, properties);
    if (listed === undefined) return NagRuleCompliance.NOT_APPLICABLE;
    const resources = stackResources(node);
    const findings = new Set<string>();
    for (const value of listed) {
      const ref = managedPolicyRef(value, (id) => resources.get(id)?.type === 'AWS::IAM::ManagedPolicy');
      if (ref.kind === 'aws') {
        if (isListed(BROAD_MANAGED_POLICIES, ref.name)) findings.add(`ManagedPolicy::${ref.name}`);
      } else if (ref.kind === 'unknown') {
        findings.add('CannotEvaluate::ManagedPolicyArns');
      }
    }
    if (listed.length === 0) return NagRuleCompliance.COMPLIANT;
    return findings.size === 0 ? NagRuleCompliance.COMPLIANT : [...findings].sort();
  },
};
/* eslint-enable @typescript-eslint/no-explicit-any */
