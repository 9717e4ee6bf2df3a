import type { Client } from 'pg';
import { Catalog } from '../../lib/catalog/catalog';
import { defaultConfig } from '../helpers/reference';
import { TestDatabase, startReferenceDatabase } from '../helpers/postgres';

/**
 * Break 3 of issue 10: marketing (bound to newsletter) inserted consents for
 * contacts that never consented, cleared withdrawn_at, rewrote given_at and
 * proof_reference; crm.has_active_consent answered for any id. Every attack
 * runs logged in as the real role.
 */
const catalog = Catalog.fromConfig(defaultConfig());
let db: TestDatabase;
let admin: Client;

beforeAll(async () => {
  db = await startReferenceDatabase(catalog);
  admin = db.admin;
});
afterAll(async () => db?.stop());

const as = <T>(role: string, work: (c: Client) => Promise<T>): Promise<T> => db.as(role, work);

async function contact(email: string, consents: string[] = []): Promise<string> {
  const { rows } = await admin.query("INSERT INTO crm.contacts (first_name, email) VALUES ('Léa', $1) RETURNING id", [email]);
  const id = rows[0].id as string;
  for (const purpose of consents) {
    await admin.query("INSERT INTO crm.consents (contact_id, purpose, source, proof_reference, given_at) VALUES ($1, $2, 'salon', $3, now() - interval '30 days')", [
      id,
      purpose,
      `form-${purpose}-${email}`,
    ]);
  }
  return id;
}
const visibleToMarketing = (id: string) => as('marketing', async (c) => (await c.query('SELECT id FROM crm.contacts WHERE id = $1', [id])).rows.length === 1);
const ledger = async (id: string) =>
  (await admin.query('SELECT purpose, given_at, withdrawn_at, proof_reference, recorded_by, withdrawn_by FROM crm.consents WHERE contact_id = $1 ORDER BY id', [id])).rows;

describe('a withdrawal is recorded, never undone', () => {
  let withdrawn: string;
  beforeAll(async () => {
    withdrawn = await contact('withdrawn@example.fr', ['newsletter']);
    await as('marketing', (c) => c.query("SELECT crm.withdraw_consent($1, 'newsletter')", [withdrawn]));
  });

  test('the withdrawal records when and by whom, and hides the contact from marketing', async () => {
    expect(await ledger(withdrawn)).toEqual([expect.objectContaining({ withdrawn_by: 'marketing', withdrawn_at: expect.any(Date) })]);
    expect(await visibleToMarketing(withdrawn)).toBe(false);
  });

  test('marketing cannot clear withdrawn_at', async () => {
    await expect(as('marketing', (c) => c.query('UPDATE crm.consents SET withdrawn_at = NULL WHERE contact_id = $1', [withdrawn]))).rejects.toThrow(
      /permission denied for table consents/,
    );
    expect(await visibleToMarketing(withdrawn)).toBe(false);
  });

  test('not even the owner can undo a withdrawal or move its date', async () => {
    await expect(admin.query('UPDATE crm.consents SET withdrawn_at = NULL WHERE contact_id = $1', [withdrawn])).rejects.toThrow(/consent ledger is append-only/);
    await expect(admin.query("UPDATE crm.consents SET withdrawn_at = withdrawn_at + interval '1 year' WHERE contact_id = $1", [withdrawn])).rejects.toThrow(
      /append-only/,
    );
  });

  test('withdrawing again changes nothing: the first withdrawal stands', async () => {
    const [before] = await ledger(withdrawn);
    await as('sales', (c) => c.query("SELECT crm.withdraw_consent($1, 'newsletter')", [withdrawn]));
    expect(await ledger(withdrawn)).toEqual([before]);
  });

  test('re-inserting the withdrawn consent with its old proof is refused: a new consent needs new proof', async () => {
    await expect(
      as('marketing', (c) =>
        c.query("INSERT INTO crm.consents (contact_id, purpose, source, proof_reference, age_at_consent, age_established) VALUES ($1, 'newsletter', 'salon', $2, 30, 'declared-by-person')", [
          withdrawn,
          'form-newsletter-withdrawn@example.fr',
        ]),
      ),
    ).rejects.toThrow(/duplicate key value violates unique constraint "consents_proof_once"/);
    expect(await visibleToMarketing(withdrawn)).toBe(false);
  });
});

describe('proof and dates of a recorded consent never change', () => {
  let consenting: string;
  beforeAll(async () => {
    consenting = await contact('consenting@example.fr', ['newsletter']);
  });

  test.each([
    ["given_at = '2020-01-01'"],
    ["proof_reference = 'forged-2020'"],
    ["source = 'forged'"],
    ["purpose = 'events'"],
  ])('marketing cannot SET %s', async (assignment) => {
    await expect(as('marketing', (c) => c.query(`UPDATE crm.consents SET ${assignment} WHERE contact_id = $1`, [consenting]))).rejects.toThrow(
      /permission denied for table consents/,
    );
  });

  test.each([["given_at = '2020-01-01'"], ["proof_reference = 'forged-2020'"], ['contact_id = gen_random_uuid()'], ["recorded_by = 'dpo'"]])(
    'not even the owner can SET %s',
    async (assignment) => {
      await expect(admin.query(`UPDATE crm.consents SET ${assignment} WHERE contact_id = $1`, [consenting])).rejects.toThrow(/append-only|violates foreign key/);
    },
  );

  test('no role may delete or truncate the ledger', async () => {
    for (const role of catalog.roles) {
      await expect(as(role.name, (c) => c.query('DELETE FROM crm.consents WHERE contact_id = $1', [consenting]))).rejects.toThrow(/permission denied/);
      await expect(as(role.name, (c) => c.query('TRUNCATE crm.consents'))).rejects.toThrow(/permission denied/);
    }
    expect(await ledger(consenting)).toHaveLength(1);
  });
});

describe('a new consent is recorded by the database, with its actor', () => {
  test('marketing cannot backdate a consent, record it withdrawn, or record it without proof', async () => {
    const stranger = await contact('stranger-1@example.fr');
    const insert = (columns: string, values: string) =>
      as('marketing', (c) => c.query(`INSERT INTO crm.consents (contact_id, purpose, ${columns}) VALUES ($1, 'newsletter', ${values})`, [stranger]));
    await expect(insert('source, proof_reference, given_at', "'web', 'p-1', '2020-01-01'")).rejects.toThrow(/given_at is set by the database/);
    await expect(insert('source, proof_reference, withdrawn_at', "'web', 'p-2', now()")).rejects.toThrow(/a consent is recorded as given/);
    await expect(insert('source, proof_reference', "'web', '  '")).rejects.toThrow(/needs its source and its proof/);
    await expect(insert('source, proof_reference, recorded_by', "'web', 'p-3', 'dpo'")).rejects.toThrow(/permission denied for table consents/);
    expect(await ledger(stranger)).toEqual([]);
    expect(await visibleToMarketing(stranger)).toBe(false);
  });

  test('a contact marketing cannot see becomes visible only by a new consent with proof, logged with marketing as its actor', async () => {
    const stranger = await contact('stranger-2@example.fr');
    expect(await visibleToMarketing(stranger)).toBe(false);
    await as('marketing', (c) =>
      c.query("INSERT INTO crm.consents (contact_id, purpose, source, proof_reference, age_at_consent, age_established) VALUES ($1, 'newsletter', 'phone call', 'call-7781', 30, 'declared-by-person')", [stranger]),
    );
    expect(await visibleToMarketing(stranger)).toBe(true);
    const [row] = await ledger(stranger);
    expect(row).toMatchObject({ recorded_by: 'marketing', proof_reference: 'call-7781', withdrawn_at: null });
    // Stamped with the database's own clock (the process clock is not the database's, and may be faked).
    const { rows: clock } = await admin.query('SELECT abs(extract(epoch FROM now() - $1::timestamptz))::float8 AS seconds', [row.given_at]);
    expect(clock[0].seconds).toBeLessThan(60);
    const { rows } = await admin.query("SELECT actor FROM gdpr.audit_log WHERE contact_id = $1 AND table_name = 'consents' AND action = 'INSERT'", [stranger]);
    expect(rows).toEqual([{ actor: 'marketing' }]);
  });
});

describe('recording a withdrawal: the roles that own the relationship and the DPO, for any purpose', () => {
  const owners = catalog.roles.filter((r) => r.recontact || r.dataSubjectRights).map((r) => r.name);
  const others = catalog.roles.filter((r) => !(r.recontact || r.dataSubjectRights)).map((r) => r.name);

  test('the reference catalog has both kinds of roles', () => {
    expect(owners.sort()).toEqual(['dpo', 'marketing', 'sales']);
    expect(others).toEqual(['accounting']);
  });

  test.each(owners)('%s records an events withdrawal', async (role) => {
    // A contact every owner sees (marketing sees the newsletter's).
    const id = await contact(`events-${role}@example.fr`, ['events', 'newsletter']);
    await as(role, (c) => c.query("SELECT crm.withdraw_consent($1, 'events')", [id]));
    expect((await ledger(id)).filter((c: any) => c.purpose === 'events')).toEqual([expect.objectContaining({ purpose: 'events', withdrawn_by: role, withdrawn_at: expect.any(Date) })]);
  });

  test.each(others)('%s may not record withdrawals', async (role) => {
    const id = await contact(`events-${role}@example.fr`, ['events']);
    await expect(as(role, (c) => c.query("SELECT crm.withdraw_consent($1, 'events')", [id]))).rejects.toThrow(/permission denied for function withdraw_consent/);
    expect((await ledger(id))[0].withdrawn_at).toBeNull();
  });

  test('an unknown purpose is refused with the purposes that exist', async () => {
    const id = await contact('unknown-purpose@example.fr', ['events']);
    await expect(as('sales', (c) => c.query("SELECT crm.withdraw_consent($1, 'nope')", [id]))).rejects.toThrow(/purposes: accessibility, events, newsletter, special_diet/);
  });

  test('the withdrawal tells nothing about a contact the caller cannot see', async () => {
    const hidden = await contact('hidden-events@example.fr', ['events']);
    const answer = (id: string) =>
      as('marketing', async (c) => (await c.query("SELECT crm.withdraw_consent($1, 'events')::text AS r", [id])).rows).catch((err: Error) => `error: ${err.message}`);
    const unknown = await answer('00000000-0000-4000-8000-000000000000');
    expect(await answer(hidden)).toEqual(unknown);
    expect(unknown).toMatch(/^error: withdraw_consent: no contact with this id among those you may process/);
    // And the hidden contact's consent is still in force.
    expect((await admin.query("SELECT count(*)::int AS n FROM crm.consents WHERE contact_id = $1 AND purpose = 'events' AND withdrawn_at IS NULL", [hidden])).rows[0].n).toBe(1);
  });
});

describe('the consent question is no oracle', () => {
  test('crm.has_active_consent(any id, any purpose) is granted to nobody', async () => {
    const { rows } = await admin.query(
      "SELECT rolname FROM pg_roles WHERE rolname <> current_user AND NOT rolsuper AND has_function_privilege(oid, 'crm.has_active_consent(uuid, text)', 'EXECUTE')",
    );
    expect(rows).toEqual([]);
    await expect(as('marketing', (c) => c.query("SELECT crm.has_active_consent(gen_random_uuid(), 'events')"))).rejects.toThrow(/permission denied/);
  });

  test('marketing may ask about its own purpose only, which row security already answers', async () => {
    const eventsOnly = await contact('events-only@example.fr', ['events']);
    await expect(as('marketing', (c) => c.query('SELECT crm.has_consent_events($1)', [eventsOnly]))).rejects.toThrow(/permission denied for function has_consent_events/);
    const answer = await as('marketing', async (c) => (await c.query('SELECT crm.has_consent_newsletter($1) AS yes', [eventsOnly])).rows[0].yes);
    expect(answer).toBe(await visibleToMarketing(eventsOnly));
  });
});

describe('the accountability logs are append-only, even for the owner', () => {
  beforeAll(async () => {
    const id = await contact('logged@example.fr', ['newsletter']);
    await admin.query("SELECT gdpr.erase_contact($1, 'art. 17 request')", [id]);
    await admin.query('SELECT gdpr.replay_erasures()');
    await admin.query('INSERT INTO gdpr.purge_log (clock, relation, category, action, row_count) VALUES (now(), $1, $2, $3, 1)', ['crm.notes', 'notes', 'deleted']);
  });

  test.each(['gdpr.audit_log', 'gdpr.erasure_log', 'gdpr.purge_log', 'gdpr.erasure_replays'])('%s: UPDATE, DELETE and TRUNCATE are refused', async (table) => {
    const before = Number((await admin.query(`SELECT count(*) FROM ${table}`)).rows[0].count);
    expect(before).toBeGreaterThan(0);
    const lastColumn = (await admin.query(`SELECT attname FROM pg_attribute WHERE attrelid = '${table}'::regclass AND attnum > 0 ORDER BY attnum DESC LIMIT 1`)).rows[0].attname;
    await expect(admin.query(`UPDATE ${table} SET ${lastColumn} = ${lastColumn}`)).rejects.toThrow(/is append-only: UPDATE refused/);
    await expect(admin.query(`DELETE FROM ${table}`)).rejects.toThrow(/is append-only: DELETE refused/);
    await expect(admin.query(`TRUNCATE ${table}`)).rejects.toThrow(/is append-only: TRUNCATE refused/);
    expect(Number((await admin.query(`SELECT count(*) FROM ${table}`)).rows[0].count)).toBe(before);
  });

  test('the DPO reads the logs but cannot rewrite them', async () => {
    await expect(as('dpo', (c) => c.query('DELETE FROM gdpr.erasure_log'))).rejects.toThrow(/permission denied/);
    await expect(as('dpo', (c) => c.query("UPDATE gdpr.audit_log SET actor = 'nobody'"))).rejects.toThrow(/permission denied/);
  });
});
