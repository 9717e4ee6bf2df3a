import type { Client } from 'pg';
import { Catalog } from '../../lib/catalog/catalog';
import { databaseSql } from '../../lib/database/database-sql';
import { migrate } from '../../lib/database/migrator';
import { defaultConfig } from '../helpers/reference';
import { startPostgres, TestDatabase } from '../helpers/postgres';

/**
 * A writer who knows the notes check tries to slip a flagged term past it:
 * invisible characters inside the word, full-width or decomposed letters,
 * Cyrillic or Greek letters that look Latin. The database folds the text
 * before matching (gdpr.fold), so each note is still held for the DPO.
 */

const sql = databaseSql(Catalog.fromConfig(defaultConfig()));
const identifiers = sql.migrations.find((m) => m.name === 'identifiers');
let db: TestDatabase;
let admin: Client;
let contact: string;
/** The pattern stored for a term before the migration that changed the fold. */
let storedBefore: string;

beforeAll(async () => {
  db = await startPostgres();
  admin = db.admin;
  // The schema as it was before the fold changed, with a term whose folding the change affects.
  // (with the catalog SQL generated for that schema, as the kit of that time generated it).
  const before = sql.migrations.filter((m) => m.version < identifiers!.version);
  await migrate(admin, before, databaseSql(Catalog.fromConfig(defaultConfig()), before).catalogSql);
  await admin.query("INSERT INTO gdpr.note_terms (category, language, term) VALUES ('health', 'fr', 'ＶＩＨ*')");
  storedBefore = (await admin.query("SELECT pattern FROM gdpr.note_terms WHERE term = 'ＶＩＨ*'")).rows[0].pattern;
  // Then the migration alone, without the catalog SQL that rewrites the term lists on every deployment.
  await migrate(admin, sql.migrations);
});
afterAll(async () => db?.stop());

describe('the stored term patterns are computed again with the new fold', () => {
  test('a pattern computed with the old fold is recomputed by the migration', async () => {
    const { rows } = await admin.query("SELECT pattern FROM gdpr.note_terms WHERE term = 'ＶＩＨ*'");
    expect(storedBefore).not.toBe(rows[0].pattern);
    expect(rows[0].pattern).toBe('\\mvih\\w*\\M');
  });

  test('every stored pattern of terms and allowed phrases is what the current fold computes', async () => {
    const { rows } = await admin.query(`
      SELECT count(*)::int AS stale FROM (
        SELECT term FROM gdpr.note_terms WHERE pattern IS DISTINCT FROM gdpr.term_pattern(term)
        UNION ALL
        SELECT phrase FROM gdpr.note_allowed_phrases WHERE pattern IS DISTINCT FROM gdpr.term_pattern(phrase)
      ) s`);
    expect(rows[0].stale).toBe(0);
  });
});

describe('a flagged term disguised in a note is still held', () => {
  beforeAll(async () => {
    await migrate(admin, sql.migrations, sql.catalogSql);
    const { rows } = await admin.query("INSERT INTO crm.contacts (first_name, last_name) VALUES ('Ada', 'Blanc') RETURNING id");
    contact = rows[0].id;
  });

  let sales: Client | undefined;
  /** Sales writes a note on one connection of its own (a new one compiles every pattern of the check again, about 50 ms). */
  async function write(body: string): Promise<{ held: boolean; reason: string | null }> {
    sales ??= await db.login('sales');
    await sales.query('INSERT INTO crm.notes (contact_id, body) VALUES ($1, $2)', [contact, body]);
    const { rows } = await admin.query('SELECT held_for_review AS held, flag_reason AS reason FROM crm.notes WHERE body = $1 ORDER BY id DESC LIMIT 1', [body]);
    return rows[0];
  }

  test.each([
    ['a soft hyphen', 'Il est mu\u00adsulman, pas d’alcool.', 'religion or belief: "musulman"'],
    ['a zero-width space', 'Client dia\u200bbétique, menu adapté.', 'health: "diabetique"'],
    ['a zero-width joiner and a word joiner', 'Elle est en\u200dcein\u2060te.', 'health: "enceinte"'],
    ['a byte order mark', 'Guest is pre\ufeffgnant.', 'health: "pregnant"'],
    ['a right-to-left override', 'Openly g\u202eay.', 'sexual orientation: "gay"'],
    ['full-width letters', 'Ｍｕｓｕｌｍａｎ pratiquant.', 'religion or belief: "musulman"'],
    ['full-width capitals in an English term', 'Uses a ＷＨＥＥＬＣＨＡＩＲ.', 'health: "wheelchair"'],
    ['a combining accent instead of a precomposed letter', 'Client diabe\u0301tique.', 'health: "diabetique"'],
    ['a Cyrillic а', 'Il est musulm\u0430n.', 'religion or belief: "musulman"'],
    ['a Cyrillic о', 'Ils sont hom\u043esexuels.', 'sexual orientation: "homosexuels"'],
    ['a Cyrillic е', 'Elle est \u0435nceinte.', 'health: "enceinte"'],
    ['a Cyrillic capital Н', 'Client \u041dIV positif.', 'health: "hiv"'],
    ['Greek capitals', 'Total \u039c\u039fR\u039fN.', 'insult: "moron"'],
    ['a Greek ο', 'Was arrested f\u03bfr fraud, a m\u03bfr\u03bfn.', 'insult: "moron"'],
    ['a non-breaking space inside a two-word term', 'She is a shop\u00a0steward.', 'trade union membership: "shop steward"'],
    ['a narrow no-break space and a soft hyphen together', 'Délégué\u202fsyn\u00addical CGT.', 'trade union membership: "delegue syndical"'],
  ])('%s', async (_trick, body, reason) => {
    const note = await write(body);
    expect(note.held).toBe(true);
    expect(note.reason).toContain(reason);
  });

  test('the check a writer runs before saving sees through the same tricks', async () => {
    const reason = await db.as('sales', async (c) => (await c.query('SELECT crm.note_check($1) AS reason', ['Il est ju\u200bif.'])).rows[0].reason);
    expect(reason).toBe('religion or belief: "juif"');
  });
});

describe('folding does not invent terms', () => {
  test.each([
    ['Russian text', 'Спасибо за бронирование, до встречи.'],
    ['Greek text', 'Καλημέρα, ευχαριστούμε για την κράτηση.'],
    ['full-width digits and an ordinary word', 'Chambre １２, vue sur la mer.'],
    ['a soft hyphen in an ordinary word', 'Confir\u00admera le séminaire.'],
    ['an allowed phrase written with a look-alike', 'Ancienne de l’Université cath\u043elique de Lille.'],
  ])('%s is not held', async (_what, body) => {
    const reason = await db.as('sales', async (c) => (await c.query('SELECT crm.note_check($1) AS reason', [body])).rows[0].reason);
    expect(reason).toBeNull();
  });
});
