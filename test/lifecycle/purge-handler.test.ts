import { Catalog } from '../../lib/catalog/catalog';
import { PURGE_DATABASE_USER } from '../../lib/config/schema';
import { createPurgeHandler } from '../../lib/runtime/purge';
import { defaultConfig } from '../helpers/reference';
import { shiftClocks, startReferenceDatabase, TestDatabase } from '../helpers/postgres';

let db: TestDatabase;
let connection: { host: string; port: number; database: string };

beforeAll(async () => {
  db = await startReferenceDatabase(Catalog.fromConfig(defaultConfig()));
  // On Aurora the purge user signs in with an IAM token; the test server takes a password instead.
  await db.admin.query(`ALTER ROLE ${PURGE_DATABASE_USER} PASSWORD 'purge-test'`);
  const { host, port, database } = (db.admin as any).connectionParameters;
  connection = { host, port, database };
});
afterAll(async () => db?.stop());

const handler = () => createPurgeHandler({ ...connection, user: PURGE_DATABASE_USER, password: async () => 'purge-test', ssl: false });

describe('the scheduled purge function, signed in as its own database user', () => {
  test('with the database clock, a fresh contact is kept', async () => {
    await db.admin.query("INSERT INTO crm.contacts (email) VALUES ('fresh@example.fr')");
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    const outcome = await handler()();
    expect(outcome.total).toBe(0);
    // The database's clock, not this process's: the two differ when CI runs the suite on a faked date.
    const { rows } = await db.admin.query('SELECT extract(epoch FROM now()) * 1000 AS now');
    expect(Math.abs(Date.parse(outcome.clock) - Number(rows[0].now))).toBeLessThan(60_000);
    expect(log).toHaveBeenCalledWith(expect.stringContaining('"purge":"done"'));
    log.mockRestore();
  });

  test('once the data is older than every retention, everything is purged, and the log names counts, never values', async () => {
    // The purge has no clock to move: the data is aged instead.
    await shiftClocks(db, 3700);
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    const outcome = await handler()();
    expect(outcome.steps).toContainEqual({ relation: 'crm.contacts', category: '*', action: 'erased', rows: 1 });
    const logged = log.mock.calls.map((c) => String(c[0])).join('\n');
    expect(logged).not.toContain('fresh@example.fr');
    expect(logged).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/);
    log.mockRestore();
    const { rows } = await db.admin.query("SELECT count(*)::int AS n FROM crm.contacts WHERE email = 'fresh@example.fr'");
    expect(rows[0].n).toBe(0);
  });

  test('a wrong password fails the run (EventBridge retries, then the dead-letter queue keeps the event)', async () => {
    const failing = createPurgeHandler({ ...connection, user: PURGE_DATABASE_USER, password: async () => 'wrong', ssl: false });
    await expect(failing()).rejects.toThrow(/password authentication failed/);
  });
});
