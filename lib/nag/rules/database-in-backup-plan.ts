import { CfnResource, Stack, Token } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { iamWildcardMatch } from '../iam';
import type { GdprRule } from '../rule';
import { asArray, referencedId, resolved, ResolvedResource, stackResources } from '../resolve';

/* eslint-disable @typescript-eslint/no-explicit-any */

/** What a selection can match a database on: its logical id, its ARN's type segment and identifier, its tags. */
interface Database {
  readonly logicalId: string;
  /** `cluster` or `db`, as in the ARN. */
  readonly arnType: 'cluster' | 'db';
  readonly identifier?: string;
  readonly tags: ReadonlyMap<string, string>;
  /** The stack's partition, region and account, when known at synthesis. */
  readonly partition?: string;
  readonly region?: string;
  readonly account?: string;
}

/** Whether one entry of Resources / NotResources names the database. */
function resourceMatches(entry: unknown, db: Database): boolean {
  if (typeof entry === 'string') {
    if (entry === '*') return true;
    // arn:<partition>:rds:<region>:<account>:<cluster|db>:<identifier>, each segment possibly a wildcard
    const [arn, partition, service, region, account, type, ...id] = entry.split(':');
    const known = (pattern: string | undefined, value: string | undefined) =>
      pattern !== undefined && (value === undefined || iamWildcardMatch(pattern, value));
    return (
      arn === 'arn' &&
      known(partition, db.partition) &&
      known(service, 'rds') &&
      known(region, db.region) &&
      known(account, db.account) &&
      known(type, db.arnType) &&
      id.length > 0 &&
      iamWildcardMatch(id.join(':'), db.identifier ?? '')
    );
  }
  const text = JSON.stringify(entry);
  // The ARN built from the database's Ref (its identifier) or its ARN attribute.
  return text.includes(`{"Ref":"${db.logicalId}"}`) || referencedId(entry) === db.logicalId || text.includes(`"Fn::GetAtt":["${db.logicalId}",`);
}

const tagKey = (key: unknown) => (typeof key === 'string' ? key.replace(/^aws:ResourceTag\//, '') : undefined);

function conditionHolds(kind: string, condition: any, db: Database): boolean {
  const key = tagKey(condition?.ConditionKey);
  const expected = condition?.ConditionValue;
  if (key === undefined || typeof expected !== 'string') return false;
  const actual = db.tags.get(key);
  switch (kind) {
    case 'StringEquals':
      return actual === expected;
    case 'StringLike':
      return actual !== undefined && iamWildcardMatch(expected, actual);
    case 'StringNotEquals':
      return actual !== expected;
    case 'StringNotLike':
      return actual === undefined || !iamWildcardMatch(expected, actual);
    default:
      return false;
  }
}

/**
 * Whether a selection assigns the database to its plan: named in Resources or
 * matched by ListOfTags (either suffices), then every Conditions entry must
 * hold and no NotResources entry may name it.
 */
function selects(selection: ResolvedResource, db: Database): boolean {
  const s = selection.properties.BackupSelection ?? {};
  const byResource = asArray(s.Resources).some((r) => resourceMatches(r, db));
  const byTag = asArray(s.ListOfTags).some(
    (t: any) => String(t?.ConditionType ?? 'STRINGEQUALS').toUpperCase() === 'STRINGEQUALS' && conditionHolds('StringEquals', t, db),
  );
  if (!byResource && !byTag) return false;
  const conditions = s.Conditions ?? {};
  for (const kind of ['StringEquals', 'StringLike', 'StringNotEquals', 'StringNotLike']) {
    if (!asArray(conditions[kind]).every((c) => conditionHolds(kind, c, db))) return false;
  }
  return !asArray(s.NotResources).some((r) => resourceMatches(r, db));
}

function tagsOf(properties: Record<string, any>): Map<string, string> {
  return new Map(
    asArray(properties.Tags)
      .filter((t: any) => typeof t?.Key === 'string' && typeof t?.Value === 'string')
      .map((t: any) => [t.Key as string, t.Value as string]),
  );
}
/* eslint-enable @typescript-eslint/no-explicit-any */

export const DatabaseInBackupPlan: GdprRule = {
  id: 'Art32-DatabaseInBackupPlan',
  article: 'Art. 32(1)(c)',
  level: NagMessageLevel.ERROR,
  info: 'The database is not selected by any AWS Backup plan of the stack.',
  explanation:
    'Art. 32(1)(c) requires the ability to restore the availability of and access to personal data in a timely manner after an incident. Automated RDS backups are deleted with the database and sit outside any vault lock; only a backup plan puts recovery points in a locked vault and copies them out of reach. Aurora is backed up as a cluster: the cluster must be selected, its instances cannot be (cdk-nag\'s RDSInBackupPlan reports Aurora instances wrongly, cdklabs/cdk-nag#1627).',
  trigger:
    '`AWS::RDS::DBCluster`, and `AWS::RDS::DBInstance` outside a cluster, that no `AWS::Backup::BackupSelection` of the stack selects: by its ARN in `Resources` (a literal ARN or wildcard such as `arn:aws:rds:*:*:cluster:*`, or an ARN built from the database\'s `Ref` or `Fn::GetAtt`), or by a tag in `ListOfTags`, while its `Conditions` hold and `NotResources` does not exclude it. Instances of a cluster are not applicable.',
  fix: 'Back the database up with `ContactBackup` (it selects the cluster by ARN), or add a selection: `plan.addSelection(id, { resources: [BackupResource.fromRdsDatabaseCluster(cluster)] })`.',
  check(node: CfnResource): NagRuleResult {
    const { logicalId, type, properties } = resolved(node);
    const isCluster = type === 'AWS::RDS::DBCluster';
    const isStandaloneInstance = type === 'AWS::RDS::DBInstance' && properties.DBClusterIdentifier === undefined;
    if (!isCluster && !isStandaloneInstance) return NagRuleCompliance.NOT_APPLICABLE;
    const stack = Stack.of(node);
    const known = (v: string) => (Token.isUnresolved(v) ? undefined : v);
    const identifier = isCluster ? properties.DBClusterIdentifier : properties.DBInstanceIdentifier;
    const db: Database = {
      logicalId,
      arnType: isCluster ? 'cluster' : 'db',
      identifier: typeof identifier === 'string' ? identifier.toLowerCase() : undefined,
      tags: tagsOf(properties),
      partition: known(stack.partition),
      region: known(stack.region),
      account: known(stack.account),
    };
    const selected = [...stackResources(node).values()].some((r) => r.type === 'AWS::Backup::BackupSelection' && selects(r, db));
    return selected ? NagRuleCompliance.COMPLIANT : NagRuleCompliance.NON_COMPLIANT;
  },
};
