/**
 * Which names a catalog role may not take. A role name becomes a PostgreSQL
 * login role (CREATE ROLE, GRANT ... TO, policy names) and the user of an
 * IAM `rds-db:connect` grant, so a name that is an SQL keyword, a name
 * PostgreSQL or Amazon RDS reserves, or the name of a user the kit itself
 * signs in as, either breaks the generated SQL or grants something to the
 * wrong role. Pure data: no CDK, no database.
 */

/**
 * PostgreSQL's reserved keywords and its type/function-name keywords (the
 * `R` and `T` categories of `pg_get_keywords()`), as of PostgreSQL 16 to 18.
 * Kept in code (no server at synth); test/security/role-names.test.ts
 * compares it with a real server's pg_get_keywords(), so it cannot drift.
 */
export const SQL_RESERVED_KEYWORDS: readonly string[] = [
  // R: reserved
  'all', 'analyse', 'analyze', 'and', 'any', 'array', 'as', 'asc', 'asymmetric', 'both', 'case', 'cast', 'check',
  'collate', 'column', 'constraint', 'create', 'current_catalog', 'current_date', 'current_role', 'current_time',
  'current_timestamp', 'current_user', 'default', 'deferrable', 'desc', 'distinct', 'do', 'else', 'end', 'except',
  'false', 'fetch', 'for', 'foreign', 'from', 'grant', 'group', 'having', 'in', 'initially', 'intersect', 'into',
  'lateral', 'leading', 'limit', 'localtime', 'localtimestamp', 'not', 'null', 'offset', 'on', 'only', 'or', 'order',
  'placing', 'primary', 'references', 'returning', 'select', 'session_user', 'some', 'symmetric', 'system_user',
  'table', 'then', 'to', 'trailing', 'true', 'union', 'unique', 'user', 'using', 'variadic', 'when', 'where',
  'window', 'with',
  // T: reserved, but may be a function or type name
  'authorization', 'binary', 'collation', 'concurrently', 'cross', 'current_schema', 'freeze', 'full', 'ilike',
  'inner', 'is', 'isnull', 'join', 'left', 'like', 'natural', 'notnull', 'outer', 'overlaps', 'right', 'similar',
  'tablesample', 'verbose',
];

/** Keywords that name whoever is connected: a GRANT to them goes to the wrong role, silently. */
const SESSION_ROLE_KEYWORDS = ['current_user', 'session_user', 'current_role', 'user', 'system_user'];

/** Role names PostgreSQL refuses or gives a meaning ("public" is every role, "none" no role). */
const POSTGRES_RESERVED_ROLES = ['public', 'none'];

/**
 * The database users the kit itself signs in as, besides catalog roles.
 * Each constant is also defined where its user is created; tests pin that
 * they are the same (test/security/role-names.test.ts).
 */
export const KIT_DATABASE_USERS = {
  /** The cluster's master user (lib/database/contact-database.ts, CONTACT_DATABASE_ADMIN). */
  master: 'contacts_admin',
  /** The IAM operator role (lib/access/access-roles.ts, OPERATOR_ROLE_NAME). */
  operator: 'operator',
  /** The retention purge (lib/config/schema.ts, PURGE_DATABASE_USER). */
  purge: 'retention_purge',
} as const;

/** Prefix of a processor's extract user (lib/catalog/catalog.ts, EXTRACT_USER_PREFIX). */
export const KIT_EXTRACT_USER_PREFIX = 'extract_';

/**
 * Why a catalog role may not be called `name`, or undefined when it may.
 * Judges a name that already has the identifier shape (lower-case letters,
 * digits, `_`).
 */
export function unsafeRoleName(name: string): string | undefined {
  if (SESSION_ROLE_KEYWORDS.includes(name)) {
    return `${name} is an SQL keyword that names the connected role, not a role called "${name}": grants would go to whoever runs the SQL; choose another role name`;
  }
  if (SQL_RESERVED_KEYWORDS.includes(name)) {
    return `${name} is a reserved SQL keyword: the generated CREATE ROLE and GRANT statements would not parse; choose another role name`;
  }
  if (POSTGRES_RESERVED_ROLES.includes(name)) {
    return `${name} is reserved by PostgreSQL (public means every role, none no role); choose another role name`;
  }
  if (name.startsWith('pg_')) {
    return 'names beginning pg_ are reserved for PostgreSQL\'s built-in roles; choose another role name';
  }
  if (name.startsWith('rds')) {
    return 'names beginning rds are Amazon RDS\'s own roles (rds_iam, rds_superuser, rdsadmin, rdsproxyadmin, ...); choose another role name';
  }
  if (name === 'postgres') {
    return 'postgres is the default superuser of PostgreSQL and RDS; choose another role name';
  }
  if (name === KIT_DATABASE_USERS.master) {
    return `${name} is the cluster's master user: its IAM role would connect as the master; choose another role name`;
  }
  if (name === KIT_DATABASE_USERS.operator) {
    return `${name} is the kit's operator role (schema and operations, no personal data); choose another role name`;
  }
  if (name === KIT_DATABASE_USERS.purge) {
    return `${name} is the database user of the retention purge; choose another role name`;
  }
  if (name.startsWith(KIT_EXTRACT_USER_PREFIX)) {
    return `names beginning ${KIT_EXTRACT_USER_PREFIX} are the database users of processors' extract jobs; choose another role name`;
  }
  return undefined;
}
