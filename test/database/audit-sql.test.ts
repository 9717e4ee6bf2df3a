import type { Client } from 'pg';
import { Catalog } from '../../lib/catalog/catalog';
import { CONTACT_DATABASE_NAME } from '../../lib/database/contact-database';
import { auditedUsers, auditSql } from '../../lib/database/audit-sql';
import { databaseSql } from '../../lib/database/database-sql';
import { defaultConfig, referenceTemplate } from '../helpers/reference';
import { startReferenceDatabase, TestDatabase } from '../helpers/postgres';

/*
 * Every read of personal data is logged with its database user (art. 33(3)): pgaudit in the cluster
 * parameter group, and catalog SQL that makes sure no managed user opts out. The tests' PostgreSQL
 * has no pgaudit: the SQL must then run (as a non-superuser owner, like Aurora's master user) and
 * only warn; the branch for a server with pgaudit is run with the condition forced.
 */

const catalog = Catalog.fromConfig(defaultConfig());
let db: TestDatabase;
let admin: Client;

beforeAll(async () => {
  // As on Aurora: applied by the database owner, which has CREATEROLE and is no superuser (see the helper).
  db = await startReferenceDatabase(catalog, CONTACT_DATABASE_NAME);
  admin = db.admin;
});
afterAll(async () => db?.stop());

const roleSettings = async (): Promise<Record<string, string[]>> => {
  const { rows } = await db.superuser.query(
    "SELECT r.rolname AS role, s.setconfig AS config FROM pg_catalog.pg_db_role_setting s JOIN pg_catalog.pg_roles r ON r.oid = s.setrole WHERE s.setdatabase = 0 ORDER BY 1",
  );
  return Object.fromEntries(rows.map((r) => [r.role, r.config]));
};

describe('the cluster parameter group', () => {
  test('preloads pgaudit (keeping pg_stat_statements), logs reads and writes of every user, and keeps bound values out of the log', () => {
    const { stack, template } = referenceTemplate();
    const group = template.toJSON().Resources[stack.getLogicalId(stack.database.parameterGroup.node.defaultChild as never)];
    expect(group.Type).toBe('AWS::RDS::DBClusterParameterGroup');
    const p = group.Properties.Parameters;
    expect(p.shared_preload_libraries.split(',')).toEqual(['pg_stat_statements', 'pgaudit']);
    expect(p).toMatchObject({ 'pgaudit.log': 'read,write', 'pgaudit.log_parameter': '0', 'pgaudit.log_catalog': '0', 'pgaudit.log_relation': '1' });
    // The database exports this log to the encrypted log group.
    expect(stack.database.cluster.node.defaultChild).toMatchObject({ enableCloudwatchLogsExports: ['postgresql'] });
  });
});

describe('the catalog SQL for pgaudit', () => {
  test('names every user the kit manages: the catalog roles, the extract users and the purge', () => {
    expect(auditedUsers(catalog)).toEqual(['marketing', 'sales', 'accounting', 'dpo', 'extract_statlab', 'retention_purge']);
    const sql = databaseSql(catalog).catalogSql;
    for (const user of auditedUsers(catalog)) expect(sql).toContain(`ALTER ROLE "${user}" RESET pgaudit.log;`);
  });

  test('without pgaudit, runs as the non-superuser master and only warns, changing no role', async () => {
    const before = await roleSettings();
    const warnings: string[] = [];
    const { rows } = await admin.query('SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user');
    expect(rows[0].rolsuper).toBe(false);
    const record = (n: { severity?: string; message?: string }) => warnings.push(`${n.severity}: ${n.message}`);
    admin.on('notice', record);
    try {
      await admin.query(auditSql(catalog).join('\n'));
    } finally {
      admin.off('notice', record);
    }
    expect(warnings).toEqual([expect.stringMatching(/^WARNING: pgaudit is not loaded on this server: reads of personal data are not logged/)]);
    expect(await roleSettings()).toEqual(before);
  });

  test('with pgaudit, removes a role-level opt-out of every managed user and leaves other roles alone', async () => {
    // Given opt-outs on two managed users and a setting on a role the kit does not manage
    // (as the superuser: PostgreSQL without pgaudit lets only a superuser set its parameters on roles)
    const su = db.superuser;
    await su.query("ALTER ROLE dpo SET pgaudit.log = 'none'");
    await su.query("ALTER ROLE extract_statlab SET pgaudit.log = 'none'");
    await su.query('CREATE ROLE reporting NOLOGIN');
    await su.query("ALTER ROLE reporting SET pgaudit.log = 'none'");
    // When the branch for a server with pgaudit runs (CREATE EXTENSION left out: the extension is not installed here)
    // (as the superuser too: here, without pgaudit, PostgreSQL reserves its parameters to superusers; Aurora lets rds_superuser)
    const sql = auditSql(catalog, 'true').join('\n').replace('CREATE EXTENSION IF NOT EXISTS pgaudit;', '');
    await su.query(sql);
    // Then no managed user keeps an opt-out; the unmanaged role keeps its setting
    const settings = await roleSettings();
    for (const user of auditedUsers(catalog)) expect([user, settings[user]]).toEqual([user, undefined]);
    expect(settings.reporting).toEqual(['pgaudit.log=none']);
  });

  test('the branch for a server with pgaudit creates the extension, idempotently', () => {
    expect(auditSql(catalog, 'true').join('\n')).toContain('CREATE EXTENSION IF NOT EXISTS pgaudit;');
  });
});

describe('attacks on the audit', () => {
  test.each(['marketing', 'dpo'])('%s cannot give itself a role-level opt-out', async (role) => {
    await expect(db.as(role, (c) => c.query(`ALTER ROLE "${role}" SET pgaudit.log = 'none'`))).rejects.toThrow(/permission denied/);
  });

});
