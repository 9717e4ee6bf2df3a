import type { Client } from 'pg';
import { Catalog } from '../../lib/catalog/catalog';
import { freetextColumns } from '../../lib/database/consent-sql';
import { loadMigrations } from '../../lib/database/migrations';
import { relationOf, schemaColumns } from '../../lib/database/schema-columns';
import { defaultConfig } from '../helpers/reference';
import { startReferenceDatabase, TestDatabase } from '../helpers/postgres';

/**
 * The notes check on every free-text column (comment 'freetext'), not only
 * crm.notes: the same term lists, the same folding; a value it would hold is
 * refused (crm.notes keeps its review hold). And the term lists' proxies:
 * nationality and origin, age, eating habits that reveal a belief, solvency
 * and neighbourhood, tested both ways.
 */

const catalog = Catalog.fromConfig(defaultConfig());
const columns = schemaColumns(loadMigrations());
let db: TestDatabase;
let admin: Client;
let guest: string;

beforeAll(async () => {
  db = await startReferenceDatabase(catalog);
  admin = db.admin;
  const { rows } = await admin.query("INSERT INTO crm.contacts (first_name, last_name, email) VALUES ('Claire', 'Martin', 'claire.martin@example.fr') RETURNING id");
  guest = rows[0].id;
});
afterAll(async () => db?.stop());

const as = <T>(role: string, work: (c: Client) => Promise<T>): Promise<T> => db.as(role, work);
const setJobTitle = (role: string, title: string) => as(role, (c) => c.query('UPDATE crm.contacts SET job_title = $2 WHERE id = $1', [guest, title]));
const jobTitle = async () => (await admin.query('SELECT job_title FROM crm.contacts WHERE id = $1', [guest])).rows[0].job_title;
let proof = 0;
const recordConsent = (source: string) =>
  as('marketing', (c) =>
    c.query("INSERT INTO crm.consents (contact_id, purpose, source, proof_reference, age_at_consent, age_established) VALUES ($1, 'events', $2, $3, 35, 'declared-by-person')", [
      guest,
      source,
      `form-${++proof}`,
    ]),
  );

describe('free-text columns are marked in the schema and every one is checked', () => {
  test('the marked columns: notes, job title, the source of a consent', () => {
    expect(columns.filter((c) => c.freetext).map((c) => `${relationOf(c)}.${c.column}`).sort()).toEqual(['crm.consents.source', 'crm.contacts.job_title', 'crm.notes.body']);
  });

  test('every marked column outside crm.notes has the check, on exactly its free-text columns', async () => {
    const { rows } = await admin.query(
      `SELECT c.relnamespace::regnamespace::text || '.' || c.relname AS relation,
              encode(t.tgargs, 'escape') AS args
       FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
       WHERE t.tgname = 'check_freetext' ORDER BY 1`,
    );
    const expected = [...freetextColumns(columns)].map(([relation, cols]) => ({ relation, args: cols.map((c) => `${c}\\000`).join('') })).sort((a, b) => a.relation.localeCompare(b.relation));
    expect(rows).toEqual(expected);
    expect(rows.map((r) => r.relation)).toEqual(['crm.consents', 'crm.contacts']);
  });

  test('the database reads the attributes in any order: category_columns says identifying and freetext', async () => {
    const { rows } = await admin.query(
      "SELECT table_name || '.' || column_name AS col, identifying, freetext FROM gdpr.category_columns WHERE freetext OR identifying ORDER BY 1",
    );
    expect(rows.filter((r) => r.freetext).map((r) => r.col)).toEqual(['consents.source', 'contacts.job_title', 'notes.body']);
    expect(rows.find((r) => r.col === 'notes.body')).toEqual({ col: 'notes.body', identifying: true, freetext: true });
    expect(rows.find((r) => r.col === 'contacts.job_title')).toEqual({ col: 'contacts.job_title', identifying: false, freetext: true });
    const marked = columns.filter((c) => c.identifying).map((c) => `${c.table}.${c.column}`).sort();
    expect(rows.filter((r) => r.identifying).map((r) => r.col).sort()).toEqual(marked);
  });
});

describe('a job title or a consent source the notes check would hold is refused', () => {
  test('sales writing a trade-union role as job title: refused, naming the column and the kind, not the words', async () => {
    await setJobTitle('sales', 'Acheteuse');
    let message = '';
    await setJobTitle('sales', 'Délégué syndical CGT').catch((err: Error) => (message = err.message));
    expect(message).toBe('crm.contacts.job_title would reveal trade union membership (the notes check); keep it to the facts the purpose needs');
    expect(await jobTitle()).toBe('Acheteuse');
  });

  test.each([
    ['case', 'DÉLÉGUÉ SYNDICAL'],
    ['accents left out', 'delegue syndical'],
    ['spacing', 'délégué   -  syndical'],
    ['a soft hyphen', 'délé\u00adgué syndical'],
    ['a zero-width space', 'dél\u200bégué syndical'],
    ['full-width letters', 'ｄéｌéｇｕé syndical'],
    ['a Cyrillic е', 'd\u0435l\u0435gu\u0435 syndical'],
  ])('evasion by %s is caught on the job title as on notes', async (_how, title) => {
    await expect(setJobTitle('sales', title)).rejects.toThrow(/job_title would reveal trade union membership/);
    const note = await as('sales', async (c) => (await c.query('SELECT crm.note_check($1) AS r', [title])).rows[0].r);
    expect(note).toMatch(/^trade union membership: /);
  });

  test('the owner is checked too', async () => {
    await expect(admin.query("INSERT INTO crm.contacts (email, job_title) VALUES ('x@example.fr', 'Militant d''extrême droite')")).rejects.toThrow(/job_title would reveal political opinion/);
  });

  test('a consent source is checked when marketing records it', async () => {
    await expect(recordConsent('rencontré à la sortie de la mosquée')).rejects.toThrow(/^crm\.consents\.source would reveal religion or belief/);
    await recordConsent('salon Tourisme d’affaires, banlieue nord du salon');
  });

  test('ordinary titles pass, and a value left unchanged is not checked again', async () => {
    for (const title of ['Directrice commerciale', 'Acheteur café arabica', 'Responsable du site de la banlieue nord du salon', 'Chef de projet syndic de copropriété']) {
      await setJobTitle('sales', title);
      expect(await jobTitle()).toBe(title);
    }
    // A value stored before the column was checked (below the triggers, as a restore would) does not block other writes.
    await db.superuser.query("BEGIN; SET LOCAL session_replication_role = replica; UPDATE crm.contacts SET job_title = 'Syndicaliste' WHERE id = '" + guest + "'; COMMIT;");
    await as('sales', (c) => c.query("UPDATE crm.contacts SET phone = '+33 1 00 00 00 01' WHERE id = $1", [guest]));
    expect(await jobTitle()).toBe('Syndicaliste');
  });

  test('a free-text value is at most 20,000 characters, refused before any pattern runs', async () => {
    await expect(setJobTitle('sales', 'a'.repeat(20001))).rejects.toThrow(/crm\.contacts\.job_title holds at most 20000 characters of free text; this value has 20001/);
  });

  test('the writers of a free-text column may check a text first', async () => {
    expect(await as('marketing', async (c) => (await c.query("SELECT crm.note_check('il est arabe') AS r")).rows[0].r)).toBe('ethnic origin: "est arabe"');
    await expect(as('accounting', (c) => c.query("SELECT crm.note_check('x')"))).rejects.toThrow(/permission denied/);
  });
});

describe('the proxies a word list missed are held in notes, and ordinary sentences pass', () => {
  const check = async (body: string) => (await admin.query('SELECT gdpr.note_flags($1) AS r', [body])).rows[0].r as string | null;

  test.each([
    ['Client de nationalité chinoise, voyage en groupe.', 'ethnic origin: "nationalite"'],
    ['Il est arabe, prévoir un interprète.', 'ethnic origin: "est arabe"'],
    ['Famille d’origine africaine, trois enfants.', 'ethnic origin: "d\'origine africaine"'],
    ['Asked about her nationality at check-in.', 'ethnic origin: "nationality"'],
    ['Très âgé, parle lentement.', 'age judgement: "tres age"'],
    ['Un peu sénile, répète les mêmes questions.', 'age judgement: "senile"'],
    ['Seems senile, confused about the dates.', 'age judgement: "senile"'],
    ['Ne mange pas de porc, prévenir la cuisine.', 'religion or belief: "mange pas de porc"'],
    ['Mange végétarien depuis des années.', 'religion or belief: "mange vegetarien"'],
    ["He doesn't eat pork.", 'religion or belief: "doesn\'t eat pork"'],
    ['Client insolvable, exiger un acompte.', 'solvency or neighbourhood: "insolvable"'],
    ['Habite en banlieue, arrivera tard.', 'solvency or neighbourhood: "habite en banlieue"'],
    ['Lives in a rough neighbourhood, asked for a taxi.', 'solvency or neighbourhood: "rough neighbourhood"'],
    ['MAUVAIS  PAYEUR', 'solvency or neighbourhood: "mauvais  payeur"'],
  ])('%s', async (body, reason) => {
    expect(await check(body)).toContain(reason);
  });

  test.each([
    ['Commande de café arabica pour le séminaire.'],
    ['Stand dans la banlieue nord du salon, allée B.'],
    ['Menu végétarien proposé à tous les participants du séminaire.'],
    ['Le filet de porc au menu du dîner de gala a plu.'],
    ['Bâtiment très ancien, prévoir une visite.'],
    ['Facture 2026-114 payée avec 30 jours de retard, relance envoyée.'],
    ['Originaire de Lyon, connaît bien la région.'],
    ['Prefers the old town; the hotel is too far from the station.'],
    ['The vegetarian buffet was well received.'],
    ['Visite du site de Saint-Denis en banlieue parisienne prévue le 12.'],
    ['Âgé de 45 ans selon sa carte de fidélité.'],
  ])('%s', async (body) => {
    expect(await check(body)).toBeNull();
  });
});
