import type { GdprRule } from '../rule';
import { BackupCopyRegionAllowed } from './backup-copy-region-allowed';
import { BackupVaultLocked } from './backup-vault-locked';
import { BackupVaultOwnKey } from './backup-vault-own-key';
import { DatabaseDeletionProtected } from './database-deletion-protected';
import { DatabaseIamAuth } from './database-iam-auth';
import { DatabaseInBackupPlan } from './database-in-backup-plan';
import { DatabaseNotPublic } from './database-not-public';
import { DatabaseTlsForced } from './database-tls-forced';
import { DbConnectScoped } from './db-connect-scoped';
import { DpoNotificationTopic } from './dpo-notification-topic';
import { EncryptedWithCmk } from './encrypted-with-cmk';
import { HumanRoleRequiresMfa } from './human-role-requires-mfa';
import { NoPathAroundVpn } from './no-path-around-vpn';
import { NoSecondCopy } from './no-second-copy';
import { NoWildcardDataAccess } from './no-wildcard-data-access';
import { ProcessorNoDatabaseAccess } from './processor-no-database-access';
import { ProcessorTransferMechanism } from './processor-transfer-mechanism';
import { ProcessorTrustBounded } from './processor-trust-bounded';
import { RecoveryPointDeletionDenied } from './recovery-point-deletion-denied';
import { RegionGuardAttached } from './region-guard-attached';
import { RegionReferencesAllowed } from './region-references-allowed';
import { ResourcePolicyBounded } from './resource-policy-bounded';
import { RetentionPurgeScheduled } from './retention-purge-scheduled';
import { StackRegionAllowed } from './stack-region-allowed';
import { StatefulResourceRetained } from './stateful-resource-retained';
import { TrailEncryptedAndValidated } from './trail-encrypted-and-validated';
import { VpnAuthorizationScoped } from './vpn-authorization-scoped';
import { VpnConnectionsLogged } from './vpn-connections-logged';
// Rule pack v2 (issue 11), roles that bypass the catalog
import { DatabaseRoleRequiresMfa } from './database-role-requires-mfa';
import { NoBroadManagedPolicy } from './no-broad-managed-policy';
import { ProcessorReadsOwnPrefix } from './processor-reads-own-prefix';
import { DataKeyRotated } from './data-key-rotated';
import { BackupWithinErasureBound } from './backup-within-erasure-bound';

/** Every rule of the GDPR pack, in the order they are applied and documented. */
export const GDPR_RULES: readonly GdprRule[] = [
  StackRegionAllowed,
  RegionReferencesAllowed,
  RegionGuardAttached,
  EncryptedWithCmk,
  DatabaseNotPublic,
  DatabaseIamAuth,
  DatabaseTlsForced,
  DatabaseDeletionProtected,
  StatefulResourceRetained,
  VpnAuthorizationScoped,
  VpnConnectionsLogged,
  HumanRoleRequiresMfa,
  DbConnectScoped,
  NoWildcardDataAccess,
  ProcessorTrustBounded,
  ProcessorNoDatabaseAccess,
  ProcessorTransferMechanism,
  BackupVaultOwnKey,
  BackupVaultLocked,
  RecoveryPointDeletionDenied,
  BackupCopyRegionAllowed,
  DatabaseInBackupPlan,
  NoSecondCopy,
  TrailEncryptedAndValidated,
  DpoNotificationTopic,
  RetentionPurgeScheduled,
  // Rule pack v2 (issue 11): resource-based policies.
  ResourcePolicyBounded,
  // Rule pack v2 (issue 11), roles that bypass the catalog
  NoBroadManagedPolicy,
  ProcessorReadsOwnPrefix,
  DatabaseRoleRequiresMfa,
  // Issue 11, ways around the VPN-only path
  NoPathAroundVpn,
  // Issue 11 (R4): key rotation, backups within the erasure bound.
  DataKeyRotated,
  BackupWithinErasureBound,
];

export {
  BackupCopyRegionAllowed,
  BackupVaultLocked,
  BackupVaultOwnKey,
  DatabaseDeletionProtected,
  DatabaseIamAuth,
  DatabaseInBackupPlan,
  DatabaseNotPublic,
  DatabaseTlsForced,
  DbConnectScoped,
  DpoNotificationTopic,
  EncryptedWithCmk,
  HumanRoleRequiresMfa,
  NoPathAroundVpn,
  NoSecondCopy,
  NoWildcardDataAccess,
  ProcessorNoDatabaseAccess,
  ProcessorTransferMechanism,
  ProcessorTrustBounded,
  RecoveryPointDeletionDenied,
  RegionGuardAttached,
  RegionReferencesAllowed,
  ResourcePolicyBounded,
  RetentionPurgeScheduled,
  StackRegionAllowed,
  StatefulResourceRetained,
  TrailEncryptedAndValidated,
  VpnAuthorizationScoped,
  VpnConnectionsLogged,
  // Rule pack v2 (issue 11), roles that bypass the catalog
  DatabaseRoleRequiresMfa,
  NoBroadManagedPolicy,
  ProcessorReadsOwnPrefix,
  DataKeyRotated,
  BackupWithinErasureBound,
};
