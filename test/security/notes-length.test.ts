import type { Client } from 'pg';
import { TestDatabase, startReferenceDatabase } from '../helpers/postgres';

/**
 * The notes check costs time in proportion to the text: a writer sending a
 * 100 MB note held a database connection for minutes. Notes are factual
 * lines; the database refuses more than 20,000 characters before any pattern
 * runs (migration 0007_note_length.sql).
 */
let db: TestDatabase;
let admin: Client;
let contact: string;

beforeAll(async () => {
  db = await startReferenceDatabase();
  admin = db.admin;
  contact = (await admin.query("INSERT INTO crm.contacts (first_name, email) VALUES ('Léa', 'lea@example.fr') RETURNING id")).rows[0].id;
});
afterAll(async () => db?.stop());

const words = (n: number) => 'client ponctuel '.repeat(Math.ceil(n / 16)).slice(0, n);

describe('a note too long for the check is refused before the check runs', () => {
  test('sales writing a 5 MB note is refused at once, with the limit', async () => {
    await expect(db.as('sales', (c) => c.query('INSERT INTO crm.notes (contact_id, body) VALUES ($1, $2)', [contact, words(5_000_000)]))).rejects.toThrow(
      /a note holds at most 20000 characters; this one has 5000000/,
    );
    // The refusal is bound_length's, which fires before check_note (same event, name order): no pattern ran.
  });

  test('sales checking a 5 MB text with crm.note_check is refused the same way', async () => {
    await expect(db.as('sales', (c) => c.query('SELECT crm.note_check($1)', [words(5_000_000)]))).rejects.toThrow(/at most 20000 characters/);
  });

  test('rewriting a short note into a long one is refused', async () => {
    const { rows } = await db.as('sales', (c) => c.query("INSERT INTO crm.notes (contact_id, body) VALUES ($1, 'Rappel prévu') RETURNING id", [contact]));
    await expect(db.as('sales', (c) => c.query('UPDATE crm.notes SET body = $2 WHERE id = $1', [rows[0].id, words(20_001)]))).rejects.toThrow(/at most 20000/);
  });

  test('a note of 20,000 characters is written and checked as before', async () => {
    await db.as('sales', (c) => c.query('INSERT INTO crm.notes (contact_id, body) VALUES ($1, $2)', [contact, words(20_000)]));
    expect(await db.as('sales', (c) => c.query('SELECT crm.note_check($1) AS flags', ['il est diabétique']))).toMatchObject({ rows: [{ flags: expect.stringMatching(/health/) }] });
  });
});
