import { randomUUID } from 'node:crypto';
import type { Client } from 'pg';
import { Catalog } from '../../lib/catalog/catalog';
import { TestDatabase, startReferenceDatabase } from '../helpers/postgres';
import { defaultConfig } from '../helpers/reference';
import { recordExplicitConsent } from '../helpers/consent';

/**
 * Erasure versus immutable backups, against a real PostgreSQL: an erased
 * contact comes back when a backup taken before the erasure is restored, and
 * the replay erases it again, from the log restored with the backup or from
 * the journal kept outside it.
 */

/** The tables about a contact, in the order a restore puts their rows back, with the column that names the contact. */
const CONTACT_TABLES = [
  ['crm.contacts', 'id'],
  ['crm.consents', 'contact_id'],
  ['crm.notes', 'contact_id'],
  ['crm.bookings', 'contact_id'],
  ['crm.special_diet', 'contact_id'],
  ['crm.accessibility', 'contact_id'],
] as const;

type BackupRows = Record<string, Record<string, unknown>[]>;

let db: TestDatabase;
let admin: Client;

beforeAll(async () => {
  db = await startReferenceDatabase();
  admin = db.admin;
});
afterAll(async () => db?.stop());

/**
 * A contact with a row in every table about a contact; every value carries `marker`, so any leftover can be found.
 * Without a booking unless asked: a booking is under the reference's legal hold, which erasure keeps minimised
 * (test/lifecycle/retention-clocks.test.ts replays that case).
 */
async function newContact(marker: string, booking = false): Promise<string> {
  const { rows } = await admin.query(
    `INSERT INTO crm.contacts (civility, first_name, last_name, email, phone, postal_address, company, job_title)
     VALUES ('M.', $1, $1, $1 || '@example.org', '+33 6 00 00 00 00', $1 || ', 1 rue de Rivoli, Paris', $1 || ' SARL', 'Directeur') RETURNING id`,
    [marker],
  );
  const id = rows[0].id as string;
  await admin.query("INSERT INTO crm.consents (contact_id, purpose, source, proof_reference) VALUES ($1, 'newsletter', $2, $2)", [id, `form ${marker}`]);
  await admin.query('INSERT INTO crm.notes (contact_id, body) VALUES ($1, $2)', [id, `Prefers morning calls (${marker})`]);
  if (booking) await admin.query("INSERT INTO crm.bookings (contact_id, arrival, departure, amount_cents) VALUES ($1, '2026-05-01', '2026-05-03', 42000)", [id]);
  await recordExplicitConsent(admin, id);
  await admin.query('INSERT INTO crm.special_diet (contact_id, detail) VALUES ($1, $2)', [id, `vegetarian ${marker}`]);
  await admin.query('INSERT INTO crm.accessibility (contact_id, detail) VALUES ($1, $2)', [id, `ground floor ${marker}`]);
  return id;
}

/** What a backup taken now holds about the contact: every row of every table about it. */
async function backupOf(id: string): Promise<BackupRows> {
  const held: BackupRows = {};
  for (const [table, key] of CONTACT_TABLES) {
    const { rows } = await admin.query(`SELECT to_jsonb(t) AS row FROM ${table} t WHERE t.${key} = $1`, [id]);
    held[table] = rows.map((r) => r.row as Record<string, unknown>);
  }
  return held;
}

/**
 * Simulates a restore of that backup: its rows come back as they were, below
 * the level of triggers (a restored cluster is storage, not inserts), and the
 * erasure log is as the backup holds it (without the later erasures). Test
 * plumbing as the superuser: replication mode is what lets a restore below the
 * triggers, the append-only erasure log included, be simulated.
 */
async function restore(backup: BackupRows, erasureLogAtBackupTime: string[]): Promise<void> {
  await db.superuser.query('BEGIN');
  try {
    await db.superuser.query('SET LOCAL session_replication_role = replica');
    for (const [table] of CONTACT_TABLES) {
      for (const row of backup[table]) {
        await db.superuser.query(`INSERT INTO ${table} OVERRIDING SYSTEM VALUE SELECT * FROM jsonb_populate_record(NULL::${table}, $1)`, [row]);
      }
    }
    await db.superuser.query('DELETE FROM gdpr.erasure_log WHERE NOT (contact_id = ANY ($1::uuid[]))', [erasureLogAtBackupTime]);
    await db.superuser.query('COMMIT');
  } catch (err) {
    await db.superuser.query('ROLLBACK');
    throw err;
  }
}

/** Every row, in any table of the crm and gdpr schemas, whose text contains the marker. */
async function leftovers(marker: string): Promise<string[]> {
  const { rows: tables } = await admin.query(
    "SELECT table_schema || '.' || table_name AS t FROM information_schema.tables WHERE table_schema IN ('crm', 'gdpr') AND table_type = 'BASE TABLE' ORDER BY 1",
  );
  const found: string[] = [];
  for (const { t } of tables) {
    const { rows } = await admin.query(`SELECT count(*)::int AS n FROM ${t} x WHERE x::text LIKE '%' || $1 || '%'`, [marker]);
    if (rows[0].n > 0) found.push(`${t}: ${rows[0].n}`);
  }
  return found;
}

/** The rows about a contact, table by table, that are left. */
async function rowsAbout(id: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const [table, key] of CONTACT_TABLES) {
    const { rows } = await admin.query(`SELECT count(*)::int AS n FROM ${table} WHERE ${key} = $1`, [id]);
    counts[table] = rows[0].n;
  }
  return counts;
}

const NONE = Object.fromEntries(CONTACT_TABLES.map(([t]) => [t, 0]));

/** Erases a contact from a session that receives LOG messages; returns the journal lines it wrote. */
async function eraseJournalled(id: string, reason: string): Promise<string[]> {
  const client = await db.connect();
  const lines: string[] = [];
  client.on('notice', (n) => {
    if (n.message?.startsWith('gdpr_erasure ')) lines.push(n.message);
  });
  await client.query('SET client_min_messages = log');
  await client.query('SELECT gdpr.erase_contact($1, $2)', [id, reason]);
  await client.end();
  return lines;
}

describe('erasure versus immutable backups', () => {
  test('an erasure is journalled outside the database with the random id and the time, never the reason', async () => {
    // Given a contact
    const marker = `journal-${randomUUID()}`;
    const id = await newContact(marker);
    // When it is erased, with a reason that names the person
    const lines = await eraseJournalled(id, `art. 17 request from ${marker}`);
    // Then one server-log line records the erasure, without the reason
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0].slice('gdpr_erasure '.length));
    expect(Object.keys(entry).sort()).toEqual(['contact_id', 'erased_at']);
    expect(entry.contact_id).toBe(id);
    expect(lines[0]).not.toContain(marker);
    // and the database can print the same entries for the restore runbook
    const { rows } = await admin.query('SELECT line FROM gdpr.erasure_journal() AS line WHERE line LIKE $1', [`%${id}%`]);
    expect(rows.map((r) => JSON.parse(r.line.slice('gdpr_erasure '.length)))).toEqual([entry]);
  });

  test('a restore from a backup taken before the erasure, then the journal imported and replayed, leaves no personal data', async () => {
    // Given a contact with data in every table, and a backup taken now
    const marker = `restore-${randomUUID()}`;
    const id = await newContact(marker);
    const backup = await backupOf(id);
    const { rows: logBefore } = await admin.query('SELECT contact_id FROM gdpr.erasure_log');
    // When the contact is erased (its journal line goes to CloudWatch Logs)
    const journal = await eraseJournalled(id, 'art. 17 request of 2026-11-29');
    expect(await leftovers(marker)).toEqual([]);
    // and the backup is restored: the contact is back, the log knows nothing of the erasure
    await restore(backup, logBefore.map((r) => r.contact_id as string));
    expect((await rowsAbout(id))['crm.contacts']).toBe(1);
    expect(await leftovers(marker)).not.toEqual([]);
    // When the runbook imports the journal, as CloudWatch Logs returns it, and replays
    const cloudWatchLines = journal.map((line) => `2026-11-29 10:00:00 UTC:10.40.1.9(40112):contacts_admin@contacts:[4242]:LOG:  ${line}`);
    const { rows: imported } = await admin.query('SELECT gdpr.import_erasure_journal($1) AS n', [cloudWatchLines]);
    const { rows: replayed } = await admin.query('SELECT gdpr.replay_erasures() AS n');
    // Then the contact is erased again, with every row about it, and no personal data remains anywhere
    expect(imported[0].n).toBe(1);
    expect(replayed[0].n).toBe(1);
    expect(await rowsAbout(id)).toEqual(NONE);
    expect(await leftovers(marker)).toEqual([]);
    const { rows: exported } = await admin.query('SELECT gdpr.export_contact($1) AS e', [id]);
    expect(exported[0].e).toMatchObject({ contact: null, consents: [], notes: [], bookings: [], special_diet: null, accessibility: null });
  });

  test('the replay erases again every contact the restored log lists, and records how many', async () => {
    // Given a contact erased, then brought back by a point-in-time restore whose log already lists it
    const marker = `log-${randomUUID()}`;
    const id = await newContact(marker);
    const backup = await backupOf(id);
    await admin.query("SELECT gdpr.erase_contact($1, 'art. 17 request')", [id]);
    const { rows: log } = await admin.query('SELECT contact_id FROM gdpr.erasure_log');
    await restore(backup, log.map((r) => r.contact_id as string));
    // When the log is replayed
    const { rows } = await admin.query('SELECT gdpr.replay_erasures() AS n');
    // Then the contact is gone again, and the replay is on record
    expect(rows[0].n).toBe(1);
    expect(await rowsAbout(id)).toEqual(NONE);
    expect(await leftovers(marker)).toEqual([]);
    const { rows: replays } = await admin.query('SELECT contacts_erased, log_entries FROM gdpr.erasure_replays ORDER BY id DESC LIMIT 1');
    expect(replays[0].contacts_erased).toBe(1);
    expect(replays[0].log_entries).toBe(log.length);
  });

  test('the replay is idempotent and never touches a contact that was not erased', async () => {
    // Given a contact that was never erased
    const marker = `kept-${randomUUID()}`;
    const kept = await newContact(marker, true);
    const before = await rowsAbout(kept);
    // When the log is replayed twice
    await admin.query('SELECT gdpr.replay_erasures()');
    const { rows } = await admin.query('SELECT gdpr.replay_erasures() AS n');
    // Then nothing more is erased, and the contact keeps every row
    expect(rows[0].n).toBe(0);
    expect(await rowsAbout(kept)).toEqual(before);
    // One row in every table, and three consents: the newsletter and the explicit ones the special categories rest on.
    expect(before).toEqual({ ...Object.fromEntries(Object.keys(before).map((t) => [t, 1])), 'crm.consents': 3 });
  });

  test('an erased contact cannot be written again by an insert (an old export loaded again)', async () => {
    // Given an erased contact and its row as an old export holds it
    const id = await newContact(`insert-${randomUUID()}`);
    const backup = await backupOf(id);
    await admin.query("SELECT gdpr.erase_contact($1, 'art. 17 request')", [id]);
    // When the row is inserted again, triggers on
    const insert = admin.query('INSERT INTO crm.contacts SELECT * FROM jsonb_populate_record(NULL::crm.contacts, $1)', [backup['crm.contacts'][0]]);
    // Then it is refused, naming the article
    await expect(insert).rejects.toThrow(/was erased \(art\. 17\) and cannot be written again/);
  });

  test('importing the journal ignores other log lines, is idempotent, and refuses an entry without its id', async () => {
    const id = randomUUID();
    const line = `LOG:  gdpr_erasure {"contact_id": "${id}", "erased_at": "2026-11-29T10:00:00+00:00"}`;
    const lines = ['LOG:  connection authorized: user=contacts_admin', line, line];
    const { rows } = await admin.query('SELECT gdpr.import_erasure_journal($1) AS n', [lines]);
    expect(rows[0].n).toBe(1);
    const { rows: again } = await admin.query('SELECT gdpr.import_erasure_journal($1) AS n', [[line]]);
    expect(again[0].n).toBe(0);
    await expect(admin.query('SELECT gdpr.import_erasure_journal($1)', [['gdpr_erasure {"erased_at": "2026-11-29T10:00:00Z"}']])).rejects.toThrow(
      /an entry needs contact_id and erased_at/,
    );
  });

  test('no role of the catalog can replay, import or read the journal: the restore runbook runs as the master user', async () => {
    for (const role of Catalog.fromConfig(defaultConfig()).roles) {
      const { rows } = await admin.query(
        `SELECT has_function_privilege($1, 'gdpr.replay_erasures()', 'EXECUTE') AS replay,
                has_function_privilege($1, 'gdpr.import_erasure_journal(text[])', 'EXECUTE') AS import,
                has_function_privilege($1, 'gdpr.erasure_journal()', 'EXECUTE') AS journal`,
        [role.name],
      );
      expect([role.name, rows[0]]).toEqual([role.name, { replay: false, import: false, journal: false }]);
    }
  });
});
