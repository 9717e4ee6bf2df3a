// Attacks on the built Lambda bundles (issue 14: bundles are built, not
// committed). A bundle changed after its build (the migrate bundle's embedded
// SQL edited, say), a missing build, or a stale one that embeds other
// migrations than lib/database/sql must never reach a template: synth refuses
// with one line naming the bundle and the fix. And a deployed function whose
// embedded SQL is not what its template hashed runs nothing.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { migration } from '../../lib/database/migrations';
import { BUNDLES_DIR, type HandlerName, MANIFEST_FILE } from '../../lib/runtime/bundles';
import type { CustomResourceEvent } from '../../lib/runtime/cfn-response';
import { createMigrateHandler, EMBEDDED_MIGRATIONS } from '../../lib/runtime/migrate';
import { stageMigrateAsset } from '../../lib/database/migrate-asset';
import { defaultConfig } from '../helpers/reference';
import { loadWithModule } from '../helpers/module-swap';
import { ContactBaselineStack as KitContactBaselineStack } from '../../lib/stacks/contact-baseline-stack';

/** A copy of the built bundles to tamper with. */
function bundlesCopy(): string {
  const root = join(mkdtempSync(join(tmpdir(), 'gdpr-bundles-')), 'dist');
  cpSync(BUNDLES_DIR, root, { recursive: true });
  return root;
}

/** The bundles directory the constructs read (below); undefined: the built ones. */
let bundlesRoot: string | undefined;

/**
 * The reference stack's class, loaded afresh with its constructs reading the bundles under
 * `bundlesRoot` (the root is read on each call), the kit's other modules left as they are.
 */
const { ContactBaselineStack } = loadWithModule<typeof import('../../lib/stacks/contact-baseline-stack')>(
  'stacks/contact-baseline-stack',
  'runtime/bundles',
  (actual) => {
    const real = actual as unknown as typeof import('../../lib/runtime/bundles');
    return { ...real, bundleDir: (name: HandlerName, r = bundlesRoot) => real.bundleDir(name, r), bundledMigrations: (r = bundlesRoot) => real.bundledMigrations(r) };
  },
);

/** Synthesizes the reference stack with its constructs reading the bundles under `root`; returns the error it fails with. */
function synthWith(root: string): Error | undefined {
  bundlesRoot = root;
  try {
    const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'gdpr-bundles-synth-')) });
    new ContactBaselineStack(app, 'GdprContactBaseline', { config: defaultConfig() });
    app.synth();
    return undefined;
  } catch (err) {
    return err as Error;
  } finally {
    bundlesRoot = undefined;
  }
}

describe('synth refuses bundles it cannot trust, in one line naming the bundle and the fix', () => {
  test('the untouched bundles synthesize (the check below is not what fails)', () => {
    expect(synthWith(bundlesCopy())).toBeUndefined();
  });

  test('the copy of the stack read the replaced bundles; every other file keeps the kit\'s modules', () => {
    const root = bundlesCopy();
    rmSync(join(root, MANIFEST_FILE));
    expect(synthWith(root)).toBeInstanceOf(Error);
    expect(ContactBaselineStack).not.toBe(KitContactBaselineStack);
    const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'gdpr-bundles-synth-')) });
    bundlesRoot = root; // read by the copy only
    try {
      expect(() => new KitContactBaselineStack(app, 'GdprContactBaseline', { config: defaultConfig() })).not.toThrow();
    } finally {
      bundlesRoot = undefined;
    }
  });

  test('the migrate bundle with its embedded SQL edited after the build', () => {
    const root = bundlesCopy();
    const index = join(root, 'migrate', 'index.js');
    writeFileSync(index, readFileSync(index, 'utf8').replace('REVOKE ALL ON FUNCTION', 'GRANT ALL ON FUNCTION'));
    const error = synthWith(root);
    expect(error?.message).toMatch(/^the Lambda bundle \S*migrate\/index\.js is not the one its build recorded in manifest\.json .*; run npm run build:handlers/);
    expect(error?.message).not.toContain('\n');
  });

  test('no build at all (a fresh clone before npm ci)', () => {
    const root = bundlesCopy();
    rmSync(join(root, MANIFEST_FILE));
    expect(synthWith(root)?.message).toMatch(/^the Lambda bundles are missing \(no \S*manifest\.json\): they are built, not committed; run npm run build:handlers/);
  });

  test('a bundle deleted from a build', () => {
    const root = bundlesCopy();
    rmSync(join(root, 'purge'), { recursive: true });
    expect(synthWith(root)?.message).toMatch(/^the Lambda bundle \S*purge\/index\.js is missing; run npm run build:handlers/);
  });

  test('a stale migrate bundle, built before lib/database/sql changed', () => {
    const root = bundlesCopy();
    const file = join(root, MANIFEST_FILE);
    const manifest = JSON.parse(readFileSync(file, 'utf8'));
    manifest.bundles.migrate.migrations = manifest.bundles.migrate.migrations.split(',').slice(0, -1).join(',');
    writeFileSync(file, JSON.stringify(manifest));
    expect(synthWith(root)?.message).toBe('SchemaMigrations: the migrations embedded in the migrate bundle differ from lib/database/sql; run npm run build:handlers');
  });
});

describe('the deployed schema function runs only the SQL its template hashed', () => {
  const STACK_ID = 'arn:aws:cloudformation:eu-west-3:111122223333:stack/GdprContactBaseline/1f2e3d4c-0000-1111-2222-333344445555';
  const URL = 'https://cloudformation-custom-resource-response-euwest3.s3.eu-west-3.amazonaws.com/key';

  test('embedded migrations other than those hashed (one edited, one added): refused before any connection', async () => {
    const genuine = stageMigrateAsset(mkdtempSync(join(tmpdir(), 'gdpr-migrate-asset-')), join(BUNDLES_DIR, 'migrate'), '-- catalog\n');
    const [first, ...rest] = EMBEDDED_MIGRATIONS;
    const edited = [migration(`${String(first.version).padStart(4, '0')}_${first.name}.sql`, `${first.sql}\nGRANT ALL ON ALL TABLES IN SCHEMA crm TO PUBLIC;`), ...rest];
    const added = [...EMBEDDED_MIGRATIONS, migration(`${String(EMBEDDED_MIGRATIONS.length + 1).padStart(4, '0')}_extra.sql`, 'GRANT ALL ON ALL TABLES IN SCHEMA crm TO PUBLIC;')];
    for (const migrations of [edited, added]) {
      const sent: string[] = [];
      let connected = false;
      await createMigrateHandler({
        host: '127.0.0.1',
        port: 1,
        database: 'contacts',
        credentials: async () => {
          connected = true;
          return { user: 'x', password: 'x' };
        },
        assetDir: genuine.dir,
        migrations,
        expected: { stackId: STACK_ID, logicalResourceId: 'Schema', region: 'eu-west-3' },
        expectedAsset: genuine,
        send: async (_url, body) => void sent.push(body),
        log: () => undefined,
      })({
        RequestType: 'Update',
        ResponseURL: URL,
        StackId: STACK_ID,
        RequestId: 'r',
        LogicalResourceId: 'Schema',
        PhysicalResourceId: 'p',
        ResourceProperties: { ServiceToken: 'arn', Migrations: genuine.migrations, CatalogSqlSha256: genuine.catalogSqlSha256 },
      } satisfies CustomResourceEvent);
      expect(connected).toBe(false);
      expect(sent.map((b) => [JSON.parse(b).Status, JSON.parse(b).Reason])).toEqual([['FAILED', expect.stringMatching(/does not match the hashes its template wrote: nothing was run/)]]);
    }
  });
});
