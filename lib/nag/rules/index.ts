import type { GdprRule } from '../rule';
import { DatabaseDeletionProtected } from './database-deletion-protected';
import { DatabaseIamAuth } from './database-iam-auth';
import { DatabaseNotPublic } from './database-not-public';
import { DatabaseTlsForced } from './database-tls-forced';
import { EncryptedWithCmk } from './encrypted-with-cmk';
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
];

export {
  DatabaseDeletionProtected,
  DatabaseIamAuth,
  DatabaseNotPublic,
  DatabaseTlsForced,
  EncryptedWithCmk,
  RegionGuardAttached,
  RegionReferencesAllowed,
  StackRegionAllowed,
  StatefulResourceRetained,
  VpnAuthorizationScoped,
  VpnConnectionsLogged,
};
