import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { PROCESSOR_TAG } from '../../marks/tags';
import type { GdprRule } from '../rule';
import { asArray, resolved } from '../resolve';
import { allowStatements, grantsAction } from '../iam';
import { identityPolicies } from '../identity-policies';
import { resourceText } from './db-connect-scoped';
import { expandSub } from '../sub';

/* eslint-disable @typescript-eslint/no-explicit-any */

/** The S3 actions that read an object's content. */
export const OBJECT_READ_ACTIONS = ['s3:GetObject', 's3:GetObjectVersion', 's3:GetObjectAttributes', 's3:GetObjectTorrent'] as const;

const TOKEN = '\u0000';

/**
 * Whether an object ARN stays inside the processor's own prefix:
 * `<one named bucket>/<processor>/...`, the bucket a resource of the stack or a
 * literal bucket ARN without a wildcard, as `ExtractsBucket.addProcessorPrefix` grants.
 */
function insidePrefix(literal: string, processor: string): boolean {
  const slash = literal.indexOf('/');
  if (slash < 0) return false;
  const bucket = literal.slice(0, slash);
  const rest = literal.slice(slash + 1);
  const namedBucket = bucket === TOKEN || /^arn:(aws|aws-cn|aws-us-gov|\u0000):s3:::[a-z0-9][a-z0-9.-]*$/.test(bucket);
  return namedBucket && rest.startsWith(`${processor}/`);
}

export const ProcessorReadsOwnPrefix: GdprRule = {
  id: 'Art28-ProcessorReadsOwnPrefix',
  article: 'Art. 28(3), Art. 29, Art. 25(2), Art. 32(1)(b)',
  level: NagMessageLevel.ERROR,
  info: 'A processor\'s (subcontractor\'s) role can read S3 objects outside its own prefix of the extracts bucket.',
  explanation:
    'Art. 28(3): the contract sets out the type of personal data and the purpose of the processing (its first subparagraph), and the processor processes them only on the controller\'s documented instructions (point (a), and art. 29); art. 25(2): by default only the data each purpose needs is processed. It receives its pseudonymised extract in its own prefix, `<extracts bucket>/<processor>/`; reading another prefix hands it another processor\'s extract (other categories, another purpose), and reading another bucket hands it whatever that bucket holds (access logs, exports, backups of a team).',
  trigger:
    '`AWS::IAM::Role` tagged `gdpr:processor` whose inline policies, or the `AWS::IAM::ManagedPolicy` and `AWS::IAM::Policy` of the stack attached to it, have an `Allow` statement granting `s3:GetObject`, `s3:GetObjectVersion`, `s3:GetObjectAttributes` or `s3:GetObjectTorrent` (also through `s3:Get*`, `s3:*`, `*` or a `NotAction`) on a resource other than `<one bucket>/<value of the gdpr:processor tag>/...` (a wildcard bucket, another prefix, `*`, a value that is not written in the template): finding `Beyond::<resource>` (`Beyond::NotResource` for a `NotResource`).',
  fix: 'Give the processor its extract with `ProcessorGrant` (`ExtractsBucket.addProcessorPrefix`), which grants `s3:GetObject` on `<bucket>/<processor>/*` only.',
  check(node: CfnResource): NagRuleResult {
    const role = resolved(node);
    if (role.type !== 'AWS::IAM::Role') return NagRuleCompliance.NOT_APPLICABLE;
    const tag = asArray(role.properties.Tags).find((t: any) => t?.Key === PROCESSOR_TAG) as any;
    if (tag === undefined) return NagRuleCompliance.NOT_APPLICABLE;
    const processor = typeof tag.Value === 'string' ? tag.Value : undefined;
    const findings = new Set<string>();
    for (const statement of allowStatements(identityPolicies(node)?.documents ?? [])) {
      if (!OBJECT_READ_ACTIONS.some((action) => grantsAction(statement, action))) continue;
      if (statement.NotResource !== undefined) {
        findings.add('Beyond::NotResource');
        continue;
      }
      for (const value of asArray(statement.Resource)) {
        const text = resourceText(expandSub(value));
        // A processor whose name is not written in the template has no prefix a rule can hold it to.
        if (processor === undefined || !insidePrefix(text.literal, processor)) findings.add(`Beyond::${text.display}`);
      }
    }
    return findings.size === 0 ? NagRuleCompliance.COMPLIANT : [...findings].sort();
  },
};
/* eslint-enable @typescript-eslint/no-explicit-any */
