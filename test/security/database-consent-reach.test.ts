import { sampledAnswers } from '../helpers/sampled-calls';
import type { Client } from 'pg';
import { AccessRole, Catalog } from '../../lib/catalog/catalog';
import { databaseSql } from '../../lib/database/database-sql';
import { extractRole } from '../../lib/database/grants';
import { migrate } from '../../lib/database/migrator';
import { defaultConfig } from '../helpers/reference';
import { startPostgres, TestDatabase, databaseMessage } from '../helpers/postgres';
import { recordExplicitConsent } from '../helpers/consent';

/**
 * Break 4 of issue 10: crm.special_flags ran with its owner's rights, so a
 * consent-bound role given a flag saw every contact. Proven generically: for
 * every consent-bound role, every relation and function of crm and gdpr it can
 * use (read from pg_catalog, so a view or function added later is checked
 * too) is queried logged in as that role, and none returns, or answers
 * differently for, a contact that does not consent to the role's purpose.
 */

// The reference catalog, plus a consent-bound role with flags and a consent-bound extract job.
const config = defaultConfig() as any;
config.roles.find((r: any) => r.name === 'marketing').flags = ['special_diet', 'accessibility'];
config.subcontractors[0].consentPurpose = 'newsletter';
const catalog = Catalog.fromConfig(config);
const bound: AccessRole[] = [...catalog.roles, ...catalog.subcontractors.map(extractRole)].filter((r) => r.consentPurpose);

const NOBODY = '00000000-0000-4000-8000-000000000000';
let db: TestDatabase;
let admin: Client;
/** Contacts by name: id and the marker every value about them carries. */
const people: Record<string, { id: string; marker: string; active: string[] }> = {};

async function person(name: string, consents: { purpose: string; withdrawn?: boolean }[]): Promise<void> {
  const marker = `mk-${name}`;
  const { rows } = await admin.query(
    "INSERT INTO crm.contacts (first_name, last_name, email, company) VALUES ($1, $1, $1 || '@example.org', $1 || ' SA') RETURNING id",
    [marker],
  );
  const id = rows[0].id as string;
  for (const c of consents) {
    await admin.query(
      "INSERT INTO crm.consents (contact_id, purpose, source, proof_reference, given_at, withdrawn_at) VALUES ($1, $2, $3, $3, now() - interval '2 days', CASE WHEN $4 THEN now() - interval '1 day' END)",
      [id, c.purpose, `${marker} ${c.purpose}`, c.withdrawn === true],
    );
  }
  await admin.query('INSERT INTO crm.notes (contact_id, body) VALUES ($1, $2)', [id, `Called about ${marker}.`]);
  await admin.query("INSERT INTO crm.bookings (contact_id, arrival, departure, amount_cents) VALUES ($1, current_date - 3, current_date - 1, 1234)", [id]);
  await recordExplicitConsent(admin, id);
  await admin.query('INSERT INTO crm.special_diet (contact_id, detail) VALUES ($1, $2)', [id, `diet ${marker}`]);
  await admin.query('INSERT INTO crm.accessibility (contact_id, detail) VALUES ($1, $2)', [id, `access ${marker}`]);
  // Due for recontact, so that crm.recontact_due lists them all to a role that sees them.
  await admin.query('ALTER TABLE crm.contacts DISABLE TRIGGER touch');
  await admin.query("UPDATE crm.contacts SET last_action_at = now() - interval '1080 days' WHERE id = $1", [id]);
  await admin.query('ALTER TABLE crm.contacts ENABLE TRIGGER touch');
  people[name] = { id, marker, active: consents.filter((c) => !c.withdrawn).map((c) => c.purpose) };
}

beforeAll(async () => {
  db = await startPostgres();
  admin = db.admin;
  const sql = databaseSql(catalog);
  await migrate(admin, sql.migrations, sql.catalogSql);
  await person('everything', [{ purpose: 'newsletter' }, { purpose: 'events' }]);
  await person('never', []);
  await person('withdrawn', [{ purpose: 'newsletter', withdrawn: true }, { purpose: 'events' }]);
  await person('eventsonly', [{ purpose: 'events' }]);
});
afterAll(async () => db?.stop());

interface Reach {
  relations: string[];
  functions: string[];
  /** What the role obtained about contacts it must not see. */
  leaks: string[];
  /** Whether it saw the consenting contact at all (the check is not vacuous). */
  sawConsenting: boolean;
}

/** Sample values for a function argument of a type. */
function samples(type: string, id: string, purposes: string[]): string[] {
  if (type === 'uuid') return [id];
  if (type === 'text') return [...purposes, people.never.marker];
  return [''];
}

/** Everything a role can use in crm and gdpr, queried as the role itself. */
async function reach(role: AccessRole): Promise<Reach> {
  const hidden = Object.values(people).filter((p) => !p.active.includes(role.consentPurpose as string));
  const consenting = Object.values(people).filter((p) => p.active.includes(role.consentPurpose as string));
  const secrets = hidden.flatMap((p) => [p.id, p.marker]);
  const leaks: string[] = [];
  const { rows: relations } = await admin.query(
    `SELECT c.oid::regclass::text AS rel,
            array_agg(quote_ident(a.attname) ORDER BY a.attnum) AS cols
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
     WHERE n.nspname IN ('crm', 'gdpr') AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
       AND has_column_privilege($1, c.oid, a.attnum, 'SELECT')
     GROUP BY c.oid ORDER BY 1`,
    [role.name],
  );
  const { rows: functions } = await admin.query(
    `SELECT p.oid::regprocedure::text AS sig, n.nspname || '.' || quote_ident(p.proname) AS fn,
            COALESCE(array(SELECT t::regtype::text FROM unnest(p.proargtypes) t), '{}') AS args
     FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
     WHERE n.nspname IN ('crm', 'gdpr') AND p.prokind = 'f' AND p.prorettype <> 'trigger'::regtype
       AND has_function_privilege($1, p.oid, 'EXECUTE')
     ORDER BY 1`,
    [role.name],
  );
  let sawConsenting = false;
  const purposes = catalog.consentPurposes.map((p) => p.name);
  await db.as(role.name, async (c) => {
    for (const { rel, cols } of relations) {
      const { rows } = await c.query(`SELECT to_jsonb(x)::text AS row FROM (SELECT ${cols.join(', ')} FROM ${rel}) x`);
      for (const { row } of rows) {
        for (const s of secrets) if (row.includes(s)) leaks.push(`${rel} returns ${s}`);
        if (consenting.some((p) => row.includes(p.id))) sawConsenting = true;
      }
    }
    for (const { sig, fn, args } of functions) {
      // Each function is called for each hidden contact and for an id that does not exist: the answers must not differ.
      const call = (id: string) => sampledAnswers(c, fn, args as string[], id, (type, x) => samples(type, x, purposes));
      const baseline = await call(NOBODY);
      for (const p of hidden) {
        const answers = await call(p.id);
        for (const s of secrets) if (answers.join('\n').includes(s)) leaks.push(`${sig} returns ${s}`);
        if (JSON.stringify(answers) !== JSON.stringify(baseline)) leaks.push(`${sig} answers differently for ${p.marker}: ${answers.join('; ')} versus ${baseline.join('; ')}`);
      }
    }
  });
  return { relations: relations.map((r) => r.rel), functions: functions.map((f) => f.sig), leaks, sawConsenting };
}

describe('no view or function a consent-bound role can reach returns a contact without its consent', () => {
  test('the catalog has consent-bound roles, one of them flagged, one an extract job', () => {
    expect(bound.map((r) => [r.name, r.consentPurpose, r.flags.map((f) => f.name)])).toEqual([
      ['marketing', 'newsletter', ['special_diet', 'accessibility']],
      ['extract_statlab', 'newsletter', []],
    ]);
  });

  test.each(bound.map((r) => [r.name, r]))('%s: every relation and function it can use', async (_name, role) => {
    const found = await reach(role as AccessRole);
    expect(found.leaks).toEqual([]);
    expect(found.sawConsenting).toBe(true);
    expect(found.relations).toContain('crm.contacts');
    expect(found.functions).toContain(`crm.has_consent_${(role as AccessRole).consentPurpose}(uuid)`);
  });

  test('the flagged role reaches the flags and the recontact list, and they honour the consent', async () => {
    const found = await reach(catalog.roles.find((r) => r.name === 'marketing') as AccessRole);
    expect(found.relations).toEqual(expect.arrayContaining(['crm.special_flags', 'crm.recontact_due', 'crm.consents']));
    expect(found.functions).toEqual(expect.arrayContaining(['crm.withdraw_consent(uuid,text)']));
    expect(found.leaks).toEqual([]);
    const flags = await db.as('marketing', async (c) => (await c.query('SELECT contact_id, has_special_diet FROM crm.special_flags')).rows);
    expect(flags).toEqual([{ contact_id: people.everything.id, has_special_diet: true }]);
  });
});

describe('the check catches an owner-rights view or function added later', () => {
  afterAll(async () => {
    await admin.query('DROP VIEW IF EXISTS crm.planted_directory');
    await admin.query('DROP FUNCTION IF EXISTS crm.planted_lookup(uuid)');
  });

  test('a view with its owner rights, granted to marketing, is found leaking, and the catalog SQL refuses it', async () => {
    await admin.query('CREATE VIEW crm.planted_directory AS SELECT id AS contact_id, email FROM crm.contacts');
    await admin.query('GRANT SELECT ON crm.planted_directory TO marketing');
    const found = await reach(catalog.roles.find((r) => r.name === 'marketing') as AccessRole);
    expect(found.leaks).toEqual(expect.arrayContaining([`crm.planted_directory returns ${people.never.id}`]));
    const sql = databaseSql(catalog);
    expect(await databaseMessage(migrate(admin, sql.migrations, sql.catalogSql))).toMatch(
      /view\(s\) crm\.planted_directory run with their owner's rights and would bypass row security/,
    );
    await admin.query('DROP VIEW crm.planted_directory');
  });

  test('an owner-rights function taking any id, granted to marketing, is found leaking', async () => {
    await admin.query(
      'CREATE FUNCTION crm.planted_lookup(p uuid) RETURNS text LANGUAGE sql STABLE SECURITY DEFINER AS $$ SELECT email FROM crm.contacts WHERE id = p $$',
    );
    await admin.query('GRANT EXECUTE ON FUNCTION crm.planted_lookup(uuid) TO marketing');
    const found = await reach(catalog.roles.find((r) => r.name === 'marketing') as AccessRole);
    expect(found.leaks.some((l) => l.startsWith('crm.planted_lookup(uuid) returns mk-never'))).toBe(true);
    expect(found.leaks.some((l) => l.startsWith('crm.planted_lookup(uuid) answers differently'))).toBe(true);
  });
});
