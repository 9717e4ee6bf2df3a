import type { Client } from 'pg';
import { TestDatabase, startReferenceDatabase } from '../helpers/postgres';

/**
 * Objections and restrictions versus restores, against a real PostgreSQL: a
 * restore brings the suppression list and the restriction log back as they
 * were at the recovery point; the journal kept outside the backups (the
 * server log) brings back what was recorded after it, before anyone uses the
 * restored database. Without it, an objector would be back in marketing.
 */

let db: TestDatabase;
let admin: Client;

beforeAll(async () => {
  db = await startReferenceDatabase();
  admin = db.admin;
});
afterAll(async () => db?.stop());

async function newContact(marker: string): Promise<string> {
  const { rows } = await admin.query(
    "INSERT INTO crm.contacts (first_name, last_name, email, phone) VALUES ($1, $1, $1 || '@example.org', '+33 6 98 76 54 32') RETURNING id",
    [marker],
  );
  const id = rows[0].id as string;
  await admin.query("INSERT INTO crm.consents (contact_id, purpose, source, proof_reference, given_at) VALUES ($1, 'newsletter', 'web form', $2, now() - interval '1 day')", [id, `form-${marker}`]);
  return id;
}

/** Runs DPO calls on a session that receives LOG messages; returns the journal lines they wrote. */
async function asDpoJournalled(work: (c: Client) => Promise<unknown>): Promise<string[]> {
  const lines: string[] = [];
  await db.as('dpo', async (c) => {
    c.on('notice', (n) => {
      if (/^gdpr_(objection|restriction) /.test(n.message ?? '')) lines.push(n.message as string);
    });
    await c.query('SET client_min_messages = log');
    await work(c);
  });
  return lines;
}

/** What a backup taken before the DPO's calls holds: the lists without the rows recorded since (test plumbing below the triggers, as a restore is storage, not deletes). */
async function restoreListsBefore(since: Date, contacts: string[]): Promise<void> {
  await db.superuser.query('BEGIN');
  try {
    await db.superuser.query('SET LOCAL session_replication_role = replica');
    await db.superuser.query('DELETE FROM gdpr.objections WHERE recorded_at >= $1', [since]);
    await db.superuser.query('DELETE FROM gdpr.restrictions WHERE recorded_at >= $1', [since]);
    await db.superuser.query('UPDATE crm.contacts SET restricted = false, objecting = false WHERE id = ANY ($1::uuid[])', [contacts]);
    await db.superuser.query('COMMIT');
  } catch (err) {
    await db.superuser.query('ROLLBACK');
    throw err;
  }
}

const seenBy = async (role: string, id: string) => (await db.as(role, (c) => c.query('SELECT count(*)::int AS n FROM crm.contacts WHERE id = $1', [id]))).rows[0].n;

describe('the journal of objections and restrictions', () => {
  let objector: string;
  let restricted: string;
  let lines: string[];
  let before: Date;

  beforeAll(async () => {
    // The recovery point, on the database's clock.
    before = (await admin.query('SELECT clock_timestamp() AS t')).rows[0].t;
    objector = await newContact('journal-objector');
    restricted = await newContact('journal-restricted');
    lines = await asDpoJournalled(async (c) => {
      await c.query("SELECT gdpr.object_contact($1, 'direct-marketing', 'letter of 2026-12-01, ref. OBJ-7 (names the person: Mme Journal)')", [objector]);
      await c.query("SELECT gdpr.object_identifiers('  Bought-List@Example.ORG ', NULL, 'direct-marketing', 'phone call of 2026-12-01')");
      await c.query("SELECT gdpr.restrict_contact($1, 'accuracy-contested', 'request of 2026-12-01')", [restricted]);
    });
  });

  test('every objection and restriction is written to the server log with hashes, ids, ground and time, never the reference or a clear identifier', async () => {
    expect(lines).toHaveLength(3);
    expect(lines.join('\n')).not.toMatch(/Mme Journal|OBJ-7|bought-list|example\.org|\+33|request of/i);
    const [objection] = lines.map((l) => JSON.parse(l.slice(l.indexOf('{'))));
    expect(objection).toMatchObject({ ground: 'direct-marketing', contact_id: objector, recorded_by: 'dpo' });
    expect(objection.email_hash).toMatch(/^[0-9a-f]{64}$/);
    // The runbook's export from a database that still runs gives the same lines.
    const exported = (await admin.query('SELECT gdpr.rights_journal() AS line')).rows.map((r) => r.line);
    for (const line of lines) expect(exported).toContain(line);
  });

  test('after a restore from before them, the import brings them back: the objector leaves marketing again, the restricted contact every processing role', async () => {
    await restoreListsBefore(before, [objector, restricted]);
    expect(await seenBy('marketing', objector)).toBe(1);
    expect(await seenBy('sales', restricted)).toBe(1);

    // CloudWatch Logs returns the lines with a prefix of its own.
    const fromCloudWatch = lines.map((l) => `2026-12-01 10:00:00 UTC:10.0.0.1(5432):dpo@contacts:[42]:LOG:  ${l}`);
    expect((await admin.query('SELECT gdpr.import_rights_journal($1) AS n', [fromCloudWatch])).rows[0].n).toBe(3);
    expect(await seenBy('marketing', objector)).toBe(0);
    expect(await seenBy('sales', restricted)).toBe(0);
    expect(await seenBy('dpo', restricted)).toBe(1);

    // A re-import of the purchased file stays out of marketing: the hash-only objection came back too.
    const { rows } = await admin.query("INSERT INTO crm.contacts (first_name, email) VALUES ('again', 'bought-list@example.org') RETURNING id");
    await admin.query("INSERT INTO crm.consents (contact_id, purpose, source, proof_reference, given_at) VALUES ($1, 'newsletter', 'bought file', 'file-x', now() - interval '1 day')", [rows[0].id]);
    expect(await seenBy('marketing', rows[0].id)).toBe(0);

    // Idempotent: importing again, or the whole export, adds nothing.
    expect((await admin.query('SELECT gdpr.import_rights_journal($1) AS n', [fromCloudWatch])).rows[0].n).toBe(0);
    const exported = (await admin.query('SELECT gdpr.rights_journal() AS line')).rows.map((r) => r.line);
    expect((await admin.query('SELECT gdpr.import_rights_journal($1) AS n', [exported])).rows[0].n).toBe(0);
  });

  test('a lifting after the recovery point is replayed in order: the contact ends unrestricted', async () => {
    const id = await newContact('journal-lifted');
    const since: Date = (await admin.query('SELECT clock_timestamp() AS t')).rows[0].t;
    const journal = await asDpoJournalled(async (c) => {
      await c.query("SELECT gdpr.restrict_contact($1, 'objection-pending', 'objection under review')", [id]);
      await c.query("SELECT gdpr.lift_restriction($1, 'grounds override')", [id]);
    });
    await restoreListsBefore(since, [id]);
    expect((await admin.query('SELECT gdpr.import_rights_journal($1) AS n', [[...journal].reverse()])).rows[0].n).toBe(2);
    expect(await seenBy('sales', id)).toBe(1);
    expect((await db.as('dpo', (c) => c.query('SELECT gdpr.is_restricted($1) AS r', [id]))).rows[0].r).toBe(false);
  });

  test('only the owner exports or imports the journal: no login role, the DPO included', async () => {
    for (const role of ['dpo', 'sales', 'marketing', 'accounting', 'retention_purge']) {
      await expect(db.as(role, (c) => c.query('SELECT gdpr.rights_journal()'))).rejects.toThrow(/permission denied/);
      await expect(db.as(role, (c) => c.query('SELECT gdpr.import_rights_journal($1)', [[]]))).rejects.toThrow(/permission denied/);
    }
  });
});
