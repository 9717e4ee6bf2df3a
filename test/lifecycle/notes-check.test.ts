import type { Client } from 'pg';
import { Catalog } from '../../lib/catalog/catalog';
import { parseConfig } from '../../lib/config/load';
import { databaseSql } from '../../lib/database/database-sql';
import { migrate } from '../../lib/database/migrator';
import { defaultConfig, defaultConfigInput } from '../helpers/reference';
import { startReferenceDatabase, TestDatabase } from '../helpers/postgres';

const catalog = Catalog.fromConfig(defaultConfig());
let db: TestDatabase;
let admin: Client;
let contact: string;

beforeAll(async () => {
  db = await startReferenceDatabase(catalog);
  admin = db.admin;
  const { rows } = await admin.query("INSERT INTO crm.contacts (first_name, last_name, email) VALUES ('Claire', 'Noir', 'claire.noir@example.fr') RETURNING id");
  contact = rows[0].id;
});
afterAll(async () => db?.stop());

/** Runs queries as a database role (privileges and row security apply). */
const as = <T>(role: string, work: (c: Client) => Promise<T>): Promise<T> => db.as(role, work);

let sales: Client | undefined;

/**
 * Sales writes a note, as the application does, on one connection of its own for the whole file
 * (as an application's pool does); returns its id and what the database decided.
 */
async function write(body: string): Promise<{ id: number; held: boolean; reason: string | null }> {
  sales ??= await db.login('sales');
  await sales.query('INSERT INTO crm.notes (contact_id, body) VALUES ($1, $2)', [contact, body]);
  const { rows } = await admin.query('SELECT id, held_for_review AS held, flag_reason AS reason FROM crm.notes WHERE body = $1 ORDER BY id DESC LIMIT 1', [body]);
  return { id: Number(rows[0].id), held: rows[0].held, reason: rows[0].reason };
}

const visibleTo = async (role: string, id: number) =>
  as(role, async (c) => (await c.query('SELECT id FROM crm.notes WHERE id = $1', [id])).rows.length === 1);

describe('notes with special-category or discriminatory content are held, in French and English', () => {
  test.each([
    ['Client diabétique, prévoir un petit-déjeuner adapté.', 'health: "diabetique"'],
    ['Mme Martin est enceinte, éviter les chambres à l’étage sans ascenseur.', 'health: "enceinte"'],
    ['Son fils est en situation de handicap.', 'health: "en situation de handicap"'],
    ['Guest recovering from chemotherapy, asked for a quiet room.', 'health: "chemotherapy"'],
    ['Uses a wheelchair; book the adapted room 12.', 'health: "wheelchair"'],
    ['Très pratiquante, ne pas proposer le dîner pendant le ramadan.', 'religion or belief: "pratiquante"'],
    ['Il est musulman, ne sert pas d’alcool lors de ses réceptions.', 'religion or belief: "musulman"'],
    ['Jewish family, asked for kosher meals at the wedding.', 'religion or belief: "jewish"'],
    ['Client d’origine maghrébine, négocie beaucoup.', 'ethnic origin: "maghrebine"'],
    ['Black man in his fifties, came with two colleagues.', 'ethnic origin: "black man"'],
    ['Vote à droite, éviter les sujets politiques au dîner.', 'political opinion: "vote a droite"'],
    ['Militant de La France insoumise, très engagé.', 'political opinion: "militant"'],
    ['She is a shop steward at the plant, careful with the budget.', 'trade union membership: "shop steward"'],
    ['Délégué syndical CGT chez son employeur.', 'trade union membership: "delegue syndical"'],
    ['Vient avec son compagnon, ils sont homosexuels.', 'sexual orientation: "homosexuels"'],
    ['Openly gay, prefers a double bed.', 'sexual orientation: "gay"'],
    ['A un casier judiciaire pour escroquerie.', 'criminal record: "casier judiciaire"'],
    ['Was arrested last year for fraud according to the press.', 'criminal record: "arrested"'],
    ['Vraie connasse, a hurlé sur la réception.', 'insult: "connasse"'],
    ['Total moron, argued about the minibar for an hour.', 'insult: "moron"'],
    ['DIABÈTE DE TYPE 2 — MENU SANS SUCRE.', 'health: "diabete"'],
  ])('%s', async (body, reason) => {
    const note = await write(body);
    expect(note).toMatchObject({ held: true });
    expect(note.reason).toContain(reason);
  });

  test('a note that touches several categories names each', async () => {
    const note = await write('Catholique pratiquant, hospitalisé en mai.');
    expect(note.reason).toBe('health: "hospitalise"; religion or belief: "catholique"');
  });
});

describe('traps: factual notes that must not be held', () => {
  test.each([
    ['Prefers a room on the 3rd floor, away from the lift.'],
    ['Mme Noir a confirmé le séminaire de juin.'],
    ['Handicap 12 au golf, réserver un départ au golf de Saint-Cloud.'],
    ['Invited us to the Paris Saint-Germain match on Saturday.'],
    ['Met at the Catholic University alumni event in Lille.'],
    ['Ancienne de l’Université catholique de Lille, contact du bureau des anciens.'],
    ['Bureau rue Gay-Lussac, Paris 5e.'],
    ['Rendez-vous au syndicat d’initiative de Deauville pour le salon.'],
    ['Our pricing policy for groups was accepted; contract signed.'],
    ['Politique tarifaire groupes acceptée, contrat signé.'],
    ['Arrivera en retard, vol retardé.'],
    ['Capital détenu à 51 % par le groupe familial.'],
    ['Sent the jewellery shop address for the gift.'],
    ['Will call back next week about the conference.'],
    ['Runs the Paris 10k race every year; suggested a sponsor package.'],
    ['Works in the hospitality industry, 20 years at a big chain.'],
    ['Needs visual aids for the presentation room: projector and flipchart.'],
    ['Very satisfied with the wedding; recommends us to friends.'],
    ['Contrat de séminaire signé, acompte reçu.'],
  ])('%s', async (body) => {
    expect(await write(body)).toMatchObject({ held: false, reason: null });
  });
});

describe('a held note reaches no other role until the DPO releases it', () => {
  let note: { id: number; held: boolean; reason: string | null };
  beforeAll(async () => {
    note = await write('Très croyant, musulman pratiquant.');
  });

  test('it is held with the term and the category', () => {
    expect(note.held).toBe(true);
    expect(note.reason).toBe('religion or belief: "musulman"');
  });

  test('sales, who wrote it, cannot see it; neither can any role but the DPO', async () => {
    for (const role of catalog.roles.filter((r) => !r.dataSubjectRights && r.reads.some((c) => c.name === 'notes'))) {
      expect([role.name, await visibleTo(role.name, note.id)]).toEqual([role.name, false]);
    }
    expect(await visibleTo('dpo', note.id)).toBe(true);
  });

  test('the DPO sees what was flagged and why', async () => {
    const rows = await as('dpo', async (c) => (await c.query('SELECT body, flag_reason FROM crm.notes WHERE held_for_review')).rows);
    expect(rows).toContainEqual({ body: 'Très croyant, musulman pratiquant.', flag_reason: 'religion or belief: "musulman"' });
  });

  test('the writer cannot release it by updating the flag', async () => {
    await expect(as('sales', (c) => c.query('UPDATE crm.notes SET held_for_review = false WHERE id = $1', [note.id]))).rejects.toThrow(/permission denied/);
  });

  test('only the DPO may release or reject', async () => {
    await expect(as('sales', (c) => c.query('SELECT gdpr.release_note($1)', [note.id]))).rejects.toThrow(/permission denied/);
  });

  test('released, it becomes visible, with who released it and when', async () => {
    const released = await as('dpo', async (c) => (await c.query('SELECT gdpr.release_note($1) AS ok', [note.id])).rows[0].ok);
    expect(released).toBe(true);
    expect(await visibleTo('sales', note.id)).toBe(true);
    const { rows } = await admin.query('SELECT held_for_review, reviewed_by, reviewed_at IS NOT NULL AS dated FROM crm.notes WHERE id = $1', [note.id]);
    expect(rows[0]).toEqual({ held_for_review: false, reviewed_by: 'dpo', dated: true });
  });

  test('a visible note cannot be rewritten with a new term: refused with the reason, the note unchanged', async () => {
    await expect(
      as('sales', (c) => c.query("UPDATE crm.notes SET body = 'Musulman pratiquant, diabétique.' WHERE id = $1", [note.id])),
    ).rejects.toThrow(`note ${note.id} would be held for the DPO's review (health: "diabetique"; religion or belief: "musulman")`);
    const { rows } = await admin.query('SELECT body, held_for_review FROM crm.notes WHERE id = $1', [note.id]);
    expect(rows[0]).toEqual({ body: 'Très croyant, musulman pratiquant.', held_for_review: false });
  });

  test('rejected, a held note is deleted', async () => {
    const held = await write('Sa femme est malade.');
    const rejected = await as('dpo', async (c) => (await c.query('SELECT gdpr.reject_note($1) AS ok', [held.id])).rows[0].ok);
    expect(rejected).toBe(true);
    const { rows } = await admin.query('SELECT count(*)::int AS n FROM crm.notes WHERE id = $1', [held.id]);
    expect(rows[0].n).toBe(0);
    expect(await as('dpo', async (c) => (await c.query('SELECT gdpr.reject_note($1) AS ok', [note.id])).rows[0].ok)).toBe(false);
  });

  test('a review does not count as an action with the contact', async () => {
    const held = await write('Alcoolique notoire.');
    await admin.query('ALTER TABLE crm.contacts DISABLE TRIGGER touch');
    await admin.query("UPDATE crm.contacts SET last_action_at = '2026-01-01' WHERE id = $1", [contact]);
    await admin.query('ALTER TABLE crm.contacts ENABLE TRIGGER touch');
    await as('dpo', (c) => c.query('SELECT gdpr.release_note($1)', [held.id]));
    const { rows } = await admin.query("SELECT last_action_at = '2026-01-01' AS unchanged FROM crm.contacts WHERE id = $1", [contact]);
    expect(rows[0].unchanged).toBe(true);
  });
});

describe('writers', () => {
  test('can check a note before saving it', async () => {
    const reason = await as('sales', async (c) => (await c.query("SELECT crm.note_check('Il est juif.') AS reason")).rows[0].reason);
    expect(reason).toBe('religion or belief: "juif"');
    const clean = await as('sales', async (c) => (await c.query("SELECT crm.note_check('Il est juriste.') AS reason")).rows[0].reason);
    expect(clean).toBeNull();
  });

  test('a note inserted with RETURNING that is held fails loudly and stores nothing (row security): insert without RETURNING', async () => {
    await expect(
      as('sales', (c) => c.query("INSERT INTO crm.notes (contact_id, body) VALUES ($1, 'Séropositif.') RETURNING id", [contact])),
    ).rejects.toThrow(/row-level security/);
    const { rows } = await admin.query("SELECT count(*)::int AS n FROM crm.notes WHERE body = 'Séropositif.'");
    expect(rows[0].n).toBe(0);
  });
});

describe('the term lists follow the configuration', () => {
  async function applyConfig(change: (cfg: Record<string, any>) => void): Promise<void> {
    const input = defaultConfigInput();
    change(input);
    const sql = databaseSql(Catalog.fromConfig(parseConfig(input)));
    await migrate(admin, sql.migrations, sql.catalogSql);
  }
  afterAll(async () => applyConfig(() => undefined));

  test('an added term holds notes written before it was added, unless the DPO reviewed them', async () => {
    const before = await write('Fan de pétanque, joue le dimanche.');
    expect(before.held).toBe(false);
    await applyConfig((cfg) => (cfg.notesCheck.extraTerms = { health: { fr: ['pétanque*'] } }));
    const { rows } = await admin.query('SELECT held_for_review, flag_reason FROM crm.notes WHERE id = $1', [before.id]);
    expect(rows[0]).toEqual({ held_for_review: true, flag_reason: 'health: "petanque"' });
  });

  test('an excluded shipped term no longer holds a note', async () => {
    await applyConfig((cfg) => (cfg.notesCheck.excludedTerms = ['prison']));
    expect(await write('Visited the prison museum with the group.')).toMatchObject({ held: false });
  });

  test('an allowed phrase is never flagged', async () => {
    await applyConfig((cfg) => (cfg.notesCheck.allowedPhrases = ['Musée de la Prison']));
    expect(await write('Sortie au musée de la prison de Caen.')).toMatchObject({ held: false });
    expect(await write('Sort de prison.')).toMatchObject({ held: true });
  });
});
