import type { Catalog } from '../catalog/catalog';
import { PURGE_DATABASE_USER } from '../config/schema';
import { doBlock, q } from './login-role';

/**
 * pgaudit: every read and write of the kit's database users is logged, with the user, by the
 * cluster parameter group (`pgaudit.log = 'read,write'` for everyone, `pgaudit.log_parameter` off so
 * that bound values stay out of the log; see ContactDatabase). The log goes to the encrypted
 * PostgreSQL log group, so a breach can be scoped to the users, statements and relations involved
 * (art. 33(3)).
 *
 * What SQL adds, only where pgaudit is loaded (Aurora, once the cluster runs with the parameter
 * group; the tests' PostgreSQL has no pgaudit and skips it with a warning):
 * - `CREATE EXTENSION pgaudit`, as AWS documents for Aurora;
 * - `ALTER ROLE ... RESET pgaudit.log` for every user the kit manages, so that no role-level
 *   setting (`ALTER ROLE x SET pgaudit.log = 'none'`) exempts one of them from the global setting.
 *   Aurora lets its master user (rds_superuser) set pgaudit's parameters on roles; PostgreSQL
 *   itself reserves that to superusers.
 */

/** True where the pgaudit library is loaded: its parameters then exist (a placeholder is not in pg_settings). */
export const PGAUDIT_LOADED = "EXISTS (SELECT 1 FROM pg_catalog.pg_settings WHERE name = 'pgaudit.log')";


/** The database users the kit manages, whose reads pgaudit must log. */
export function auditedUsers(catalog: Catalog): string[] {
  return [...catalog.roles.map((r) => r.name), ...catalog.subcontractors.map((s) => s.databaseUser), PURGE_DATABASE_USER];
}

/** The catalog SQL for pgaudit; `loaded` is the condition under which pgaudit is there (tests replace it). */
export function auditSql(catalog: Catalog, loaded = PGAUDIT_LOADED): string[] {
  const resets = auditedUsers(catalog).map((user) => `    ALTER ROLE ${q(user)} RESET pgaudit.log;`);
  return [
    '',
    '-- pgaudit: reads and writes are logged with their database user (parameter group); no role may opt out.',
    doBlock(`BEGIN
  IF ${loaded} THEN
    CREATE EXTENSION IF NOT EXISTS pgaudit;
${resets.join('\n')}
  ELSE
    RAISE WARNING 'pgaudit is not loaded on this server: reads of personal data are not logged with their database user (check shared_preload_libraries in the cluster parameter group, then reboot the cluster)';
  END IF;
END`),
  ];
}
