import type { Client } from 'pg';
import { shiftClocks, TestDatabase, startReferenceDatabase } from '../helpers/postgres';

/**
 * Review of issue 10: crm.touch_contact skips the retention clock while
 * gdpr.retention_purge is 'on', the flag gdpr.purge_expired sets for its own
 * writes. It is a custom setting, which any login role may SET in its own
 * session: sales then rewrote a contact and its booking and the clock stayed
 * where it was, a real action with the contact leaving no trace in the clock.
 */
let db: TestDatabase;
let admin: Client;
let guest: string;

beforeAll(async () => {
  db = await startReferenceDatabase();
  admin = db.admin;
  const { rows } = await admin.query("INSERT INTO crm.contacts (first_name, email) VALUES ('Hugo', 'hugo@example.fr') RETURNING id");
  guest = rows[0].id;
  await admin.query("INSERT INTO crm.bookings (contact_id, arrival, departure, amount_cents, payment_status) VALUES ($1, current_date - 3, current_date - 1, 9000, 'due')", [guest]);
  await shiftClocks(db, 1000, guest);
});
afterAll(async () => db?.stop());

const age = async () => Number((await admin.query('SELECT extract(day FROM now() - last_action_at) AS d FROM crm.contacts WHERE id = $1', [guest])).rows[0].d);

describe('the purge’s flag is the purge’s alone', () => {
  // A staff edit is no contact from the person (migration 0012_retention_clocks): the person's reply is.
  test('sales setting gdpr.retention_purge in its session still moves the clock with a reply recorded', async () => {
    expect(await age()).toBe(1000);
    await db.as('sales', async (c) => {
      await c.query("SET gdpr.retention_purge = 'on'");
      await c.query("INSERT INTO crm.person_contacts (contact_id, kind) VALUES ($1, 'reply')", [guest]);
    });
    expect(await age()).toBe(0);
  });

  test('accounting setting it still moves the clock with a payment recorded', async () => {
    await shiftClocks(db, 1000, guest);
    await db.as('accounting', async (c) => {
      await c.query("SELECT set_config('gdpr.retention_purge', 'on', false)");
      await c.query("UPDATE crm.bookings SET payment_status = 'paid' WHERE contact_id = $1", [guest]);
    });
    expect(await age()).toBe(0);
  });

  test('the purge run by retention_purge still anonymises without moving the clock (its own writes are no action)', async () => {
    const { rows } = await admin.query("INSERT INTO crm.contacts (first_name, email) VALUES ('Old', 'old@example.fr') RETURNING id");
    const old = rows[0].id as string;
    await admin.query("INSERT INTO crm.bookings (contact_id, arrival, departure, amount_cents, payment_status) VALUES ($1, current_date - 3, current_date - 1, 9000, 'paid')", [old]);
    // Identity and contact (3 years) have expired, the booking (10 years) has not: the record is anonymised, not erased.
    await shiftClocks(db, 4 * 365, old);
    await db.as('retention_purge', (c) => c.query('SELECT * FROM gdpr.purge_expired()'));
    const { rows: after } = await admin.query('SELECT email, extract(day FROM now() - last_action_at) AS d FROM crm.contacts WHERE id = $1', [old]);
    expect(after).toEqual([{ email: null, d: expect.anything() }]);
    expect(Number(after[0].d)).toBe(4 * 365);
  });
});
