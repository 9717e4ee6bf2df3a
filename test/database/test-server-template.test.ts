import { Catalog } from '../../lib/catalog/catalog';
import { databaseSql } from '../../lib/database/database-sql';
import { migrate } from '../../lib/database/migrator';
import { defaultConfig, defaultConfigInput } from '../helpers/reference';
import { parseConfig } from '../../lib/config/load';
import { migratedTemplateDir } from '../helpers/pg-template';
import { startPostgres, startReferenceDatabase, TestDatabase } from '../helpers/postgres';

/**
 * The database attack tests start from a copy of a server migrated once (startReferenceDatabase
 * keeps its data directory as a template). A test is only as good as the database it attacks:
 * this file proves the copy is the database a fresh migration by the owner gives, role for role
 * and privilege for privilege, and that another catalog never gets the reference's copy.
 */

/** Everything an attack test depends on, read from the server's catalogs (names, never oids). */
const FINGERPRINT = `
SELECT json_build_object(
  'roles', (SELECT json_agg(r ORDER BY r.rolname) FROM (
    SELECT rolname, rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolcanlogin, rolreplication, rolbypassrls, rolconnlimit, rolvaliduntil, rolconfig
    FROM pg_roles WHERE rolname NOT LIKE 'pg\\_%') r),
  'members', (SELECT json_agg(x ORDER BY x.role, x.member) FROM (
    SELECT r.rolname AS role, m.rolname AS member, a.admin_option, a.inherit_option, a.set_option
    FROM pg_auth_members a JOIN pg_roles r ON r.oid = a.roleid JOIN pg_roles m ON m.oid = a.member) x),
  'database', (SELECT json_build_object('owner', pg_get_userbyid(datdba), 'acl', datacl::text) FROM pg_database WHERE datname = current_database()),
  'schemas', (SELECT json_agg(x ORDER BY x.nspname) FROM (
    SELECT nspname, pg_get_userbyid(nspowner) AS owner, nspacl::text AS acl FROM pg_namespace
    WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema') x),
  'relations', (SELECT json_agg(x ORDER BY x.nspname, x.relname) FROM (
    SELECT n.nspname, c.relname, c.relkind, pg_get_userbyid(c.relowner) AS owner, c.relacl::text AS acl, c.relrowsecurity, c.relforcerowsecurity,
           (SELECT json_agg(json_build_object('column', a.attname, 'type', format_type(a.atttypid, a.atttypmod), 'acl', a.attacl::text) ORDER BY a.attnum)
            FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS columns
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema') x),
  'functions', (SELECT json_agg(x ORDER BY x.nspname, x.proname, x.args) FROM (
    SELECT n.nspname, p.proname, pg_get_function_identity_arguments(p.oid) AS args, md5(pg_get_functiondef(p.oid)) AS definition,
           pg_get_userbyid(p.proowner) AS owner, p.proacl::text AS acl
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema' AND p.prokind <> 'a') x),
  'policies', (SELECT json_agg(p ORDER BY p.schemaname, p.tablename, p.policyname) FROM pg_policies p),
  'triggers', (SELECT json_agg(x ORDER BY x.rel, x.tgname) FROM (
    SELECT tgrelid::regclass::text AS rel, tgname, tgenabled, md5(pg_get_triggerdef(oid)) AS definition FROM pg_trigger WHERE NOT tgisinternal) x),
  'defaults', (SELECT json_agg(d.defaclacl::text ORDER BY d.defaclacl::text) FROM pg_default_acl d),
  'migrations', (SELECT json_agg(json_build_object('version', version, 'checksum', checksum) ORDER BY version) FROM meta.schema_migrations)
) AS fingerprint`;

async function fingerprint(db: TestDatabase): Promise<unknown> {
  return (await db.superuser.query(FINGERPRINT)).rows[0].fingerprint;
}

/** Row counts of every table the SQL made (purposes, registers): the data a copy must carry too. */
async function rowCounts(db: TestDatabase): Promise<Record<string, number>> {
  const { rows } = await db.superuser.query(
    "SELECT schemaname || '.' || relname AS t FROM pg_stat_user_tables ORDER BY 1",
  );
  const counts: Record<string, number> = {};
  for (const { t } of rows) counts[t] = Number((await db.superuser.query(`SELECT count(*) AS n FROM ${t}`)).rows[0].n);
  return counts;
}

let fresh: TestDatabase;
let copied: TestDatabase;
let other: TestDatabase;
const otherInput = defaultConfigInput();
otherInput.roles.push({ ...otherInput.roles.find((r: { name: string }) => r.name === 'marketing'), name: 'events' });
const otherCatalog = Catalog.fromConfig(parseConfig(otherInput));

beforeAll(async () => {
  // The first call makes the template if no file did yet; the second surely starts from it.
  await (await startReferenceDatabase()).stop();
  [copied, fresh, other] = await Promise.all([
    startReferenceDatabase(),
    startPostgres().then(async (db) => {
      const sql = databaseSql(Catalog.fromConfig(defaultConfig()));
      await migrate(db.admin, sql.migrations, sql.catalogSql);
      return db;
    }),
    startReferenceDatabase(otherCatalog),
  ]);
}, 60_000);
afterAll(async () => Promise.all([fresh, copied, other].map((db) => db?.stop())));

test('a copy of the migrated template is the database a fresh migration by the owner gives', async () => {
  const [a, b] = await Promise.all([fingerprint(copied), fingerprint(fresh)]);
  expect(a).toEqual(b);
  expect(await rowCounts(copied)).toEqual(await rowCounts(fresh));
});

test('the comparison is not vacuous: it sees roles, privileges and the migrations', async () => {
  const f = (await fingerprint(copied)) as Record<string, any[]>;
  expect(f.roles.map((r) => r.rolname)).toEqual(expect.arrayContaining(['contacts_admin', 'rds_iam', 'marketing']));
  expect(f.roles.find((r) => r.rolname === 'contacts_admin')).toMatchObject({ rolsuper: false, rolcreaterole: true });
  expect(f.relations.find((r) => r.nspname === 'crm' && r.relname === 'contacts')).toMatchObject({ owner: 'contacts_admin', relrowsecurity: true });
  expect(f.migrations).toHaveLength(databaseSql(Catalog.fromConfig(defaultConfig())).migrations.length);
  expect(f.policies.length).toBeGreaterThan(0);
});

test('another catalog gets its own database, never the reference copy', async () => {
  const roles = ((await fingerprint(other)) as Record<string, any[]>).roles.map((r) => r.rolname);
  expect(roles).toContain('events');
  expect(((await fingerprint(copied)) as Record<string, any[]>).roles.map((r) => r.rolname)).not.toContain('events');
});

test('a copy is a server of its own: what one file changes, the next copy does not see', async () => {
  await copied.admin.query("INSERT INTO crm.contacts (civility, first_name, last_name, email) VALUES ('M.', 'Jean', 'Martin', 'jean.martin@example.fr')");
  const next = await startReferenceDatabase();
  try {
    expect(Number((await next.admin.query('SELECT count(*) AS n FROM crm.contacts')).rows[0].n)).toBe(0);
  } finally {
    await next.stop();
  }
});

test('a template is keyed by all it was made from: any other input is another template', () => {
  const base = '/scratch/gdpr-pg-template-18.4.0-wal1-0';
  const key = (inputs: string[], from = base) => migratedTemplateDir(from, inputs).dir;
  expect(key(['bootstrap', '1:abc', 'GRANT', 'migrator source'])).toBe(key(['bootstrap', '1:abc', 'GRANT', 'migrator source']));
  expect(key(['bootstrap', '1:abc', 'GRANT', 'migrator source, edited'])).not.toBe(key(['bootstrap', '1:abc', 'GRANT', 'migrator source']));
  expect(key(['bootstrap', '1:abc', 'GRANT'])).not.toBe(key(['bootstrap', '1:abcGRANT']));
  expect(key(['x'], '/scratch/gdpr-pg-template-19.0.0-wal1-0')).not.toBe(key(['x']));
});
