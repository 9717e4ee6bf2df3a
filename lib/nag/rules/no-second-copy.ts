import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import type { GdprRule } from '../rule';
import { resolved } from '../resolve';

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

/** Resource types that run arbitrary AWS API calls, whose properties are searched for COPYING_RDS_CALLS. */
const API_CALLERS = /^(Custom::|AWS::CloudFormation::CustomResource$|AWS::Scheduler::Schedule$|AWS::StepFunctions::StateMachine$)/;

/** One finding per way a resource makes a second copy of a database. */
function copies(type: string, p: Record<string, any>): string[] {
  const found: string[] = [];
  switch (type) {
    case 'AWS::RDS::DBCluster':
      if (p.ReplicationSourceIdentifier !== undefined) found.push('ReadReplica');
      if (p.GlobalClusterIdentifier !== undefined) found.push('GlobalCluster');
      if (p.SnapshotIdentifier !== undefined || p.SourceDBClusterIdentifier !== undefined) found.push('RestoredCopy');
      break;
    case 'AWS::RDS::DBInstance':
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
  info: 'A resource makes a second copy of a database or a bucket outside the locked, isolated backups: a replica, a global cluster, a restored or cloned database, a manual, shared, copied or exported snapshot, replicated automated backups, a zero-ETL or DMS replication, or bucket replication.',
  explanation:
    'Art. 5(1)(c) and (f), art. 25(2): the contact database stays the single source of truth. Every other copy is one more place to secure, to keep up to date, to purge at the end of the retention period and to erase from on request, and one more way to lose the data or leak it; a shared or public snapshot hands it to another account. The backups of the kit are the one sanctioned copy: encrypted with their own key, locked, out of reach, bounded in time. The pseudonymised extracts of the processors are made by code, not by a copy of the database, and are not reported.',
  trigger:
    'One finding per way: `AWS::RDS::DBCluster` with `ReplicationSourceIdentifier` (`ReadReplica`), `GlobalClusterIdentifier` (`GlobalCluster`), `SnapshotIdentifier` or `SourceDBClusterIdentifier` (`RestoredCopy`); `AWS::RDS::DBInstance` with `SourceDBInstanceIdentifier` or `SourceDBClusterIdentifier` (`ReadReplica`), restored from a snapshot or a point in time (`RestoredCopy`), with `AutomaticBackupReplicationRegion` (`AutomatedBackupReplication`); `AWS::RDS::GlobalCluster` (`GlobalCluster`); `AWS::RDS::ClusterSnapshot` and `AWS::RDS::DBSnapshot` (`ManualSnapshot`); `AWS::RDS::Integration` (`ZeroEtlIntegration`); `AWS::DMS::ReplicationTask` and `ReplicationConfig` (`DmsReplication`); `AWS::S3::Bucket` with `ReplicationConfiguration` (`BucketReplication`); a custom resource, schedule or state machine that calls an RDS API sharing, copying, exporting or taking a snapshot, restoring or replicating a database (`SnapshotShared`, `SnapshotCopied`, `SnapshotExported`, `ManualSnapshot`, `RestoredCopy`, `ReadReplica`, `GlobalCluster`, `AutomatedBackupReplication`, `ZeroEtlIntegration`).',
  fix: 'Remove the copy: back the database up with `ContactBackup`, which copies recovery points only to a locked vault out of reach. A restore that replaces the lost original is the exception: acknowledge it on that resource, with the incident, until the original is gone.',
  check(node: CfnResource): NagRuleResult {
    const { type, properties } = resolved(node);
    const found = copies(type, properties);
    if (found.length > 0) return found;
    const applicable =
      type.startsWith('AWS::RDS::') || type.startsWith('AWS::DMS::') || type === 'AWS::S3::Bucket' || API_CALLERS.test(type);
    return applicable ? NagRuleCompliance.COMPLIANT : NagRuleCompliance.NOT_APPLICABLE;
  },
};
