import type { Client } from 'pg';
import { Catalog } from '../../lib/catalog/catalog';
import { PURGE_DATABASE_USER } from '../../lib/config/schema';
import { defaultConfig } from '../helpers/reference';
import { shiftClocks, TestDatabase, startReferenceDatabase } from '../helpers/postgres';

/**
 * Break 2 of issue 10: retention_purge called gdpr.purge_expired(now() + 20
 * years), erased every contact, and the erasure journal replayed that onto
 * every restored backup. The purge now runs on the database's own clock.
 */
const catalog = Catalog.fromConfig(defaultConfig());
let db: TestDatabase;
let admin: Client;

beforeAll(async () => {
  db = await startReferenceDatabase(catalog);
  admin = db.admin;
});
afterAll(async () => db?.stop());

async function contact(email: string): Promise<string> {
  const { rows } = await admin.query("INSERT INTO crm.contacts (first_name, email) VALUES ('Inès', $1) RETURNING id", [email]);
  return rows[0].id as string;
}
const count = async () => Number((await admin.query('SELECT count(*) FROM crm.contacts')).rows[0].count);
const erasures = async () => Number((await admin.query('SELECT count(*) FROM gdpr.erasure_log')).rows[0].count);

describe('the retention purge cannot be given a clock by a login role', () => {
  beforeAll(async () => {
    await contact('fresh-1@example.fr');
    await contact('fresh-2@example.fr');
  });

  test('retention_purge calling the purge with a clock 20 years ahead is refused, and nothing is erased or journalled', async () => {
    await expect(
      db.as(PURGE_DATABASE_USER, (c) => c.query("SELECT * FROM gdpr.purge_expired(now() + interval '20 years')")),
    ).rejects.toThrow(/permission denied for function purge_expired/);
    expect(await count()).toBe(2);
    expect(await erasures()).toBe(0);
  });

  test('even the owner cannot erase what has not expired: a clock later than the database time is refused', async () => {
    await expect(admin.query("SELECT * FROM gdpr.purge_expired(now() + interval '20 years')")).rejects.toThrow(
      /clock .* is later than the database's time .*never erases what has not expired/,
    );
    await expect(admin.query("SELECT * FROM gdpr.purge_expired(now() + interval '1 second')")).rejects.toThrow(/later than the database's time/);
    expect(await count()).toBe(2);
    expect(await erasures()).toBe(0);
  });

  test('no login role but the owner may run the clock variant; only retention_purge runs the purge at all', async () => {
    const { rows } = await admin.query(
      `SELECT rolname, has_function_privilege(oid, 'gdpr.purge_expired(timestamptz)', 'EXECUTE') AS clock,
              has_function_privilege(oid, 'gdpr.purge_expired()', 'EXECUTE') AS own
       FROM pg_roles WHERE rolcanlogin AND NOT rolsuper AND rolname <> current_user ORDER BY rolname`,
    );
    const expected = [...catalog.roles.map((r) => r.name), ...catalog.subcontractors.map((s) => s.databaseUser), PURGE_DATABASE_USER].sort();
    expect(rows.map((r) => r.rolname)).toEqual(expected);
    for (const r of rows) expect([r.rolname, r.clock, r.own]).toEqual([r.rolname, false, r.rolname === PURGE_DATABASE_USER]);
  });

  test('PUBLIC may not run either variant', async () => {
    const { rows } = await admin.query(
      "SELECT p.oid::regprocedure::text AS fn, p.proacl::text AS acl FROM pg_proc p WHERE p.proname = 'purge_expired' ORDER BY 1",
    );
    expect(rows.map((r) => r.fn)).toEqual(['gdpr.purge_expired()', 'gdpr.purge_expired(timestamp with time zone)']);
    for (const r of rows) expect(r.acl).not.toMatch(/(^|[{,])=X/);
  });

  test('on the database clock, retention_purge erases exactly what has expired', async () => {
    const old = await contact('expired@example.fr');
    await shiftClocks(db, 1200, old);
    const done = await db.as(PURGE_DATABASE_USER, async (c) => (await c.query("SELECT row_count::int AS n FROM gdpr.purge_expired() WHERE action = 'erased'")).rows);
    expect(done).toEqual([{ n: 1 }]);
    expect(await count()).toBe(2);
    const { rows } = await admin.query('SELECT contact_id FROM gdpr.erasure_log');
    expect(rows).toEqual([{ contact_id: old }]);
  });
});
