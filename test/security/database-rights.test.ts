import type { Client } from 'pg';
import { Catalog } from '../../lib/catalog/catalog';
import { PURGE_DATABASE_USER } from '../../lib/config/schema';
import { databaseSql } from '../../lib/database/database-sql';
import { migrate } from '../../lib/database/migrator';
import { RIGHTS_FUNCTIONS, RIGHTS_RELATIONS } from '../../lib/database/rights-sql';
import { defaultConfig } from '../helpers/reference';
import { recordExplicitConsent } from '../helpers/consent';
import { startReferenceDatabase, TestDatabase } from '../helpers/postgres';

/**
 * The data-subject rights of issue 12 (access, rectification, portability, the
 * register of requests), on a real PostgreSQL with the reference catalog:
 * what the DPO gets, and what every other login role cannot do.
 */
const catalog = Catalog.fromConfig(defaultConfig());
let db: TestDatabase;
let admin: Client;
const dpo = <T>(work: (c: Client) => Promise<T>) => db.as('dpo', work);

/** The reference people: the subject of the requests, and another contact whose data must never appear. */
let subject: string;
let other: string;
let subjectNote: string;
let otherNote: string;
const OTHER_MARKERS = ['mk-other', 'other@example.org', 'diet-of-other'];

async function person(marker: string, email: string, diet: string, consent?: string, departedDaysAgo = 1): Promise<{ id: string; note: string }> {
  const { rows } = await admin.query(
    `INSERT INTO crm.contacts (civility, first_name, last_name, email, phone, postal_address, company, job_title)
     VALUES ('Mme', 'Awa', $1, $2, '+33 6 11 22 33 44', '3, rue de la "Paix", Paris', 'Événements SARL', 'Directrice') RETURNING id`,
    [marker, email],
  );
  const id = rows[0].id as string;
  if (consent) {
    await admin.query("INSERT INTO crm.consents (contact_id, purpose, source, proof_reference) VALUES ($1, $2, 'salon Paris 2026', $3)", [id, consent, `form-${marker}`]);
  }
  const note = (await admin.query('INSERT INTO crm.notes (contact_id, body) VALUES ($1, $2) RETURNING id', [id, `Asked ${marker} for a quote.`])).rows[0].id as string;
  await admin.query('INSERT INTO crm.bookings (contact_id, arrival, departure, amount_cents) VALUES ($1, current_date - 30, current_date - $2::int, 61000)', [id, departedDaysAgo]);
  await recordExplicitConsent(admin, id, ['special_diet']);
  await admin.query('INSERT INTO crm.special_diet (contact_id, detail) VALUES ($1, $2)', [id, diet]);
  return { id, note };
}

beforeAll(async () => {
  db = await startReferenceDatabase(catalog);
  admin = db.admin;
  ({ id: subject, note: subjectNote } = await person('Diallo', 'subject@example.fr', 'vegetarian', 'newsletter'));
  // The other contact's booking ends later: an end of retention computed over someone else's rows would show it.
  ({ id: other, note: otherNote } = await person('mk-other', 'other@example.org', 'diet-of-other', undefined, 0));
});
afterAll(async () => db?.stop());

describe('access (art. 15): the data and the information of art. 15(1)(a)-(h)', () => {
  let report: any;
  beforeAll(async () => {
    report = await dpo(async (c) => (await c.query('SELECT gdpr.access_report($1) AS r', [subject])).rows[0].r);
  });

  test('carries the data as gdpr.export_contact gives it', async () => {
    const exported = (await admin.query('SELECT gdpr.export_contact($1) AS e', [subject])).rows[0].e;
    expect(report.data.contact).toEqual(exported.contact);
    expect(report.data.special_diet).toMatchObject({ detail: 'vegetarian' });
    expect(report.data.notes).toHaveLength(1);
  });

  test('gives purpose, legal basis and legal reference of every category held, as the configuration says', () => {
    const held = report.categories.map((c: any) => c.category).sort();
    expect(held).toEqual(['commercial', 'consent', 'contact', 'identity', 'notes', 'professional', 'special_diet']);
    for (const c of report.categories) {
      const declared = catalog.category(c.category);
      expect(c).toMatchObject({ purpose: declared.purpose, legal_basis: declared.legalBasis, legal_reference: declared.legalReference ?? null });
      expect(c.retention).toMatchObject({ days: declared.retentionDays, counted_from: declared.countFrom });
      expect(Number.isNaN(Date.parse(c.retention.ends_at))).toBe(false);
    }
    expect(report.categories.find((c: any) => c.category === 'special_diet')).toMatchObject({ special_category: true, special_category_condition: 'explicit-consent' });
  });

  test('names the recipients of each category: the roles that read it and the processor, with its location', () => {
    const commercial = report.categories.find((c: any) => c.category === 'commercial');
    const names = commercial.recipients.map((r: any) => `${r.kind}:${r.name}`).sort();
    expect(names).toEqual(['processor:statlab', 'role:accounting', 'role:dpo', 'role:sales']);
    expect(commercial.recipients.find((r: any) => r.name === 'statlab')).toMatchObject({
      location: 'eu-west-1',
      contract_reference: catalog.subcontractor('statlab').contractReference,
      pseudonymised: true,
    });
    // Marketing reads contacts consenting to the newsletter: the subject consented.
    const contact = report.categories.find((c: any) => c.category === 'contact');
    expect(contact.recipients.find((r: any) => r.name === 'marketing')).toMatchObject({ consent_purpose: 'newsletter', applies: true });
    expect(report.transfers).toEqual([]);
  });

  test('gives the source of the data, the rights, the supervisory authority and says that no automated decision is made', () => {
    expect(report.source.consents).toEqual([
      expect.objectContaining({ purpose: 'newsletter', source: 'salon Paris 2026' }),
      expect.objectContaining({ purpose: 'special_diet', source: 'front desk' }),
    ]);
    expect(report.source.record_created_at).toBeDefined();
    expect(report.rights.map((r: any) => r.article)).toEqual(['15', '16', '17', '18', '20', '21', '7(3)', '77']);
    expect(report.supervisory_authority).toMatchObject({ country: 'FR', name: expect.stringContaining('CNIL') });
    expect(report.controller).toMatchObject({ organisation: 'Hôtels Exemple SAS', dpo: { email: 'dpo@hotels-exemple.fr' } });
    expect(report.automated_decisions).toMatchObject({ exists: false, decisions: [] });
    expect(report.automated_decisions.statement).toMatch(/No decision based solely on automated processing, including profiling/);
  });

  test('another contact has no consent: the consent-bound recipient does not apply to them', async () => {
    const r = await dpo(async (c) => (await c.query('SELECT gdpr.access_report($1) AS r', [other])).rows[0].r);
    const contact = r.categories.find((c: any) => c.category === 'contact');
    expect(contact.recipients.find((x: any) => x.name === 'marketing')).toMatchObject({ applies: false });
    // Its only consent is the explicit one its diet rests on (art. 9(2)(a)), not marketing's newsletter.
    expect(r.data.consents.map((c: any) => c.purpose)).toEqual(['special_diet']);
  });

  test('never carries another contact\'s data', () => {
    const text = JSON.stringify(report);
    for (const marker of [...OTHER_MARKERS, other]) expect(text).not.toContain(marker);
  });

  test('an unknown contact is refused without naming anyone', async () => {
    await expect(dpo((c) => c.query('SELECT gdpr.access_report($1)', ['00000000-0000-4000-8000-000000000000']))).rejects.toThrow(/^access_report: no contact has this id/);
  });
});

describe('retention_ends: when each category held about the contact ends', () => {
  test('every category of the contact has a row, and ends_at is its clock plus its retention', async () => {
    const { rows } = await dpo((c) => c.query('SELECT * FROM gdpr.retention_ends($1) ORDER BY category, counts_from', [subject]));
    const categories = [...new Set(rows.map((r) => r.category))].sort();
    expect(categories).toEqual(['commercial', 'consent', 'contact', 'identity', 'notes', 'professional', 'special_diet']);
    const clocks = (
      await admin.query(
        `SELECT c.last_action_at, (SELECT max(departure)::timestamptz FROM crm.bookings WHERE contact_id = c.id) AS departure,
                (SELECT max(written_at) FROM crm.notes WHERE contact_id = c.id) AS written_at
         FROM crm.contacts c WHERE c.id = $1`,
        [subject],
      )
    ).rows[0];
    const days = (n: number) => n * 86_400_000;
    for (const r of rows) {
      const declared = catalog.category(r.category);
      expect(r.retention_days).toBe(declared.retentionDays);
      const clock = r.category === 'commercial' ? clocks.departure : r.category === 'notes' ? clocks.written_at : clocks.last_action_at;
      expect([r.category, (r.ends_at as Date).getTime()]).toEqual([r.category, (clock as Date).getTime() + days(declared.retentionDays)]);
    }
  });
});

describe('rectification (art. 16): one column, logged without the value, recipients to inform (art. 19)', () => {
  test('the DPO rectifies an e-mail address and is told whom to inform', async () => {
    const recipients = await dpo(async (c) => (await c.query("SELECT kind, name FROM gdpr.rectify($1, 'crm.contacts', 'email', 'awa.diallo@example.fr')", [subject])).rows);
    expect(recipients.map((r) => `${r.kind}:${r.name}`).sort()).toEqual(['role:dpo', 'role:marketing', 'role:sales']);
    expect((await admin.query('SELECT email FROM crm.contacts WHERE id = $1', [subject])).rows[0].email).toBe('awa.diallo@example.fr');
    const { rows } = await dpo((c) => c.query('SELECT *, l::text AS t FROM gdpr.rectification_log l WHERE contact_id = $1', [subject]));
    expect(rows).toEqual([expect.objectContaining({ actor: 'dpo', relation: 'crm.contacts', column_name: 'email', category: 'contact' })]);
    expect(rows[0].t).not.toMatch(/awa\.diallo|subject@example/);
    const report = await dpo(async (c) => (await c.query('SELECT gdpr.access_report($1) AS r', [subject])).rows[0].r);
    expect(report.rectifications).toEqual([expect.objectContaining({ relation: 'crm.contacts', column: 'email', category: 'contact' })]);
  });

  test('a row of a table with several rows per contact is named by its id; a row of another contact is refused', async () => {
    await dpo((c) => c.query("SELECT * FROM gdpr.rectify($1, 'crm.notes', 'body', 'Asked for a quote for a seminar.', $2)", [subject, subjectNote]));
    expect((await admin.query('SELECT body FROM crm.notes WHERE id = $1', [subjectNote])).rows[0].body).toBe('Asked for a quote for a seminar.');
    await expect(dpo((c) => c.query("SELECT * FROM gdpr.rectify($1, 'crm.notes', 'body', 'x', $2)", [subject, otherNote]))).rejects.toThrow(/the contact has no such row in crm\.notes/);
    expect((await admin.query('SELECT body FROM crm.notes WHERE id = $1', [otherNote])).rows[0].body).toBe('Asked mk-other for a quote.');
    await expect(dpo((c) => c.query("SELECT * FROM gdpr.rectify($1, 'crm.notes', 'body', 'x')", [subject]))).rejects.toThrow(/give the id of the row/);
  });

  test('a column that is not personal data is refused, and so is a column name with SQL in it', async () => {
    for (const [relation, column] of [
      ['crm.contacts', 'created_at'],
      ['crm.contacts', 'last_action_at'],
      ['crm.notes', 'held_for_review'],
      ['crm.contacts', 'email = NULL, last_action_at'],
      ['crm.contacts', 'email" = NULL --'],
      ['crm.contacts; DROP TABLE crm.notes; --', 'email'],
      ['gdpr.audit_log', 'actor'],
    ]) {
      await expect(dpo((c) => c.query('SELECT * FROM gdpr.rectify($1, $2, $3, NULL)', [subject, relation, column]))).rejects.toThrow(/is not a column of personal data/);
    }
    expect((await admin.query('SELECT count(*)::int AS n FROM crm.notes')).rows[0].n).toBe(2);
    expect((await admin.query('SELECT count(*)::int AS n FROM crm.contacts WHERE email IS NULL')).rows[0].n).toBe(0);
  });

  test('the consent ledger is never rectified, and the refusal says why and what to do', async () => {
    await expect(dpo((c) => c.query("SELECT * FROM gdpr.rectify($1, 'crm.consents', 'source', 'web')", [subject]))).rejects.toThrow(
      /consent ledger \(crm\.consents\) is append-only proof .* withdraw the wrong consent with crm\.withdraw_consent/,
    );
  });

  test('an unknown contact is refused, and a value the column refuses is not repeated in the error', async () => {
    await expect(dpo((c) => c.query("SELECT * FROM gdpr.rectify('00000000-0000-4000-8000-000000000000', 'crm.contacts', 'email', 'x@example.fr')"))).rejects.toThrow(
      /rectify: no contact has this id/,
    );
    const bookingId = (await admin.query('SELECT id FROM crm.bookings WHERE contact_id = $1', [subject])).rows[0].id;
    const error = await dpo((c) => c.query("SELECT * FROM gdpr.rectify($1, 'crm.bookings', 'amount_cents', 'secret-amount-9', $2)", [subject, bookingId])).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/crm\.bookings\.amount_cents refused the new value \(SQLSTATE 22P02/);
    expect(JSON.stringify(error)).not.toContain('secret-amount-9');
  });
});

describe('portability (art. 20): what the person provided, on consent or contract, as JSON and CSV', () => {
  test('JSON carries the consent and contract categories only, without keys, timestamps or flags', async () => {
    const data = await dpo(async (c) => (await c.query('SELECT gdpr.portable_data($1) AS d', [subject])).rows[0].d);
    expect(Object.keys(data.tables).sort()).toEqual(['crm.bookings', 'crm.contacts', 'crm.special_diet']);
    expect(data.tables['crm.contacts']).toEqual([{ email: 'awa.diallo@example.fr', phone: '+33 6 11 22 33 44', postal_address: '3, rue de la "Paix", Paris' }]);
    expect(Object.keys(data.tables['crm.bookings'][0]).sort()).toEqual(['amount_cents', 'arrival', 'departure', 'payment_status']);
    expect(data.tables['crm.special_diet']).toEqual([{ detail: 'vegetarian' }]);
    const text = JSON.stringify(data.tables);
    // Legitimate interests (identity, notes), the ledger (legal obligation), and what the database set are not portable.
    for (const absent of ['Diallo', 'Directrice', 'quote', 'salon Paris', subject, 'created_at', 'last_action_at', 'contact_id', 'written_at']) expect(text).not.toContain(absent);
    for (const marker of OTHER_MARKERS) expect(text).not.toContain(marker);
  });

  test('CSV gives one text per table, with a header line and quoted fields (RFC 4180)', async () => {
    const { rows } = await dpo((c) => c.query('SELECT relation, csv FROM gdpr.portable_csv($1)', [subject]));
    expect(rows.map((r) => r.relation)).toEqual(['crm.bookings', 'crm.contacts', 'crm.special_diet']);
    expect(rows.find((r) => r.relation === 'crm.contacts').csv).toBe('email,phone,postal_address\r\nawa.diallo@example.fr,+33 6 11 22 33 44,"3, rue de la ""Paix"", Paris"\r\n');
    expect(rows.find((r) => r.relation === 'crm.special_diet').csv).toBe('detail\r\nvegetarian\r\n');
    for (const marker of OTHER_MARKERS) expect(rows.map((r) => r.csv).join('')).not.toContain(marker);
  });
});

describe('the register of requests (art. 12(3))', () => {
  const open = (kind: string, contact: string | null, receivedDaysAgo?: number) =>
    dpo(async (c) =>
      (
        await c.query(
          `SELECT gdpr.open_request($1, $2, CASE WHEN $3::int IS NULL THEN NULL ELSE now() - make_interval(days => $3::int) END) AS id`,
          [kind, contact, receivedDaysAgo ?? null],
        )
      ).rows[0].id as string,
    );
  const register = async (id: string) => (await dpo((c) => c.query('SELECT * FROM gdpr.request_register WHERE id = $1', [id]))).rows[0];

  test('a request is due one month after it was received, and listed as due', async () => {
    const id = await open('access', subject);
    const { rows } = await dpo((c) =>
      c.query("SELECT received_at, due_at, due_at = ((received_at AT TIME ZONE 'UTC') + interval '1 month') AT TIME ZONE 'UTC' AS one_month FROM gdpr.requests WHERE id = $1", [id]),
    );
    expect(rows[0].one_month).toBe(true);
    const due = (await dpo((c) => c.query('SELECT * FROM gdpr.requests_due WHERE id = $1', [id]))).rows[0];
    expect(due).toMatchObject({ kind: 'access', contact_id: subject, overdue: false, extended: false });
    expect(due.days_left).toBeGreaterThanOrEqual(28);
  });

  test('a request received 40 days ago and not answered is overdue', async () => {
    const id = await open('erasure', subject, 40);
    expect((await dpo((c) => c.query('SELECT overdue FROM gdpr.requests_due WHERE id = $1', [id]))).rows[0]).toEqual({ overdue: true });
  });

  test('a receipt in the future is refused (it would push the deadline back), and so is an unknown kind or contact', async () => {
    await expect(dpo((c) => c.query("SELECT gdpr.open_request('access', NULL, now() + interval '1 day')"))).rejects.toThrow(/cannot be received after now/);
    await expect(dpo((c) => c.query("SELECT gdpr.open_request('deletion', NULL)"))).rejects.toThrow(/one of access, rectification, erasure/);
    await expect(dpo((c) => c.query("SELECT gdpr.open_request('access', '00000000-0000-4000-8000-000000000000')"))).rejects.toThrow(/no contact has this id/);
  });

  test('the deadline is extended once, by at most two months, with a reason, within the first month', async () => {
    const id = await open('portability', null);
    await expect(dpo((c) => c.query('SELECT gdpr.extend_request($1, 3, $2)', [id, 'many requests this month']))).rejects.toThrow(/1 or 2 months/);
    await expect(dpo((c) => c.query("SELECT gdpr.extend_request($1, 2, ' ')", [id]))).rejects.toThrow(/give the reason/);
    await dpo((c) => c.query('SELECT gdpr.extend_request($1, 2, $2)', [id, 'complex request over several systems']));
    const r = await register(id);
    expect(r).toMatchObject({ extended: true, extension_reason: 'complex request over several systems' });
    const months = await dpo(async (c) => (await c.query("SELECT r.due_at = ((q.received_at AT TIME ZONE 'UTC') + interval '3 months') AT TIME ZONE 'UTC' AS ok FROM gdpr.request_register r JOIN gdpr.requests q USING (id) WHERE id = $1", [id])).rows[0].ok);
    expect(months).toBe(true);
    await expect(dpo((c) => c.query('SELECT gdpr.extend_request($1, 1, $2)', [id, 'and again, one more month']))).rejects.toThrow(/already extended/);
    const late = await open('access', null, 40);
    await expect(dpo((c) => c.query('SELECT gdpr.extend_request($1, 2, $2)', [late, 'complex request over several systems']))).rejects.toThrow(/within the first month/);
  });

  test('a request is closed once with an outcome; a refusal needs its reasons; a closed request is no longer due', async () => {
    const id = await open('objection', subject);
    await expect(dpo((c) => c.query("SELECT gdpr.close_request($1, 'refused')", [id]))).rejects.toThrow(/reasons and the right to complain \(art\. 12\(4\)\)/);
    await expect(dpo((c) => c.query("SELECT gdpr.close_request($1, 'done')", [id]))).rejects.toThrow(/outcome is one of/);
    await dpo((c) => c.query("SELECT gdpr.close_request($1, 'granted')", [id]));
    await expect(dpo((c) => c.query("SELECT gdpr.close_request($1, 'refused', 'changed my mind about it')", [id]))).rejects.toThrow(/already closed/);
    expect(await register(id)).toMatchObject({ outcome: 'granted', handled_by: ['dpo'] });
    expect((await dpo((c) => c.query('SELECT id FROM gdpr.requests_due WHERE id = $1', [id]))).rows).toEqual([]);
  });

  test('a rights function linked to a request records the answer; the wrong kind, contact or a closed request is refused', async () => {
    const id = await open('access', null);
    await dpo((c) => c.query('SELECT gdpr.access_report($1, $2)', [subject, id]));
    expect(await register(id)).toMatchObject({ contact_id: subject });
    const events = (await dpo((c) => c.query('SELECT event, detail FROM gdpr.request_events WHERE request_id = $1 ORDER BY id', [id]))).rows;
    expect(events).toEqual([{ event: 'opened', detail: null }, { event: 'answered', detail: 'gdpr.access_report' }]);
    await expect(dpo((c) => c.query('SELECT gdpr.access_report($1, $2)', [other, id]))).rejects.toThrow(/about another contact/);
    await expect(dpo((c) => c.query('SELECT gdpr.portable_data($1, $2)', [subject, id]))).rejects.toThrow(/a request of access, not of portability/);
    const rect = await open('rectification', subject);
    await dpo((c) => c.query("SELECT * FROM gdpr.rectify($1, 'crm.contacts', 'job_title', 'Directrice générale', NULL, $2)", [subject, rect]));
    expect((await dpo((c) => c.query('SELECT request_id FROM gdpr.rectification_log WHERE request_id = $1', [rect]))).rows).toHaveLength(1);
    await dpo((c) => c.query("SELECT gdpr.close_request($1, 'granted')", [id]));
    await expect(dpo((c) => c.query('SELECT gdpr.access_report($1, $2)', [subject, id]))).rejects.toThrow(/is closed/);
  });

  test('the history cannot be rewritten or deleted, by the DPO or by the owner', async () => {
    const id = await open('restriction', subject);
    for (const sql of [
      'UPDATE gdpr.requests SET received_at = now() WHERE id = $1',
      'DELETE FROM gdpr.requests WHERE id = $1',
      "UPDATE gdpr.request_events SET event = 'closed' WHERE request_id = $1",
      'DELETE FROM gdpr.request_events WHERE request_id = $1',
      "UPDATE gdpr.rectification_log SET actor = 'someone' WHERE request_id IS NULL AND $1::bigint IS NOT NULL",
      'DELETE FROM gdpr.rectification_log WHERE $1::bigint IS NOT NULL',
    ]) {
      await expect(dpo((c) => c.query(sql, [id]))).rejects.toThrow(/permission denied/);
      await expect(admin.query(sql, [id])).rejects.toThrow(/is append-only/);
    }
    for (const table of ['gdpr.requests', 'gdpr.request_events', 'gdpr.rectification_log']) {
      await expect(admin.query(`TRUNCATE ${table} CASCADE`)).rejects.toThrow(/is append-only/);
      await expect(dpo((c) => c.query(`INSERT INTO ${table} DEFAULT VALUES`))).rejects.toThrow(/permission denied/);
    }
    expect(await register(id)).toMatchObject({ kind: 'restriction', closed_at: null });
  });

  test('the register outlives the erasure of the contact: the random id stays, no value', async () => {
    const { id: erased } = await person('ToErase', 'erase-me@example.fr', 'kosher');
    const id = await open('erasure', erased);
    await dpo((c) => c.query("SELECT gdpr.erase_contact($1, 'art. 17 request')", [erased]));
    await dpo((c) => c.query("SELECT gdpr.close_request($1, 'granted')", [id]));
    expect(await register(id)).toMatchObject({ contact_id: erased, outcome: 'granted' });
  });
});

describe('no other role may use the rights', () => {
  const others = [...catalog.roles.filter((r) => !r.dataSubjectRights).map((r) => r.name), ...catalog.subcontractors.map((s) => s.databaseUser), PURGE_DATABASE_USER];

  test.each(others)('%s cannot call any rights function, read the register or the facts', async (role) => {
    await db.as(role, async (c) => {
      for (const call of [
        'SELECT gdpr.access_report($1)',
        'SELECT * FROM gdpr.retention_ends($1)',
        "SELECT * FROM gdpr.rectify($1, 'crm.contacts', 'email', 'attacker@example.org')",
        'SELECT gdpr.portable_data($1)',
        'SELECT * FROM gdpr.portable_csv($1)',
        "SELECT gdpr.open_request('access', $1)",
        'SELECT gdpr.extend_request(1, 2, $1::text)',
        'SELECT gdpr.close_request(1, $1::text)',
        "SELECT gdpr.answer_request(1, 'access', $1, 'x')",
        "SELECT * FROM gdpr.recipients_of($1, 'contact')",
        'SELECT * FROM gdpr.portable_rows($1)',
      ]) {
        await expect(c.query(call, [subject])).rejects.toThrow(/permission denied/);
      }
      for (const relation of RIGHTS_RELATIONS) await expect(c.query(`SELECT * FROM ${relation}`)).rejects.toThrow(/permission denied/);
    });
    expect((await admin.query('SELECT email FROM crm.contacts WHERE id = $1', [subject])).rows[0].email).toBe('awa.diallo@example.fr');
  });

  test('of every login role, only the DPO may execute the rights functions; the helpers are the owner\'s alone; PUBLIC none', async () => {
    const { rows } = await admin.query(
      `SELECT p.oid::regprocedure::text AS fn, r.rolname, has_function_privilege(r.oid, p.oid, 'EXECUTE') AS x, p.proacl::text AS acl
       FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace, pg_roles r
       WHERE n.nspname = 'gdpr' AND p.proname IN ('access_report', 'retention_ends', 'rectify', 'portable_data', 'portable_csv', 'open_request',
             'extend_request', 'close_request', 'answer_request', 'recipients_of', 'portable_rows', 'csv_field')
         AND r.rolcanlogin AND NOT r.rolsuper AND r.rolname <> current_user`,
    );
    const { rows: signatures } = await admin.query('SELECT f::regprocedure::text AS fn FROM unnest($1::text[]) AS f', [RIGHTS_FUNCTIONS]);
    const granted = new Set(signatures.map((r) => r.fn as string));
    for (const r of rows) {
      expect([r.fn, r.rolname, r.x]).toEqual([r.fn, r.rolname, r.rolname === 'dpo' && granted.has(r.fn)]);
      expect(r.acl).not.toMatch(/(^|[{,])=X/);
    }
    expect(new Set(rows.filter((r) => r.x).map((r) => r.fn))).toEqual(granted);
  });
});

describe('the facts follow the configuration on the next deployment', () => {
  // Last in the file: the catalog SQL of another configuration, applied as a deployment would.
  beforeAll(async () => {
    const config = defaultConfig() as any;
    config.organisation.country = 'IE';
    config.automatedDecisions = [{ name: 'prospect scoring', logic: 'points for each stay and each seminar attended', consequences: 'a high score brings an invitation to the yearly seminar' }];
    config.residency.adequacyRegions = [{ region: 'eu-west-2', transferBasis: 'UK adequacy decision of 28 June 2021' }];
    config.subcontractors[0].location = 'eu-west-2';
    config.subcontractors[0].transferMechanism = { type: 'adequacy-decision', reference: 'Commission Implementing Decision (EU) 2021/1772' };
    const sql = databaseSql(Catalog.fromConfig(config));
    await migrate(admin, sql.migrations, sql.catalogSql);
  });

  test('a processor outside the EU is a transfer, with its mechanism; the authority is the new country\'s; the automated decision is told', async () => {
    const report = await dpo(async (c) => (await c.query('SELECT gdpr.access_report($1) AS r', [subject])).rows[0].r);
    expect(report.transfers).toEqual([
      { processor: 'statlab', location: 'eu-west-2', mechanism: 'adequacy-decision', reference: 'Commission Implementing Decision (EU) 2021/1772' },
    ]);
    expect(report.supervisory_authority).toMatchObject({ country: 'IE', name: expect.stringContaining('Data Protection Commission') });
    expect(report.automated_decisions).toMatchObject({ exists: true, decisions: [expect.objectContaining({ name: 'prospect scoring' })] });
  });
});
