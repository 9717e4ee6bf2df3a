import type { Client } from 'pg';
import { Catalog } from '../../lib/catalog/catalog';
import { loadMigrations } from '../../lib/database/migrations';
import { schemaColumns } from '../../lib/database/schema-columns';
import { readsArchive, retentionClockProblems, ROW_CLOCKS } from '../../lib/database/lifecycle-sql';
import { checkSchemaAgainstCatalog } from '../../lib/database/grants';
import { ConfigError } from '../../lib/config/errors';
import { defaultConfig } from '../helpers/reference';
import { recordExplicitConsent } from '../helpers/consent';
import { shiftClocks, TestDatabase, startReferenceDatabase } from '../helpers/postgres';

/**
 * Issue 12: retention counted as the CNIL counts it (the prospect clock moves
 * only on a contact from the person; each category from its countFrom),
 * erasure with legal holds (art. 17(3)(b)) and the intermediate archive, on a
 * real PostgreSQL, attacked as the catalog's own roles.
 */
const catalog = Catalog.fromConfig(defaultConfig());
const columns = schemaColumns(loadMigrations());
const hold = catalog.category('commercial').legalHold!;
const extract = catalog.subcontractors[0].databaseUser;
let db: TestDatabase;
let admin: Client;

beforeAll(async () => {
  db = await startReferenceDatabase(catalog);
  admin = db.admin;
});
afterAll(async () => db?.stop());

async function newContact(email: string): Promise<string> {
  const { rows } = await admin.query(
    "INSERT INTO crm.contacts (civility, first_name, last_name, email, phone, company) VALUES ('Mme', 'Léa', 'Martin', $1, '+33 6 00 00 00 01', 'Martin SARL') RETURNING id",
    [email],
  );
  return rows[0].id as string;
}
/** Backdates the prospect clock, bypassing the trigger that keeps it. */
async function backdate(id: string, days: number): Promise<void> {
  await admin.query('ALTER TABLE crm.contacts DISABLE TRIGGER touch');
  await admin.query('UPDATE crm.contacts SET last_action_at = now() - make_interval(days => $2) WHERE id = $1', [id, days]);
  await admin.query('ALTER TABLE crm.contacts ENABLE TRIGGER touch');
}
const clockAge = async (id: string) =>
  Number((await admin.query('SELECT round(extract(epoch FROM now() - last_action_at) / 86400)::int AS d FROM crm.contacts WHERE id = $1', [id])).rows[0].d);
const consent = (id: string, purpose: string, proof: string) =>
  admin.query("INSERT INTO crm.consents (contact_id, purpose, source, proof_reference) VALUES ($1, $2, 'web form', $3)", [id, purpose, proof]);
const visible = (role: string, sql: string, id: string) => db.as(role, async (c) => (await c.query(sql, [id])).rowCount);

describe('the prospect clock moves only on a contact from the person', () => {
  let id: string;
  beforeEach(async () => {
    id = await newContact(`clock-${Math.random()}@example.fr`);
    await consent(id, 'newsletter', `form-${Math.random()}`);
    await backdate(id, 400);
  });

  test('a staff note ("relance, pas de réponse") does not restart it', async () => {
    await db.as('sales', (c) => c.query("INSERT INTO crm.notes (contact_id, body) VALUES ($1, 'Relance envoyée, pas de réponse.')", [id]));
    expect(await clockAge(id)).toBe(400);
  });

  test('an edit of the record by sales, or a no-op, does not restart it', async () => {
    await db.as('sales', (c) => c.query("UPDATE crm.contacts SET job_title = 'Acheteuse' WHERE id = $1", [id]));
    await db.as('sales', (c) => c.query('UPDATE crm.contacts SET email = email WHERE id = $1', [id]));
    await db.as('marketing', (c) => c.query('UPDATE crm.contacts SET email = email WHERE id = $1', [id]).catch(() => undefined));
    expect(await clockAge(id)).toBe(400);
  });

  test('setting the trigger\'s own mark in a session does not let an edit restart it', async () => {
    await db.as('sales', async (c) => {
      await c.query("SET gdpr.contact_from_person = 'on'");
      await c.query("UPDATE crm.contacts SET job_title = 'Directrice' WHERE id = $1", [id]);
    });
    expect(await clockAge(id)).toBe(400);
  });

  test('a reply recorded by sales restarts it, dated and signed by the database', async () => {
    await db.as('sales', (c) => c.query("INSERT INTO crm.person_contacts (contact_id, kind) VALUES ($1, 'reply')", [id]));
    expect(await clockAge(id)).toBe(0);
    const { rows } = await admin.query('SELECT kind, recorded_by, occurred_at > now() - interval \'1 minute\' AS now FROM crm.person_contacts WHERE contact_id = $1', [id]);
    expect(rows).toEqual([{ kind: 'reply', recorded_by: 'sales', now: true }]);
  });

  test('a booking and a renewed consent restart it; a withdrawal does not', async () => {
    await db.as('sales', (c) => c.query('INSERT INTO crm.bookings (contact_id, arrival, departure, amount_cents) VALUES ($1, current_date, current_date + 2, 30000)', [id]));
    expect(await clockAge(id)).toBe(0);
    await backdate(id, 400);
    await db.as('marketing', (c) => c.query('SELECT crm.withdraw_consent($1, $2)', [id, 'newsletter']));
    expect(await clockAge(id)).toBe(400);
    await db.as('marketing', (c) => c.query("INSERT INTO crm.consents (contact_id, purpose, source, proof_reference, age_at_consent, age_established) VALUES ($1, 'newsletter', 'web form', 'renewed-1', 40, 'declared-by-person')", [id]));
    expect(await clockAge(id)).toBe(0);
  });

  test('a payment counts once per booking: toggling paid, due, paid again does not restart it', async () => {
    await db.as('sales', (c) => c.query('INSERT INTO crm.bookings (contact_id, arrival, departure, amount_cents) VALUES ($1, current_date, current_date + 1, 100)', [id]));
    await backdate(id, 400);
    await db.as('sales', (c) => c.query("UPDATE crm.bookings SET payment_status = 'paid' WHERE contact_id = $1", [id]));
    expect(await clockAge(id)).toBe(0);
    await backdate(id, 400);
    await db.as('sales', async (c) => {
      await c.query("UPDATE crm.bookings SET payment_status = 'due' WHERE contact_id = $1", [id]);
      await c.query("UPDATE crm.bookings SET payment_status = 'paid' WHERE contact_id = $1", [id]);
    });
    expect(await clockAge(id)).toBe(400);
    await expect(db.as('sales', (c) => c.query('UPDATE crm.bookings SET paid_at = NULL WHERE contact_id = $1', [id]))).rejects.toThrow(/permission denied/);
  });

  test('a role cannot date a contact from the person itself, nor record a kind that is not one', async () => {
    await expect(
      db.as('sales', (c) => c.query("INSERT INTO crm.person_contacts (contact_id, kind, occurred_at) VALUES ($1, 'reply', now() + interval '5 years')", [id])),
    ).rejects.toThrow(/permission denied for table person_contacts/);
    await expect(db.as('sales', (c) => c.query("INSERT INTO crm.person_contacts (contact_id, kind) VALUES ($1, 'reminder-sent')", [id]))).rejects.toThrow(
      /violates check constraint/,
    );
    expect(await clockAge(id)).toBe(400);
  });

  test('a role that does not own the relationship cannot record one (accounting, the DPO, a processor\'s extract)', async () => {
    for (const role of ['accounting', 'dpo', extract]) {
      await expect(db.as(role, (c) => c.query("INSERT INTO crm.person_contacts (contact_id, kind) VALUES ($1, 'reply')", [id]))).rejects.toThrow(
        /permission denied/,
      );
    }
    expect(await clockAge(id)).toBe(400);
  });

  test('marketing records one only for a contact its consent shows it', async () => {
    const stranger = await newContact(`no-consent-${Math.random()}@example.fr`);
    await backdate(stranger, 400);
    await expect(db.as('marketing', (c) => c.query("INSERT INTO crm.person_contacts (contact_id, kind) VALUES ($1, 'reply')", [stranger]))).rejects.toThrow(
      /row-level security/,
    );
    expect(await clockAge(stranger)).toBe(400);
    await db.as('marketing', (c) => c.query("INSERT INTO crm.person_contacts (contact_id, kind) VALUES ($1, 'inbound-request')", [id]));
    expect(await clockAge(id)).toBe(0);
  });

  test('what was recorded is never rewritten or deleted by a role', async () => {
    await db.as('sales', (c) => c.query("INSERT INTO crm.person_contacts (contact_id, kind) VALUES ($1, 'visit')", [id]));
    await expect(db.as('sales', (c) => c.query('UPDATE crm.person_contacts SET occurred_at = now() WHERE contact_id = $1', [id]))).rejects.toThrow(/permission denied/);
    await expect(db.as('sales', (c) => c.query('DELETE FROM crm.person_contacts WHERE contact_id = $1', [id]))).rejects.toThrow(/permission denied/);
    await expect(admin.query('UPDATE crm.person_contacts SET kind = $2 WHERE contact_id = $1', [id, 'reply'])).rejects.toThrow(/append-only/);
  });

  test('only the DPO reads what was recorded', async () => {
    await db.as('sales', (c) => c.query("INSERT INTO crm.person_contacts (contact_id, kind) VALUES ($1, 'reply')", [id]));
    expect(await visible('dpo', 'SELECT kind, recorded_by FROM crm.person_contacts WHERE contact_id = $1', id)).toBe(1);
    for (const role of ['sales', 'marketing', 'accounting', extract]) {
      await expect(db.as(role, (c) => c.query('SELECT kind FROM crm.person_contacts WHERE contact_id = $1', [id]))).rejects.toThrow(/permission denied/);
    }
  });
});

describe('each category counts from its countFrom', () => {
  test('the clocks the database knows are those the configuration is checked against', async () => {
    const { rows } = await admin.query('SELECT relation, transaction_clock, creation_clock, withdrawal_clock FROM gdpr.retention_clocks WHERE transaction_clock IS NOT NULL OR creation_clock IS NOT NULL OR withdrawal_clock IS NOT NULL ORDER BY relation');
    const fromDb = Object.fromEntries(
      rows.map((r) => [r.relation, Object.fromEntries(Object.entries({ transaction: r.transaction_clock, creation: r.creation_clock, withdrawal: r.withdrawal_clock }).filter(([, v]) => v))]),
    );
    expect(fromDb).toEqual(ROW_CLOCKS);
  });

  test('every date a countFrom counts from that a login role may write is bounded or set by the database', async () => {
    const { rows } = await admin.query(`
      SELECT k.relation, c.col, r.rolname
      FROM gdpr.retention_clocks k
      CROSS JOIN LATERAL unnest(ARRAY[k.transaction_clock, k.creation_clock, k.withdrawal_clock]) AS c(col)
      JOIN pg_catalog.pg_roles r ON r.rolcanlogin AND NOT r.rolsuper AND r.rolname <> current_user
      WHERE c.col IS NOT NULL
        AND (has_column_privilege(r.rolname, k.relation, c.col, 'UPDATE') OR has_column_privilege(r.rolname, k.relation, c.col, 'INSERT'))
      ORDER BY 1, 2, 3`);
    const written = [...new Set(rows.map((r) => `${r.relation}.${r.col}`))];
    expect(written).toEqual(['crm.bookings.departure', 'crm.consents.given_at', 'crm.consents.withdrawn_at']);
    // departure: gdpr.bound_clock (migration 0006); the consent ledger's guard stamps given_at with now() and refuses withdrawn_at on insert.
    const id = await newContact('dated@example.fr');
    await consent(id, 'newsletter', 'form-dated');
    await expect(
      db.as('marketing', (c) =>
        c.query("INSERT INTO crm.consents (contact_id, purpose, source, proof_reference, given_at, age_at_consent, age_established) VALUES ($1, 'newsletter', 'web', 'future-1', now() + interval '5 years', 40, 'declared-by-person')", [id]),
      ),
    ).rejects.toThrow(/given_at is set by the database/);
    await expect(
      db.as('sales', (c) => c.query("INSERT INTO crm.bookings (contact_id, arrival, departure, amount_cents) VALUES ($1, '9999-12-30', '9999-12-31', 0)", [id])),
    ).rejects.toThrow(/outside 366 days before and 731 days after today/);
  });

  test('the reference configuration fits where its categories are stored', () => {
    expect(retentionClockProblems(catalog, columns)).toEqual([]);
  });

  test('a countFrom a table has no date for is one line naming the field, the value and the fix', () => {
    const config = defaultConfig();
    const at = (name: string) => config.categories.findIndex((c) => c.name === name);
    config.categories[at('commercial')].countFrom = 'withdrawal';
    config.categories[at('identity')].countFrom = 'transaction';
    config.categories[at('commercial')].legalHold!.keeps = ['notes'];
    expect(retentionClockProblems(Catalog.fromConfig(config), columns)).toEqual([
      `categories[${at('identity')}].countFrom: category identity is stored in crm.contacts, which has no transaction date, so its retention cannot count from it; got "transaction"; use one of last-contact-from-person, end-of-relationship, creation`,
      `categories[${at('commercial')}].countFrom: category commercial is stored in crm.bookings, which has no withdrawal date, so its retention cannot count from it; got "withdrawal"; use one of last-contact-from-person, end-of-relationship, transaction`,
      `categories[${at('commercial')}].legalHold.keeps[0]: a legal hold keeps categories of the contact record (identity, contact, professional) with the held rows; got "notes"; remove it`,
    ]);
    // As a configuration error (the CLI and the app exit 2 with these lines, no stack trace).
    let thrown: unknown;
    try {
      checkSchemaAgainstCatalog(Catalog.fromConfig(config), columns);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).problems).toHaveLength(3);
  });

  test('gdpr.retention_ends tells the DPO, per category, from what it counts and when it ends; no other role may ask', async () => {
    const id = await newContact('ends@example.fr');
    await admin.query("INSERT INTO crm.bookings (contact_id, arrival, departure, amount_cents) VALUES ($1, '2026-06-01', '2026-06-03', 50000)", [id]);
    await recordExplicitConsent(admin, id, ['special_diet']);
    await admin.query("INSERT INTO crm.special_diet (contact_id, detail) VALUES ($1, 'no gluten')", [id]);
    await backdate(id, 100);
    const rows = await db.as('dpo', async (c) =>
      (await c.query("SELECT category, counts_from, retention_days, to_char(ends_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS ends FROM gdpr.retention_ends($1) ORDER BY category", [id])).rows,
    );
    const byCategory = Object.fromEntries(rows.map((r) => [r.category, r]));
    expect(byCategory.commercial).toEqual({ category: 'commercial', counts_from: 'transaction', retention_days: 3650, ends: '2036-05-31' });
    const { rows: expected } = await admin.query(
      "SELECT to_char((last_action_at + interval '1095 days') AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS ends FROM crm.contacts WHERE id = $1",
      [id],
    );
    expect(byCategory.identity).toEqual({ category: 'identity', counts_from: 'last-contact-from-person', retention_days: 1095, ends: expected[0].ends });
    expect(byCategory.special_diet.counts_from).toBe('end-of-relationship');
    // A category held nowhere about the contact has no row (this contact has no accessibility need).
    expect(byCategory.accessibility).toBeUndefined();
    for (const role of ['sales', 'marketing', 'accounting', extract]) {
      await expect(db.as(role, (c) => c.query('SELECT * FROM gdpr.retention_ends($1)', [id]))).rejects.toThrow(/permission denied/);
    }
  });
});

describe('erasure keeps what a legal hold requires, minimised, archived, until the hold ends', () => {
  let customer: string;
  let prospect: string;
  beforeAll(async () => {
    customer = await newContact('customer@example.fr');
    await consent(customer, 'newsletter', 'form-customer');
    await admin.query("INSERT INTO crm.bookings (contact_id, arrival, departure, amount_cents, payment_status) VALUES ($1, current_date - 3, current_date - 1, 84000, 'paid')", [customer]);
    await admin.query("INSERT INTO crm.notes (contact_id, body) VALUES ($1, 'Prefers a quiet room.')", [customer]);
    await recordExplicitConsent(admin, customer, ['special_diet']);
    await admin.query("INSERT INTO crm.special_diet (contact_id, detail) VALUES ($1, 'vegetarian')", [customer]);
    await admin.query("INSERT INTO crm.person_contacts (contact_id, kind) VALUES ($1, 'reply')", [customer]);
    prospect = await newContact('prospect@example.fr');
    await admin.query("INSERT INTO crm.notes (contact_id, body) VALUES ($1, 'Met at the trade fair.')", [prospect]);
    for (const id of [customer, prospect]) {
      await db.as('dpo', (c) => c.query("SELECT gdpr.erase_contact($1, 'art. 17 request of 2026-12-01')", [id]));
    }
  });

  const left = async (id: string) => {
    const one = async (sql: string) => (await admin.query(sql, [id])).rows;
    return {
      contact: (await one('SELECT civility, first_name, last_name, email, phone, postal_address, company, job_title FROM crm.contacts WHERE id = $1'))[0],
      bookings: await one('SELECT arrival = current_date - 3 AS arrival, departure = current_date - 1 AS departure, amount_cents, payment_status FROM crm.bookings WHERE contact_id = $1'),
      consents: (await one('SELECT count(*)::int AS n FROM crm.consents WHERE contact_id = $1'))[0].n,
      notes: (await one('SELECT count(*)::int AS n FROM crm.notes WHERE contact_id = $1'))[0].n,
      special_diet: (await one('SELECT count(*)::int AS n FROM crm.special_diet WHERE contact_id = $1'))[0].n,
      person_contacts: (await one('SELECT count(*)::int AS n FROM crm.person_contacts WHERE contact_id = $1'))[0].n,
    };
  };

  test('the hold in the configuration is the invoices\' (Code de commerce L123-22), keeping the name an invoice is made out to', () => {
    expect(hold).toMatchObject({ legalReference: 'Code de commerce, art. L123-22', retentionDays: 3650, keeps: ['identity'] });
  });

  test('a contact with a booking: the booking is kept whole, the record keeps only the name, everything else is gone (as the owner sees it)', async () => {
    expect(await left(customer)).toEqual({
      contact: { civility: 'Mme', first_name: 'Léa', last_name: 'Martin', email: null, phone: null, postal_address: null, company: null, job_title: null },
      bookings: [{ arrival: true, departure: true, amount_cents: 84000, payment_status: 'paid' }],
      consents: 0,
      notes: 0,
      special_diet: 0,
      person_contacts: 0,
    });
  });

  test('a contact without any held row is deleted with everything about it, as before', async () => {
    expect((await left(prospect)).contact).toBeUndefined();
    expect((await left(prospect)).notes).toBe(0);
  });

  test('both erasures are logged for the replay after a restore', async () => {
    const { rows } = await admin.query('SELECT count(*)::int AS n FROM gdpr.erasure_log WHERE contact_id = ANY ($1)', [[customer, prospect]]);
    expect(rows[0].n).toBe(2);
  });

  test('the archive: sales, marketing and the processor\'s extract see neither the record nor the booking', async () => {
    for (const role of ['sales', 'marketing', extract]) {
      expect([role, await visible(role, 'SELECT id FROM crm.contacts WHERE id = $1', customer)]).toEqual([role, 0]);
    }
    for (const role of ['sales', extract]) {
      expect([role, await visible(role, 'SELECT contact_id FROM crm.bookings WHERE contact_id = $1', customer)]).toEqual([role, 0]);
    }
    expect(await visible('sales', 'SELECT contact_id FROM crm.recontact_due WHERE contact_id = $1', customer)).toBe(0);
    expect(await visible('sales', "UPDATE crm.bookings SET payment_status = 'refunded' WHERE contact_id = $1", customer)).toBe(0);
  });

  test('the archive: accounting and the DPO, who keep the accounting records, still read the booking and the name', async () => {
    for (const role of ['accounting', 'dpo']) {
      expect([role, await visible(role, 'SELECT last_name FROM crm.contacts WHERE id = $1', customer)]).toEqual([role, 1]);
      expect([role, await visible(role, 'SELECT amount_cents FROM crm.bookings WHERE contact_id = $1', customer)]).toEqual([role, 1]);
    }
  });

  test('nothing new is written about what is left: a note, a booking, a special category, by sales or accounting, or the owner', async () => {
    const attempts: [string, string][] = [
      ['sales', "INSERT INTO crm.notes (contact_id, body) VALUES ($1, 'Came back to ask for a room.')"],
      ['sales', 'INSERT INTO crm.bookings (contact_id, arrival, departure, amount_cents) VALUES ($1, current_date, current_date + 1, 100)'],
      ['sales', "INSERT INTO crm.special_diet (contact_id, detail) VALUES ($1, 'vegetarian')"],
      ['accounting', 'INSERT INTO crm.bookings (contact_id, arrival, departure, amount_cents) VALUES ($1, current_date, current_date + 1, 100)'],
    ];
    for (const [role, sql] of attempts) {
      await expect(db.as(role, (c) => c.query(sql, [customer]))).rejects.toThrow(/was erased \(art\. 17\)/);
    }
    await expect(consent(customer, 'newsletter', 'form-after-erasure')).rejects.toThrow(/was erased \(art\. 17\)/);
    expect(await left(customer)).toMatchObject({ notes: 0, consents: 0, special_diet: 0, bookings: [{ amount_cents: 84000 }] });
  });

  test('who reads the archive follows from the catalog: accounting and the DPO only', () => {
    expect(catalog.roles.filter(readsArchive).map((r) => r.name)).toEqual(['accounting', 'dpo']);
  });

  test('a replay after a restore minimises the restored contact the same way, once', async () => {
    // A restore brings the record and a note back (below the triggers, as a restored backup does).
    await db.superuser.query('BEGIN');
    await db.superuser.query('SET LOCAL session_replication_role = replica');
    await db.superuser.query("UPDATE crm.contacts SET email = 'customer@example.fr', company = 'Martin SARL' WHERE id = $1", [customer]);
    await db.superuser.query("INSERT INTO crm.notes (contact_id, body) VALUES ($1, 'Prefers a quiet room.')", [customer]);
    await db.superuser.query('COMMIT');
    expect((await admin.query('SELECT gdpr.replay_erasures() AS n')).rows[0].n).toBe(1);
    expect(await left(customer)).toMatchObject({ contact: { last_name: 'Martin', email: null, company: null }, notes: 0, bookings: [{ amount_cents: 84000 }] });
    expect((await admin.query('SELECT gdpr.replay_erasures() AS n')).rows[0].n).toBe(0);
  });

  test('the held rows go at the end of their own hold, counted from the stay, with the injected clock', async () => {
    // The stay ended yesterday; move it (and everything of the contact) one hold into the past.
    await shiftClocks(db, hold.retentionDays, customer);
    await admin.query("SELECT * FROM gdpr.purge_expired(now() - interval '2 days')");
    expect((await left(customer)).bookings).toHaveLength(1);
    const done = (await admin.query("SELECT relation, category, action, row_count::int AS n FROM gdpr.purge_expired(now()) WHERE row_count > 0 ORDER BY relation")).rows;
    expect(done).toEqual(
      expect.arrayContaining([
        { relation: 'crm.bookings', category: 'commercial', action: 'deleted', n: 1 },
        { relation: 'crm.contacts', category: '*', action: 'erased', n: 1 },
      ]),
    );
    expect(await left(customer)).toMatchObject({ contact: undefined, bookings: [] });
  });
});

describe('without an erasure, a held row past its active use is archived while the hold runs', () => {
  let guest: string;
  beforeAll(async () => {
    guest = await newContact('long-hold@example.fr');
    await admin.query("INSERT INTO crm.bookings (contact_id, arrival, departure, amount_cents) VALUES ($1, current_date - 3, current_date - 1, 12000)", [guest]);
    // As a configuration whose commercial active use (1000 days) is shorter than its hold (3650) would set it.
    await admin.query("UPDATE crm.retention_periods SET retention_days = 1000 WHERE category = 'commercial'");
    await shiftClocks(db, 1100, guest);
  });
  afterAll(async () => admin.query('UPDATE crm.retention_periods SET retention_days = $1 WHERE category = $2', [catalog.category('commercial').retentionDays, 'commercial']));

  test('sales and the extract no longer see the booking; accounting does', async () => {
    expect(await visible('sales', 'SELECT 1 FROM crm.bookings WHERE contact_id = $1', guest)).toBe(0);
    expect(await visible(extract, 'SELECT 1 FROM crm.bookings WHERE contact_id = $1', guest)).toBe(0);
    expect(await visible('accounting', 'SELECT 1 FROM crm.bookings WHERE contact_id = $1', guest)).toBe(1);
  });

  test('the purge keeps it until the hold ends', async () => {
    await admin.query('SELECT * FROM gdpr.purge_expired()');
    expect((await admin.query('SELECT count(*)::int AS n FROM crm.bookings WHERE contact_id = $1', [guest])).rows[0].n).toBe(1);
  });
});
