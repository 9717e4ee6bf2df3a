import type { Client } from 'pg';
import { OPERATOR_ROLE_NAME } from '../../lib/access/access-roles';
import { Catalog, EXTRACT_USER_PREFIX } from '../../lib/catalog/catalog';
import { KIT_DATABASE_USERS, KIT_EXTRACT_USER_PREFIX, SQL_RESERVED_KEYWORDS } from '../../lib/config/database-names';
import { parseConfig } from '../../lib/config/load';
import { PURGE_DATABASE_USER } from '../../lib/config/schema';
import { CONTACT_DATABASE_ADMIN } from '../../lib/database/contact-database';
import { databaseSql } from '../../lib/database/database-sql';
import { migrate } from '../../lib/database/migrator';
import { problems } from '../helpers/config';
import { startPostgres, TestDatabase } from '../helpers/postgres';
import { defaultConfigInput } from '../helpers/reference';

/**
 * A catalog role's name becomes a PostgreSQL login role and the user of an
 * IAM rds-db:connect grant. Names that break the generated SQL (keywords),
 * that PostgreSQL reads as someone else (current_user, public), that
 * PostgreSQL or RDS reserve, or that are users the kit signs in as itself
 * (the master user above all) are refused in the configuration, each with
 * its reason.
 */

const NOW = new Date('2026-11-29T10:00:00Z');

/** The problem lines of the reference configuration with its first role renamed. */
const renamed = (name: string) => {
  const cfg = defaultConfigInput();
  cfg.roles[0].name = name;
  return problems(cfg, { now: NOW });
};

describe('role names that break or subvert the database are refused with the reason', () => {
  test.each<[string, RegExp]>([
    ['user', /^roles\[0\]\.name: user is an SQL keyword that names the connected role, not a role called "user": grants would go to whoever runs the SQL; choose another role name; got "user"$/],
    ['current_user', /current_user is an SQL keyword that names the connected role.*; got "current_user"$/],
    ['session_user', /session_user is an SQL keyword that names the connected role/],
    ['current_role', /current_role is an SQL keyword that names the connected role/],
    ['order', /^roles\[0\]\.name: order is a reserved SQL keyword: the generated CREATE ROLE and GRANT statements would not parse; choose another role name; got "order"$/],
    ['group', /group is a reserved SQL keyword/],
    ['select', /select is a reserved SQL keyword/],
    ['verbose', /verbose is a reserved SQL keyword/],
    ['authorization', /authorization is a reserved SQL keyword/],
    ['public', /^roles\[0\]\.name: public is reserved by PostgreSQL \(public means every role, none no role\); choose another role name; got "public"$/],
    ['none', /none is reserved by PostgreSQL/],
    ['pg_read_all_data', /names beginning pg_ are reserved for PostgreSQL's built-in roles/],
    ['pg_signal_backend', /names beginning pg_ are reserved/],
    ['rds_iam', /names beginning rds are Amazon RDS's own roles/],
    ['rds_superuser', /names beginning rds are Amazon RDS's own roles/],
    ['rdsadmin', /names beginning rds are Amazon RDS's own roles/],
    ['rdsproxyadmin', /names beginning rds are Amazon RDS's own roles/],
    ['postgres', /postgres is the default superuser of PostgreSQL and RDS/],
    [CONTACT_DATABASE_ADMIN, /contacts_admin is the cluster's master user: its IAM role would connect as the master; choose another role name/],
    [OPERATOR_ROLE_NAME, /operator is the kit's operator role/],
    [PURGE_DATABASE_USER, /retention_purge is the database user of the retention purge; choose another role name/],
    [`${EXTRACT_USER_PREFIX}statlab`, /names beginning extract_ are the database users of processors' extract jobs/],
    [`${EXTRACT_USER_PREFIX}someone_else`, /names beginning extract_ are the database users of processors' extract jobs/],
  ])('%s', (name, reason) => {
    expect(renamed(name)).toContainEqual(expect.stringMatching(reason));
  });

  test('every reserved and type/function-name keyword is refused, as one line', () => {
    const accepted = SQL_RESERVED_KEYWORDS.filter((kw) => renamed(kw).filter((l) => l.startsWith('roles[0].name:')).length !== 1);
    expect(accepted).toEqual([]);
  });

  test('the kit users the schema protects are the ones the kit creates', () => {
    // Pinned against the constants where each user is created, so renaming one cannot reopen the hole.
    expect(KIT_DATABASE_USERS).toEqual({ master: CONTACT_DATABASE_ADMIN, operator: OPERATOR_ROLE_NAME, purge: PURGE_DATABASE_USER });
    expect(KIT_EXTRACT_USER_PREFIX).toBe(EXTRACT_USER_PREFIX);
  });

  test('ordinary names are accepted, including words PostgreSQL does not reserve', () => {
    for (const name of ['marketing', 'front_desk', 'role', 'admin', 'between', 'national', 'operators', 'my_postgres', 'extractor']) {
      expect(renamed(name)).toEqual([]);
    }
  });
});

describe('the keyword list is the server\'s', () => {
  let db: TestDatabase;
  let admin: Client;

  beforeAll(async () => {
    db = await startPostgres();
    admin = db.admin;
  });
  afterAll(async () => db?.stop());

  test('SQL_RESERVED_KEYWORDS equals pg_get_keywords() reserved (R) and type/function-name (T) keywords', async () => {
    const { rows } = await admin.query("SELECT word FROM pg_catalog.pg_get_keywords() WHERE catcode IN ('R', 'T') ORDER BY word");
    expect([...SQL_RESERVED_KEYWORDS].sort()).toEqual(rows.map((r) => r.word).sort());
  });

  test('a name refused as a keyword really does not parse as a role name, and an accepted keyword does', async () => {
    await expect(admin.query('CREATE ROLE order NOLOGIN')).rejects.toThrow(/syntax error/);
    await expect(admin.query('CREATE ROLE user NOLOGIN')).rejects.toThrow(/syntax error/);
    await admin.query('CREATE ROLE between NOLOGIN');
    await admin.query('DROP ROLE between');
  });

  test('roles named after unreserved keywords, and a processor named after a reserved one, get exactly their own login and CONNECT', async () => {
    const cfg = defaultConfigInput();
    const names = ['between', 'role', 'national', 'admin'];
    cfg.roles.forEach((r: Record<string, unknown>, i: number) => (r.name = names[i]));
    // A processor may take a reserved word: its database user is extract_<name>.
    cfg.subcontractors[0].name = 'order';
    const catalog = Catalog.fromConfig(parseConfig(cfg, 'test.json', { now: NOW }));
    const sql = databaseSql(catalog);
    await migrate(admin, sql.migrations, sql.catalogSql);
    const { rows } = await admin.query(
      `SELECT r.rolname, r.rolcanlogin AS login, r.rolsuper AS super, has_database_privilege(r.rolname, current_database(), 'CONNECT') AS connect
       FROM pg_catalog.pg_roles r WHERE r.rolname = ANY($1) ORDER BY r.rolname`,
      [[...names, 'extract_order']],
    );
    expect(rows).toEqual(
      [...names, 'extract_order'].sort().map((rolname) => ({ rolname, login: true, super: false, connect: true })),
    );
    // CONNECT went to the roles named, not to whoever ran the SQL through a keyword.
    const { rows: pub } = await admin.query("SELECT has_database_privilege('public', current_database(), 'CONNECT') AS connect");
    expect(pub[0].connect).toBe(false);
  });
});
