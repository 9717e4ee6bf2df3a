import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Catalog } from '../../lib/catalog/catalog';
import { databaseSql } from '../../lib/database/database-sql';
import { bundleDir } from '../../lib/runtime/bundles';
import type { CustomResourceEvent } from '../../lib/runtime/cfn-response';
import { createMigrateHandler } from '../../lib/runtime/migrate';
import { stageMigrateAsset } from '../../lib/database/migrate-asset';
import { defaultConfig } from '../helpers/reference';
import { startPostgres, TestDatabase } from '../helpers/postgres';
import { httpSender, ResponseServer, startResponseServer } from './response-server';

const REGION = 'eu-west-3';
const STACK_ID = 'arn:aws:cloudformation:eu-west-3:111122223333:stack/GdprContactBaseline/1f2e3d4c-0000-1111-2222-333344445555';
const LOGICAL_ID = 'Schema42171392';
const RESPONSE_URL = 'https://cloudformation-custom-resource-response-euwest3.s3.eu-west-3.amazonaws.com/key?X-Amz-Signature=abc';

let db: TestDatabase;
let server: ResponseServer;
let handler: (event: unknown) => Promise<void>;
let asset: ReturnType<typeof stageMigrateAsset>;

beforeAll(async () => {
  db = await startPostgres();
  server = await startResponseServer();
  // The asset as the construct stages it: the shipped bundle (its migrations) plus the catalog SQL of the reference configuration.
  asset = stageMigrateAsset(mkdtempSync(join(tmpdir(), 'gdpr-migrate-asset-')), bundleDir('migrate'), databaseSql(Catalog.fromConfig(defaultConfig())).catalogSql);
  const { host, port, user, password, database } = (db.admin as any).connectionParameters;
  handler = createMigrateHandler({
    host,
    port,
    database,
    credentials: async () => ({ user, password }),
    assetDir: asset.dir,
    expected: { stackId: STACK_ID, logicalResourceId: LOGICAL_ID, region: REGION },
    expectedAsset: asset,
    // Responses addressed to CloudFormation's bucket are delivered to the local server, over HTTP.
    send: httpSender(server.url),
    log: () => undefined,
    ssl: false,
  });
});
afterAll(async () => {
  await server?.close();
  await db?.stop();
});
beforeEach(() => {
  server.requests.length = 0;
});

const responses = () => server.requests.map((r) => JSON.parse(r.body));
const event = (RequestType: CustomResourceEvent['RequestType'], properties: Record<string, unknown> = {}): CustomResourceEvent => ({
  RequestType,
  ResponseURL: RESPONSE_URL,
  StackId: STACK_ID,
  RequestId: `req-${RequestType}`,
  LogicalResourceId: LOGICAL_ID,
  PhysicalResourceId: RequestType === 'Create' ? undefined : 'contacts/schema',
  ResourceProperties: { ServiceToken: 'arn:aws:lambda:eu-west-3:111122223333:function:schema', Migrations: asset.migrations, CatalogSqlSha256: asset.catalogSqlSha256, ...properties },
});

describe('the schema migrations custom resource handler, against a real PostgreSQL', () => {
  test('Create applies every migration of its asset and the catalog privileges, and reports success', async () => {
    await handler(event('Create'));
    const versions = asset.migrations.split(',').map((m) => m.split(':')[0]).join(',');
    expect(responses()).toEqual([expect.objectContaining({ Status: 'SUCCESS', RequestId: 'req-Create', LogicalResourceId: LOGICAL_ID, Data: { Applied: versions } })]);
    const { rows } = await db.admin.query("SELECT has_column_privilege('accounting', 'crm.bookings', 'amount_cents', 'SELECT') AS granted");
    expect(rows[0].granted).toBe(true);
  });

  test('Update is idempotent: nothing applied twice', async () => {
    await handler(event('Update'));
    expect(responses()).toEqual([expect.objectContaining({ Status: 'SUCCESS', Data: { Applied: 'none' } })]);
  });

  test('hashes that are not those of its asset fail the request, with nothing run', async () => {
    await db.admin.query('REVOKE SELECT (amount_cents) ON crm.bookings FROM accounting');
    await handler(event('Update', { CatalogSqlSha256: '0'.repeat(64) }));
    await handler(event('Update', { Migrations: `${asset.migrations},99:${'0'.repeat(64)}` }));
    expect(responses().map((r) => [r.Status, r.Reason])).toEqual([
      ['FAILED', expect.stringMatching(/hashes are not those of the function's asset: nothing was run/)],
      ['FAILED', expect.stringMatching(/hashes are not those of the function's asset: nothing was run/)],
    ]);
    const { rows } = await db.admin.query("SELECT has_column_privilege('accounting', 'crm.bookings', 'amount_cents', 'SELECT') AS granted");
    expect(rows[0].granted).toBe(false);
    await handler(event('Update'));
    expect((await db.admin.query("SELECT has_column_privilege('accounting', 'crm.bookings', 'amount_cents', 'SELECT') AS granted")).rows[0].granted).toBe(true);
  });

  test('a database that cannot be reached fails the request with a code, not a message', async () => {
    const unreachable = createMigrateHandler({
      host: '127.0.0.1',
      port: 1,
      database: 'contacts',
      credentials: async () => ({ user: 'postgres', password: 'x' }),
      assetDir: asset.dir,
      expected: { stackId: STACK_ID, logicalResourceId: LOGICAL_ID, region: REGION },
      expectedAsset: asset,
      send: httpSender(server.url),
      log: () => undefined,
      ssl: false,
    });
    await unreachable(event('Update'));
    expect(responses()).toEqual([expect.objectContaining({ Status: 'FAILED', Reason: expect.stringMatching(/^connecting to the database failed \(ECONNREFUSED\)\. /) })]);
  });

  test('Delete keeps the schema and its data', async () => {
    await db.admin.query("INSERT INTO crm.contacts (email) VALUES ('kept@example.fr')");
    await handler(event('Delete'));
    expect(responses()).toEqual([expect.objectContaining({ Status: 'SUCCESS', PhysicalResourceId: 'contacts/schema' })]);
    const { rows } = await db.admin.query("SELECT count(*)::int AS n FROM crm.contacts WHERE email = 'kept@example.fr'");
    expect(rows[0].n).toBe(1);
  });
});
