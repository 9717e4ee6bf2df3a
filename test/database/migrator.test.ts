import { loadMigrations, migration } from '../../lib/database/migrations';
import { migrate } from '../../lib/database/migrator';
import { startPostgres, TestDatabase } from '../helpers/postgres';

let db: TestDatabase;
beforeAll(async () => {
  db = await startPostgres();
});
afterAll(async () => db?.stop());

const tables = async () =>
  (await db.admin.query("SELECT table_schema || '.' || table_name AS t FROM information_schema.tables WHERE table_schema IN ('crm', 'gdpr') ORDER BY 1")).rows.map((r) => r.t);

describe('migrations against a real PostgreSQL', () => {
  test('apply in order, each recorded with its checksum', async () => {
    const migrations = loadMigrations();
    const result = await migrate(db.admin, migrations);
    expect(result.applied).toEqual(migrations.map((m) => m.version));
    const { rows } = await db.admin.query('SELECT version, name, checksum FROM meta.schema_migrations ORDER BY version');
    expect(rows).toEqual(migrations.map((m) => ({ version: m.version, name: m.name, checksum: m.checksum })));
    expect(await tables()).toEqual(expect.arrayContaining(['crm.contacts', 'crm.consents', 'crm.notes', 'crm.special_diet', 'gdpr.audit_log', 'gdpr.erasure_log']));
  });

  test('are idempotent: a second run applies nothing', async () => {
    const migrations = loadMigrations();
    const result = await migrate(db.admin, migrations);
    expect(result).toEqual({ applied: [], skipped: migrations.map((m) => m.version) });
  });

  test('a failing migration is rolled back entirely and not recorded', async () => {
    const migrations = [...loadMigrations()];
    const broken = migration(
      `${String(migrations.length + 1).padStart(4, '0')}_broken.sql`,
      'CREATE TABLE crm.half_done (id int); SELECT no_such_function();',
    );
    const error = await migrate(db.admin, [...migrations, broken]).catch((err) => err);
    // The step and the SQLSTATE only; the database's text (which can carry values) stays in the cause.
    expect(error.message).toMatch(/^migration \d{4}_broken\.sql failed and was rolled back \(SQLSTATE 42883\)$/);
    expect(error).toMatchObject({ step: expect.stringMatching(/_broken\.sql$/), sqlstate: '42883', cause: expect.objectContaining({ message: 'function no_such_function() does not exist' }) });
    expect(await tables()).not.toContain('crm.half_done');
    const { rows } = await db.admin.query('SELECT count(*)::int AS n FROM meta.schema_migrations WHERE name = $1', ['broken']);
    expect(rows[0].n).toBe(0);
  });

  test('an applied migration whose file changed is refused', async () => {
    const [first, ...rest] = loadMigrations();
    const edited = migration(`0001_${first.name}.sql`, `${first.sql}\n-- edited`);
    await expect(migrate(db.admin, [edited, ...rest])).rejects.toThrow(/migration 0001_contacts\.sql changed after it was applied .* write a new migration instead of editing a shipped one/);
  });

  test('a file name out of convention or a gap in versions is refused', () => {
    expect(() => migration('1_init.sql', '')).toThrow(/name must be NNNN_name\.sql/);
  });
});

describe('a failing step says where it failed, never what the database said', () => {
  test('an error whose text carries values is reported by its SQLSTATE only', async () => {
    await db.admin.query("INSERT INTO crm.contacts (email, first_name) VALUES ('alice@example.fr', 'Alice'), ('alice@example.fr', 'Alice')");
    const migrations = [...loadMigrations()];
    const next = `${String(migrations.length + 1).padStart(4, '0')}`;
    const unique = migration(`${next}_unique_email.sql`, 'CREATE UNIQUE INDEX contacts_email ON crm.contacts (email);');
    const error = await migrate(db.admin, [...migrations, unique]).catch((err) => err);
    expect(error.message).toBe(`migration ${next}_unique_email.sql failed and was rolled back (SQLSTATE 23505)`);
    expect(error.cause.detail).toMatch(/alice@example\.fr/);
    const raise = migration(`${next}_raise.sql`, "DO $$ BEGIN RAISE EXCEPTION 'rows: %', (SELECT string_agg(email, ',') FROM crm.contacts); END $$;");
    const second = await migrate(db.admin, [...migrations, raise]).catch((err) => err);
    expect(second.message).toBe(`migration ${next}_raise.sql failed and was rolled back (SQLSTATE P0001)`);
    expect(second.message).not.toMatch(/alice/);
  });
});
