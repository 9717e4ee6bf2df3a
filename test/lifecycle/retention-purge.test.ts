import type { Client } from 'pg';
import { Catalog } from '../../lib/catalog/catalog';
import { PURGE_DATABASE_USER } from '../../lib/config/schema';
import { defaultConfig } from '../helpers/reference';
import { shiftClocks, TestDatabase, startReferenceDatabase } from '../helpers/postgres';
import { recordExplicitConsent } from '../helpers/consent';

const catalog = Catalog.fromConfig(defaultConfig());
const days = (name: string) => catalog.category(name).retentionDays;
let db: TestDatabase;
let admin: Client;

beforeAll(async () => {
  db = await startReferenceDatabase(catalog);
  admin = db.admin;
});
afterAll(async () => db?.stop());

/** How many days every row of the test data has been moved into the past. */
let age = 0;
/** Ages the data to `offset` days after it was written (the purge never takes a clock later than the database's). */
async function ageTo(offset: number): Promise<void> {
  await shiftClocks(db, offset - age);
  age = offset;
}

/** Runs the purge on the database's clock once the data is `offset` days old; returns what it did, by step. */
async function purgeAt(offset: number): Promise<Record<string, number>> {
  await ageTo(offset);
  const { rows } = await admin.query('SELECT relation, category, action, row_count FROM gdpr.purge_expired()');
  return Object.fromEntries(rows.map((r) => [`${r.action} ${r.relation} ${r.category}`, Number(r.row_count)]));
}

/** Which personal data of the contact is still there, table by table. */
async function held(id: string) {
  const one = async (sql: string) => (await admin.query(sql, [id])).rows;
  const [contact] = await one('SELECT first_name, email, company, last_action_at FROM crm.contacts WHERE id = $1');
  return {
    contact: contact ? { first_name: contact.first_name, email: contact.email, company: contact.company } : undefined,
    consents: (await one('SELECT purpose FROM crm.consents WHERE contact_id = $1 ORDER BY purpose')).map((r) => r.purpose),
    notes: (await one('SELECT body FROM crm.notes WHERE contact_id = $1 ORDER BY id')).map((r) => r.body),
    bookings: (await one('SELECT amount_cents FROM crm.bookings WHERE contact_id = $1')).map((r) => r.amount_cents),
    special_diet: (await one('SELECT detail FROM crm.special_diet WHERE contact_id = $1')).map((r) => r.detail),
    accessibility: (await one('SELECT detail FROM crm.accessibility WHERE contact_id = $1')).map((r) => r.detail),
  };
}

async function newGuest(email: string): Promise<string> {
  // New data is written today: the data already there is brought back to today too.
  await ageTo(0);
  const { rows } = await admin.query(
    `INSERT INTO crm.contacts (civility, first_name, last_name, email, phone, company, job_title)
     VALUES ('M.', 'Karim', 'Benali', $1, '+33 6 12 34 56 78', 'Séminaires & Co', 'Acheteur') RETURNING id`,
    [email],
  );
  return rows[0].id as string;
}

describe('the retention purge, on the database clock over aged data, against a real PostgreSQL', () => {
  // One guest with data in every table, all written today: each table's data
  // stays one day before its bound and is gone one day after, in turn.
  let guest: string;
  beforeAll(async () => {
    guest = await newGuest('karim.benali@example.fr');
    await admin.query("INSERT INTO crm.consents (contact_id, purpose, source, proof_reference) VALUES ($1, 'newsletter', 'web form', 'form-7781')", [guest]);
    await admin.query("INSERT INTO crm.notes (contact_id, body) VALUES ($1, 'Organises the yearly sales seminar in March.')", [guest]);
    await admin.query('INSERT INTO crm.bookings (contact_id, arrival, departure, amount_cents) VALUES ($1, current_date - 2, current_date, 84000)', [guest]);
    await recordExplicitConsent(admin, guest);
    await admin.query("INSERT INTO crm.special_diet (contact_id, detail) VALUES ($1, 'vegan-menu')", [guest]);
    await admin.query("INSERT INTO crm.accessibility (contact_id, detail) VALUES ($1, 'ground-floor room')", [guest]);
  });

  const everything = {
    contact: { first_name: 'Karim', email: 'karim.benali@example.fr', company: 'Séminaires & Co' },
    // The special categories rest on explicit consents of their own (art. 9(2)(a)).
    consents: ['accessibility', 'newsletter', 'special_diet'],
    notes: ['Organises the yearly sales seminar in March.'],
    bookings: [84000],
    special_diet: ['vegan-menu'],
    accessibility: ['ground-floor room'],
  };

  test('the bounds come from the configuration', () => {
    expect([days('special_diet'), days('accessibility'), days('notes'), days('identity'), days('consent'), days('commercial')]).toEqual([365, 365, 1095, 1095, 1825, 3650]);
  });

  test('nothing is purged today', async () => {
    await purgeAt(0);
    expect(await held(guest)).toEqual(everything);
  });

  test('special categories (365 days after the last action): kept the day before, gone the day after', async () => {
    await purgeAt(days('special_diet') - 1);
    expect(await held(guest)).toEqual(everything);
    const done = await purgeAt(days('special_diet') + 1);
    expect(done).toMatchObject({ 'deleted crm.special_diet special_diet': 1, 'deleted crm.accessibility accessibility': 1 });
    expect(await held(guest)).toEqual({ ...everything, special_diet: [], accessibility: [] });
  });

  test('notes (1095 days after they were written) and the contact record (1095 days after the last contact from the person), but the name the held booking needs', async () => {
    await purgeAt(days('notes') - 1);
    expect(await held(guest)).toEqual({ ...everything, special_diet: [], accessibility: [] });
    const done = await purgeAt(days('notes') + 1);
    expect(done).toMatchObject({
      'deleted crm.notes notes': 1,
      'anonymised crm.contacts identity': 0,
      'anonymised crm.contacts contact': 1,
      'anonymised crm.contacts professional': 1,
      'erased crm.contacts *': 0,
    });
    // The record is anonymised, not erased: the consent proof and the booking are still within their retention;
    // the booking is under a legal hold that keeps the identity it names (categories[].legalHold.keeps).
    expect(await held(guest)).toEqual({
      contact: { first_name: 'Karim', email: null, company: null },
      consents: ['accessibility', 'newsletter', 'special_diet'],
      notes: [],
      bookings: [84000],
      special_diet: [],
      accessibility: [],
    });
    const { rows } = await admin.query('SELECT civility, last_name, phone, postal_address, job_title FROM crm.contacts WHERE id = $1', [guest]);
    expect(rows[0]).toEqual({ civility: 'M.', last_name: 'Benali', phone: null, postal_address: null, job_title: null });
  });

  test('the purge does not restart the clock it applies (last_action_at untouched by the anonymisation)', async () => {
    const { rows } = await admin.query('SELECT round(extract(epoch FROM now() - last_action_at) / 86400)::int AS days FROM crm.contacts WHERE id = $1', [guest]);
    expect(rows[0].days).toBe(age);
  });

  test('the consent proof (1825 days after the last action while in force)', async () => {
    await purgeAt(days('consent') - 1);
    expect((await held(guest)).consents).toEqual(['accessibility', 'newsletter', 'special_diet']);
    expect(await purgeAt(days('consent') + 1)).toMatchObject({ 'deleted crm.consents consent': 3 });
    expect((await held(guest)).consents).toEqual([]);
  });

  test('bookings (3650 days after the stay), then the whole contact is erased and logged for replay after a restore', async () => {
    await purgeAt(days('commercial') - 1);
    expect((await held(guest)).bookings).toEqual([84000]);
    expect(await purgeAt(days('commercial') + 1)).toMatchObject({ 'deleted crm.bookings commercial': 1, 'erased crm.contacts *': 1 });
    expect(await held(guest)).toEqual({ contact: undefined, consents: [], notes: [], bookings: [], special_diet: [], accessibility: [] });
    const { rows } = await admin.query('SELECT reason FROM gdpr.erasure_log WHERE contact_id = $1', [guest]);
    expect(rows).toEqual([{ reason: 'retention' }]);
  });

  test('no value of the erased guest remains in any table', async () => {
    const { rows: relations } = await admin.query(
      // The catalog's facts for the access report are configuration, not data about anyone (a category is described as "halal, kosher, vegetarian").
      "SELECT table_schema || '.' || table_name AS t FROM information_schema.tables WHERE table_schema IN ('crm', 'gdpr', 'meta') AND table_type = 'BASE TABLE' AND table_name NOT IN ('category_facts', 'recipients', 'controller')",
    );
    for (const { t } of relations) {
      const { rows } = await admin.query(`SELECT count(*)::int AS n FROM ${t} x WHERE x::text ~ $1`, ['Karim|Benali|karim\\.benali|Séminaires|vegan-menu|ground-floor|84000|seminar in March']);
      expect([t, rows[0].n]).toEqual([t, 0]);
    }
  });

  test('every purge is logged with its clock and counts, never a value', async () => {
    const { rows } = await admin.query("SELECT relation, category, action, row_count::int AS n FROM gdpr.purge_log WHERE relation = 'crm.contacts' AND action = 'erased'");
    expect(rows).toEqual([{ relation: 'crm.contacts', category: '*', action: 'erased', n: 1 }]);
  });
});

describe('each table counts its retention from its own clock', () => {
  test('a withdrawn consent counts from its withdrawal, not from the last action', async () => {
    const id = await newGuest('withdrawn@example.fr');
    await admin.query(
      "INSERT INTO crm.consents (contact_id, purpose, source, proof_reference, given_at, withdrawn_at) VALUES ($1, 'events', 'salon', 'form-1', now() - interval '1200 days', now() - interval '1000 days')",
      [id],
    );
    const bound = days('consent') - 1000;
    await purgeAt(bound - 1);
    expect((await held(id)).consents).toEqual(['events']);
    await purgeAt(bound + 1);
    expect(await held(id)).toMatchObject({ consents: [], contact: { email: 'withdrawn@example.fr' } });
  });

  test('a note counts from the day it was written, even while the relationship goes on', async () => {
    const id = await newGuest('old-note@example.fr');
    await admin.query("INSERT INTO crm.notes (contact_id, body, written_at) VALUES ($1, 'Asked for a quote in 2024.', now() - interval '100 days')", [id]);
    await admin.query("INSERT INTO crm.notes (contact_id, body) VALUES ($1, 'Asked for a quote again.')", [id]);
    await purgeAt(days('notes') - 100 - 1);
    expect((await held(id)).notes).toEqual(['Asked for a quote in 2024.', 'Asked for a quote again.']);
    await purgeAt(days('notes') - 100 + 1);
    expect((await held(id)).notes).toEqual(['Asked for a quote again.']);
  });

  test('a prospect with nothing but a contact record is erased 1095 days after the last action', async () => {
    const id = await newGuest('prospect@example.fr');
    await purgeAt(days('identity') - 1);
    expect((await held(id)).contact).toBeDefined();
    await purgeAt(days('identity') + 1);
    expect((await held(id)).contact).toBeUndefined();
    const { rows } = await admin.query('SELECT reason FROM gdpr.erasure_log WHERE contact_id = $1', [id]);
    expect(rows).toEqual([{ reason: 'retention' }]);
  });

  test('a second run with the same clock finds nothing more to do', async () => {
    await purgeAt(days('commercial') + 10);
    const again = await purgeAt(days('commercial') + 10);
    expect(Object.values(again).every((n) => n === 0)).toBe(true);
  });
});

describe('the purge is safe to run', () => {
  test('it refuses to run while a table of personal data has no retention clock', async () => {
    await admin.query('BEGIN');
    try {
      await admin.query('CREATE TABLE crm.loyalty (contact_id uuid REFERENCES crm.contacts (id), tier text)');
      await admin.query("COMMENT ON COLUMN crm.loyalty.contact_id IS 'key'");
      await admin.query("COMMENT ON COLUMN crm.loyalty.tier IS 'category:commercial'");
      await expect(admin.query('SELECT * FROM gdpr.purge_expired(now())')).rejects.toThrow(/no retention clock for crm\.loyalty/);
    } finally {
      await admin.query('ROLLBACK');
    }
  });

  test('it refuses to run when a category has no retention period (catalog SQL not applied)', async () => {
    await admin.query('BEGIN');
    try {
      await admin.query("DELETE FROM crm.retention_periods WHERE category = 'notes'");
      await expect(admin.query('SELECT * FROM gdpr.purge_expired(now())')).rejects.toThrow(/no retention period for category notes/);
    } finally {
      await admin.query('ROLLBACK');
    }
  });

  test(`its own database user (${PURGE_DATABASE_USER}) may run the purge on the database clock and read nothing`, async () => {
    await db.as(PURGE_DATABASE_USER, async (client) => {
      await expect(client.query('SELECT count(*) FROM gdpr.purge_expired()')).resolves.toBeDefined();
      await expect(client.query('SELECT count(*) FROM gdpr.purge_expired(now())')).rejects.toThrow(/permission denied for function purge_expired/);
      await expect(client.query('SELECT email FROM crm.contacts')).rejects.toThrow(/permission denied/);
      await expect(client.query('SELECT * FROM gdpr.erasure_log')).rejects.toThrow(/permission denied/);
      await expect(client.query("SELECT gdpr.erase_contact(gen_random_uuid(), 'x')")).rejects.toThrow(/permission denied/);
    });
  });

  test('no catalog role may run the purge, with or without a clock', async () => {
    for (const role of catalog.roles) {
      const { rows } = await admin.query(
        "SELECT has_function_privilege($1, 'gdpr.purge_expired(timestamptz)', 'EXECUTE') AS clock, has_function_privilege($1, 'gdpr.purge_expired()', 'EXECUTE') AS own",
        [role.name],
      );
      expect([role.name, rows[0]]).toEqual([role.name, { clock: false, own: false }]);
    }
  });
});
