import type { Client } from 'pg';
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

describe('db.as reuses a role\'s session: nothing one call leaves changes the next', () => {
  const pid = (c: Client) => c.query('SELECT pg_backend_pid() AS pid').then((r) => r.rows[0].pid as number);
  const state = (c: Client) =>
    c
      .query(
        "SELECT current_user AS role, current_setting('gdpr.retention_purge', true) AS purge, current_setting('search_path') AS path, current_setting('statement_timeout') AS timeout, " +
          "(SELECT count(*)::int FROM pg_catalog.pg_prepared_statements) AS prepared, (SELECT count(*)::int FROM pg_catalog.pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()) AS locks",
      )
      .then((r) => r.rows[0]);

  test('settings, prepared statements and advisory locks are reset', async () => {
    const fresh = await copied.as('sales', state);
    const first = await copied.as('sales', async (c) => {
      await c.query('SET search_path = crm, public');
      await c.query("SET statement_timeout = '1s'");
      await c.query('PREPARE leftover_statement AS SELECT 1');
      await c.query('SELECT pg_advisory_lock(42)');
      return pid(c);
    });
    const second = await copied.as('sales', async (c) => ({ pid: await pid(c), state: await state(c) }));
    expect(second.pid).toBe(first); // the same session, so the reset is what is tested
    expect(second.state).toEqual(fresh);
    expect(fresh).toMatchObject({ role: 'sales', purge: null, timeout: '0', prepared: 0, locks: 0 });
  });

  test('a custom setting (which a reset would leave as an empty string) closes the session', async () => {
    const set = await copied.as('sales', async (c) => {
      await c.query("SET gdpr.retention_purge = 'on'");
      return pid(c);
    });
    const next = await copied.as('sales', async (c) => ({ pid: await pid(c), state: await state(c) }));
    expect(next.pid).not.toBe(set);
    expect(next.state.purge).toBeNull();
  });

  test('a session left in a transaction, open or aborted, or with a listener added, is closed instead', async () => {
    const used = await copied.as('sales', pid);
    const open = await copied.as('sales', async (c) => {
      await c.query('BEGIN');
      await c.query("SET LOCAL gdpr.retention_purge = 'on'");
      return pid(c);
    });
    expect(open).toBe(used);
    const afterOpen = await copied.as('sales', pid);
    expect(afterOpen).not.toBe(open);
    const aborted = await copied.as('sales', async (c) => {
      const id = await pid(c);
      await c.query('BEGIN');
      await c.query('SELECT 1 / 0').catch(() => undefined);
      return id;
    });
    expect(await copied.as('sales', pid)).not.toBe(aborted);
    const heard = await copied.as('sales', async (c) => {
      c.on('notice', () => undefined);
      return pid(c);
    });
    expect(await copied.as('sales', pid)).not.toBe(heard);
    expect(await copied.as('sales', (c) => c.query("SELECT current_setting('gdpr.retention_purge', true) AS v").then((r) => r.rows[0].v))).not.toBe('on');
  });

  test('a refused statement outside a transaction leaves the session reusable and the role unchanged', async () => {
    const before = await copied.as('marketing', pid);
    await expect(copied.as('marketing', (c) => c.query('SELECT * FROM gdpr.objections'))).rejects.toThrow(/permission denied/);
    expect(await copied.as('marketing', async (c) => [await pid(c), (await state(c)).role])).toEqual([before, 'marketing']);
  });
});
