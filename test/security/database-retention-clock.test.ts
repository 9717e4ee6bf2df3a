import type { Client } from 'pg';
import { shiftClocks, TestDatabase, startReferenceDatabase } from '../helpers/postgres';
import { recordExplicitConsent } from '../helpers/consent';

/**
 * Break 5 of issue 10: UPDATE crm.bookings SET payment_status = payment_status
 * moved a 4-year-old last_action_at to now, restarting the retention of the
 * whole contact. An update that changes nothing never moves a clock.
 */
let db: TestDatabase;
let admin: Client;
let guest: string;

beforeAll(async () => {
  db = await startReferenceDatabase();
  admin = db.admin;
  const { rows } = await admin.query("INSERT INTO crm.contacts (first_name, email) VALUES ('Hugo', 'hugo@example.fr') RETURNING id");
  guest = rows[0].id;
  await admin.query("INSERT INTO crm.bookings (contact_id, arrival, departure, amount_cents, payment_status) VALUES ($1, current_date - 3, current_date - 1, 9000, 'paid')", [guest]);
  await admin.query("INSERT INTO crm.notes (contact_id, body) VALUES ($1, 'Asked for a late checkout.')", [guest]);
  await recordExplicitConsent(admin, guest, ['special_diet']);
  await admin.query("INSERT INTO crm.special_diet (contact_id, detail) VALUES ($1, 'vegetarian')", [guest]);
  // Two years: within every category's active use (an older contact kept for its
  // held booking is archived, and sales no longer sees it at all).
  await shiftClocks(db, 2 * 365, guest);
});
afterAll(async () => db?.stop());

const lastAction = async () => (await admin.query('SELECT last_action_at FROM crm.contacts WHERE id = $1', [guest])).rows[0].last_action_at as Date;

describe('an update that changes nothing never moves the retention clock', () => {
  test.each([
    ['crm.bookings', 'UPDATE crm.bookings SET payment_status = payment_status WHERE contact_id = $1'],
    ['crm.contacts', 'UPDATE crm.contacts SET email = email, first_name = first_name WHERE id = $1'],
    ['crm.notes', 'UPDATE crm.notes SET body = body WHERE contact_id = $1'],
    ['crm.special_diet', 'UPDATE crm.special_diet SET detail = detail WHERE contact_id = $1'],
  ])('sales rewriting %s with the same values leaves last_action_at two years old', async (_table, sql) => {
    const before = await lastAction();
    const updated = await db.as('sales', async (c) => (await c.query(sql, [guest])).rowCount);
    expect(updated).toBe(1);
    expect(await lastAction()).toEqual(before);
  });

  test('the contact is still purged on time after the no-op writes', async () => {
    await shiftClocks(db, 3650, guest);
    await admin.query('SELECT * FROM gdpr.purge_expired()');
    const { rows } = await admin.query('SELECT count(*)::int AS n FROM crm.contacts WHERE id = $1', [guest]);
    expect(rows[0].n).toBe(0);
  });
});

describe('a real change is an action with the contact', () => {
  let other: string;
  beforeAll(async () => {
    const { rows } = await admin.query("INSERT INTO crm.contacts (first_name, email) VALUES ('Zoé', 'zoe@example.fr') RETURNING id");
    other = rows[0].id;
    await admin.query("INSERT INTO crm.bookings (contact_id, arrival, departure, amount_cents) VALUES ($1, current_date - 3, current_date - 1, 9000)", [other]);
    // Two years: older and the record would be past its active use (archived), where no role writes a row about it.
    await shiftClocks(db, 2 * 365, other);
  });
  const age = async () => Number((await admin.query('SELECT extract(day FROM now() - last_action_at) AS d FROM crm.contacts WHERE id = $1', [other])).rows[0].d);

  test('a payment recorded moves last_action_at to now', async () => {
    expect(await age()).toBeGreaterThan(700);
    await db.as('sales', (c) => c.query("UPDATE crm.bookings SET payment_status = 'paid' WHERE contact_id = $1", [other]));
    expect(await age()).toBe(0);
  });

  test('nobody sets last_action_at by hand, not even to keep a contact longer', async () => {
    await expect(db.as('sales', (c) => c.query("UPDATE crm.contacts SET last_action_at = now() + interval '10 years' WHERE id = $1", [other]))).rejects.toThrow(
      /permission denied for table contacts/,
    );
  });
});
