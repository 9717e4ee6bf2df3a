import { resourceText } from './rules/db-connect-scoped';
import { expandSub } from './sub';

/*
 * AWS-managed policies, read by name: their documents are not in the
 * template, so a rule decides by what AWS publishes that they allow.
 */

/** What an entry of `ManagedPolicyArns` is. */
export type ManagedPolicyRef =
  /** An AWS-managed policy (`arn:<partition>:iam::aws:policy/<path/>Name`): its name without path. */
  | { readonly kind: 'aws'; readonly name: string }
  /** A policy of the same stack (a Ref to an `AWS::IAM::ManagedPolicy`): its logical id. */
  | { readonly kind: 'stack'; readonly logicalId: string }
  /** Anything else (a customer-managed policy of an account, a parameter, an import, a condition): its text. */
  | { readonly kind: 'unknown'; readonly text: string };

/** Reads one entry of `ManagedPolicyArns` (as resolved), given the logical ids of the stack's managed policies. */
export function managedPolicyRef(value: unknown, stackPolicyIds: (id: string) => boolean): ManagedPolicyRef {
  const ref = (value as { Ref?: unknown } | null)?.Ref;
  if (typeof ref === 'string' && stackPolicyIds(ref)) return { kind: 'stack', logicalId: ref };
  const text = resourceText(expandSub(value));
  // Only the literal text counts: `arn:` + partition token + `:iam::aws:policy/...`, never a token in the name.
  const aws = /^arn:(?:aws|aws-cn|aws-us-gov|\u0000):iam::aws:policy\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]+)$/.exec(text.literal);
  if (aws) return { kind: 'aws', name: aws[1] };
  return { kind: 'unknown', text: text.display };
}

/**
 * AWS-managed policies that reach personal data whatever the role catalog
 * says: read or change every bucket, secret, table, log or database, decrypt
 * or re-key every key, or grant themselves any of that. Matched by name, any
 * path (`job-function/`, `service-role/`). `ViewOnlyAccess` and the
 * `*ReadOnlyAccess` policies of RDS and KMS are not here: they list and
 * describe, and read no data.
 */
export const BROAD_MANAGED_POLICIES: readonly string[] = [
  'AdministratorAccess',
  'PowerUserAccess',
  'ReadOnlyAccess',
  'IAMFullAccess',
  'DatabaseAdministrator',
  'DataScientist',
  'SystemAdministrator',
  'AmazonRDSFullAccess',
  'AmazonRDSDataFullAccess',
  'SecretsManagerReadWrite',
  'AmazonS3FullAccess',
  'AmazonS3ReadOnlyAccess',
  'AWSKeyManagementServicePowerUser',
  'AmazonDynamoDBFullAccess',
  'AmazonDynamoDBReadOnlyAccess',
  'CloudWatchLogsFullAccess',
  'CloudWatchLogsReadOnlyAccess',
  'AWSLambda_FullAccess',
  'AWSBackupFullAccess',
  'AmazonAthenaFullAccess',
];

/** AWS-managed policies of AWS Backup that copy, restore or start backups of a database. */
export const BACKUP_MANAGED_POLICIES: readonly string[] = [
  'AWSBackupServiceRolePolicyForBackup',
  'AWSBackupServiceRolePolicyForRestores',
  'AWSBackupOperatorAccess',
  'AWSBackupFullAccess',
];

/** Whether a managed policy name is in a list, compared case-sensitively as IAM names policies. */
export function isListed(list: readonly string[], name: string): boolean {
  return list.includes(name);
}
