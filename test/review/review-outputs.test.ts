import { dpiaScreening } from '../../lib/review/dpia-screening';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Catalog } from '../../lib/catalog/catalog';
import type { BaselineConfig } from '../../lib/config/schema';
import { loadMigrations } from '../../lib/database/migrations';
import { accessMatrix, CategoryAccess } from '../../lib/review/access-matrix';
import { GeneratedFile, reviewFiles } from '../../lib/review/outputs';
import type { SynthesizedStack } from '../../lib/review/policies';
import { recordOfProcessing } from '../../lib/review/record-of-processing';
import { defaultConfig, referenceSynthesizedStacks, REPO_ROOT } from '../helpers/reference';

const POLICIES = join(REPO_ROOT, 'policies');
let config: BaselineConfig;
let catalog: Catalog;
let stacks: SynthesizedStack[];
let files: GeneratedFile[];

beforeAll(() => {
  config = defaultConfig();
  catalog = Catalog.fromConfig(config);
  // synthesizeBaseline(config), as synthesized once for the run (test/stacks/reference-assembly.test.ts proves they are the same)
  stacks = referenceSynthesizedStacks();
  files = reviewFiles(config, catalog, stacks);
});

describe('policies/ is what the code generates (run npm run policies when this fails)', () => {
  test('every generated file is committed with the same content', () => {
    const stale = files.filter((f) => !existsSync(join(POLICIES, f.path)) || readFileSync(join(POLICIES, f.path), 'utf8') !== f.content).map((f) => f.path);
    expect(stale).toEqual([]);
  });

  test('no committed file is left over from a removed resource', () => {
    const committed = readdirSync(POLICIES, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => relative(POLICIES, join(e.parentPath, e.name)));
    expect(committed.filter((f) => !files.some((g) => g.path === f))).toEqual([]);
  });

  test('every IAM role, KMS key and VPC endpoint of the stacks has its readable policy file, indexed', () => {
    const index = files.find((f) => f.path === 'README.md')?.content ?? '';
    for (const { name, template } of stacks) {
      for (const [id, r] of Object.entries(template.Resources)) {
        const dir = { 'AWS::IAM::Role': 'iam-roles', 'AWS::KMS::Key': 'kms-keys', 'AWS::EC2::VPCEndpoint': 'endpoint-policies' }[r.Type as string];
        if (!dir) continue;
        const path = join(name, dir, `${id}.json`);
        expect(files.map((f) => f.path)).toContain(path);
        expect(index).toContain(`](${path})`);
      }
    }
  });
});

describe('the access matrix, computed from the synthesized policies, equals the catalog', () => {
  test('each catalog role reaches exactly its categories, through its own database user only', () => {
    const matrix = accessMatrix(stacks, loadMigrations());
    for (const role of catalog.roles) {
      const rows = matrix.rows.filter((r) => r.databaseUsers.includes(role.name));
      expect([role.name, rows.map((r) => r.databaseUsers)]).toEqual([role.name, [[role.name]]]);
      const expected: Record<string, CategoryAccess> = {};
      for (const category of matrix.categories) {
        const reads = role.reads.some((c) => c.name === category);
        const writes = role.writes.some((c) => c.name === category);
        const flag = role.flags.some((c) => c.name === category);
        expected[category] = reads && writes ? 'read-write' : reads ? 'read' : writes ? 'write' : flag ? 'exists-only' : 'none';
      }
      expect([role.name, rows[0].categories]).toEqual([role.name, expected]);
      expect([role.name, rows[0].consentScope]).toEqual([role.name, role.consentPurpose]);
      expect([role.name, rows[0].dataSubjectRequests]).toEqual([role.name, role.dataSubjectRights]);
      expect([role.name, 'breach register', rows[0].breachRegister]).toEqual([role.name, 'breach register', role.dataSubjectRights]);
    }
  });

  test('no role people assume can decrypt a key or read a secret', () => {
    const matrix = accessMatrix(stacks, loadMigrations());
    const human = stacks.flatMap(({ template }) =>
      Object.entries(template.Resources)
        .filter(([, r]) => r.Type === 'AWS::IAM::Role' && (r.Properties.Tags ?? []).some((t: any) => t.Key === 'gdpr:role'))
        .map(([id]) => id),
    );
    expect(human.length).toBe(catalog.roles.length + 1);
    const rows = matrix.rows.filter((r) => human.includes(r.iamRole));
    expect(rows).toHaveLength(human.length);
    for (const row of rows) {
      expect([row.iamRole, row.decrypts, row.readsSecrets]).toEqual([row.iamRole, [], []]);
    }
  });

  test('says which contacts each user\'s row security leaves out, and who records a contact from the person, read from the catalog SQL', () => {
    const byUser = (m: ReturnType<typeof accessMatrix>) => Object.fromEntries(m.rows.filter((r) => r.databaseUsers.length === 1).map((r) => [r.databaseUsers[0], r]));
    const users = byUser(accessMatrix(stacks, loadMigrations()));
    expect(users.marketing.hiddenContacts).toEqual(['restricted', 'objecting', 'archived']);
    expect(users.sales.hiddenContacts).toEqual(['restricted', 'archived']);
    // Accounting keeps the invoices an erasure holds (Code de commerce L123-22): it reads the archive.
    expect(users.accounting.hiddenContacts).toEqual(['restricted']);
    expect(users.dpo.hiddenContacts).toEqual([]);
    expect(users[catalog.subcontractors[0].databaseUser].hiddenContacts).toEqual(['restricted', 'objecting', 'archived']);
    expect(Object.values(users).filter((r) => r.recordsContactsFromPerson).map((r) => r.databaseUsers[0]).sort()).toEqual(['marketing', 'sales']);
    // A policy that stopped hiding restricted contacts shows in the matrix.
    const weakened = stacks.map((st) => (st.catalogSql ? { ...st, catalogSql: st.catalogSql.replace(/(CREATE POLICY "sales_select" ON "crm"\."contacts" FOR SELECT TO "sales" USING \()NOT "restricted" AND /, '$1') } : st));
    expect(byUser(accessMatrix(weakened, loadMigrations())).sales.hiddenContacts).toEqual(['archived']);
  });

  test('the master secret is read by the schema migrations function only', () => {
    const matrix = accessMatrix(stacks, loadMigrations());
    const readers = matrix.rows.filter((r) => r.readsSecrets.some((s) => s.includes('MasterUserSecret'))).map((r) => r.iamRole);
    expect(readers).toEqual([expect.stringMatching(/^SchemaHandlerRole/)]);
  });
});

describe('the record of processing (art. 30)', () => {
  test('names the controller, the DPO, every category with its retention and every recipient', () => {
    const record = recordOfProcessing(config, catalog, stacks);
    expect(record.controller.name).toBe(config.organisation.name);
    expect(record.dataProtectionOfficer.email).toBe(config.dpo.email);
    expect(record.categoriesOfData.map((c) => [c.name, c.retentionDays])).toEqual(config.categories.map((c) => [c.name, c.retentionDays]));
    expect(record.recipients.internalRoles.map((r) => r.role)).toEqual(config.roles.map((r) => r.name));
    // The record carries the screening's result, not a guess of its own: the reference screening says required (criteria 4 and 7).
    expect(record.dpia.screening).toBe(dpiaScreening(config, catalog).result);
    expect(record.dpia.screening).toBe('required');
  });

  test('reports the measures actually deployed, read from the templates', () => {
    const { technicalMeasures: m } = recordOfProcessing(config, catalog, stacks);
    expect(m.clusters).toEqual([expect.objectContaining({ iamAuthentication: true, tlsForced: true, deletionProtection: true, retainedOnStackDeletion: true })]);
    expect(m.keys.every((k) => k.rotation && k.retained)).toBe(true);
    expect(m.vpn).toEqual([expect.objectContaining({ splitTunnel: true, connectionLogging: true, authentication: ['federated-authentication'] })]);
    expect(m.regionGuard[0].permittedRegions).toEqual(['eu-west-3', 'eu-west-1', 'eu-central-1']);
    expect(m.internetGateways).toBe(0);
  });

  test('lists every acknowledged finding with its reason', () => {
    const { acknowledgedFindings } = recordOfProcessing(config, catalog, stacks);
    expect(acknowledgedFindings.length).toBeGreaterThan(0);
    for (const a of acknowledgedFindings) expect(a.reason.length).toBeGreaterThanOrEqual(30);
  });
});
