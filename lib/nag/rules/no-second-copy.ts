import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import type { GdprRule, GdprRuleContext } from '../rule';
import { asArray, resolved } from '../resolve';
import { allowStatements, grantsAction, identityPolicyDocuments } from '../iam';
import { BACKUP_MANAGED_POLICIES, isListed, managedPolicyRef } from '../managed-policies';
import { conditionValues } from './processor-trust-bounded';
import { destinationRegion } from './backup-copy-region-allowed';
import { expandSub } from '../sub';

/* eslint-disable @typescript-eslint/no-explicit-any */

/**
 * RDS API calls that make a copy of a database outside its backup plan, as a
 * custom resource, a schedule or a state machine can make them (AWS SDK
 * action names, matched without regard to case), and the finding each gives.
 */
export const COPYING_RDS_CALLS: Readonly<Record<string, string>> = {
  ModifyDBClusterSnapshotAttribute: 'SnapshotShared',
  ModifyDBSnapshotAttribute: 'SnapshotShared',
  CopyDBClusterSnapshot: 'SnapshotCopied',
  CopyDBSnapshot: 'SnapshotCopied',
  CreateDBClusterSnapshot: 'ManualSnapshot',
  CreateDBSnapshot: 'ManualSnapshot',
  StartExportTask: 'SnapshotExported',
  RestoreDBClusterFromSnapshot: 'RestoredCopy',
  RestoreDBClusterToPointInTime: 'RestoredCopy',
  RestoreDBInstanceFromDBSnapshot: 'RestoredCopy',
  RestoreDBInstanceToPointInTime: 'RestoredCopy',
  CreateDBInstanceReadReplica: 'ReadReplica',
  CreateGlobalCluster: 'GlobalCluster',
  StartDBInstanceAutomatedBackupsReplication: 'AutomatedBackupReplication',
  CreateIntegration: 'ZeroEtlIntegration',
};

/**
 * IAM actions, besides `rds:<call>` for every call of COPYING_RDS_CALLS, that
 * make a copy of a database outside its backup plan, and the finding each gives.
 * `backup:StartCopyJob` is judged by its `backup:CopyTargets` condition.
 */
export const COPYING_ACTIONS: Readonly<Record<string, string>> = {
  'rds:AddRoleToDBCluster': 'AssociatedRole',
  'rds:AddRoleToDBInstance': 'AssociatedRole',
  'backup:StartBackupJob': 'OnDemandBackup',
  'backup:StartRestoreJob': 'RestoredCopy',
  'dms:CreateReplicationTask': 'DmsReplication',
  'dms:StartReplicationTask': 'DmsReplication',
  'dms:CreateReplicationConfig': 'DmsReplication',
  'dms:StartReplication': 'DmsReplication',
  'dms:CreateDataMigration': 'DmsReplication',
  'dms:StartDataMigration': 'DmsReplication',
};

/** Resource types that run arbitrary AWS API calls, whose properties are searched for COPYING_RDS_CALLS. */
const API_CALLERS = /^(Custom::|AWS::CloudFormation::CustomResource$|AWS::Scheduler::Schedule$|AWS::StepFunctions::StateMachine$)/;

/**
 * Aurora and RDS features that move rows between the database and another
 * service from SQL (`aws_s3.query_export_to_s3`, `aws_s3.table_import_from_s3`,
 * `aws_lambda.invoke`, and the machine-learning ones): every one is a copy.
 */
function associatedRoles(p: Record<string, any>): string[] {
  if (p.AssociatedRoles === undefined) return [];
  const found: string[] = [];
  const roles = Array.isArray(p.AssociatedRoles) ? p.AssociatedRoles : [p.AssociatedRoles];
  for (const role of roles) {
    const feature = role?.FeatureName;
    if (typeof feature === 'string') found.push(`AssociatedRole::${feature}`);
    else if (feature === undefined && role && typeof role === 'object' && 'RoleArn' in role) found.push('AssociatedRole::<no FeatureName>');
    // A parameter, a condition, AWS::NoValue: the feature cannot be known before deployment.
    else found.push('CannotEvaluate::AssociatedRoles');
  }
  return found;
}

/** Whether a role can be assumed by AWS Backup and by nothing else. */
function backupServiceRole(p: Record<string, any>): boolean {
  const statements = asArray(p.AssumeRolePolicyDocument?.Statement).filter((s: any) => s?.Effect === 'Allow');
  return (
    statements.length > 0 &&
    statements.every((s: any) => {
      const principal = s?.Principal;
      if (!principal || typeof principal !== 'object' || Object.keys(principal).some((k) => k !== 'Service')) return false;
      return asArray(principal.Service).every((service) => service === 'backup.amazonaws.com');
    })
  );
}

const COPY_TARGET_OPERATORS = ['ArnEquals', 'ArnLike', 'StringEquals', 'StringLike'].flatMap((o) => [o, `ForAllValues:${o}`]);

/** The findings of the copying permissions an identity policy grants. */
function copyingPermissions(node: CfnResource, documents: readonly any[], allowed: readonly string[]): string[] {
  const found: string[] = [];
  for (const statement of allowStatements(documents)) {
    for (const [call, finding] of Object.entries(COPYING_RDS_CALLS)) if (grantsAction(statement, `rds:${call}`)) found.push(`Permission::${finding}`);
    for (const [action, finding] of Object.entries(COPYING_ACTIONS)) if (grantsAction(statement, action)) found.push(`Permission::${finding}`);
    if (grantsAction(statement, 'backup:StartCopyJob')) {
      const targets = conditionValues(statement.Condition, COPY_TARGET_OPERATORS, 'backup:CopyTargets');
      if (targets.length === 0) found.push('Permission::CopyJobUnbounded');
      for (const target of targets) {
        const region = destinationRegion(node, expandSub(target));
        if (region === 'stack') continue;
        if (region === undefined || /[*?]/.test(region)) found.push('Permission::CopyJobUnbounded');
        else if (!allowed.includes(region)) found.push(`Permission::CopyJobRegion::${region}`);
      }
    }
  }
  return found;
}

/** The AWS Backup managed policies an identity holds, unless it is AWS Backup's own service role (the plan's sanctioned copy path). */
function backupManagedPolicies(type: string, p: Record<string, any>): string[] {
  if (type !== 'AWS::IAM::Role' && type !== 'AWS::IAM::User' && type !== 'AWS::IAM::Group') return [];
  if (type === 'AWS::IAM::Role' && backupServiceRole(p)) return [];
  return asArray(p.ManagedPolicyArns)
    .map((arn) => managedPolicyRef(arn, () => false))
    .filter((ref) => ref.kind === 'aws' && isListed(BACKUP_MANAGED_POLICIES, ref.name))
    .map((ref) => `ManagedPolicy::${(ref as { name: string }).name}`);
}

/** One finding per way a resource makes a second copy of a database. */
function copies(node: CfnResource, type: string, p: Record<string, any>, allowed: readonly string[]): string[] {
  const found: string[] = [];
  const documents = identityPolicyDocuments({ type, properties: p } as any);
  if (documents !== undefined) {
    found.push(...copyingPermissions(node, documents, allowed), ...backupManagedPolicies(type, p));
  }
  switch (type) {
    case 'AWS::RDS::DBCluster':
      found.push(...associatedRoles(p));
      if (p.ReplicationSourceIdentifier !== undefined) found.push('ReadReplica');
      if (p.GlobalClusterIdentifier !== undefined) found.push('GlobalCluster');
      if (p.SnapshotIdentifier !== undefined || p.SourceDBClusterIdentifier !== undefined) found.push('RestoredCopy');
      break;
    case 'AWS::RDS::DBInstance':
      found.push(...associatedRoles(p));
      if (p.SourceDBInstanceIdentifier !== undefined || p.SourceDBClusterIdentifier !== undefined) found.push('ReadReplica');
      if (
        p.DBSnapshotIdentifier !== undefined ||
        p.SourceDBInstanceAutomatedBackupsArn !== undefined ||
        p.SourceDbiResourceId !== undefined ||
        p.RestoreTime !== undefined ||
        p.UseLatestRestorableTime !== undefined
      ) {
        found.push('RestoredCopy');
      }
      if (p.AutomaticBackupReplicationRegion !== undefined) found.push('AutomatedBackupReplication');
      break;
    case 'AWS::RDS::GlobalCluster':
      found.push('GlobalCluster');
      break;
    case 'AWS::RDS::ClusterSnapshot':
    case 'AWS::RDS::DBSnapshot':
      // A manual snapshot: outside the locked vault, never expires, can be shared or copied later.
      found.push('ManualSnapshot');
      break;
    case 'AWS::RDS::Integration':
      found.push('ZeroEtlIntegration');
      break;
    case 'AWS::DMS::ReplicationTask':
    case 'AWS::DMS::ReplicationConfig':
    case 'AWS::DMS::DataMigration':
      found.push('DmsReplication');
      break;
    case 'AWS::S3::Bucket':
      if (p.ReplicationConfiguration !== undefined) found.push('BucketReplication');
      break;
    default:
      if (API_CALLERS.test(type)) {
        const text = JSON.stringify(p).toLowerCase();
        for (const [call, finding] of Object.entries(COPYING_RDS_CALLS)) {
          if (text.includes(call.toLowerCase())) found.push(finding);
        }
      }
  }
  return [...new Set(found)].sort();
}
/* eslint-enable @typescript-eslint/no-explicit-any */

export const NoSecondCopy: GdprRule = {
  id: 'Art5-NoSecondCopy',
  article: 'Art. 5(1)(c), Art. 5(1)(f), Art. 25(2)',
  level: NagMessageLevel.ERROR,
  info: 'A resource makes a second copy of a database or a bucket outside the locked, isolated backups: a replica, a global cluster, a restored or cloned database, a manual, shared, copied or exported snapshot, replicated automated backups, a zero-ETL or DMS replication, bucket replication, a database feature that exports or imports rows (S3, Lambda) from SQL, or an IAM permission to do any of that.',
  explanation:
    'Art. 5(1)(c) and (f), art. 25(2): the contact database stays the single source of truth. Every other copy is one more place to secure, to keep up to date, to purge at the end of the retention period and to erase from on request, and one more way to lose the data or leak it; a shared or public snapshot hands it to another account. A permission to make such a copy is the copy waiting to happen: whoever holds it (a person, a function, a role of another team) can take a snapshot, share it, export it to S3 or start a DMS task on the day they choose, outside every rule that checks the template. The backups of the kit are the one sanctioned copy: encrypted with their own key, locked, out of reach, bounded in time, made by AWS Backup\'s service role (a role only backup.amazonaws.com can assume, holding AWS Backup\'s managed policies) on the plan\'s schedule to the vaults the plan names, which the backup rules check. The pseudonymised extracts of the processors are made by code, not by a copy of the database, and are not reported.',
  trigger:
    'One finding per way: `AWS::RDS::DBCluster` with `ReplicationSourceIdentifier` (`ReadReplica`), `GlobalClusterIdentifier` (`GlobalCluster`), `SnapshotIdentifier` or `SourceDBClusterIdentifier` (`RestoredCopy`); `AWS::RDS::DBInstance` with `SourceDBInstanceIdentifier` or `SourceDBClusterIdentifier` (`ReadReplica`), restored from a snapshot or a point in time (`RestoredCopy`), with `AutomaticBackupReplicationRegion` (`AutomatedBackupReplication`); `AWS::RDS::GlobalCluster` (`GlobalCluster`); `AWS::RDS::ClusterSnapshot` and `AWS::RDS::DBSnapshot` (`ManualSnapshot`); `AWS::RDS::Integration` (`ZeroEtlIntegration`); `AWS::DMS::ReplicationTask` and `ReplicationConfig` (`DmsReplication`); `AWS::S3::Bucket` with `ReplicationConfiguration` (`BucketReplication`); a custom resource, schedule or state machine that calls an RDS API sharing, copying, exporting or taking a snapshot, restoring or replicating a database (`SnapshotShared`, `SnapshotCopied`, `SnapshotExported`, `ManualSnapshot`, `RestoredCopy`, `ReadReplica`, `GlobalCluster`, `AutomatedBackupReplication`, `ZeroEtlIntegration`); `AWS::DMS::DataMigration` (`DmsReplication`); `AWS::RDS::DBCluster` and `DBInstance` with `AssociatedRoles` (`AssociatedRole::<FeatureName>`: `s3Export`, `s3Import`, `Lambda`, ...; `CannotEvaluate::AssociatedRoles` when an entry is a parameter or a condition); an identity policy (`AWS::IAM::Policy`, `ManagedPolicy`, inline policies of a role, user or group) with an `Allow` statement granting, also through `rds:*`, `rds:Copy*`, `*` or a `NotAction`, `rds:<call>` for each RDS call above (`Permission::<finding>`), `rds:AddRoleToDBCluster` or `AddRoleToDBInstance` (`Permission::AssociatedRole`), `backup:StartBackupJob` (`Permission::OnDemandBackup`), `backup:StartRestoreJob` (`Permission::RestoredCopy`), a DMS task, replication or data migration being created or started (`Permission::DmsReplication`), or `backup:StartCopyJob` without a `backup:CopyTargets` condition naming vaults of known regions (`Permission::CopyJobUnbounded`) or with a target outside the allowed regions (`Permission::CopyJobRegion::<region>`); a role, user or group holding an AWS Backup managed policy (`AWSBackupServiceRolePolicyForBackup`, `ForRestores`, `AWSBackupOperatorAccess`, `AWSBackupFullAccess`: `ManagedPolicy::<name>`) unless it is a role only `backup.amazonaws.com` can assume. Broad AWS-managed policies (`AdministratorAccess`, `AmazonRDSFullAccess`, ...) are reported by `Art32-NoBroadManagedPolicy`.',
  fix: 'Remove the copy, the feature role or the permission: back the database up with `ContactBackup`, which copies recovery points only to a locked vault out of reach, through AWS Backup\'s own service role. Bound a `backup:StartCopyJob` grant with `ArnEquals` `backup:CopyTargets` on vaults in allowed regions. A restore that replaces the lost original is the exception: acknowledge it on that resource, with the incident, until the original is gone.',
  check(node: CfnResource, { allowedRegions }: GdprRuleContext): NagRuleResult {
    const resource = resolved(node);
    const { type, properties } = resource;
    const found = copies(node, type, properties, allowedRegions);
    if (found.length > 0) return found;
    const applicable =
      type.startsWith('AWS::RDS::') ||
      type.startsWith('AWS::DMS::') ||
      type === 'AWS::S3::Bucket' ||
      API_CALLERS.test(type) ||
      identityPolicyDocuments(resource) !== undefined;
    return applicable ? NagRuleCompliance.COMPLIANT : NagRuleCompliance.NOT_APPLICABLE;
  },
};
