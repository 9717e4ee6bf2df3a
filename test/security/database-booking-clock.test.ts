import type { Client } from 'pg';
import { Catalog } from '../../lib/catalog/catalog';
import { databaseSql } from '../../lib/database/database-sql';
import { migrate } from '../../lib/database/migrator';
import { defaultConfig } from '../helpers/reference';
import { shiftClocks, startPostgres, TestDatabase } from '../helpers/postgres';

/**
 * Review of issue 10: the retention clock of crm.bookings is its departure
 * (gdpr.retention_clocks), a column accounting and sales may write. Moving it
 * is moving the retention: 9999-12-31 keeps the booking, and with it the
 * contact row (the purge erases a contact only when nothing refers to it),
 * for ever; 20 years back makes the nightly purge delete a booking that has
 * not expired, a deletion no role may make itself.
 *
 * NOT FIXED on this branch (test.failing): a fix has to decide what a login
 * role may do to a clock column (bounds, or the clock kept by the database).
 * Turn each test.failing into test once it is.
 */
let db: TestDatabase;
let admin: Client;

beforeAll(async () => {
  db = await startPostgres();
  admin = db.admin;
  const sql = databaseSql(Catalog.fromConfig(defaultConfig()));
  await migrate(admin, sql.migrations, sql.catalogSql);
});
afterAll(async () => db?.stop());

async function guestWithBooking(email: string, departureDaysAgo: number): Promise<string> {
  const { rows } = await admin.query("INSERT INTO crm.contacts (first_name, email) VALUES ('Hugo', $1) RETURNING id", [email]);
  const id = rows[0].id as string;
  await admin.query(
    "INSERT INTO crm.bookings (contact_id, arrival, departure, amount_cents, payment_status) VALUES ($1, current_date - $2::int - 3, current_date - $2::int, 9000, 'paid')",
    [id, departureDaysAgo],
  );
  return id;
}
const bookings = async (id: string) => Number((await admin.query('SELECT count(*) FROM crm.bookings WHERE contact_id = $1', [id])).rows[0].count);
const contactRows = async (id: string) => Number((await admin.query('SELECT count(*) FROM crm.contacts WHERE id = $1', [id])).rows[0].count);

describe('a login role cannot move a retention clock by writing the column it counts from', () => {
  test.failing('accounting setting a departure of 9999-12-31 is refused, and the booking still expires with its commercial retention', async () => {
    const id = await guestWithBooking('forever@example.fr', 1);
    const moved = db.as('accounting', (c) => c.query("UPDATE crm.bookings SET departure = '9999-12-31' WHERE contact_id = $1", [id]));
    await moved.catch(() => undefined);
    // Eleven years later (commercial retention: ten), nothing of the guest is left.
    await shiftClocks(db, 11 * 365, id);
    await admin.query('SELECT * FROM gdpr.purge_expired()');
    expect([await bookings(id), await contactRows(id)]).toEqual([0, 0]);
    await expect(moved).rejects.toThrow(/retention/);
  });

  test.failing('accounting moving a departure 20 years back does not make the purge delete a booking that has not expired', async () => {
    const id = await guestWithBooking('recent@example.fr', 30);
    await db
      .as('accounting', (c) => c.query("UPDATE crm.bookings SET departure = departure - interval '20 years', arrival = arrival - interval '20 years' WHERE contact_id = $1", [id]))
      .catch(() => undefined);
    await admin.query('SELECT * FROM gdpr.purge_expired()');
    expect(await bookings(id)).toBe(1);
  });

  test('the purge itself still deletes a booking whose retention has run out (the attacks above start from here)', async () => {
    const id = await guestWithBooking('old@example.fr', 11 * 365);
    await admin.query('SELECT * FROM gdpr.purge_expired()');
    expect(await bookings(id)).toBe(0);
  });
});
