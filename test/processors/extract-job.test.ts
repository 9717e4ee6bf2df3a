import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KMSClient } from '@aws-sdk/client-kms';
import type { Client } from 'pg';
import { Catalog } from '../../lib/catalog/catalog';
import { databaseSql } from '../../lib/database/database-sql';
import { migrate } from '../../lib/database/migrator';
import { loadMigrations } from '../../lib/database/migrations';
import { schemaColumns } from '../../lib/database/schema-columns';
import { extractPlan } from '../../lib/processors/extract-plan';
import { EMPTY_STATE, type WrappedSecretStore } from '../../lib/processors/pseudonymisation-key';
import { createExtractHandler } from '../../lib/runtime/extract';
import { type KmsStandIn, startKmsStandIn } from '../helpers/kms-stand-in';
import { startPostgres, type TestDatabase } from '../helpers/postgres';
import { defaultConfig } from '../helpers/reference';
import { recordExplicitConsentWhere } from '../helpers/consent';

// The reference catalog (processor statlab: professional + commercial) plus a
// second processor bound to the newsletter consent, to compare the two.
const config = defaultConfig();
config.subcontractors.push({
  ...config.subcontractors[0],
  name: 'surveyco',
  accountId: '777788889999',
  externalId: 'surveyco-external-id-0001',
  categories: ['professional'],
  consentPurpose: 'newsletter',
});
const catalog = Catalog.fromConfig(config);
const columns = schemaColumns(loadMigrations());

let db: TestDatabase;
let admin: Client;
let kms: KmsStandIn;
let kmsClient: KMSClient;
let keyId: string;
const uploads = mkdtempSync(join(tmpdir(), 'gdpr-extracts-'));
const stores = new Map<string, WrappedSecretStore & { text: string }>();

function storeOf(processor: string) {
  let store = stores.get(processor);
  if (!store) {
    const s = { text: JSON.stringify({ state: EMPTY_STATE, nonce: 'x' }), read: async () => s.text, write: async (t: string) => void (s.text = t) };
    stores.set(processor, s);
    store = s;
  }
  return store;
}

/** The deployed job, with the database reached as the processor's generated extract role (SET ROLE). */
function job(processor: string, batchSize = 250, day = '2026-11-29') {
  const sub = catalog.subcontractor(processor);
  return createExtractHandler({
    plan: extractPlan(sub, columns),
    prefix: processor,
    kms: kmsClient,
    keyId,
    store: storeOf(processor),
    connect: async () => {
      const client = await db.connect();
      await client.query(`SET ROLE "${sub.databaseUser}"`);
      return client;
    },
    upload: async (key, file) => copyFileSync(file, join(uploads, key.replace('/', '__'))),
    batchSize,
    now: () => new Date(`${day}T08:00:00Z`),
  });
}

async function extract(processor: string, date = '2026-11-29') {
  const outcome = await job(processor, 250, date)({});
  const text = readFileSync(join(uploads, outcome.key.replace('/', '__')), 'utf8');
  return { outcome, text, lines: text.trimEnd().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, any>) };
}

async function seed(from: number, to: number): Promise<void> {
  await admin.query(
    `INSERT INTO crm.contacts (civility, first_name, last_name, email, phone, postal_address, company, job_title)
     SELECT 'Mme', 'Prenomx' || g, 'Nomfamillex' || g, 'person' || g || '@example.fr', '+33 6 ' || lpad(g::text, 8, '0'),
            g || ' rue de la Paix, 75002 Paris', 'Company ' || (g % 17), 'Title ' || (g % 5)
     FROM generate_series($1::int, $2::int) g`,
    [from, to],
  );
  await admin.query(
    `INSERT INTO crm.bookings (contact_id, arrival, departure, amount_cents, payment_status)
     SELECT id, date '2026-01-01' + (n % 300), date '2026-01-03' + (n % 300), 10000 + n, 'paid'
     FROM (SELECT id, row_number() OVER (ORDER BY id)::int AS n FROM crm.contacts WHERE email LIKE 'person%' AND id NOT IN (SELECT contact_id FROM crm.bookings)) c
     WHERE n % 2 = 0`,
  );
  await recordExplicitConsentWhere(admin, "id NOT IN (SELECT contact_id FROM crm.special_diet) AND first_name LIKE '%3'", 'special_diet');
  await admin.query(
    `INSERT INTO crm.special_diet (contact_id, detail)
     SELECT id, 'halal-secret-detail' FROM crm.contacts WHERE id NOT IN (SELECT contact_id FROM crm.special_diet) AND first_name LIKE '%3'`,
  );
  await admin.query(
    `INSERT INTO crm.notes (contact_id, body)
     SELECT id, 'Confidential note about ' || last_name FROM crm.contacts WHERE first_name LIKE '%7' AND id NOT IN (SELECT contact_id FROM crm.notes)`,
  );
}

/** Runs a bulk fixture with the free-text check (check_freetext) off on the tables that have it, back on after (test plumbing, as the superuser). */
async function withoutFreetextCheck(work: () => Promise<void>): Promise<void> {
  const tables = ['crm.contacts', 'crm.consents'];
  for (const t of tables) await db.superuser.query(`ALTER TABLE ${t} DISABLE TRIGGER check_freetext`);
  try {
    await work();
  } finally {
    for (const t of tables) await db.superuser.query(`ALTER TABLE ${t} ENABLE TRIGGER check_freetext`);
  }
}

beforeAll(async () => {
  jest.spyOn(console, 'log').mockImplementation(() => undefined); // the job's one summary line per run
  [db, kms] = await Promise.all([startPostgres(), startKmsStandIn()]);
  admin = db.admin;
  kmsClient = kms.client();
  keyId = kms.createKey();
  const sql = databaseSql(catalog);
  await migrate(admin, sql.migrations, sql.catalogSql);
  await seed(1, 1000);
});
afterAll(async () => {
  await kms?.stop();
  await db?.stop();
  rmSync(uploads, { recursive: true, force: true });
});

test('an invocation that carries anything (a date naming another day, an id) is refused before the job runs', async () => {
  for (const event of [{ date: '2026-01-01' }, { contact: 'x' }, 'text', null]) {
    await expect(job('statlab')(event as never)).rejects.toThrow(/the extract job takes no input \(invoke it with \{\}\)/);
  }
});

describe('the generated extract role reads the granted categories and nothing else', () => {
  test('its column privileges are exactly the id of each contact, the contact key of each table read, and the granted categories', async () => {
    const sub = catalog.subcontractor('statlab');
    const granted = new Set(sub.categories.map((c) => c.name));
    const mismatches: string[] = [];
    for (const c of columns) {
      const { rows } = await admin.query(
        `SELECT has_column_privilege($1, $2, $3, 'SELECT') AS s, has_column_privilege($1, $2, $3, 'INSERT') AS i, has_column_privilege($1, $2, $3, 'UPDATE') AS u`,
        [sub.databaseUser, `${c.schema}.${c.table}`, c.column],
      );
      const readsTable = columns.some((o) => o.schema === c.schema && o.table === c.table && o.kind === 'category' && granted.has(o.category as string));
      const expected =
        (c.kind === 'category' && granted.has(c.category as string)) ||
        (c.schema === 'crm' && c.table === 'contacts' && c.column === 'id') ||
        (c.kind === 'key' && readsTable);
      if (rows[0].s !== expected || rows[0].i || rows[0].u) mismatches.push(`${c.schema}.${c.table}.${c.column}: ${JSON.stringify(rows[0])}, expected SELECT ${expected}`);
    }
    expect(mismatches).toEqual([]);
  });

  test.each([
    ['SELECT email FROM crm.contacts', /permission denied for table contacts/],
    ['SELECT first_name, last_name FROM crm.contacts', /permission denied for table contacts/],
    ['SELECT created_at FROM crm.contacts', /permission denied for table contacts/],
    ['SELECT * FROM crm.contacts', /permission denied for table contacts/],
    ['SELECT detail FROM crm.special_diet', /permission denied for table special_diet/],
    ['SELECT body FROM crm.notes', /permission denied for table notes/],
    ['SELECT purpose FROM crm.consents', /permission denied for table consents/],
    ['SELECT has_special_diet FROM crm.special_flags', /permission denied for view special_flags/],
    ['SELECT * FROM gdpr.audit_log', /permission denied for schema gdpr/],
    ["UPDATE crm.contacts SET company = 'x'", /permission denied for table contacts/],
    ['DELETE FROM crm.bookings', /permission denied for table bookings/],
  ])('as extract_statlab, %s is refused', async (sql, error) => {
    const client = await db.connect();
    try {
      await client.query('SET ROLE extract_statlab');
      await expect(client.query(sql)).rejects.toThrow(error);
    } finally {
      await client.end();
    }
  });

  test('it is a login role granted rds_iam, managed by the kit', async () => {
    const { rows } = await admin.query(
      "SELECT rolcanlogin, pg_has_role('extract_statlab', 'rds_iam', 'MEMBER') AS iam, shobj_description(oid, 'pg_authid') AS comment FROM pg_roles WHERE rolname = 'extract_statlab'",
    );
    expect(rows[0]).toEqual({ rolcanlogin: true, iam: true, comment: expect.stringMatching(/^gdpr-contact-baseline: extract job of processor statlab/) });
  });
});

describe('an extract', () => {
  let first: Awaited<ReturnType<typeof extract>>;
  beforeAll(async () => {
    first = await extract('statlab');
  });

  test('holds one line per contact, under <processor>/<date>.jsonl, with the pseudonym and the granted fields only', async () => {
    const { rows } = await admin.query('SELECT count(*)::int AS n FROM crm.contacts');
    expect(first.outcome).toEqual({ key: 'statlab/2026-11-29.jsonl', contacts: rows[0].n, bytes: Buffer.byteLength(first.text) });
    expect(first.lines).toHaveLength(rows[0].n);
    for (const line of first.lines) {
      expect(Object.keys(line)).toEqual(['pseudonym', 'company', 'job_title', 'bookings']);
      expect(line.pseudonym).toMatch(/^[0-9a-f]{64}$/);
    }
    const booked = first.lines.find((l) => l.bookings.length > 0);
    expect(booked?.bookings[0]).toEqual({
      arrival: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
      departure: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
      amount_cents: expect.any(Number),
      payment_status: 'paid',
    });
  });

  test('contains no direct identifier and no other category of any seeded contact', async () => {
    const { rows } = await admin.query('SELECT id, first_name, last_name, email, phone, postal_address FROM crm.contacts');
    expect(first.text).not.toMatch(/@|Prenomx|Nomfamillex|\+33|rue de la Paix|halal-secret-detail|Confidential note|Mme/);
    expect(first.text).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/);
    const leaked = rows.filter((r) => Object.values(r).some((v) => typeof v === 'string' && first.text.includes(v)));
    expect(leaked).toEqual([]);
  });

  test('gives every contact the same pseudonym on the next run, and the same content when nothing changed', async () => {
    const again = await extract('statlab', '2026-11-30');
    expect(again.text).toBe(first.text);
  });

  test('of another processor uses other pseudonyms: the two extracts cannot be joined', async () => {
    await admin.query(
      "INSERT INTO crm.consents (contact_id, purpose, source, proof_reference) SELECT id, 'newsletter', 'web form', 'form-' || id FROM crm.contacts WHERE first_name LIKE '%1'",
    );
    const other = await extract('surveyco');
    expect(other.lines.length).toBeGreaterThan(0);
    const mine = new Set(first.lines.map((l) => l.pseudonym));
    expect(other.lines.filter((l) => mine.has(l.pseudonym))).toEqual([]);
  });

  test('of a consent-bound processor holds only the contacts with an active consent for its purpose', async () => {
    const { rows } = await admin.query(
      "SELECT count(DISTINCT contact_id)::int AS n FROM crm.consents WHERE purpose = 'newsletter' AND withdrawn_at IS NULL",
    );
    const other = await extract('surveyco', '2026-12-01');
    expect(other.lines).toHaveLength(rows[0].n);
    expect(Object.keys(other.lines[0])).toEqual(['pseudonym', 'company', 'job_title']);
  });
});

describe('KMS calls do not grow with the number of contacts', () => {
  test('one KMS call per run, for 1000 contacts as for 3000 (4 batches of rows, then 12)', async () => {
    let calls = kms.totalCalls();
    const small = await extract('statlab', '2026-12-02');
    expect(kms.totalCalls() - calls).toBe(1);

    // The free-text check runs on every contact's job_title and consent's source (0.6 ms a row, most of
    // seeding 2000 more): the generator's texts are those the first 1000 passed it with, so it is off for the bulk.
    // The job fetches 250 rows at a time here: a call per batch, or per contact, would show three times over.
    await withoutFreetextCheck(() => seed(1001, 3000));
    calls = kms.totalCalls();
    const large = await extract('statlab', '2026-12-03');
    expect(kms.totalCalls() - calls).toBe(1);
    expect(large.outcome.contacts).toBeGreaterThanOrEqual(small.outcome.contacts + 2000);
    expect(kms.calls.GenerateDataKey).toBe(2); // once per processor, on its first run
  });
});
