import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import type { GdprRule } from '../rule';
import { asArray, resolved, stackResources, type ResolvedResource } from '../resolve';
import { expandSub } from '../sub';
import { allowStatements, iamWildcardMatch, identityPolicyDocuments } from '../iam';

/* eslint-disable @typescript-eslint/no-explicit-any */

/** The actions that reveal personal data: sign in to the database, decrypt its key, read its secrets. */
export const DATA_ACCESS_ACTIONS = ['rds-db:connect', 'kms:Decrypt', 'secretsmanager:GetSecretValue'] as const;

/**
 * The actions this rule checks: DATA_ACCESS_ACTIONS, and reading an object of
 * S3 (the extracts, an export), each with a probe: the ARN of a resource of
 * its type that nobody names, `{p}`, `{r}`, `{a}` the partition, region and
 * account, taken from the pattern when it writes them. A resource pattern
 * that matches the probe matches every resource of the type.
 */
const CHECKED_ACTIONS: Readonly<Record<string, readonly string[]>> = {
  'rds-db:connect': ['arn:{p}:rds-db:{r}:{a}:dbuser:cluster-GDPRPROBE7F3A9C0B1E2D/gdpr_probe_7f3a'],
  'kms:Decrypt': ['arn:{p}:kms:{r}:{a}:key/0f3a9c7e-gdpr-4e5a-9b6c-probe7f3a9c0', 'arn:{p}:kms:{r}:{a}:alias/gdpr-probe-7f3a9c'],
  'secretsmanager:GetSecretValue': ['arn:{p}:secretsmanager:{r}:{a}:secret:gdpr-probe-7f3a9c-AbC1eF'],
  's3:GetObject': ['arn:{p}:s3:::gdpr-probe-7f3a9c0b/gdpr-probe-7f3a/object.csv'],
};

/** The data actions an `Allow` statement grants, each named as the statement writes it. */
function grantedDataActions(statement: any): [written: string, action: string][] {
  const actions = Object.keys(CHECKED_ACTIONS);
  if (statement?.Action !== undefined) {
    return asArray(statement.Action).flatMap((a): [string, string][] =>
      typeof a === 'string' ? actions.filter((data) => iamWildcardMatch(a, data)).map((data): [string, string] => [a, data]) : [],
    );
  }
  if (statement?.NotAction !== undefined) {
    const excluded = asArray(statement.NotAction).filter((a): a is string => typeof a === 'string');
    return actions.filter((data) => !excluded.some((a) => iamWildcardMatch(a, data))).map((data): [string, string] => [data, data]);
  }
  return [];
}

const PSEUDO = new Set(['AWS::Partition', 'AWS::Region', 'AWS::AccountId', 'AWS::URLSuffix']);
const OPAQUE = '\u0000';

/**
 * A `Resource` value as an IAM pattern: literal text kept, a pseudo parameter
 * as `*` (any partition, region, account: the widest reading), a resource of
 * the stack as one character no probe holds; undefined when the value cannot
 * be known offline (a parameter, an import, a condition, another function).
 */
function resourcePattern(raw: unknown, resources: Map<string, ResolvedResource>): string | undefined {
  const value = expandSub(raw);
  if (typeof value === 'string') return value;
  if (!value || typeof value !== 'object') return undefined;
  const v = value as Record<string, any>;
  const join = v['Fn::Join'];
  if (Array.isArray(join) && typeof join[0] === 'string' && Array.isArray(join[1])) {
    const parts = join[1].map((part: unknown) => resourcePattern(part, resources));
    return parts.some((part: string | undefined) => part === undefined) ? undefined : parts.join(join[0]);
  }
  if (typeof v.Ref === 'string') return PSEUDO.has(v.Ref) ? '*' : resources.has(v.Ref) ? OPAQUE : undefined;
  const getAtt = v['Fn::GetAtt'];
  const id = Array.isArray(getAtt) ? getAtt[0] : typeof getAtt === 'string' ? getAtt.split('.')[0] : undefined;
  return typeof id === 'string' && resources.has(id) ? OPAQUE : undefined;
}

/** Whether a resource pattern matches every resource of the action's type (a probe nobody names). */
function matchesEveryResource(pattern: string, action: string): boolean {
  const segments = pattern.split(':');
  const plain = (i: number, fallback: string) => (segments[i] !== undefined && segments[i] !== '' && !/[*?\u0000]/.test(segments[i]) ? segments[i] : fallback);
  return CHECKED_ACTIONS[action].some((probe) =>
    iamWildcardMatch(pattern, probe.replace('{p}', plain(1, 'aws')).replace('{r}', plain(3, 'eu-west-3')).replace('{a}', plain(4, '111122223333'))),
  );
}

export const NoWildcardDataAccess: GdprRule = {
  id: 'Art32-NoWildcardDataAccess',
  article: 'Art. 25(2), Art. 32(1)(b)',
  level: NagMessageLevel.ERROR,
  info: 'An identity policy grants a data-access action (database login, key decryption, secret read, S3 object read) on every resource of its type, or on a resource that cannot be known at synthesis.',
  explanation:
    'Art. 25(2): by default, personal data must not be accessible to more people than the purpose needs. rds-db:connect, kms:Decrypt, secretsmanager:GetSecretValue and s3:GetObject on Resource "*", or on a pattern that matches every resource of the type (`key/*`, `secret:*`, `arn:aws:s3:::*/*`, `dbuser:*/*`, `arn:*:*`), reach the contact database, its key, its master secret and the extracts, and every future one, whatever the role catalog says; a condition does not make the grant reviewable against the catalog.',
  trigger:
    '`AWS::IAM::Policy`, `AWS::IAM::ManagedPolicy` and the inline policies of `AWS::IAM::Role`, `User` and `Group` with an `Allow` statement whose actions match `rds-db:connect`, `kms:Decrypt`, `secretsmanager:GetSecretValue` or `s3:GetObject` (`kms:*`, `secretsmanager:*`, `*`, `kms:Decrypt*` included, or a `NotAction` that leaves one of them out) on `Resource: *`, with `NotResource`, or on a resource pattern that matches the ARN of a resource of the type nobody names (`arn:aws:kms:<region>:<account>:key/*`, `alias/*`, `arn:aws:secretsmanager:...:secret:*`, `arn:aws:s3:::*`, `arn:aws:s3:::*/*`, `arn:aws:rds-db:...:dbuser:*/*`, `arn:*:*`; a pseudo parameter read as any partition, region or account). One finding per action, `Action::<action>`; a resource that is not written in the template (a parameter, an import, a condition) gives `CannotEvaluate::Resource::<action>`.',
  fix: 'Name the resources: the database user ARN for rds-db:connect, the key ARN for kms:Decrypt, the secret ARN for secretsmanager:GetSecretValue, the bucket and prefix for s3:GetObject (`grantDecrypt`, `grantRead` and `AccessRoles` do).',
  check(node: CfnResource): NagRuleResult {
    const documents = identityPolicyDocuments(resolved(node));
    if (documents === undefined) return NagRuleCompliance.NOT_APPLICABLE;
    const resources = stackResources(node);
    const findings = new Set<string>();
    for (const statement of allowStatements(documents)) {
      const granted = grantedDataActions(statement);
      if (granted.length === 0) continue;
      if (statement.NotResource !== undefined) {
        for (const [written] of granted) findings.add(`Action::${written}`);
        continue;
      }
      const patterns = asArray(statement.Resource).map((r) => resourcePattern(r, resources));
      for (const [written, action] of granted) {
        if (patterns.some((p) => p === undefined)) findings.add(`CannotEvaluate::Resource::${written}`);
        if (patterns.some((p) => p !== undefined && matchesEveryResource(p, action))) findings.add(`Action::${written}`);
      }
    }
    return findings.size === 0 ? NagRuleCompliance.COMPLIANT : [...findings].sort();
  },
};
/* eslint-enable @typescript-eslint/no-explicit-any */
