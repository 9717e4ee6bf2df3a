/** Quotes a PostgreSQL identifier, whatever it is (a keyword such as user, or current_user, stays a name). */
export const q = (identifier: string) => `"${identifier.replace(/"/g, '""')}"`;
/** Quotes a PostgreSQL string literal. */
export const lit = (text: string) => `'${text.replace(/'/g, "''")}'`;

/** `DO <body>` with a dollar-quote tag the body does not contain, so no name inside can end the block. */
export function doBlock(body: string): string {
  let tag = '$$';
  for (let i = 1; body.includes(tag); i++) tag = `$do${i}$`;
  return `DO ${tag}\n${body}\n${tag};`;
}

/** A name PostgreSQL keeps as given: 1 to 63 bytes, no NUL (longer names would be silently truncated into another role's). */
export function checkRoleName(name: string): void {
  if (name.length === 0 || Buffer.byteLength(name) > 63 || name.includes('\0')) {
    throw new Error(`database role name ${JSON.stringify(name)}: must be 1 to 63 bytes without NUL (PostgreSQL truncates longer names); choose another name`);
  }
}

/**
 * The SQL run as the owner (Aurora's master user is no superuser) cannot set
 * SUPERUSER, BYPASSRLS or REPLICATION, so it never tries: it creates a
 * missing role with none of them and refuses a role that already has one.
 */
export function loginRoleSql(name: string, comment: string, rdsIamRole: string): string[] {
  checkRoleName(name);
  const r = q(name);
  return [
    doBlock(`DECLARE
  attributes text;
BEGIN
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = ${lit(name)}) THEN
    CREATE ROLE ${r} LOGIN;
  END IF;
  SELECT concat_ws(', ', CASE WHEN rolsuper THEN 'SUPERUSER' END, CASE WHEN rolbypassrls THEN 'BYPASSRLS' END,
                   CASE WHEN rolreplication THEN 'REPLICATION' END, CASE WHEN rolcreaterole THEN 'CREATEROLE' END,
                   CASE WHEN rolcreatedb THEN 'CREATEDB' END)
    INTO attributes FROM pg_catalog.pg_roles WHERE rolname = ${lit(name)};
  IF attributes <> '' THEN
    RAISE EXCEPTION 'role % already exists with %, which the kit never gives a login role; remove them (ALTER ROLE % NO...) as a superuser or rds_superuser, or rename the catalog role', ${lit(name)}, attributes, ${lit(r)};
  END IF;
END`),
    `ALTER ROLE ${r} LOGIN;`,
    `COMMENT ON ROLE ${r} IS ${lit(comment)};`,
    `GRANT ${q(rdsIamRole)} TO ${r};`,
    doBlock(`BEGIN EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), ${lit(name)}); END`),
  ];
}
