import type { Client } from 'pg';
import { TestDatabase, startReferenceDatabase } from '../helpers/postgres';

/**
 * Review of issue 10: every login role may create large objects (lo_create,
 * lo_from_bytea are PostgreSQL's, executable by PUBLIC; the master user,
 * being no superuser, cannot revoke them). Sales copies the e-mail addresses
 * it reads into one, and it outlives the erasure (art. 17) and the retention
 * purge, which know only the tables of the catalog.
 *
 * NOT FIXED (README, "What a user copies inside the database"): the kit
 * cannot revoke the functions; a fix has to find and unlink the large objects
 * of login roles (the purge, the erasure) or refuse to run while one exists.
 * The test below proves the gap as it stands, so it fails the day the copy no
 * longer survives: then make it expect nothing left.
 */
let db: TestDatabase;
let admin: Client;

beforeAll(async () => {
  db = await startReferenceDatabase();
  admin = db.admin;
});
afterAll(async () => db?.stop());

test('KNOWN GAP: an address sales copied into a large object outlives the erasure and the purge', async () => {
  const { rows } = await admin.query("INSERT INTO crm.contacts (first_name, email) VALUES ('Léa', 'lea.stash@example.fr') RETURNING id");
  const id = rows[0].id as string;
  const stashed = await db
    .as('sales', async (c) => (await c.query("SELECT lo_from_bytea(0, convert_to((SELECT email FROM crm.contacts WHERE id = $1), 'UTF8')) AS oid", [id])).rows[0].oid)
    .catch(() => undefined);
  await admin.query("SELECT gdpr.erase_contact($1, 'art. 17 request of 2026-11-29')", [id]);
  await admin.query('SELECT * FROM gdpr.purge_expired()');
  // The erasure did run: the row is gone.
  expect((await admin.query('SELECT count(*)::int AS n FROM crm.contacts WHERE id = $1', [id])).rows[0].n).toBe(0);
  const left = stashed === undefined ? [] : await db.as('sales', async (c) => (await c.query("SELECT convert_from(lo_get($1), 'UTF8') AS v", [stashed]).catch(() => ({ rows: [] }))).rows);
  // The day the kit removes such copies, `left` is [] and this fails: expect [] then.
  expect(left).toEqual([{ v: 'lea.stash@example.fr' }]);
});
