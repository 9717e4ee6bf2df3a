import { sampledAnswers } from '../helpers/sampled-calls';
import { createHmac } from 'node:crypto';
import type { Client } from 'pg';
import { AccessRole, Catalog } from '../../lib/catalog/catalog';
import { databaseSql } from '../../lib/database/database-sql';
import { extractRole } from '../../lib/database/grants';
import { migrate } from '../../lib/database/migrator';
import { defaultConfig } from '../helpers/reference';
import { recordExplicitConsent } from '../helpers/consent';
import { shiftClocks, startPostgres, TestDatabase } from '../helpers/postgres';

/**
 * Restriction (art. 18) and objection (art. 21) on a real PostgreSQL, as the
 * attacker tries them: every processing role (sales, marketing, accounting,
 * the processor's extract job) queried through every relation and function
 * it can use (read from pg_catalog, so a view added later is covered), the
 * suppression list and its key out of everyone's reach, and a bought file
 * imported again that must not bring an objecting person back into marketing.
 */

// The reference catalog, with a flagged consent-bound role so that the special-category flags view is reached too.
const config = defaultConfig() as any;
config.roles.find((r: any) => r.name === 'marketing').flags = ['special_diet'];
const catalog = Catalog.fromConfig(config);
const processing: AccessRole[] = [...catalog.roles.filter((r) => !r.dataSubjectRights), ...catalog.subcontractors.map(extractRole)];
const EXTRACT = catalog.subcontractors[0].databaseUser;

const NOBODY = '00000000-0000-4000-8000-000000000000';
let db: TestDatabase;
let admin: Client;
const people: Record<string, { id: string; marker: string; email: string; phone: string }> = {};

async function person(name: string, phone: string): Promise<string> {
  const marker = `mk-${name}`;
  const email = `${marker}@example.org`;
  const { rows } = await admin.query(
    "INSERT INTO crm.contacts (first_name, last_name, email, phone, company) VALUES ($1, $1, $2, $3, $1 || ' SA') RETURNING id",
    [marker, email, phone],
  );
  const id = rows[0].id as string;
  await admin.query("INSERT INTO crm.consents (contact_id, purpose, source, proof_reference, given_at) VALUES ($1, 'newsletter', $2, $2, now() - interval '2 days')", [id, `form ${marker}`]);
  await admin.query('INSERT INTO crm.notes (contact_id, body) VALUES ($1, $2)', [id, `Called about ${marker}.`]);
  await admin.query('INSERT INTO crm.bookings (contact_id, arrival, departure, amount_cents) VALUES ($1, current_date - 3, current_date - 1, 1234)', [id]);
  await recordExplicitConsent(admin, id);
  await admin.query('INSERT INTO crm.special_diet (contact_id, detail) VALUES ($1, $2)', [id, `diet ${marker}`]);
  await admin.query('INSERT INTO crm.accessibility (contact_id, detail) VALUES ($1, $2)', [id, `access ${marker}`]);
  // Due for recontact, so that crm.recontact_due would list them.
  await admin.query('ALTER TABLE crm.contacts DISABLE TRIGGER touch');
  await admin.query("UPDATE crm.contacts SET last_action_at = now() - interval '1080 days' WHERE id = $1", [id]);
  await admin.query('ALTER TABLE crm.contacts ENABLE TRIGGER touch');
  people[name] = { id, marker, email, phone };
  return id;
}

const dpo = <T>(work: (c: Client) => Promise<T>) => db.as('dpo', work);

beforeAll(async () => {
  db = await startPostgres();
  admin = db.admin;
  const sql = databaseSql(catalog);
  await migrate(admin, sql.migrations, sql.catalogSql);
  await person('visible', '+33 1 11 11 11 11');
  await person('restricted', '+33 1 22 22 22 22');
  await person('objector', '+33 6 12 34 56 78');
  await person('lioneer', '+33 1 44 44 44 44');
});
afterAll(async () => db?.stop());

/** Sample values for a function argument of a type, called as `role`. */
function samples(type: string, id: string, role: string): string[] {
  if (type === 'uuid') return [id];
  if (type === 'name') return [role];
  if (type === 'text') return ['newsletter', 'direct-marketing'];
  return [''];
}

interface Reach {
  /** What the role obtained about contacts it must not see. */
  leaks: string[];
  /** Relations in which it saw the visible contact (the check is not vacuous). */
  sawVisible: string[];
  relations: string[];
  functions: string[];
}

/** Everything a role can use in crm and gdpr, queried as the role itself, against the contacts it must not see. */
async function reach(role: string, hidden: string[]): Promise<Reach> {
  const secrets = hidden.flatMap((n) => [people[n].id, people[n].marker]);
  const leaks: string[] = [];
  const sawVisible: string[] = [];
  const { rows: relations } = await admin.query(
    `SELECT c.oid::regclass::text AS rel, array_agg(quote_ident(a.attname) ORDER BY a.attnum) AS cols
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
     WHERE n.nspname IN ('crm', 'gdpr') AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND has_column_privilege($1, c.oid, a.attnum, 'SELECT')
     GROUP BY c.oid ORDER BY 1`,
    [role],
  );
  const { rows: functions } = await admin.query(
    `SELECT p.oid::regprocedure::text AS sig, n.nspname || '.' || quote_ident(p.proname) AS fn,
            COALESCE(array(SELECT t::regtype::text FROM unnest(p.proargtypes) t), '{}') AS args
     FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
     WHERE n.nspname IN ('crm', 'gdpr') AND p.prokind = 'f' AND p.prorettype <> 'trigger'::regtype AND has_function_privilege($1, p.oid, 'EXECUTE')
     ORDER BY 1`,
    [role],
  );
  await db.as(role, async (c) => {
    for (const { rel, cols } of relations) {
      const { rows } = await c.query(`SELECT to_jsonb(x)::text AS row FROM (SELECT ${cols.join(', ')} FROM ${rel}) x`);
      for (const { row } of rows) {
        for (const s of secrets) if (row.includes(s)) leaks.push(`${rel} returns ${s}`);
        if (row.includes(people.visible.id)) sawVisible.push(rel);
      }
    }
    for (const { sig, fn, args } of functions) {
      const call = (id: string) => sampledAnswers(c, fn, args as string[], id, (type, x) => samples(type, x, role));
      const baseline = await call(NOBODY);
      for (const n of hidden) {
        const answers = await call(people[n].id);
        for (const s of secrets) if (answers.join('\n').includes(s)) leaks.push(`${sig} returns ${s}`);
        if (JSON.stringify(answers) !== JSON.stringify(baseline)) leaks.push(`${sig} answers differently for ${n}: ${answers.join('; ')} versus ${baseline.join('; ')}`);
      }
    }
  });
  return { leaks, sawVisible, relations: relations.map((r) => r.rel), functions: functions.map((f) => f.sig) };
}

const count = async (sql: string, params: unknown[]) => Number((await admin.query(`SELECT count(*) AS n FROM (${sql}) x`, params)).rows[0].n);

describe('restriction (art. 18): the DPO restricts, every processing role loses sight of the contact, the data is kept', () => {
  beforeAll(async () => {
    const done = await dpo(async (c) => (await c.query("SELECT gdpr.restrict_contact($1, 'accuracy-contested', 'request of 2026-12-01 by letter') AS ok", [people.restricted.id])).rows[0].ok);
    expect(done).toBe(true);
  });

  test('the processing roles are sales, marketing, accounting and the extract job', () => {
    expect(processing.map((r) => r.name)).toEqual(['marketing', 'sales', 'accounting', EXTRACT]);
  });

  test.each(processing.map((r) => [r.name]))('%s: no relation or function it can use returns or tells apart the restricted contact', async (role) => {
    const found = await reach(role, ['restricted']);
    expect(found.leaks).toEqual([]);
    expect(found.sawVisible).toContain('crm.contacts');
    expect(found.functions).toContain('crm.may_process(name,uuid)');
  });

  test('the views are among what was checked: the flags, and the recontact list of the roles that recontact', async () => {
    expect((await reach('marketing', ['restricted'])).sawVisible).toEqual(expect.arrayContaining(['crm.special_flags', 'crm.recontact_due']));
    expect((await reach('sales', ['restricted'])).sawVisible).toEqual(expect.arrayContaining(['crm.recontact_due', 'crm.notes', 'crm.bookings', 'crm.special_diet']));
    expect((await reach('accounting', ['restricted'])).sawVisible).toEqual(expect.arrayContaining(['crm.special_flags', 'crm.bookings']));
  });

  test('no processing role can update the restricted contact or any row about it', async () => {
    const id = people.restricted.id;
    const updated = await db.as('sales', async (c) => [
      (await c.query("UPDATE crm.contacts SET job_title = 'changed' WHERE id = $1", [id])).rowCount,
      (await c.query("UPDATE crm.notes SET body = 'changed' WHERE contact_id = $1", [id])).rowCount,
      (await c.query('UPDATE crm.bookings SET amount_cents = 1 WHERE contact_id = $1', [id])).rowCount,
      (await c.query("UPDATE crm.special_diet SET detail = 'changed' WHERE contact_id = $1", [id])).rowCount,
    ]);
    expect(updated).toEqual([0, 0, 0, 0]);
    expect((await db.as('accounting', (c) => c.query('UPDATE crm.bookings SET amount_cents = 1 WHERE contact_id = $1', [id]))).rowCount).toBe(0);
    const { rows } = await admin.query('SELECT c.job_title, b.amount_cents, n.body FROM crm.contacts c JOIN crm.bookings b ON b.contact_id = c.id JOIN crm.notes n ON n.contact_id = c.id WHERE c.id = $1', [id]);
    expect(rows).toEqual([{ job_title: null, amount_cents: 1234, body: `Called about ${people.restricted.marker}.` }]);
  });

  test('the DPO still sees it everywhere, and is_restricted says so to the DPO alone', async () => {
    const seen = await dpo(async (c) => ({
      contacts: (await c.query('SELECT email FROM crm.contacts WHERE id = $1', [people.restricted.id])).rows,
      notes: (await c.query('SELECT count(*)::int AS n FROM crm.notes WHERE contact_id = $1', [people.restricted.id])).rows[0].n,
      restricted: (await c.query('SELECT gdpr.is_restricted($1) AS r, gdpr.is_restricted($2) AS v', [people.restricted.id, people.visible.id])).rows[0],
    }));
    expect(seen).toEqual({ contacts: [{ email: people.restricted.email }], notes: 1, restricted: { r: true, v: false } });
    for (const role of processing) {
      await expect(db.as(role.name, (c) => c.query('SELECT gdpr.is_restricted($1)', [people.restricted.id]))).rejects.toThrow(/permission denied for schema gdpr/);
    }
  });

  test('crm.may_process answers only for the caller itself: another role\'s view is refused', async () => {
    // Sales sees contacts without consent; marketing asking with sales' name learns nothing.
    const answers = await db.as('marketing', async (c) => (await c.query("SELECT crm.may_process('sales', $1) AS as_sales, crm.may_process(current_user, $1) AS own", [people.visible.id])).rows[0]);
    expect(answers).toEqual({ as_sales: false, own: true });
  });

  test('no processing role can restrict, lift or rewrite the log; the DPO cannot rewrite it either, nor can the owner', async () => {
    for (const role of processing) {
      await expect(db.as(role.name, (c) => c.query("SELECT gdpr.lift_restriction($1, 'x')", [people.restricted.id]))).rejects.toThrow(/permission denied for schema gdpr/);
      await expect(db.as(role.name, (c) => c.query("SELECT gdpr.restrict_contact($1, 'legal-claims', 'x')", [people.visible.id]))).rejects.toThrow(/permission denied for schema gdpr/);
      await expect(db.as(role.name, (c) => c.query("INSERT INTO gdpr.restrictions (contact_id, action, reference) VALUES ($1, 'lift', 'x')", [people.restricted.id]))).rejects.toThrow(/permission denied/);
    }
    await expect(dpo((c) => c.query('DELETE FROM gdpr.restrictions'))).rejects.toThrow(/permission denied for table restrictions/);
    await expect(dpo((c) => c.query("UPDATE gdpr.restrictions SET action = 'lift'"))).rejects.toThrow(/permission denied for table restrictions/);
    await expect(admin.query('DELETE FROM gdpr.restrictions')).rejects.toThrow(/gdpr\.restrictions is append-only: DELETE refused/);
    await expect(admin.query("UPDATE gdpr.restrictions SET action = 'lift'")).rejects.toThrow(/append-only: UPDATE refused/);
    await expect(admin.query('TRUNCATE gdpr.restrictions')).rejects.toThrow(/append-only: TRUNCATE refused/);
  });

  test('a restriction needs one of the four grounds and a reference; a second one changes nothing', async () => {
    await expect(dpo((c) => c.query("SELECT gdpr.restrict_contact($1, 'because', 'ref')", [people.visible.id]))).rejects.toThrow(
      /ground is one of accuracy-contested \(art\. 18\(1\)\(a\)\), unlawful-processing \(18\(1\)\(b\)\), legal-claims \(18\(1\)\(c\)\), objection-pending \(18\(1\)\(d\)\)/,
    );
    await expect(dpo((c) => c.query("SELECT gdpr.restrict_contact($1, 'legal-claims', '  ')", [people.visible.id]))).rejects.toThrow(/a reference to the request is required/);
    await expect(dpo((c) => c.query("SELECT gdpr.restrict_contact($1, 'legal-claims', 'ref')", [NOBODY]))).rejects.toThrow(/no contact has this id/);
    expect((await dpo((c) => c.query("SELECT gdpr.restrict_contact($1, 'legal-claims', 'again')", [people.restricted.id]))).rows[0].restrict_contact).toBe(false);
  });
});

describe('the marks on the contact record are the database\'s', () => {
  test('no role writes restricted or objecting; a write that tries leaves them as the logs say', async () => {
    for (const role of ['sales', 'marketing', 'accounting', 'dpo', EXTRACT]) {
      const privileges = (
        await admin.query(
          `SELECT has_column_privilege($1, 'crm.contacts', 'restricted', 'UPDATE') OR has_column_privilege($1, 'crm.contacts', 'restricted', 'INSERT')
                  OR has_column_privilege($1, 'crm.contacts', 'objecting', 'UPDATE') OR has_column_privilege($1, 'crm.contacts', 'objecting', 'INSERT') AS writes,
                  has_table_privilege($1, 'gdpr.processing_roles', 'SELECT') AS rules`,
          [role],
        )
      ).rows[0];
      expect([role, privileges]).toEqual([role, { writes: false, rules: false }]);
    }
    await expect(db.as('sales', (c) => c.query('UPDATE crm.contacts SET restricted = false WHERE id = $1', [people.visible.id]))).rejects.toThrow(/permission denied for table contacts/);
  });

  test('a writer still gets back the contact it inserts (INSERT ... RETURNING passes its row security)', async () => {
    const id = await db.as('sales', async (c) => (await c.query("INSERT INTO crm.contacts (first_name, email) VALUES ('New', 'new.one@example.org') RETURNING id")).rows[0].id);
    expect(typeof id).toBe('string');
  });

  test('restricting, lifting and objecting are no action with the contact: the retention clock does not move', async () => {
    const id = await person('clock', '+33 1 66 66 66 66');
    const clock = async () => (await admin.query('SELECT last_action_at FROM crm.contacts WHERE id = $1', [id])).rows[0].last_action_at.toISOString();
    const before = await clock();
    await dpo((c) => c.query("SELECT gdpr.restrict_contact($1, 'legal-claims', 'ref')", [id]));
    await dpo((c) => c.query("SELECT gdpr.lift_restriction($1, 'ref')", [id]));
    await dpo((c) => c.query("SELECT gdpr.object_contact($1, 'direct-marketing', 'ref')", [id]));
    expect(await clock()).toBe(before);
    expect((await admin.query('SELECT restricted, objecting FROM crm.contacts WHERE id = $1', [id])).rows[0]).toEqual({ restricted: false, objecting: true });
  });
});

describe('lifting a restriction is a new row: the contact comes back to the processing roles', () => {
  test('restrict then lift: both recorded, by whom, on which ground', async () => {
    const id = await person('lifted', '+33 1 55 55 55 55');
    await dpo((c) => c.query("SELECT gdpr.restrict_contact($1, 'objection-pending', 'objection of 2026-12-01, art. 21(1), under review')", [id]));
    expect(await db.as('sales', async (c) => (await c.query('SELECT count(*)::int AS n FROM crm.contacts WHERE id = $1', [id])).rows[0].n)).toBe(0);
    expect((await dpo((c) => c.query("SELECT gdpr.lift_restriction($1, 'grounds override, person told on 2026-12-02') AS ok", [id]))).rows[0].ok).toBe(true);
    expect((await dpo((c) => c.query("SELECT gdpr.lift_restriction($1, 'twice') AS ok", [id]))).rows[0].ok).toBe(false);
    expect(await db.as('sales', async (c) => (await c.query('SELECT count(*)::int AS n FROM crm.contacts WHERE id = $1', [id])).rows[0].n)).toBe(1);
    const log = await dpo(async (c) => (await c.query('SELECT action, ground, recorded_by FROM gdpr.restrictions WHERE contact_id = $1 ORDER BY id', [id])).rows);
    expect(log).toEqual([
      { action: 'restrict', ground: 'objection-pending', recorded_by: 'dpo' },
      { action: 'lift', ground: null, recorded_by: 'dpo' },
    ]);
  });
});

describe('the retention purge keeps a restricted contact whole (art. 18(1)(c)), and applies every retention once it is lifted', () => {
  const held = async (id: string) =>
    (
      await admin.query(
        `SELECT (SELECT count(*)::int FROM crm.contacts WHERE id = $1 AND email IS NOT NULL) AS contact,
                (SELECT count(*)::int FROM crm.notes WHERE contact_id = $1) AS notes,
                (SELECT count(*)::int FROM crm.bookings WHERE contact_id = $1) AS bookings,
                (SELECT count(*)::int FROM crm.special_diet WHERE contact_id = $1) AS special_diet`,
        [id],
      )
    ).rows[0];

  test('everything of the claimant stays while an unrestricted contact of the same age is purged', async () => {
    const claimant = await person('claimant', '+33 1 66 66 66 66');
    const control = await person('aged', '+33 1 77 77 77 77');
    // Older than every retention and the invoices' hold (3650 days).
    await shiftClocks(db, 4000, claimant);
    await shiftClocks(db, 4000, control);
    await dpo((c) => c.query("SELECT gdpr.restrict_contact($1, 'legal-claims', 'claim before the tribunal de commerce, letter of 2026-12-01')", [claimant]));
    await admin.query('SELECT * FROM gdpr.purge_expired(now())');
    expect(await held(control)).toEqual({ contact: 0, notes: 0, bookings: 0, special_diet: 0 });
    expect(await held(claimant)).toEqual({ contact: 1, notes: 1, bookings: 1, special_diet: 1 });
    // The scheduled purge, as its own login role, keeps it too.
    await db.as('retention_purge', (c) => c.query('SELECT * FROM gdpr.purge_expired()'));
    expect(await held(claimant)).toEqual({ contact: 1, notes: 1, bookings: 1, special_diet: 1 });

    await dpo((c) => c.query("SELECT gdpr.lift_restriction($1, 'claim settled, person told on 2026-12-02')", [claimant]));
    await admin.query('SELECT * FROM gdpr.purge_expired(now())');
    expect(await held(claimant)).toEqual({ contact: 0, notes: 0, bookings: 0, special_diet: 0 });
  });
});

/** The HMAC-SHA-256 the database should compute, from the key the owner alone can read. */
async function expectedHash(kind: string, normalised: string): Promise<Buffer> {
  const { rows } = await admin.query('SELECT inner_pad FROM gdpr.suppression_key');
  const key = Buffer.from((rows[0].inner_pad as Buffer).map((b) => b ^ 0x36));
  return createHmac('sha256', key).update(`${kind}:${normalised}`).digest();
}

describe('objection (art. 21): a suppression list of keyed hashes that every consent-bound role, every extract and the recontact list honour at once', () => {
  let objection: number;
  beforeAll(async () => {
    objection = Number((await dpo((c) => c.query("SELECT gdpr.object_contact($1, 'direct-marketing', 'e-mail of 2026-12-01') AS id", [people.objector.id]))).rows[0].id);
  });

  test.each([['marketing'], [EXTRACT]])('%s does not see the objecting contact anywhere, its consent in force notwithstanding', async (role) => {
    const found = await reach(role, ['objector', 'restricted']);
    expect(found.leaks).toEqual([]);
    expect(found.sawVisible).toContain('crm.contacts');
    // The consent is in force in the ledger: only the objection hides the contact.
    expect(await count("SELECT 1 FROM crm.consents WHERE contact_id = $1 AND purpose = 'newsletter' AND withdrawn_at IS NULL", [people.objector.id])).toBe(1);
  });

  test('sales keeps the customer (the contract is no marketing) but never gets the contact to recontact', async () => {
    const seen = await db.as('sales', async (c) => ({
      contact: (await c.query('SELECT count(*)::int AS n FROM crm.contacts WHERE id = $1', [people.objector.id])).rows[0].n,
      recontact: (await c.query('SELECT contact_id FROM crm.recontact_due ORDER BY contact_id')).rows.map((r) => r.contact_id),
    }));
    expect(seen.contact).toBe(1);
    expect(seen.recontact).toContain(people.visible.id);
    expect(seen.recontact).not.toContain(people.objector.id);
  });

  test('the list holds the keyed hash of the normalised e-mail and phone, never the values', async () => {
    const { rows } = await admin.query('SELECT to_jsonb(o)::text AS row, email_hash, phone_hash, contact_id FROM gdpr.objections o WHERE id = $1', [objection]);
    expect(rows[0].row).not.toMatch(/mk-objector|example\.org|12 34|612345678/);
    expect(rows[0].contact_id).toBe(people.objector.id);
    expect(rows[0].email_hash).toEqual(await expectedHash('email', 'mk-objector@example.org'));
    expect(rows[0].phone_hash).toEqual(await expectedHash('phone', '+33612345678'));
  });

  test('no role reads the list, the key or the contacts\' hashes; no role computes a hash; none deletes an objection', async () => {
    for (const role of [...processing.map((r) => r.name), 'dpo']) {
      const privileges = (
        await admin.query(
          `SELECT has_table_privilege($1, 'gdpr.suppression_key', 'SELECT') AS key, has_table_privilege($1, 'gdpr.contact_identifiers', 'SELECT') AS hashes,
                  has_function_privilege($1, 'gdpr.identifier_hash(text, text)', 'EXECUTE') AS hash, has_table_privilege($1, 'gdpr.objections', 'DELETE') AS del,
                  has_table_privilege($1, 'gdpr.objections', 'UPDATE') AS upd, has_table_privilege($1, 'gdpr.objections', 'INSERT') AS ins,
                  has_table_privilege($1, 'gdpr.objections', 'SELECT') AS list, has_function_privilege($1, 'gdpr.object_contact(uuid, text, text)', 'EXECUTE') AS object`,
          [role],
        )
      ).rows[0];
      const dpoRole = role === 'dpo';
      expect([role, privileges]).toEqual([role, { key: false, hashes: false, hash: false, del: false, upd: false, ins: false, list: dpoRole, object: dpoRole }]);
    }
    await expect(db.as('marketing', (c) => c.query('SELECT * FROM gdpr.objections'))).rejects.toThrow(/permission denied for schema gdpr/);
    await expect(dpo((c) => c.query('SELECT * FROM gdpr.suppression_key'))).rejects.toThrow(/permission denied for table suppression_key/);
    await expect(dpo((c) => c.query("SELECT gdpr.identifier_hash('email', 'a@b.c')"))).rejects.toThrow(/permission denied for function identifier_hash/);
    await expect(dpo((c) => c.query('DELETE FROM gdpr.objections'))).rejects.toThrow(/permission denied for table objections/);
    await expect(admin.query('DELETE FROM gdpr.objections')).rejects.toThrow(/gdpr\.objections is append-only: DELETE refused/);
    await expect(admin.query('UPDATE gdpr.suppression_key SET created_at = now()')).rejects.toThrow(/gdpr\.suppression_key is append-only: UPDATE refused/);
  });

  test('the objection survives the erasure, and a re-import of the same person (other case, spaces) stays out of marketing', async () => {
    await dpo((c) => c.query("SELECT gdpr.erase_contact($1, 'art. 17 request of 2026-12-02')", [people.objector.id]));
    expect(await count('SELECT 1 FROM gdpr.objections WHERE id = $1', [objection])).toBe(1);
    // A bought file, loaded by sales: marketing cannot even record a consent for the objector (art. 21(3)).
    const back = await db.as('sales', async (c) =>
      (await c.query("INSERT INTO crm.contacts (first_name, email, phone) VALUES ('Back', '  MK-Objector@Example.ORG ', NULL) RETURNING id")).rows[0].id as string,
    );
    await expect(db.as('marketing', (c) => c.query("INSERT INTO crm.consents (contact_id, purpose, source, proof_reference, age_at_consent, age_established) VALUES ($1, 'newsletter', 'bought file', 'file-2026-12', 40, 'declared-by-person')", [back]))).rejects.toThrow(/row-level security/);
    for (const role of ['marketing', EXTRACT]) {
      expect([role, await db.as(role, async (c) => (await c.query('SELECT count(*)::int AS n FROM crm.contacts WHERE id = $1', [back])).rows[0].n)]).toEqual([role, 0]);
    }
    expect(await dpo(async (c) => (await c.query('SELECT gdpr.is_objecting($1) AS o', [back])).rows[0].o)).toBe(true);
  });

  test('changing the address of a contact the list caught does not bring it back into marketing', async () => {
    const back = await db.as('sales', async (c) => (await c.query("INSERT INTO crm.contacts (first_name, email) VALUES ('Again', 'MK-OBJECTOR@example.org') RETURNING id")).rows[0].id as string);
    await expect(db.as('marketing', (c) => c.query("INSERT INTO crm.consents (contact_id, purpose, source, proof_reference, age_at_consent, age_established) VALUES ($1, 'newsletter', 'bought file', 'file-2026-12-c', 40, 'declared-by-person')", [back]))).rejects.toThrow(/row-level security/);
    await db.as('sales', (c) => c.query("UPDATE crm.contacts SET email = 'mk-objector+new@example.org' WHERE id = $1", [back]));
    expect(await db.as('marketing', async (c) => (await c.query('SELECT count(*)::int AS n FROM crm.contacts WHERE id = $1', [back])).rows[0].n)).toBe(0);
    expect((await admin.query('SELECT objecting FROM crm.contacts WHERE id = $1', [back])).rows[0].objecting).toBe(true);
  });

  test('the phone alone catches it too, in its national form with dots', async () => {
    const back = await db.as('sales', async (c) => (await c.query("INSERT INTO crm.contacts (first_name, phone) VALUES ('Phone', '06.12.34.56.78') RETURNING id")).rows[0].id as string);
    await expect(db.as('marketing', (c) => c.query("INSERT INTO crm.consents (contact_id, purpose, source, proof_reference, age_at_consent, age_established) VALUES ($1, 'newsletter', 'bought file', 'file-2026-12-b', 40, 'declared-by-person')", [back]))).rejects.toThrow(/row-level security/);
    expect(await db.as('marketing', async (c) => (await c.query('SELECT count(*)::int AS n FROM crm.contacts WHERE id = $1', [back])).rows[0].n)).toBe(0);
  });

  test('an e-mail changed later into a suppressed one takes the contact out of marketing at once', async () => {
    await dpo((c) => c.query("SELECT gdpr.object_identifiers('stranger@example.net', NULL, 'direct-marketing', 'letter of 2026-12-01, not in the base')"));
    const before = await db.as('marketing', async (c) => (await c.query('SELECT count(*)::int AS n FROM crm.contacts WHERE id = $1', [people.visible.id])).rows[0].n);
    expect(before).toBe(1);
    await db.as('sales', (c) => c.query("UPDATE crm.contacts SET email = 'Stranger@EXAMPLE.net' WHERE id = $1", [people.visible.id]));
    const after = await db.as('marketing', async (c) => (await c.query('SELECT count(*)::int AS n FROM crm.contacts WHERE id = $1', [people.visible.id])).rows[0].n);
    expect(after).toBe(0);
    await db.as('sales', (c) => c.query('UPDATE crm.contacts SET email = $2 WHERE id = $1', [people.visible.id, people.visible.email]));
  });

  test('an objection on legitimate interests (art. 21(1)) is recorded with its ground and honoured by marketing and the extract', async () => {
    await dpo((c) => c.query("SELECT gdpr.object_contact($1, 'legitimate-interests', 'objection to B2B prospecting, 2026-12-01')", [people.lioneer.id]));
    const { rows } = await dpo((c) => c.query('SELECT ground FROM gdpr.objections WHERE contact_id = $1', [people.lioneer.id]));
    expect(rows).toEqual([{ ground: 'legitimate-interests' }]);
    for (const role of ['marketing', EXTRACT]) {
      expect([role, await db.as(role, async (c) => (await c.query('SELECT count(*)::int AS n FROM crm.contacts WHERE id = $1', [people.lioneer.id])).rows[0].n)]).toEqual([role, 0]);
    }
  });

  test('an objection needs a ground, a reference and someone to name; its errors never echo the address', async () => {
    const message = async (sql: string) => dpo((c) => c.query(sql)).then(() => 'no error', (e: Error) => e.message);
    expect(await message("SELECT gdpr.object_identifiers('secret@example.net', NULL, 'spam', 'ref')")).toMatch(/ground is direct-marketing \(art\. 21\(2\)\) or legitimate-interests \(art\. 21\(1\)\)$/);
    expect(await message("SELECT gdpr.object_identifiers('secret@example.net', NULL, 'direct-marketing', '')")).toMatch(/a reference to the request is required/);
    expect(await message("SELECT gdpr.object_identifiers(' ', '--', 'direct-marketing', 'ref')")).toMatch(/an e-mail address or a phone number is required/);
    expect(await message(`SELECT gdpr.object_contact('${NOBODY}', 'direct-marketing', 'ref')`)).toMatch(/no contact has this id; for a person not in the base, use gdpr.object_identifiers/);
    for (const m of [await message("SELECT gdpr.object_identifiers('secret@example.net', NULL, 'spam', 'ref')")]) expect(m).not.toContain('secret');
  });
});

describe('how identifiers are compared', () => {
  test.each([
    ['  Jean.Dupont@Example.COM ', 'jean.dupont@example.com'],
    ['jean.dupont@exa\u200bmple.com', 'jean.dupont@example.com'],
    ['ｊｅａｎ@example.com', 'jean@example.com'],
  ])('e-mail %j reads as %j', async (raw, normalised) => {
    expect((await admin.query('SELECT gdpr.normalise_email($1) AS e', [raw])).rows[0].e).toBe(normalised);
  });

  test.each([
    ['+33 6 12 34 56 78', '+33612345678'],
    ['0033 6 12 34 56 78', '+33612345678'],
    ['+33 (0)6 12 34 56 78', '+33612345678'],
    ['06-12-34-56-78', '+33612345678'],
    ['+49 30 1234567', '+49301234567'],
  ])('phone %j reads as %j in France (the reference company)', async (raw, normalised) => {
    expect((await admin.query("SELECT gdpr.normalise_phone($1, calling_code) AS p FROM gdpr.identifier_settings", [raw])).rows[0].p).toBe(normalised);
  });

  test('the key is 64 random bytes, drawn once', async () => {
    const { rows } = await admin.query('SELECT count(*)::int AS n, bool_and(inner_pad <> outer_pad) AS distinct_pads FROM gdpr.suppression_key');
    expect(rows).toEqual([{ n: 1, distinct_pads: true }]);
  });
});
