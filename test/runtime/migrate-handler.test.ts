import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Catalog } from '../../lib/catalog/catalog';
import { databaseSql } from '../../lib/database/database-sql';
import { loadMigrations } from '../../lib/database/migrations';
import { BUNDLES_DIR } from '../../lib/runtime/bundles';
import type { CustomResourceEvent } from '../../lib/runtime/cfn-response';
import { createMigrateHandler } from '../../lib/runtime/migrate';
import { defaultConfig } from '../helpers/reference';
import { startPostgres, TestDatabase } from '../helpers/postgres';

/** Stands in for CloudFormation's pre-signed response URL: records what the handler reports. */
let responses: Record<string, any>[];
let server: Server;
let responseUrl: string;
let db: TestDatabase;
let handler: (event: CustomResourceEvent) => Promise<void>;

beforeAll(async () => {
  db = await startPostgres();
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      responses.push(JSON.parse(body));
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  responseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/response`;
  const { host, port, user, password, database } = (db.admin as any).connectionParameters;
  handler = createMigrateHandler({
    host,
    port,
    database,
    credentials: async () => ({ user, password }),
    // The directory shipped in the Lambda bundle, so the test runs what is deployed.
    migrationsDir: join(BUNDLES_DIR, 'migrate', 'sql'),
    ssl: false,
  });
});
afterAll(async () => {
  server?.close();
  await db?.stop();
});
beforeEach(() => {
  responses = [];
});

const catalogSql = databaseSql(Catalog.fromConfig(defaultConfig())).catalogSql;
const event = (RequestType: CustomResourceEvent['RequestType'], sql = catalogSql): CustomResourceEvent => ({
  RequestType,
  ResponseURL: responseUrl,
  StackId: 'arn:aws:cloudformation:eu-west-3:111122223333:stack/GdprContactBaseline/1',
  RequestId: `req-${RequestType}`,
  LogicalResourceId: 'SchemaResource',
  PhysicalResourceId: RequestType === 'Create' ? undefined : 'contacts/schema',
  ResourceProperties: { CatalogSql: sql },
});

describe('the schema migrations custom resource handler, against a real PostgreSQL', () => {
  test('Create applies every migration and the catalog privileges, and reports success', async () => {
    await handler(event('Create'));
    const versions = loadMigrations(join(BUNDLES_DIR, 'migrate', 'sql')).map((m) => m.version).join(',');
    expect(responses).toEqual([expect.objectContaining({ Status: 'SUCCESS', RequestId: 'req-Create', LogicalResourceId: 'SchemaResource', Data: { Applied: versions } })]);
    const { rows } = await db.admin.query("SELECT has_column_privilege('accounting', 'crm.bookings', 'amount_cents', 'SELECT') AS granted");
    expect(rows[0].granted).toBe(true);
  });

  test('Update is idempotent: nothing applied twice', async () => {
    await handler(event('Update'));
    expect(responses).toEqual([expect.objectContaining({ Status: 'SUCCESS', Data: { Applied: 'none' } })]);
  });

  test('a failure is reported to CloudFormation with its reason and changes nothing', async () => {
    const log = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    await handler(event('Update', `${catalogSql}\nGRANT SELECT ON crm.no_such_table TO sales;`));
    expect(responses).toEqual([
      expect.objectContaining({ Status: 'FAILED', Reason: expect.stringMatching(/catalog privileges failed and was rolled back: relation "crm\.no_such_table" does not exist/) }),
    ]);
    expect(log).toHaveBeenCalledWith(expect.stringMatching(/crm\.no_such_table/));
    log.mockRestore();
    const { rows } = await db.admin.query("SELECT has_column_privilege('accounting', 'crm.bookings', 'amount_cents', 'SELECT') AS granted");
    expect(rows[0].granted).toBe(true);
  });

  test('Delete keeps the schema and its data', async () => {
    await db.admin.query("INSERT INTO crm.contacts (email) VALUES ('kept@example.fr')");
    await handler(event('Delete'));
    expect(responses).toEqual([expect.objectContaining({ Status: 'SUCCESS' })]);
    const { rows } = await db.admin.query("SELECT count(*)::int AS n FROM crm.contacts WHERE email = 'kept@example.fr'");
    expect(rows[0].n).toBe(1);
  });
});
