import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatHuman, formatJson, formatSarif } from '../../lib/check/format';
import { checkTemplates, CheckResult } from '../../lib/check/run';
import { runCli } from '../../lib/cli/gdpr-baseline';
import { loadTemplates } from '../../lib/check/templates';
import { declaredParties } from '../../lib/config/declared';
import { defaultConfig, referenceAssembly, REPO_ROOT } from '../helpers/reference';

const fixture = (name: string) => join(__dirname, 'fixtures', name);
/** Runs `gdpr-baseline check` in-process, as the binary does. */
function cli(...args: string[]) {
  let stdout = '';
  let stderr = '';
  const status = runCli(['check', ...args], { out: (t) => void (stdout += t), err: (t) => void (stderr += t) });
  return { status, stdout, stderr };
}

describe('check on a hand-written template that leaves the contact database open', () => {
  let result: CheckResult;
  beforeAll(() => {
    result = checkTemplates(loadTemplates(fixture('insecure.yaml'), 'eu-west-3'));
  });

  test('reports each way the template weakens privacy by design, on the right resource', () => {
    const found = result.findings.map((f) => `${f.ruleId} ${f.logicalId}`);
    expect(found).toEqual(
      expect.arrayContaining([
        'GDPR-Art32-EncryptedWithCmk ContactsCluster',
        'GDPR-Art32-EncryptedWithCmk ExportLogs',
        'GDPR-Art25-DatabaseNotPublic[SubnetNotIsolated::PublicSubnet] ContactsCluster',
        'GDPR-Art25-DatabaseNotPublic[OpenIngress::OpenGroup] ContactsCluster',
        'GDPR-Art32-DatabaseIamAuth ContactsCluster',
        'GDPR-Art32-DatabaseTlsForced ContactsCluster',
        'GDPR-Art5-DatabaseDeletionProtected ContactsCluster',
        'GDPR-Art44-RegionReferencesAllowed[Region::us-east-1] Replica',
      ]),
    );
    expect(found).not.toContain('GDPR-Art25-DatabaseNotPublic[SubnetNotIsolated::PublicSubnetB] ContactsCluster');
  });

  test('the human summary names rule, resource, article and fix', () => {
    const text = formatHuman(result);
    expect(text).toMatch(/^ERROR GDPR-Art32-DatabaseIamAuth {2}ContactsCluster \(AWS::RDS::DBCluster\) {2}test\/check\/fixtures\/insecure\.yaml\n {4}Art\. 32\(1\)\(b\), Art\. 32\(4\): The database does not enable IAM database authentication\.\n {4}Fix: Set `iamAuthentication: true` on the cluster\.$/m);
    expect(text).toMatch(/^\d+ errors, 0 warnings; 0 acknowledged\.$/m);
  });

  test('SARIF 2.1.0 points each result at the resource line of the template', () => {
    const sarif = JSON.parse(formatSarif(result, '1.0.0'));
    expect(sarif.version).toBe('2.1.0');
    const run = sarif.runs[0];
    const iamAuth = run.results.find((r: any) => r.ruleId === 'GDPR-Art32-DatabaseIamAuth');
    const line = readFileSync(fixture('insecure.yaml'), 'utf8').split('\n').findIndex((l) => l.startsWith('  ContactsCluster:')) + 1;
    expect(iamAuth.locations[0].physicalLocation).toEqual({ artifactLocation: { uri: 'test/check/fixtures/insecure.yaml' }, region: { startLine: line } });
    expect(iamAuth.level).toBe('error');
    const rule = run.tool.driver.rules[iamAuth.ruleIndex];
    expect(rule).toMatchObject({ id: 'GDPR-Art32-DatabaseIamAuth', properties: { article: 'Art. 32(1)(b), Art. 32(4)' } });
  });

  test('--guard adds the AWS Control Tower proactive controls', () => {
    const guarded = checkTemplates(loadTemplates(fixture('insecure.yaml'), 'eu-west-3'), { guard: true });
    expect(guarded.findings.filter((f) => f.pack === 'ControlTower').map((f) => `${f.ruleId} ${f.logicalId}`)).toEqual(
      expect.arrayContaining(['CT.EC2.PR.3 OpenGroup', 'CT.EC2.PR.11 PublicSubnet']),
    );
  });

  test('the command exits 1 on findings', () => {
    const run = cli(fixture('insecure.yaml'), '--region', 'eu-west-3', '--format', 'json');
    expect(run.status).toBe(1);
    expect(JSON.parse(run.stdout).summary.errors).toBe(result.findings.length);
  });
});

describe('check honours acknowledgments written in the template', () => {
  test('acknowledged findings are listed with their reasons, not reported', () => {
    const result = checkTemplates(loadTemplates(fixture('compliant.json'), 'eu-west-1'));
    expect(result.findings).toEqual([]);
    expect(result.acknowledged.map((a) => [a.logicalId, a.ruleId])).toEqual([
      ['Scratch', 'GDPR-Art32-EncryptedWithCmk'],
      ['Scratch', 'GDPR-Art5-StatefulResourceRetained[DeletionPolicy]'],
      ['Scratch', 'GDPR-Art5-StatefulResourceRetained[UpdateReplacePolicy]'],
    ]);
    expect(JSON.parse(formatJson(result)).acknowledged[0].reason).toMatch(/synthetic load-test events only/);
    expect(result.ignoredAcknowledgments).toEqual([]);
  });

  test('the installed command exits 0 when clean', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'bin/gdpr-baseline.ts', 'check', fixture('compliant.json'), '--region', 'eu-west-1'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    });
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/No finding\. 3 acknowledged/);
  });
});

describe('check on the cloud assembly of the reference app gives the synth verdict', () => {
  let assemblyDir: string;
  beforeAll(() => {
    assemblyDir = referenceAssembly();
  });

  test('no finding, every acknowledgment of the app honoured, region read from the manifest', () => {
    // As synth and check --config do: the configuration declares the backup account the key and vault policies name.
    const result = checkTemplates(loadTemplates(assemblyDir), { packs: ['aws-solutions', 'hipaa', 'nist', 'pci'], declared: declaredParties(defaultConfig()) });
    expect(result.findings).toEqual([]);
    expect(result.templates.every((t) => t.region === 'eu-west-3')).toBe(true);
    expect(result.acknowledged.length).toBeGreaterThan(0);
    expect(result.ignoredAcknowledgments).toEqual([]);
  });

  test('a weakened template is caught', () => {
    const path = join(assemblyDir, 'GdprContactBaseline.template.json');
    const template = JSON.parse(readFileSync(path, 'utf8'));
    const cluster = Object.values(template.Resources as Record<string, any>).find((r) => r.Type === 'AWS::RDS::DBCluster');
    cluster.Properties.DeletionProtection = false;
    writeFileSync(path, JSON.stringify(template));
    const result = checkTemplates(loadTemplates(assemblyDir), { declared: declaredParties(defaultConfig()) });
    expect(result.findings.map((f) => f.ruleId)).toEqual(['GDPR-Art5-DatabaseDeletionProtected']);
  });
});

describe('check refuses bad input with one line and exit code 2', () => {
  test.each([
    [['test/check/fixtures/not-a-template.json', '--region', 'eu-west-3'], /^gdpr-baseline: .*not-a-template\.json: not a CloudFormation template \(no Resources section\)\n$/],
    [['test/check/fixtures/broken.json', '--region', 'eu-west-3'], /^gdpr-baseline: .*broken\.json: not valid JSON: /],
    [['test/check/fixtures/insecure.yaml'], /^gdpr-baseline: .*insecure\.yaml: the template does not say which region it deploys to; pass --region \(for example --region eu-west-3\)\n$/],
    [['does/not/exist.json', '--region', 'eu-west-3'], /^gdpr-baseline: does\/not\/exist\.json: no such file or directory\n$/],
    [['test/check/fixtures/compliant.json', '--region', 'eu-west-3', '--format', 'xml'], /^gdpr-baseline: check: --format must be one of human, json, sarif; got xml\n$/],
    [['test/check/fixtures/compliant.json', '--region', 'eu-west-3', '--packs', 'sox'], /^gdpr-baseline: unknown pack "sox"; choose among gdpr, aws-solutions, hipaa, nist, pci\n$/],
  ])('%j', (args, message) => {
    const run = cli(...args);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});

test('allowed regions come from the options', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gdpr-check-'));
  const path = join(dir, 'london.json');
  writeFileSync(path, readFileSync(fixture('compliant.json')));
  expect(checkTemplates(loadTemplates(path, 'eu-west-2')).findings.map((f) => f.ruleId)).toContain('GDPR-Art44-StackRegionAllowed');
  expect(checkTemplates(loadTemplates(path, 'eu-west-2'), { allowedRegions: ['eu-west-2'] }).findings).toEqual([]);
});
