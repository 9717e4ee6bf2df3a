import type { Client } from 'pg';
import { Catalog } from '../../lib/catalog/catalog';
import { parseConfig } from '../../lib/config/load';
import { databaseSql } from '../../lib/database/database-sql';
import { defaultConfig, defaultConfigInput } from '../helpers/reference';
import { TestDatabase, startReferenceDatabase } from '../helpers/postgres';

const config = defaultConfig();
const catalog = Catalog.fromConfig(config);
const RECORD_DAYS = 1095;
let db: TestDatabase;
let admin: Client;

beforeAll(async () => {
  db = await startReferenceDatabase(catalog);
  admin = db.admin;
});
afterAll(async () => db?.stop());

/** Runs queries as a database role (privileges and row security apply). */
const as = <T>(role: string, work: (c: Client) => Promise<T>): Promise<T> => db.as(role, work);

/** A contact whose last action was `ago` days ago (the trigger that keeps it current is bypassed to set it). */
async function inactiveFor(ago: number, email: string, consents: string[] = []): Promise<string> {
  const { rows } = await admin.query("INSERT INTO crm.contacts (first_name, email) VALUES ('Jeanne', $1) RETURNING id", [email]);
  const id = rows[0].id as string;
  for (const purpose of consents) {
    await admin.query("INSERT INTO crm.consents (contact_id, purpose, source, proof_reference) VALUES ($1, $2, 'web', 'form-9')", [id, purpose]);
  }
  await admin.query('ALTER TABLE crm.contacts DISABLE TRIGGER touch');
  await admin.query('UPDATE crm.contacts SET last_action_at = now() - make_interval(days => $2) WHERE id = $1', [id, ago]);
  await admin.query('ALTER TABLE crm.contacts ENABLE TRIGGER touch');
  return id;
}

const listed = (role: string) =>
  as(role, async (c) => (await c.query('SELECT contact_id, expiring_categories, round(extract(epoch FROM due_at - now()) / 86400) AS in_days FROM crm.recontact_due ORDER BY due_at')).rows);

describe('crm.recontact_due lists the contacts whose record ends within the recontact window', () => {
  let dueIn30: string;
  let dueIn10Consenting: string;
  let dueIn195: string;
  let overdue: string;
  beforeAll(async () => {
    dueIn30 = await inactiveFor(RECORD_DAYS - 30, 'due-in-30@example.fr');
    dueIn10Consenting = await inactiveFor(RECORD_DAYS - 10, 'due-in-10@example.fr', ['newsletter']);
    dueIn195 = await inactiveFor(RECORD_DAYS - 195, 'due-in-195@example.fr');
    overdue = await inactiveFor(RECORD_DAYS + 2, 'overdue@example.fr');
  });

  test(`the window is the configured ${config.retention.recontactDays} days, and the expiring categories are those of the contact record`, async () => {
    expect(await listed('sales')).toEqual([
      { contact_id: dueIn10Consenting, expiring_categories: ['contact', 'identity', 'professional'], in_days: '10' },
      { contact_id: dueIn30, expiring_categories: ['contact', 'identity', 'professional'], in_days: '30' },
    ]);
    const ids = (await listed('sales')).map((r) => r.contact_id);
    expect(ids).not.toContain(dueIn195);
    expect(ids).not.toContain(overdue);
  });

  test('a consent-bound role sees only the contacts it may see (row security applies)', async () => {
    expect((await listed('marketing')).map((r) => r.contact_id)).toEqual([dueIn10Consenting]);
  });

  test('a role lists them with what it may read, and nothing more', async () => {
    const rows = await as('marketing', async (c) =>
      (await c.query('SELECT r.due_at IS NOT NULL AS due, c.email FROM crm.recontact_due r JOIN crm.contacts c ON c.id = r.contact_id')).rows,
    );
    expect(rows).toEqual([{ due: true, email: 'due-in-10@example.fr' }]);
  });

  test('only the roles that own the relationship may read it', async () => {
    for (const role of catalog.roles) {
      const { rows } = await admin.query("SELECT has_table_privilege($1, 'crm.recontact_due', 'SELECT') AS ok", [role.name]);
      expect([role.name, rows[0].ok]).toEqual([role.name, role.recontact === true]);
    }
    await expect(listed('accounting')).rejects.toThrow(/permission denied for view recontact_due/);
  });

  test('a reminder without an answer keeps the contact on the list; the person\'s reply restarts the clock and removes it', async () => {
    await as('sales', (c) => c.query("INSERT INTO crm.notes (contact_id, body) VALUES ($1, 'Relance envoyée, pas de réponse.')", [dueIn30]));
    expect((await listed('sales')).map((r) => r.contact_id)).toContain(dueIn30);
    await as('sales', (c) => c.query("INSERT INTO crm.notes (contact_id, body) VALUES ($1, 'Called back: still interested in the spring seminar.')", [dueIn30]));
    await as('sales', (c) => c.query("INSERT INTO crm.person_contacts (contact_id, kind) VALUES ($1, 'reply')", [dueIn30]));
    expect((await listed('sales')).map((r) => r.contact_id)).toEqual([dueIn10Consenting]);
  });
});

describe('configuration', () => {
  test('a recontact role must read a category of the contact record, or it could not tell whom to call', () => {
    const input = defaultConfigInput();
    input.roles.push({ name: 'kitchen', description: 'Kitchen staff', reads: ['special_diet'], vpnGroupId: 'k', specialCategoryJustification: 'The kitchen prepares the meals guests asked for', recontact: true, trustedPrincipalArns: ['arn:aws:iam::111122223333:role/Kitchen'] });
    expect(() => databaseSql(Catalog.fromConfig(parseConfig(input)))).toThrow(
      /role kitchen has recontact: true but reads no category of the contact record \(identity, contact, professional\)/,
    );
  });
});
