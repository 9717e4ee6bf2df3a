import type { GdprRule } from '../rule';
import { DatabaseDeletionProtected } from './database-deletion-protected';
import { DatabaseIamAuth } from './database-iam-auth';
import { DatabaseNotPublic } from './database-not-public';
import { DatabaseTlsForced } from './database-tls-forced';
import { DbConnectScoped } from './db-connect-scoped';
import { EncryptedWithCmk } from './encrypted-with-cmk';
import { HumanRoleRequiresMfa } from './human-role-requires-mfa';
import { NoWildcardDataAccess } from './no-wildcard-data-access';
import { ProcessorNoDatabaseAccess } from './processor-no-database-access';
import { ProcessorTransferMechanism } from './processor-transfer-mechanism';
import { ProcessorTrustBounded } from './processor-trust-bounded';
import { RegionGuardAttached } from './region-guard-attached';
import { RegionReferencesAllowed } from './region-references-allowed';
import { StackRegionAllowed } from './stack-region-allowed';
import { StatefulResourceRetained } from './stateful-resource-retained';
import { VpnAuthorizationScoped } from './vpn-authorization-scoped';
import { VpnConnectionsLogged } from './vpn-connections-logged';

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
];

export {
  DatabaseDeletionProtected,
  DatabaseIamAuth,
  DatabaseNotPublic,
  DatabaseTlsForced,
  DbConnectScoped,
  EncryptedWithCmk,
  HumanRoleRequiresMfa,
  NoWildcardDataAccess,
  ProcessorNoDatabaseAccess,
  ProcessorTransferMechanism,
  ProcessorTrustBounded,
  RegionGuardAttached,
  RegionReferencesAllowed,
  StackRegionAllowed,
  StatefulResourceRetained,
  VpnAuthorizationScoped,
  VpnConnectionsLogged,
};
