import type { Client } from 'pg';
import { recordExplicitConsent } from '../helpers/consent';
import { TestDatabase, startReferenceDatabase } from '../helpers/postgres';

/**
 * What an ordinary role can no longer do to a contact it does not process
 * (found by an adversarial review, each tried here as that role on a real
 * PostgreSQL): erase a guest's special-category data by withdrawing the
 * consent it rests on, read those consents, or write rows about a restricted,
 * objecting or archived contact (new processing, and a retention clock
 * restarted through it).
 */

let db: TestDatabase;
let admin: Client;
const NOBODY = '00000000-0000-4000-8000-000000000000';

beforeAll(async () => {
  db = await startReferenceDatabase();
  admin = db.admin;
});
afterAll(async () => db?.stop());

async function guest(marker: string): Promise<string> {
  const { rows } = await admin.query("INSERT INTO crm.contacts (first_name, email) VALUES ($1, $1 || '@example.org') RETURNING id", [marker]);
  const id = rows[0].id as string;
  await admin.query("INSERT INTO crm.consents (contact_id, purpose, source, proof_reference, given_at) VALUES ($1, 'newsletter', 'web form', $2, now() - interval '1 day')", [id, `nl-${marker}`]);
  await recordExplicitConsent(admin, id);
  await admin.query("INSERT INTO crm.special_diet (contact_id, detail) VALUES ($1, 'no pork')", [id]);
  await admin.query("INSERT INTO crm.accessibility (contact_id, detail) VALUES ($1, 'wheelchair')", [id]);
  return id;
}
const count = async (sql: string, id: string) => (await admin.query(sql, [id])).rows[0].n as number;
const diet = (id: string) => count('SELECT count(*)::int AS n FROM crm.special_diet WHERE contact_id = $1', id);
const clock = async (id: string) => (await admin.query('SELECT last_action_at FROM crm.contacts WHERE id = $1', [id])).rows[0].last_action_at.toISOString();
const message = (work: Promise<unknown>) => work.then(() => 'ok', (err: Error) => err.message);

describe('the consent a special category rests on', () => {
  test('marketing cannot withdraw it (which would erase the guest\'s diet and accessibility needs); the front desk and the DPO can', async () => {
    const id = await guest('guard-withdraw');
    for (const purpose of ['special_diet', 'accessibility']) {
      await expect(db.as('marketing', (c) => c.query('SELECT crm.withdraw_consent($1, $2)', [id, purpose]))).rejects.toThrow(
        /special-category data rests on the consent .*; it is recorded by a role that writes the category, or the DPO/,
      );
    }
    expect(await diet(id)).toBe(1);
    await db.as('sales', (c) => c.query("SELECT crm.withdraw_consent($1, 'special_diet')", [id]));
    expect(await diet(id)).toBe(0);
    await db.as('dpo', (c) => c.query("SELECT crm.withdraw_consent($1, 'accessibility')", [id]));
    expect(await count('SELECT count(*)::int AS n FROM crm.accessibility WHERE contact_id = $1', id)).toBe(0);
  });

  test('marketing does not see those consents in the ledger, while it still sees its own purpose\'s', async () => {
    const id = await guest('guard-read');
    const purposes = (await db.as('marketing', (c) => c.query('SELECT purpose FROM crm.consents WHERE contact_id = $1 ORDER BY purpose', [id]))).rows.map((r) => r.purpose);
    expect(purposes).toEqual(['newsletter']);
    // The DPO, who reads every category, sees the whole ledger.
    const dpo = (await db.as('dpo', (c) => c.query('SELECT purpose FROM crm.consents WHERE contact_id = $1 ORDER BY purpose', [id]))).rows.map((r) => r.purpose);
    expect(dpo).toEqual(['accessibility', 'newsletter', 'special_diet']);
  });
});

describe('no row is written about a contact the role may not process', () => {
  test('a restricted contact: no note or booking by sales, no consent by marketing, and its clock stays', async () => {
    const id = await guest('guard-restricted');
    await admin.query("UPDATE crm.contacts SET first_name = first_name WHERE id = $1", [id]);
    await db.as('dpo', (c) => c.query("SELECT gdpr.restrict_contact($1, 'legal-claims', 'claim of 2026-12-01')", [id]));
    const before = await clock(id);
    await expect(db.as('sales', (c) => c.query("INSERT INTO crm.notes (contact_id, body) VALUES ($1, 'Called back.')", [id]))).rejects.toThrow(/row-level security/);
    await expect(db.as('sales', (c) => c.query('INSERT INTO crm.bookings (contact_id, arrival, departure, amount_cents) VALUES ($1, current_date, current_date + 1, 0)', [id]))).rejects.toThrow(/row-level security/);
    await expect(
      db.as('marketing', (c) => c.query("INSERT INTO crm.consents (contact_id, purpose, source, proof_reference, age_at_consent, age_established) VALUES ($1, 'events', 'web', 'ev-1', 30, 'declared-by-person')", [id])),
    ).rejects.toThrow(/row-level security/);
    expect(await clock(id)).toBe(before);
    // Withdrawing for it tells marketing what an unknown id tells it.
    const hidden = await message(db.as('marketing', (c) => c.query("SELECT crm.withdraw_consent($1, 'newsletter')", [id])));
    expect(hidden).toBe(await message(db.as('marketing', (c) => c.query("SELECT crm.withdraw_consent($1, 'newsletter')", [NOBODY]))));
    expect(await count("SELECT count(*)::int AS n FROM crm.consents WHERE contact_id = $1 AND purpose = 'newsletter' AND withdrawn_at IS NULL", id)).toBe(1);
  });

  test('an objecting contact: marketing cannot record a consent for it; sales, which serves objecting customers, still books their stay', async () => {
    const id = await guest('guard-objecting');
    await db.as('dpo', (c) => c.query("SELECT gdpr.object_contact($1, 'direct-marketing', 'letter of 2026-12-01')", [id]));
    await expect(
      db.as('marketing', (c) => c.query("INSERT INTO crm.consents (contact_id, purpose, source, proof_reference, age_at_consent, age_established) VALUES ($1, 'events', 'web', 'ev-2', 30, 'declared-by-person')", [id])),
    ).rejects.toThrow(/row-level security/);
    await db.as('sales', (c) => c.query('INSERT INTO crm.bookings (contact_id, arrival, departure, amount_cents) VALUES ($1, current_date, current_date + 1, 100)', [id]));
    expect(await count('SELECT count(*)::int AS n FROM crm.bookings WHERE contact_id = $1', id)).toBe(1);
  });

  test('a row cannot be moved onto a restricted contact either', async () => {
    const id = await guest('guard-move-target');
    const other = await guest('guard-move-source');
    const note = (await admin.query("INSERT INTO crm.notes (contact_id, body) VALUES ($1, 'Asked for a quote.') RETURNING id", [other])).rows[0].id;
    await db.as('dpo', (c) => c.query("SELECT gdpr.restrict_contact($1, 'accuracy-contested', 'request of 2026-12-01')", [id]));
    await expect(db.as('sales', (c) => c.query('UPDATE crm.notes SET contact_id = $1 WHERE id = $2', [id, note]))).rejects.toThrow(/row-level security|permission denied/);
  });
});
