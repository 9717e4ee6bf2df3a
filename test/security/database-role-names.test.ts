import type { Client } from 'pg';
import { Catalog } from '../../lib/catalog/catalog';
import { databaseSql } from '../../lib/database/database-sql';
import { migrate } from '../../lib/database/migrator';
import { defaultConfig } from '../helpers/reference';
import { startPostgres, TestDatabase, databaseMessage } from '../helpers/postgres';
import { recordExplicitConsent } from '../helpers/consent';

/**
 * Break 7 (the SQL part) and 8 of issue 10. Role names that are SQL keywords
 * (user, order, group) were a syntax error, current_user and session_user
 * silently granted CONNECT to the wrong role; and the tests applied the SQL
 * as a superuser, which Aurora's master user is not. The configuration
 * refuses such names; the SQL generator must be safe whatever the name, so
 * the catalog here is built directly, bypassing the configuration's schema.
 */
const NAMES: Record<string, string> = {
  marketing: 'user',
  sales: 'order',
  accounting: 'current_user',
  dpo: 'session_user',
};
const WEIRD = `it's "odd" $$ -- `;

function renamedCatalog(): Catalog {
  const config = defaultConfig() as any;
  for (const role of config.roles) role.name = NAMES[role.name] ?? role.name;
  config.roles.push({ ...config.roles.find((r: any) => r.name === 'current_user'), name: WEIRD, vpnGroupId: 'weird-group' });
  return Catalog.fromConfig(config);
}

let db: TestDatabase;
let admin: Client;
let contact: string;

beforeAll(async () => {
  db = await startPostgres();
  admin = db.admin;
  const sql = databaseSql(renamedCatalog());
  await migrate(admin, sql.migrations, sql.catalogSql);
  const { rows } = await admin.query("INSERT INTO crm.contacts (first_name, email) VALUES ('Nora', 'nora@example.fr') RETURNING id");
  contact = rows[0].id;
  await admin.query("INSERT INTO crm.consents (contact_id, purpose, source, proof_reference) VALUES ($1, 'newsletter', 'web', 'form-1')", [contact]);
  await recordExplicitConsent(admin, contact, ['special_diet']);
  await admin.query("INSERT INTO crm.special_diet (contact_id, detail) VALUES ($1, 'halal')", [contact]);
});
afterAll(async () => db?.stop());

describe('the SQL is applied as Aurora applies it: by the database owner, no superuser', () => {
  test('the owner that applied everything is no superuser and cannot set superuser-only attributes', async () => {
    const { rows } = await admin.query('SELECT rolsuper, rolcreaterole, rolbypassrls FROM pg_roles WHERE rolname = current_user');
    expect(rows[0]).toEqual({ rolsuper: false, rolcreaterole: true, rolbypassrls: false });
    // The statement the generated SQL used to run, which Aurora refuses:
    await expect(admin.query('ALTER ROLE "order" NOSUPERUSER')).rejects.toThrow(/permission denied to alter role|SUPERUSER attribute/);
  });

  test('the generated SQL sets no attribute only a superuser may set', () => {
    const sql = databaseSql(renamedCatalog()).catalogSql;
    expect(sql).toMatch(/CREATE ROLE "user" LOGIN;/);
    expect(sql).not.toMatch(/(ALTER|CREATE) ROLE [^;]*\b(NO)?(SUPERUSER|BYPASSRLS|REPLICATION|CREATEDB|CREATEROLE)\b/);
  });
});

describe('role names that are SQL keywords or special names are quoted everywhere', () => {
  test.each(Object.values(NAMES).concat(WEIRD))('%s exists as a login role granted rds_iam and managed by the kit', async (name) => {
    const { rows } = await admin.query(
      "SELECT rolcanlogin, pg_has_role(oid, 'rds_iam', 'MEMBER') AS iam, shobj_description(oid, 'pg_authid') LIKE 'gdpr-contact-baseline:%' AS managed FROM pg_roles WHERE rolname = $1",
      [name],
    );
    expect(rows).toEqual([{ rolcanlogin: true, iam: true, managed: true }]);
  });

  test('CONNECT went to the roles of those names, not to the owner applying the SQL', async () => {
    const { rows } = await admin.query(
      "SELECT a.grantee::regrole::text AS grantee FROM pg_database d, aclexplode(d.datacl) a WHERE d.datname = current_database() AND a.privilege_type = 'CONNECT' ORDER BY 1",
    );
    const grantees = rows.map((r) => r.grantee);
    for (const name of Object.values(NAMES).concat(WEIRD)) expect(grantees).toContain(`"${name.replace(/"/g, '""')}"`);
    expect(grantees).not.toContain('-');
  });

  test('each role logs in under its name and has its own privileges, no more', async () => {
    const marketing = await db.as('user', async (c) => (await c.query('SELECT email, current_user AS who FROM crm.contacts')).rows);
    expect(marketing).toEqual([{ email: 'nora@example.fr', who: 'user' }]);
    const accounting = await db.as('current_user', async (c) => (await c.query('SELECT has_special_diet, current_user AS who FROM crm.special_flags')).rows);
    expect(accounting).toEqual([{ has_special_diet: true, who: 'current_user' }]);
    await expect(db.as('current_user', (c) => c.query('SELECT email FROM crm.contacts'))).rejects.toThrow(/permission denied for table contacts/);
    await expect(db.as(WEIRD, (c) => c.query('SELECT detail FROM crm.special_diet'))).rejects.toThrow(/permission denied for table special_diet/);
    const dpo = await db.as('session_user', async (c) => (await c.query('SELECT gdpr.export_contact($1) AS data', [contact])).rows[0].data);
    expect(dpo.contact.email).toBe('nora@example.fr');
  });

  test('the owner gained nothing from the names: it cannot act as any role it created (PostgreSQL 16 gives it ADMIN only)', async () => {
    const { rows } = await admin.query(
      'SELECT r.rolname FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid WHERE m.member = (SELECT oid FROM pg_roles WHERE rolname = current_user) AND (m.inherit_option OR m.set_option) ORDER BY 1',
    );
    expect(rows.map((r) => r.rolname)).toEqual(['rds_iam']);
  });

  test('running the SQL again with those names changes nothing', async () => {
    const sql = databaseSql(renamedCatalog());
    await expect(migrate(admin, sql.migrations, sql.catalogSql)).resolves.toEqual({ applied: [], skipped: sql.migrations.map((m) => m.version) });
  });
});

describe('a pre-existing role with powers the kit never gives is refused, not silently used', () => {
  // The reference names, not yet created on this server: "marketing" is made by a superuser first.
  const reference = Catalog.fromConfig(defaultConfig());
  afterEach(async () => {
    await db.superuser.query('DROP ROLE IF EXISTS marketing');
  });

  test.each(['SUPERUSER', 'BYPASSRLS', 'REPLICATION', 'CREATEROLE', 'CREATEDB'])('a role marketing created with %s', async (attribute) => {
    await db.superuser.query(`CREATE ROLE marketing LOGIN ${attribute}`);
    const sql = databaseSql(reference);
    expect(await databaseMessage(migrate(admin, sql.migrations, sql.catalogSql))).toMatch(
      new RegExp(`role marketing already exists with ${attribute}, which the kit never gives a login role`),
    );
    // Nothing of the catalog was applied: the transaction rolled back.
    const { rows } = await admin.query("SELECT count(*)::int AS n FROM pg_roles WHERE rolname = 'sales'");
    expect(rows[0].n).toBe(0);
  });
});
