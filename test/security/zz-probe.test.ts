import type { Client } from 'pg';
import { Catalog } from '../../lib/catalog/catalog';
import { databaseSql } from '../../lib/database/database-sql';
import { migrate } from '../../lib/database/migrator';
import { defaultConfig } from '../helpers/reference';
import { startPostgres, TestDatabase } from '../helpers/postgres';

const catalog = Catalog.fromConfig(defaultConfig());
let db: TestDatabase;
let admin: Client;
beforeAll(async () => {
  db = await startPostgres();
  admin = db.admin;
  const sql = databaseSql(catalog);
  await migrate(admin, sql.migrations, sql.catalogSql);
}, 60000);
afterAll(async () => db?.stop());

async function run(role: string, sqls: string[]) {
  return db.as(role, async (c) => {
    const out: string[] = [];
    for (const q of sqls) {
      try { const r = await c.query(q); console.log(`${role}: ${q} => ${JSON.stringify((Array.isArray(r) ? r[r.length-1] : r).rows)}`); }
      catch (e: any) { console.log(`${role}: ${q} => ERR ${e.message} ${e.detail ?? ''}`); }
    }
    return out.join('\n');
  });
}

test('probe', async () => {
  const { rows } = await admin.query("INSERT INTO crm.contacts (first_name, email) VALUES ('Léa', 'lea@x.fr') RETURNING id");
  const id = rows[0].id;
  await admin.query("INSERT INTO crm.bookings (contact_id, arrival, departure, amount_cents, payment_status) VALUES ($1, '2020-01-01', '2020-01-05', 100, 'paid')", [id]).catch((e) => console.log('booking', e.message));
  await admin.query("INSERT INTO crm.special_diet (contact_id, detail) VALUES ($1, 'halal')", [id]);
  const out: string[] = [];
  out.push(await run('marketing', [
    'CREATE TEMP TABLE t (x int)',
    'SELECT has_database_privilege(current_database(), \'TEMP\')',
    "SELECT has_schema_privilege('public','CREATE')",
    `SELECT * FROM crm.recontact_due`,
    `SELECT lo_create(0)`,
    `SELECT crm.has_consent_newsletter('${id}')`,
    `SELECT * FROM pg_stats WHERE schemaname='crm'`,
    `LISTEN x`,
    `SELECT current_setting('gdpr.retention_purge', true)`,
  ]));
  out.push(await run('accounting', [
    `SELECT * FROM crm.special_flags`,
    `UPDATE crm.bookings SET departure = '9999-12-31' WHERE contact_id = '${id}' RETURNING departure`,
    `INSERT INTO crm.bookings (contact_id, arrival, departure, amount_cents, payment_status) VALUES ('${id}', '2020-01-01', 'infinity', 1, 'x') RETURNING id, departure`,
    `SELECT * FROM crm.special_diet`,
    `SELECT count(*) FROM crm.special_diet WHERE detail = 'halal'`,
  ]));
  out.push(await run('sales', [
    `SET gdpr.retention_purge = 'on'`,
    `UPDATE crm.contacts SET email = 'other@x.fr' WHERE id = '${id}' RETURNING last_action_at`,
    `RESET gdpr.retention_purge`,
    `UPDATE crm.contacts SET email = 'other2@x.fr' WHERE id = '${id}' RETURNING last_action_at`,
    `INSERT INTO crm.notes (contact_id, body) VALUES ('${id}', 'il est diabétique') RETURNING id`,
    `INSERT INTO crm.notes (contact_id, body) VALUES ('${id}', 'il est diabétique')`,
    `SELECT id, body FROM crm.notes`,

  ]));
  out.push(await run('dpo', [
    `SELECT gdpr.erase_contact('${id}', repeat('x', 10))`,
    `SELECT requested_by, reason FROM gdpr.erasure_log`,
  ]));
  console.log(out.join('\n\n'));
}, 120000);
