import type { Client } from 'pg';
import { Catalog } from '../../lib/catalog/catalog';
import { databaseSql } from '../../lib/database/database-sql';
import { APPEND_ONLY_RELATIONS } from '../../lib/database/grants';
import { migrate } from '../../lib/database/migrator';
import { defaultConfig } from '../helpers/reference';
import { startReferenceDatabase, TestDatabase } from '../helpers/postgres';
import { recordExplicitConsent } from '../helpers/consent';

const catalog = Catalog.fromConfig(defaultConfig());
let db: TestDatabase;
let admin: Client;

beforeAll(async () => {
  db = await startReferenceDatabase(catalog);
  admin = db.admin;
});
afterAll(async () => db?.stop());

/** Runs queries as a database role (privileges and row security apply). */
const as = <T>(role: string, work: (c: Client) => Promise<T>): Promise<T> => db.as(role, work);

interface Contact {
  id: string;
  email: string;
}

async function newContact(email: string, consents: string[] = []): Promise<Contact> {
  const { rows } = await admin.query(
    `INSERT INTO crm.contacts (civility, first_name, last_name, email, phone, postal_address, company, job_title)
     VALUES ('Mme', 'Awa', 'Diallo', $1, '+33 6 11 22 33 44', '3 rue de la Paix, Paris', 'Événements SARL', 'Directrice') RETURNING id`,
    [email],
  );
  const id = rows[0].id as string;
  for (const purpose of consents) {
    await admin.query("INSERT INTO crm.consents (contact_id, purpose, source, proof_reference) VALUES ($1, $2, 'salon Paris 2026', 'form-0042')", [id, purpose]);
  }
  return { id, email };
}

describe('database privileges equal the catalog, column by column', () => {
  test('for every role and every personal-data column, SELECT, INSERT and UPDATE are exactly what the catalog says', async () => {
    // The category of each column is read from the database itself (the column comments).
    const { rows: columns } = await admin.query(`
      SELECT n.nspname AS schema, c.relname AS rel, a.attname AS col, split_part(split_part(d.description, ';', 1), ':', 2) AS category
      FROM pg_catalog.pg_description d
      JOIN pg_catalog.pg_class c ON c.oid = d.objoid
      JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.objsubid
      WHERE d.description LIKE 'category:%'`);
    expect(columns.length).toBeGreaterThanOrEqual(20);
    const mismatches: string[] = [];
    for (const role of catalog.roles) {
      const reads = new Set(role.reads.map((c) => c.name));
      const writes = new Set(role.writes.map((c) => c.name));
      for (const { schema, rel, col, category } of columns) {
        const { rows } = await admin.query(
          `SELECT has_column_privilege($1, $2, $3, 'SELECT') AS s, has_column_privilege($1, $2, $3, 'INSERT') AS i, has_column_privilege($1, $2, $3, 'UPDATE') AS u`,
          [role.name, `${schema}.${rel}`, col],
        );
        const actual = rows[0];
        // Ledgers are append-only: a role records rows, never updates them.
        const expected = { s: reads.has(category), i: writes.has(category), u: writes.has(category) && !APPEND_ONLY_RELATIONS.includes(`${schema}.${rel}`) };
        if (actual.s !== expected.s || actual.i !== expected.i || actual.u !== expected.u) {
          mismatches.push(`${role.name} on ${schema}.${rel}.${col} (${category}): got ${JSON.stringify(actual)}, catalog says ${JSON.stringify(expected)}`);
        }
      }
    }
    expect(mismatches).toEqual([]);
  });

  test('every column of the contact tables carries a category, key or structural tag', async () => {
    const { rows } = await admin.query(`
      SELECT c.table_schema || '.' || c.table_name || '.' || c.column_name AS col
      FROM information_schema.columns c
      WHERE c.table_schema = 'crm'
        AND col_description((c.table_schema || '.' || c.table_name)::regclass, c.ordinal_position) IS NULL`);
    expect(rows.map((r) => r.col)).toEqual([]);
  });

  test('no role can delete rows or reach another schema', async () => {
    for (const role of catalog.roles) {
      const { rows } = await admin.query(
        `SELECT count(*)::int AS n FROM information_schema.role_table_grants WHERE grantee = $1 AND privilege_type IN ('DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER')`,
        [role.name],
      );
      expect([role.name, rows[0].n]).toEqual([role.name, 0]);
    }
    const { rows } = await admin.query("SELECT has_schema_privilege('marketing', 'meta', 'USAGE') AS meta, has_schema_privilege('marketing', 'gdpr', 'USAGE') AS gdpr");
    expect(rows[0]).toEqual({ meta: false, gdpr: false });
  });

  test('every role logs in through IAM: granted rds_iam', async () => {
    for (const role of catalog.roles) {
      const { rows } = await admin.query("SELECT pg_has_role($1, 'rds_iam', 'MEMBER') AS member, rolcanlogin FROM pg_roles WHERE rolname = $1", [role.name]);
      expect([role.name, rows[0]]).toEqual([role.name, { member: true, rolcanlogin: true }]);
    }
  });
});

describe('accounting knows there is a special menu, never which one', () => {
  let guest: Contact;
  beforeAll(async () => {
    guest = await newContact('guest.menu@example.fr');
    await recordExplicitConsent(admin, guest.id, ['special_diet']);
    await admin.query("INSERT INTO crm.special_diet (contact_id, detail) VALUES ($1, 'halal')", [guest.id]);
    await admin.query("INSERT INTO crm.bookings (contact_id, arrival, departure, amount_cents) VALUES ($1, '2026-12-01', '2026-12-03', 42000)", [guest.id]);
  });

  test('reading the detail is refused', async () => {
    await expect(as('accounting', (c) => c.query('SELECT detail FROM crm.special_diet'))).rejects.toThrow(/permission denied for table special_diet/);
  });

  test('the derived flag is readable', async () => {
    const rows = await as('accounting', async (c) => (await c.query('SELECT has_special_diet FROM crm.special_flags WHERE contact_id = $1', [guest.id])).rows);
    expect(rows).toEqual([{ has_special_diet: true }]);
  });

  test('the flag of a category the role is not flagged for is refused', async () => {
    await expect(as('accounting', (c) => c.query('SELECT has_accessibility FROM crm.special_flags'))).rejects.toThrow(/permission denied for view special_flags/);
  });

  test('sales, who serve the meal, read the detail', async () => {
    const rows = await as('sales', async (c) => (await c.query('SELECT detail FROM crm.special_diet WHERE contact_id = $1', [guest.id])).rows);
    expect(rows).toEqual([{ detail: 'halal' }]);
  });

  test('accounting reads the booking but not the e-mail address', async () => {
    const bookings = await as('accounting', async (c) => (await c.query('SELECT amount_cents FROM crm.bookings WHERE contact_id = $1', [guest.id])).rows);
    expect(bookings).toEqual([{ amount_cents: 42000 }]);
    await expect(as('accounting', (c) => c.query('SELECT email FROM crm.contacts'))).rejects.toThrow(/permission denied for table contacts/);
  });
});

describe('marketing sees only contacts who consent to its purpose', () => {
  test('a withdrawn consent removes the contact from marketing at once', async () => {
    const prospect = await newContact('prospect@example.fr', ['newsletter']);
    const visible = () => as('marketing', async (c) => (await c.query('SELECT email FROM crm.contacts WHERE id = $1', [prospect.id])).rows);
    expect(await visible()).toEqual([{ email: prospect.email }]);

    await admin.query("UPDATE crm.consents SET withdrawn_at = now() WHERE contact_id = $1 AND purpose = 'newsletter'", [prospect.id]);
    expect(await visible()).toEqual([]);
  });

  test('a consent for another purpose does not count', async () => {
    const other = await newContact('events-only@example.fr', ['events']);
    const rows = await as('marketing', async (c) => (await c.query('SELECT id FROM crm.contacts WHERE id = $1', [other.id])).rows);
    expect(rows).toEqual([]);
  });

  test('marketing can record a withdrawal itself, and the contact disappears', async () => {
    const prospect = await newContact('self-withdraw@example.fr', ['newsletter']);
    await as('marketing', (c) => c.query("SELECT crm.withdraw_consent($1, 'newsletter')", [prospect.id]));
    const rows = await as('marketing', async (c) => (await c.query('SELECT id FROM crm.contacts WHERE id = $1', [prospect.id])).rows);
    expect(rows).toEqual([]);
  });

  test('sales see every contact, consenting or not', async () => {
    const walkIn = await newContact('walk-in@example.fr');
    const rows = await as('sales', async (c) => (await c.query('SELECT email FROM crm.contacts WHERE id = $1', [walkIn.id])).rows);
    expect(rows).toEqual([{ email: walkIn.email }]);
  });
});

describe('the DPO answers access and erasure requests', () => {
  let subject: Contact;
  beforeAll(async () => {
    subject = await newContact('subject@example.fr', ['newsletter', 'events']);
    await admin.query("INSERT INTO crm.notes (contact_id, body) VALUES ($1, 'Prefers a quiet room facing the courtyard.')", [subject.id]);
    await admin.query("INSERT INTO crm.bookings (contact_id, arrival, departure, amount_cents) VALUES ($1, '2026-06-01', '2026-06-04', 61000)", [subject.id]);
    await recordExplicitConsent(admin, subject.id);
    await admin.query("INSERT INTO crm.special_diet (contact_id, detail) VALUES ($1, 'vegetarian')", [subject.id]);
    await admin.query("INSERT INTO crm.accessibility (contact_id, detail) VALUES ($1, 'wheelchair access')", [subject.id]);
  });

  test('the access export returns every row about the contact', async () => {
    const exported = await as('dpo', async (c) => (await c.query('SELECT gdpr.export_contact($1) AS data', [subject.id])).rows[0].data);
    expect(exported.contact).toMatchObject({ id: subject.id, email: subject.email, last_name: 'Diallo' });
    expect(exported.consents.map((x: { purpose: string }) => x.purpose).sort()).toEqual(['accessibility', 'events', 'newsletter', 'special_diet']);
    expect(exported.notes).toEqual([expect.objectContaining({ body: 'Prefers a quiet room facing the courtyard.' })]);
    expect(exported.bookings).toEqual([expect.objectContaining({ amount_cents: 61000 })]);
    expect(exported.special_diet).toMatchObject({ detail: 'vegetarian' });
    expect(exported.accessibility).toMatchObject({ detail: 'wheelchair access' });
    expect(exported.audit_log.length).toBeGreaterThanOrEqual(7);
  });

  test('no other role may run the export or the erasure', async () => {
    await expect(as('sales', (c) => c.query('SELECT gdpr.export_contact($1)', [subject.id]))).rejects.toThrow(/permission denied for schema gdpr/);
    await expect(as('marketing', (c) => c.query("SELECT gdpr.erase_contact($1, 'x')", [subject.id]))).rejects.toThrow(/permission denied for schema gdpr/);
  });

  test('erasure leaves no personal data of the contact in any table but the booking a legal hold keeps, and the name it is made out to', async () => {
    const erased = await as('dpo', async (c) => (await c.query("SELECT gdpr.erase_contact($1, 'art. 17 request of 2026-11-29') AS found", [subject.id])).rows[0].found);
    expect(erased).toBe(true);
    // Every table of every schema, every row rendered as text: neither the contact's values nor rows keyed by it remain
    // (the audit log and erasure log keep the random contact id only, never a value).
    const { rows: relations } = await admin.query(
      // The notes check's term lists and the catalog's facts for the access report are configuration, not data about
      // anyone (they hold words such as "wheelchair" or a category described as "halal, kosher, vegetarian").
      "SELECT table_schema || '.' || table_name AS t FROM information_schema.tables WHERE table_schema IN ('crm', 'gdpr', 'meta') AND table_type = 'BASE TABLE' AND table_name NOT IN ('note_terms', 'note_allowed_phrases', 'category_facts', 'recipients', 'controller')",
    );
    for (const { t } of relations) {
      const { rows } = await admin.query(`SELECT count(*)::int AS n FROM ${t} x WHERE x::text ~ $1`, ['subject@example\\.fr|Diallo.*subject|quiet room|vegetarian|wheelchair|61000']);
      // The booking is an accounting record under the reference's legal hold (Code de commerce L123-22).
      expect([t, rows[0].n]).toEqual([t, t === 'crm.bookings' ? 1 : 0]);
    }
    for (const t of ['crm.contacts', 'crm.consents', 'crm.notes', 'crm.bookings', 'crm.special_diet', 'crm.accessibility']) {
      const key = t === 'crm.contacts' ? 'id' : 'contact_id';
      const { rows } = await admin.query(`SELECT count(*)::int AS n FROM ${t} WHERE ${key} = $1`, [subject.id]);
      expect([t, rows[0].n]).toEqual([t, ['crm.contacts', 'crm.bookings'].includes(t) ? 1 : 0]);
    }
    const { rows: kept } = await admin.query('SELECT email, phone, company, last_name IS NOT NULL AS named FROM crm.contacts WHERE id = $1', [subject.id]);
    expect(kept).toEqual([{ email: null, phone: null, company: null, named: true }]);
    const { rows: log } = await admin.query('SELECT reason FROM gdpr.erasure_log WHERE contact_id = $1', [subject.id]);
    expect(log).toEqual([{ reason: 'art. 17 request of 2026-11-29' }]);
  });
});

describe('the write path keeps the date of the last action', () => {
  /** Backdates a contact's last action, bypassing the trigger that would set it to now. */
  async function backdate(id: string): Promise<void> {
    await admin.query('ALTER TABLE crm.contacts DISABLE TRIGGER touch');
    await admin.query("UPDATE crm.contacts SET last_action_at = now() - interval '400 days' WHERE id = $1", [id]);
    await admin.query('ALTER TABLE crm.contacts ENABLE TRIGGER touch');
  }
  const ageInDays = async (id: string) =>
    Number((await admin.query('SELECT extract(day FROM now() - last_action_at) AS d FROM crm.contacts WHERE id = $1', [id])).rows[0].d);

  // last_action_at is the last contact from the person (migration 0012_retention_clocks, the CNIL's prospect
  // clock): a staff note or edit is no such contact; a reply recorded in crm.person_contacts is.
  test('a note written about a contact does not move last_action_at; a reply recorded from the person does', async () => {
    const contact = await newContact('touch-note@example.fr');
    await backdate(contact.id);
    expect(await ageInDays(contact.id)).toBe(400);
    await as('sales', (c) => c.query("INSERT INTO crm.notes (contact_id, body) VALUES ($1, 'Asked for a quote for a seminar.')", [contact.id]));
    expect(await ageInDays(contact.id)).toBe(400);
    await as('sales', (c) => c.query("INSERT INTO crm.person_contacts (contact_id, kind) VALUES ($1, 'reply')", [contact.id]));
    expect(await ageInDays(contact.id)).toBe(0);
  });

  test('an update of the contact itself never moves last_action_at, whatever the writer sets', async () => {
    const contact = await newContact('touch-update@example.fr');
    await backdate(contact.id);
    await admin.query("UPDATE crm.contacts SET job_title = 'CEO', last_action_at = '2020-01-01' WHERE id = $1", [contact.id]);
    expect(await ageInDays(contact.id)).toBe(400);
  });

  test('the audit trail records who changed which columns, never the values', async () => {
    const contact = await newContact('audited@example.fr');
    await as('sales', (c) => c.query("UPDATE crm.contacts SET phone = '+33 1 00 00 00 00' WHERE id = $1", [contact.id]));
    const { rows } = await admin.query("SELECT actor, action, columns FROM gdpr.audit_log WHERE contact_id = $1 AND action = 'UPDATE' ORDER BY id DESC LIMIT 1", [contact.id]);
    expect(rows[0]).toEqual({ actor: 'sales', action: 'UPDATE', columns: ['phone'] });
    const { rows: leaks } = await admin.query("SELECT count(*)::int AS n FROM gdpr.audit_log x WHERE x::text LIKE '%+33 1 00 00 00 00%'");
    expect(leaks[0].n).toBe(0);
  });
});

describe('the catalog SQL is idempotent and follows the configuration', () => {
  test('running it again changes nothing', async () => {
    const sql = databaseSql(catalog);
    await expect(migrate(admin, sql.migrations, sql.catalogSql)).resolves.toEqual({ applied: [], skipped: sql.migrations.map((m) => m.version) });
  });

  test('a role removed from the configuration loses its privileges and its login', async () => {
    const config = defaultConfig();
    const reduced = Catalog.fromConfig({ ...config, roles: config.roles.filter((r) => r.name !== 'accounting') });
    const sql = databaseSql(reduced);
    await migrate(admin, sql.migrations, sql.catalogSql);
    const { rows } = await admin.query(
      "SELECT rolcanlogin, has_table_privilege('accounting', 'crm.bookings', 'SELECT') AS bookings FROM pg_roles WHERE rolname = 'accounting'",
    );
    expect(rows[0]).toEqual({ rolcanlogin: false, bookings: false });
    // Restore for the other tests.
    const full = databaseSql(catalog);
    await migrate(admin, full.migrations, full.catalogSql);
  });
});
