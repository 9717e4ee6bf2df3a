import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatSarif } from '../../lib/check/format';
import { checkTemplates, CheckResult } from '../../lib/check/run';
import { loadTemplates } from '../../lib/check/templates';
import { declaredParties } from '../../lib/config/declared';
import { defaultConfig, referenceAssembly, REPO_ROOT } from '../helpers/reference';

/**
 * The official SARIF 2.1.0 JSON schema (OASIS, errata 01), vendored from
 * https://github.com/oasis-tcs/sarif-spec/blob/main/sarif-2.1/schema/sarif-schema-2.1.0.json
 * (commit a560296ca8c921f3bdb8d4a8db57ab83dae968a7, 2024-05-02); its id is
 * https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json.
 * It is JSON Schema draft-04, validated with ajv 6 (in node_modules through eslint).
 */
const SARIF_SCHEMA = join(__dirname, 'fixtures', 'sarif-schema-2.1.0.json');

// eslint-disable-next-line @typescript-eslint/no-require-imports
const Ajv = require('ajv');
let compiled: any;
function validator() {
  if (compiled) return compiled;
  // logger off: ajv 6 warns that its default draft-07 meta-schema has an $id, not an id.
  const ajv = new Ajv({ schemaId: 'id', allErrors: true, logger: false });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  ajv.addMetaSchema(require('ajv/lib/refs/json-schema-draft-04.json'));
  compiled = ajv.compile(JSON.parse(readFileSync(SARIF_SCHEMA, 'utf8')));
  return compiled;
}

const CONFIG = 'lib/config/default.json';
const EXPIRY = JSON.parse(readFileSync(join(REPO_ROOT, CONFIG), 'utf8')).subcontractors[0].expiryDate as string;
const tracked = new Set(spawnSync('git', ['ls-files'], { cwd: REPO_ROOT, encoding: 'utf8' }).stdout.split('\n').filter(Boolean));
const lineOf = (file: string, pattern: RegExp) => readFileSync(join(REPO_ROOT, file), 'utf8').split('\n').findIndex((l) => pattern.test(l)) + 1;

describe('SARIF of the reference cloud assembly, weakened, with an expired grant', () => {
  let validate: any;
  let sarif: any;
  let result: CheckResult;
  beforeAll(() => {
    validate = validator();
    // A copy of the reference assembly of this run: its construct locations are the kit's source lines,
    // as a fresh synthesis records them (test/stacks/reference-assembly.test.ts proves it frame by frame).
    const dir = referenceAssembly();
    const path = join(dir, 'GdprContactBaseline.template.json');
    const template = JSON.parse(readFileSync(path, 'utf8'));
    const cluster = Object.values(template.Resources as Record<string, any>).find((r) => r.Type === 'AWS::RDS::DBCluster');
    cluster.Properties.DeletionProtection = false;
    writeFileSync(path, JSON.stringify(template, null, 1));
    // As check --config does: the configuration declares the backup account the key and vault policies name.
    result = checkTemplates(loadTemplates(dir), { today: EXPIRY, declared: declaredParties(defaultConfig()) });
    sarif = JSON.parse(formatSarif(result, '1.0.0', { configPath: CONFIG }));
  });

  test('is valid against the official SARIF 2.1.0 schema', () => {
    expect(validate(sarif) ? [] : validate.errors).toEqual([]);
    expect(result.findings.map((f) => f.rule).sort()).toEqual(['GDPR-Art28-ProcessorGrantExpired', 'GDPR-Art5-DatabaseDeletionProtected']);
  });

  test('the schema check is not vacuous: a malformed report is rejected', () => {
    const broken = JSON.parse(JSON.stringify(sarif));
    broken.runs[0].results[0].level = 'fatal';
    delete broken.runs[0].tool.driver.name;
    expect(validate(broken)).toBe(false);
  });

  test('every result points at a file the repository tracks', () => {
    for (const r of sarif.runs[0].results) expect(tracked).toContain(r.locations[0].physicalLocation.artifactLocation.uri);
  });

  test("an expired grant points at the processor's expiryDate in the configuration", () => {
    const r = sarif.runs[0].results.find((x: any) => x.ruleId === 'GDPR-Art28-ProcessorGrantExpired');
    expect(r.level).toBe('warning');
    expect(r.locations[0].physicalLocation).toEqual({ artifactLocation: { uri: CONFIG }, region: { startLine: lineOf(CONFIG, /"expiryDate"/) } });
  });

  test('a construct finding points at the source line that created the resource, the template as a related location', () => {
    const r = sarif.runs[0].results.find((x: any) => x.ruleId === 'GDPR-Art5-DatabaseDeletionProtected');
    const { uri } = r.locations[0].physicalLocation.artifactLocation;
    expect(uri).toBe('lib/database/contact-database.ts');
    expect(readFileSync(join(REPO_ROOT, uri), 'utf8').split('\n')[r.locations[0].physicalLocation.region.startLine - 1]).toMatch(/new rds\.DatabaseCluster\(/);
    expect(r.relatedLocations[0].physicalLocation.artifactLocation.uri).toMatch(/GdprContactBaseline\.template\.json$/);
  });
});

describe('SARIF locations an assembly cannot forge', () => {
  /** A one-resource cloud assembly whose recorded creation stack says `frames`. */
  function assembly(frames: string[]): string {
    const dir = mkdtempSync(join(tmpdir(), 'gdpr-forged-'));
    const template = { Resources: { Cluster: { Type: 'AWS::RDS::DBCluster', Properties: { Engine: 'aurora-postgresql', StorageEncrypted: true, DeletionProtection: false } } } };
    writeFileSync(join(dir, 'S.template.json'), JSON.stringify(template, null, 1));
    writeFileSync(join(dir, 'S.metadata.json'), JSON.stringify({ '/S/Cluster': [{ type: 'aws:cdk:logicalId', data: 'Cluster' }, { type: 'aws:cdk:creationStack', data: frames }] }));
    writeFileSync(
      join(dir, 'manifest.json'),
      JSON.stringify({ version: '41.0.0', artifacts: { S: { type: 'aws:cloudformation:stack', environment: 'aws://123456789012/eu-west-3', properties: { templateFile: 'S.template.json' }, additionalMetadataFile: 'S.metadata.json' } } }),
    );
    mkdirSync(join(dir, 'node_modules'), { recursive: true });
    return dir;
  }
  const firstUri = (dir: string) => {
    const sarif = JSON.parse(formatSarif(checkTemplates(loadTemplates(dir)), '1.0.0'));
    expect(validator()(sarif)).toBe(true);
    return sarif.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri as string;
  };

  test('frames outside the working directory, in node_modules, or in files that do not exist are skipped for the template', () => {
    const dir = assembly([
      'new Evil (/etc/passwd:1:1)',
      `new Installed (${join(REPO_ROOT, 'node_modules', 'aws-cdk-lib', 'index.js')}:1:1)`,
      `new Gone (${join(REPO_ROOT, 'lib', 'no-such-file.ts')}:3:1)`,
      'new Relative (../../outside.ts:2:1)',
    ]);
    expect(firstUri(dir)).toMatch(/S\.template\.json$/);
  });

  test("a frame in the repository is used, the user's own file", () => {
    const dir = assembly(['...new Role2 in aws-cdk-lib...', `new Mine (${join(REPO_ROOT, 'bin', 'app.ts')}:12:3)`]);
    expect(firstUri(dir)).toBe('bin/app.ts');
  });
});
