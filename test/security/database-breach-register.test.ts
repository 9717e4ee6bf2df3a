import type { Client } from 'pg';
import { Catalog } from '../../lib/catalog/catalog';
import { renderBreachRunbook } from '../../lib/review/breach-runbook';
import { PURGE_DATABASE_USER } from '../../lib/config/schema';
import { defaultConfig } from '../helpers/reference';
import { TestDatabase, startReferenceDatabase } from '../helpers/postgres';

/**
 * The breach register (art. 33(5)) against its own login roles: only the roles
 * that answer data-subject requests (the DPO) read it and record into it, only
 * through its functions; nobody, the DPO and the owner included, rewrites or
 * deletes its history; the 72-hour deadline and every timestamp are the
 * database's, never the caller's.
 */
const catalog = Catalog.fromConfig(defaultConfig());
const dpos = catalog.roles.filter((r) => r.dataSubjectRights).map((r) => r.name);
const others = [...catalog.roles.filter((r) => !r.dataSubjectRights).map((r) => r.name), ...catalog.subcontractors.map((s) => s.databaseUser), PURGE_DATABASE_USER];
const DPO = dpos[0];
const RELATIONS = ['gdpr.breaches', 'gdpr.breach_events', 'gdpr.breach_register'];
const FUNCTIONS = ['gdpr.record_breach(timestamptz, text, text)', 'gdpr.record_breach_event(bigint, text, text, text, text)'];
const NATURE = 'Snapshot of the contact database shared with an unknown account';

let db: TestDatabase;
let admin: Client;

beforeAll(async () => {
  db = await startReferenceDatabase(catalog);
  admin = db.admin;
});
afterAll(async () => db?.stop());

const asDpo = <T>(work: (c: Client) => Promise<T>) => db.as(DPO, work);
async function startBreach(detectedAgo = '1 hour', source = 'SnapshotSharedOrPublic'): Promise<{ id: string; deadline: Date; detected: Date }> {
  return asDpo(async (c) => {
    const { rows } = await c.query(
      `SELECT r.breach_id AS id, r.notification_deadline AS deadline, now() - $1::interval AS detected
       FROM gdpr.record_breach(now() - $1::interval, $2, $3) r`,
      [detectedAgo, source, NATURE],
    );
    return rows[0];
  });
}
const event = (c: Client, breach: string, kind: string, detail: string, reference?: string, delay?: string) =>
  c.query('SELECT gdpr.record_breach_event($1, $2, $3, $4, $5) AS id', [breach, kind, detail, reference ?? null, delay ?? null]);

// First, on an empty register: the runbook's example numbers the first breach 1.
test("the runbook's register commands work as written, signed in as the DPO", async () => {
  const runbook = renderBreachRunbook(defaultConfig(), catalog);
  const block = runbook.slice(runbook.indexOf('```sql', runbook.indexOf('gdpr.breaches')) + 6, runbook.indexOf('```', runbook.indexOf('```sql', runbook.indexOf('gdpr.breaches')) + 6));
  const statements = block.split('\n').filter((l) => l.startsWith('SELECT'));
  expect(statements.length).toBeGreaterThanOrEqual(6);
  const results = await asDpo(async (c) => {
    const out = [];
    for (const statement of statements) out.push((await c.query(statement)).rows);
    return out;
  });
  expect(results[results.length - 1]).toEqual([expect.objectContaining({ id: '1', decision: 'notified', later_phases: '1', notified_late: false })]);
});

test('the reference catalog has a DPO and roles that are not', () => {
  expect(dpos).toEqual(['dpo']);
  expect(others).toEqual(expect.arrayContaining(['marketing', 'sales', 'accounting', 'extract_statlab', 'retention_purge']));
});

describe('who may read and record into the register', () => {
  test('only the DPO may read the register or run its functions; no login role may insert, update or delete a row', async () => {
    const { rows } = await admin.query(
      `SELECT r.rolname,
              bool_or(has_table_privilege(r.oid, t, 'SELECT')) AS reads,
              bool_or(has_table_privilege(r.oid, t, 'INSERT') OR has_table_privilege(r.oid, t, 'UPDATE') OR has_table_privilege(r.oid, t, 'DELETE') OR has_table_privilege(r.oid, t, 'TRUNCATE')) AS writes,
              bool_and(has_function_privilege(r.oid, f, 'EXECUTE')) AS records
       FROM pg_roles r, unnest($1::text[]) t, unnest($2::text[]) f
       WHERE r.rolcanlogin AND NOT r.rolsuper AND r.rolname <> current_user GROUP BY r.rolname ORDER BY r.rolname`,
      [RELATIONS, FUNCTIONS],
    );
    expect(rows.map((r) => r.rolname).sort()).toEqual([...dpos, ...others].sort());
    for (const r of rows) {
      const dpo = dpos.includes(r.rolname);
      expect([r.rolname, r.reads, r.writes, r.records]).toEqual([r.rolname, dpo, false, dpo]);
    }
  });

  test('PUBLIC has no privilege on the register or its functions', async () => {
    const { rows } = await admin.query(
      `SELECT c.relname AS name, c.relacl::text AS acl FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'gdpr' AND c.relname IN ('breaches', 'breach_events', 'breach_register')
       UNION ALL SELECT p.proname, p.proacl::text FROM pg_proc p WHERE p.proname IN ('record_breach', 'record_breach_event')`,
    );
    expect(rows).toHaveLength(5);
    for (const r of rows) expect([r.name, r.acl]).not.toEqual([r.name, expect.stringMatching(/(^|[{,])=/)]);
  });

  test.each(others)('%s can neither read the register nor record a breach nor an event', async (role) => {
    const { id } = await startBreach();
    await db.as(role, async (c) => {
      for (const relation of RELATIONS) await expect(c.query(`SELECT * FROM ${relation}`)).rejects.toThrow(/permission denied/);
      await expect(c.query("SELECT * FROM gdpr.record_breach(now(), 'manual', 'An invented breach to fill the register')")).rejects.toThrow(/permission denied/);
      await expect(event(c, id, 'not-notified', 'Nothing happened, nothing to see here at all')).rejects.toThrow(/permission denied/);
      await expect(c.query("INSERT INTO gdpr.breaches (detected_at, notification_deadline, source, nature) VALUES (now(), now() + interval '72 hours', 'x', 'an invented one')")).rejects.toThrow(/permission denied/);
    });
    const { rows } = await admin.query('SELECT count(*)::int AS n FROM gdpr.breach_events WHERE breach_id = $1', [id]);
    expect(rows[0].n).toBe(0);
  });
});

describe('the deadline and the clock are the database\'s', () => {
  test('a breach started from a detection is due 72 hours after it was detected; recorded_at and recorded_by are the database\'s', async () => {
    const { id, deadline, detected } = await startBreach('5 hours', 'KeyDisabledOrScheduledForDeletion');
    expect(new Date(deadline).getTime() - new Date(detected).getTime()).toBe(72 * 3600 * 1000);
    const { rows } = await admin.query('SELECT source, nature, recorded_by, recorded_at >= detected_at AS ordered, decision, decision_overdue FROM gdpr.breach_register WHERE id = $1', [id]);
    expect(rows[0]).toEqual({ source: 'KeyDisabledOrScheduledForDeletion', nature: NATURE, recorded_by: DPO, ordered: true, decision: 'undecided', decision_overdue: false });
  });

  test('the DPO cannot write a row with a deadline of its own: no INSERT, and no function takes a deadline or a time of recording', async () => {
    await asDpo(async (c) => {
      await expect(
        c.query("INSERT INTO gdpr.breaches (detected_at, notification_deadline, source, nature) VALUES (now(), now() + interval '30 days', 'manual', 'a breach with a month to notify')"),
      ).rejects.toThrow(/permission denied/);
      await expect(c.query("INSERT INTO gdpr.breach_events (breach_id, kind, detail, at) VALUES (1, 'closed', 'closed long ago', now() - interval '1 year')")).rejects.toThrow(/permission denied/);
    });
    const { rows } = await admin.query(
      "SELECT p.proname, pg_get_function_identity_arguments(p.oid) AS args FROM pg_proc p WHERE p.proname IN ('record_breach', 'record_breach_event') ORDER BY 1",
    );
    expect(rows).toEqual([
      { proname: 'record_breach', args: 'p_detected_at timestamp with time zone, p_source text, p_nature text' },
      { proname: 'record_breach_event', args: 'p_breach bigint, p_kind text, p_detail text, p_reference text, p_delay_reason text' },
    ]);
  });

  test('even the owner cannot store a deadline other than detection + 72 hours', async () => {
    await expect(
      admin.query("INSERT INTO gdpr.breaches (detected_at, notification_deadline, source, nature) VALUES (now(), now() + interval '73 hours', 'manual', 'a breach with more time')"),
    ).rejects.toThrow(/breach_deadline_is_72_hours/);
  });

  test('a detection later than the database\'s time is refused (it would push the deadline back)', async () => {
    await expect(asDpo((c) => c.query("SELECT * FROM gdpr.record_breach(now() + interval '2 days', 'manual', 'a breach detected the day after tomorrow')"))).rejects.toThrow(
      /cannot be later than the database's time/,
    );
  });

  test('a source that is not a name and a nature too short are refused, and the error does not repeat what the caller wrote', async () => {
    const leaked = 'inès.martin@example.fr';
    const error = await asDpo((c) => c.query('SELECT * FROM gdpr.record_breach(now(), $1, $2)', [`'; DROP TABLE gdpr.breaches; -- ${leaked}`, NATURE])).catch((e: Error) => e);
    expect(String(error)).toMatch(/source must be the detection's name/);
    expect(String(error)).not.toContain(leaked);
    const { id } = await startBreach();
    const short = await asDpo((c) => event(c, id, 'not-notified', `no ${leaked}`.slice(0, 12))).catch((e: Error) => e);
    expect(String(short)).toMatch(/needs its reason/);
    expect(String(short)).not.toContain('no inès');
  });
});

describe('nobody rewrites the history', () => {
  let breach: string;
  beforeAll(async () => {
    breach = (await startBreach()).id;
    await asDpo((c) => event(c, breach, 'assessment', 'Contacts of 1,200 people, identity and contact categories'));
  });

  test('the DPO may not update, delete or truncate a breach or an event', async () => {
    await asDpo(async (c) => {
      for (const statement of [
        "UPDATE gdpr.breaches SET nature = 'nothing happened'",
        'DELETE FROM gdpr.breaches',
        'TRUNCATE gdpr.breaches CASCADE',
        "UPDATE gdpr.breach_events SET kind = 'not-a-breach'",
        'DELETE FROM gdpr.breach_events',
        'TRUNCATE gdpr.breach_events',
      ]) {
        await expect(c.query(statement)).rejects.toThrow(/permission denied/);
      }
    });
  });

  test('the owner may not either: both tables are append-only', async () => {
    for (const statement of [
      `UPDATE gdpr.breaches SET nature = 'nothing happened at all' WHERE id = ${breach}`,
      `DELETE FROM gdpr.breaches WHERE id = ${breach}`,
      'TRUNCATE gdpr.breaches CASCADE',
      `UPDATE gdpr.breach_events SET detail = 'nothing was found at all' WHERE breach_id = ${breach}`,
      `DELETE FROM gdpr.breach_events WHERE breach_id = ${breach}`,
      'TRUNCATE gdpr.breach_events',
    ]) {
      await expect(admin.query(statement)).rejects.toThrow(/is append-only/);
    }
    const { rows } = await admin.query('SELECT count(*)::int AS n FROM gdpr.breach_events WHERE breach_id = $1', [breach]);
    expect(rows[0].n).toBe(1);
  });
});

describe('every breach is recorded, notified or not, with the reasons', () => {
  test('"not notified: unlikely to result in a risk" needs its reason', async () => {
    const { id } = await startBreach();
    await asDpo(async (c) => {
      await expect(event(c, id, 'not-notified', 'no risk here')).rejects.toThrow(/not-notified needs its reason/);
      await event(c, id, 'not-notified', 'The shared snapshot was encrypted with a key the other account cannot use; sharing revoked within 20 minutes');
      const { rows } = await c.query('SELECT decision, authority_notified_at, closed FROM gdpr.breach_register WHERE id = $1', [id]);
      expect(rows[0]).toEqual({ decision: 'not notified', authority_notified_at: null, closed: false });
    });
  });

  test('a notification in phases (art. 33(4)): a first notification with its reference, then later phases; never "not notified" after it', async () => {
    const { id } = await startBreach();
    await asDpo(async (c) => {
      await expect(event(c, id, 'authority-supplement', 'Numbers of people now known: 1,200')).rejects.toThrow(/follows a first notification/);
      await expect(event(c, id, 'authority-notified', 'Nature, categories, DPO contact; numbers still unknown')).rejects.toThrow(/authority's reference/);
      await event(c, id, 'authority-notified', 'Nature, categories, DPO contact; numbers still unknown', 'CNIL-2026-000123');
      await event(c, id, 'authority-supplement', 'Numbers of people now known: 1,200', 'CNIL-2026-000123');
      await expect(event(c, id, 'not-notified', 'On reflection the risk was unlikely after all')).rejects.toThrow(/was notified/);
      await event(c, id, 'people-informed', 'E-mail sent to the 1,200 people with the letter of the runbook');
      await event(c, id, 'closed', 'Remediation done, register complete');
      await expect(event(c, id, 'remedial-action', 'Another measure taken after closing')).rejects.toThrow(/is closed/);
      const { rows } = await c.query('SELECT decision, notified_late, later_phases::int AS phases, people, closed FROM gdpr.breach_register WHERE id = $1', [id]);
      expect(rows[0]).toEqual({ decision: 'notified', notified_late: false, phases: 1, people: 'people-informed', closed: true });
    });
  });

  test('a notification after the 72 hours gives the reasons for the delay (art. 33(1)); the register shows it late', async () => {
    const { id } = await startBreach('80 hours');
    await asDpo(async (c) => {
      let { rows } = await c.query('SELECT decision_overdue FROM gdpr.breach_register WHERE id = $1', [id]);
      expect(rows[0].decision_overdue).toBe(true);
      await expect(event(c, id, 'authority-notified', 'Full notification of the breach', 'CNIL-2026-000124')).rejects.toThrow(/reasons for the delay/);
      await event(c, id, 'authority-notified', 'Full notification of the breach', 'CNIL-2026-000124', 'The detection e-mail went to a mailbox nobody read over the weekend');
      ({ rows } = await c.query('SELECT decision, notified_late, decision_overdue FROM gdpr.breach_register WHERE id = $1', [id]));
      expect(rows[0]).toEqual({ decision: 'notified', notified_late: true, decision_overdue: false });
    });
  });

  test('an event of an unknown kind, or for a breach that does not exist, is refused', async () => {
    const { id } = await startBreach();
    await asDpo(async (c) => {
      await expect(event(c, id, 'forgotten', 'We decided to forget about it')).rejects.toThrow(/kind must be one of/);
      await expect(event(c, '999999', 'assessment', 'An assessment of nothing')).rejects.toThrow(/no breach 999999/);
      await expect(event(c, id, 'assessment', 'An assessment', undefined, 'A delay reason on an assessment')).rejects.toThrow(/only a notification has a delay reason/);
    });
  });
});
