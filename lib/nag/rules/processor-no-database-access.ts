import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { PROCESSOR_TAG } from '../../marks/tags';
import type { GdprRule } from '../rule';
import { asArray, referencedId, resolved, stackResources } from '../resolve';
import { allowStatements, grantsAction } from '../iam';

/* eslint-disable @typescript-eslint/no-explicit-any */

/** Every way into the contact database's rows: an IAM database login, or SQL through the RDS Data API. */
export const DATABASE_ACCESS_ACTIONS = ['rds-db:connect', 'rds-data:ExecuteStatement', 'rds-data:BatchExecuteStatement'] as const;

/** Whether a resolved role carries the processor tag. */
export function isProcessorRole(properties: Record<string, any>): boolean {
  return asArray(properties.Tags).some((t: any) => t?.Key === PROCESSOR_TAG);
}

export const ProcessorNoDatabaseAccess: GdprRule = {
  id: 'Art28-ProcessorNoDatabaseAccess',
  article: 'Art. 28(3), Art. 29, Art. 25(2), Art. 32(1)(b)',
  level: NagMessageLevel.ERROR,
  info: 'A processor\'s (subcontractor\'s) role can reach the contact database, or carries a policy the stack cannot check.',
  explanation:
    'Art. 28(3): the contract sets out the subject-matter, nature and purpose of the processing and the type of personal data (its first subparagraph), and the processor processes them only on the controller\'s documented instructions (point (a), and art. 29); art. 25(2): by default only the data each purpose needs is processed. It receives its extract, pseudonymised, in its own prefix of the extracts bucket; a database login (rds-db:connect) or the RDS Data API would let it read raw tables, direct identifiers and other categories, bypassing the extract. A policy managed outside the stack (an AWS-managed policy) cannot be checked and may grant either.',
  trigger:
    '`AWS::IAM::Role` tagged `gdpr:processor` whose inline policies, or the `AWS::IAM::ManagedPolicy` and `AWS::IAM::Policy` of the stack attached to it, have an `Allow` statement granting `rds-db:connect`, `rds-data:ExecuteStatement` or `rds-data:BatchExecuteStatement` (also through `rds-db:*`, `rds-data:*`, `*` or a `NotAction`) (finding `Action::<action>`), or that lists in `ManagedPolicyArns` a policy not defined in the stack (finding `ManagedPolicy::<arn>`).',
  fix: 'Give processors their data through `ProcessorGrant` extracts only: remove the database permissions and the external managed policy from the processor role.',
  check(node: CfnResource): NagRuleResult {
    const role = resolved(node);
    if (role.type !== 'AWS::IAM::Role' || !isProcessorRole(role.properties)) return NagRuleCompliance.NOT_APPLICABLE;
    const resources = stackResources(node);
    const documents: any[] = asArray(role.properties.Policies).map((p: any) => p?.PolicyDocument);
    const findings = new Set<string>();
    for (const arn of asArray(role.properties.ManagedPolicyArns)) {
      const id = referencedId(arn);
      const local = id === undefined ? undefined : resources.get(id);
      if (local?.type === 'AWS::IAM::ManagedPolicy') documents.push(local.properties.PolicyDocument);
      else findings.add(`ManagedPolicy::${typeof arn === 'string' ? arn : JSON.stringify(arn)}`);
    }
    for (const r of resources.values()) {
      if ((r.type === 'AWS::IAM::ManagedPolicy' || r.type === 'AWS::IAM::Policy') && asArray(r.properties.Roles).some((ref) => referencedId(ref) === role.logicalId)) {
        documents.push(r.properties.PolicyDocument);
      }
    }
    for (const statement of allowStatements(documents)) {
      for (const action of DATABASE_ACCESS_ACTIONS) if (grantsAction(statement, action)) findings.add(`Action::${action}`);
    }
    return findings.size === 0 ? NagRuleCompliance.COMPLIANT : [...findings].sort();
  },
};
/* eslint-enable @typescript-eslint/no-explicit-any */
