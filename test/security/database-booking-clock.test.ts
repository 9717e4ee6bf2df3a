import type { Client } from 'pg';
import { shiftClocks, TestDatabase, startReferenceDatabase } from '../helpers/postgres';

/**
 * Review of issue 10: the retention clock of crm.bookings is its departure
 * (gdpr.retention_clocks), a column accounting and sales may write. Moving it
 * is moving the retention: 9999-12-31 keeps the booking, and with it the
 * contact row (the purge erases a contact only when nothing refers to it),
 * for ever; 20 years back makes the nightly purge delete a booking that has
 * not expired, a deletion no role may make itself.
 *
 * Fixed by migration 0006_clock_bounds.sql: a clock column a login role
 * writes takes only dates within a window around the database's own date.
 */
let db: TestDatabase;
let admin: Client;

beforeAll(async () => {
  db = await startReferenceDatabase();
  admin = db.admin;
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
  test('accounting setting a departure of 9999-12-31 is refused, and the booking still expires with its commercial retention', async () => {
    const id = await guestWithBooking('forever@example.fr', 1);
    const moved = db.as('accounting', (c) => c.query("UPDATE crm.bookings SET departure = '9999-12-31' WHERE contact_id = $1", [id]));
    await moved.catch(() => undefined);
    // Eleven years later (commercial retention: ten), nothing of the guest is left.
    await shiftClocks(db, 11 * 365, id);
    await admin.query('SELECT * FROM gdpr.purge_expired()');
    expect([await bookings(id), await contactRows(id)]).toEqual([0, 0]);
    await expect(moved).rejects.toThrow(/retention/);
  });

  test('accounting moving a departure 20 years back does not make the purge delete a booking that has not expired', async () => {
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

describe('every retention clock a login role can write is bounded (the defence in general)', () => {
  test('each clock column of gdpr.retention_clocks that some login role may insert or update carries the bound_clock trigger', async () => {
    const { rows } = await admin.query(`
      SELECT k.relation, k.clock, r.rolname
      FROM gdpr.retention_clocks k
      JOIN pg_catalog.pg_roles r ON r.rolcanlogin AND NOT r.rolsuper AND r.rolname <> current_user
      WHERE k.clock IS NOT NULL
        AND (has_column_privilege(r.rolname, k.relation, k.clock, 'UPDATE') OR has_column_privilege(r.rolname, k.relation, k.clock, 'INSERT'))`);
    expect(rows.map((r) => r.relation)).toContain('crm.bookings');
    const unbounded: string[] = [];
    for (const { relation, clock, rolname } of rows) {
      // Bounded by gdpr.bound_clock on that column, or set by the database whatever a role writes
      // (the consent ledger's guard stamps withdrawn_at itself and refuses one on insert).
      const { rows: triggers } = await admin.query(
        `SELECT 1 FROM pg_catalog.pg_trigger t
         WHERE t.tgrelid = $1::regclass AND NOT t.tgisinternal
           AND ((t.tgfoid = 'gdpr.bound_clock'::regproc AND split_part(encode(t.tgargs, 'escape'), '\\000', 1) = $2)
                OR (t.tgfoid = 'crm.guard_consent_ledger'::regproc AND $2 = 'withdrawn_at'))`,
        [relation, clock],
      );
      if (triggers.length === 0) unbounded.push(`${relation}.${clock} (written by ${rolname})`);
    }
    expect(unbounded).toEqual([]);
  });

  test('a departure within the window is accepted from a login role, and the owner may correct an old one', async () => {
    const id = await guestWithBooking('late@example.fr', 200);
    await db.as('accounting', (c) => c.query("UPDATE crm.bookings SET departure = departure + 1 WHERE contact_id = $1", [id]));
    await admin.query("UPDATE crm.bookings SET arrival = arrival - 4000, departure = departure - 4000 WHERE contact_id = $1", [id]);
    expect(await bookings(id)).toBe(1);
  });

  test('sales booking a stay three years ahead is refused with the reason', async () => {
    const id = await guestWithBooking('ahead@example.fr', 1);
    await expect(
      db.as('sales', (c) => c.query("INSERT INTO crm.bookings (contact_id, arrival, departure, amount_cents) VALUES ($1, current_date + 1095, current_date + 1098, 1)", [id])),
    ).rejects.toThrow(/bookings\.departure = .* is outside 366 days before and 731 days after today/);
  });
});
