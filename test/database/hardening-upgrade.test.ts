import { Catalog } from '../../lib/catalog/catalog';
import { databaseSql } from '../../lib/database/database-sql';
import { loadMigrations } from '../../lib/database/migrations';
import { migrate } from '../../lib/database/migrator';
import { defaultConfig } from '../helpers/reference';
import { startPostgres, TestDatabase } from '../helpers/postgres';

/**
 * A database deployed before migration 0004_hardening.sql: the purge user
 * could run the purge with any clock and consent-bound roles could ask
 * crm.has_active_consent about any contact and purpose. Upgrading takes both
 * away and keeps the consents already recorded.
 */
const all = loadMigrations();
const hardening = all.find((m) => m.name === 'hardening');
const before = all.filter((m) => m.version < (hardening?.version ?? 0));
let db: TestDatabase;
let id: string;

beforeAll(async () => {
  db = await startPostgres();
  await migrate(db.admin, before);
  // What the catalog SQL of the earlier version granted.
  await db.admin.query('CREATE ROLE retention_purge LOGIN');
  await db.admin.query('CREATE ROLE marketing LOGIN');
  await db.admin.query('GRANT USAGE ON SCHEMA gdpr, crm TO retention_purge, marketing');
  await db.admin.query('GRANT EXECUTE ON FUNCTION gdpr.purge_expired(timestamptz) TO retention_purge');
  await db.admin.query('GRANT EXECUTE ON FUNCTION crm.has_active_consent(uuid, text) TO marketing');
  await db.admin.query("INSERT INTO crm.purposes (name, description) VALUES ('newsletter', 'news')");
  id = (await db.admin.query("INSERT INTO crm.contacts (email) VALUES ('old@example.fr') RETURNING id")).rows[0].id;
  await db.admin.query("INSERT INTO crm.consents (contact_id, purpose, source, proof_reference, given_at) VALUES ($1, 'newsletter', 'web', 'form-1', '2025-01-01T00:00:00Z')", [id]);
});
afterAll(async () => db?.stop());

test('the hardening migration exists', () => {
  expect(hardening).toBeDefined();
  expect(before.length).toBeGreaterThan(0);
});

describe('upgrading a deployed database', () => {
  beforeAll(async () => {
    await migrate(db.admin, all.filter((m) => m.version <= (hardening?.version ?? 0)));
  });

  test('the migration alone takes the clock variant and the any-purpose consent question away from every role', async () => {
    const { rows } = await db.admin.query(
      `SELECT has_function_privilege('retention_purge', 'gdpr.purge_expired(timestamptz)', 'EXECUTE') AS clock,
              has_function_privilege('marketing', 'crm.has_active_consent(uuid, text)', 'EXECUTE') AS oracle`,
    );
    expect(rows[0]).toEqual({ clock: false, oracle: false });
  });

  test('consents recorded earlier are kept as they were, now under the ledger rules', async () => {
    const { rows } = await db.admin.query('SELECT given_at, proof_reference, withdrawn_at FROM crm.consents WHERE contact_id = $1', [id]);
    expect(rows).toEqual([{ given_at: new Date('2025-01-01T00:00:00Z'), proof_reference: 'form-1', withdrawn_at: null }]);
    await expect(db.admin.query("UPDATE crm.consents SET given_at = '2020-01-01' WHERE contact_id = $1", [id])).rejects.toThrow(/append-only/);
  });

  test('the catalog SQL of this version then applies over it: the purge user runs the purge without a clock', async () => {
    const sql = databaseSql(Catalog.fromConfig(defaultConfig()));
    await migrate(db.admin, sql.migrations, sql.catalogSql);
    const { rows } = await db.admin.query(
      "SELECT has_function_privilege('retention_purge', 'gdpr.purge_expired()', 'EXECUTE') AS own, has_function_privilege('retention_purge', 'gdpr.purge_expired(timestamptz)', 'EXECUTE') AS clock",
    );
    expect(rows[0]).toEqual({ own: true, clock: false });
    const seen = await db.as('marketing', async (c) => (await c.query('SELECT email FROM crm.contacts')).rows);
    expect(seen).toEqual([{ email: 'old@example.fr' }]);
  });
});
