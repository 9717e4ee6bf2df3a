import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CONTROL_TOWER_RULES, findTemplates, runGuard, templateRegions, UsageError } from '../../bin/guard';
import { countRuleFiles, findCfnGuard, guardTemplates } from '../../lib/check/guard';
import { cfnLintVersion, findCfnLint, lintTemplates } from '../../bin/lint-templates';

/**
 * The template checker must notice failures, not only pass clean templates:
 * a parser that silently finds nothing would turn the CI gate green forever.
 */
const REPO_ROOT = resolve(__dirname, '..', '..');

const BAD_TEMPLATE = {
  Resources: {
    Bucket: { Type: 'AWS::S3::Bucket', Properties: {} },
    Cluster: { Type: 'AWS::RDS::DBCluster', Properties: { Engine: 'aurora-postgresql', StorageEncrypted: false, Bogus: 1 } },
  },
};

const GOOD_TEMPLATE = {
  Resources: {
    Topic: { Type: 'AWS::SNS::Topic', Properties: { KmsMasterKeyId: 'alias/example' } },
  },
};

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'check-templates-'));
  mkdirSync(join(dir, 'bad'));
  mkdirSync(join(dir, 'good'));
  mkdirSync(join(dir, 'empty'));
  writeFileSync(join(dir, 'bad', 'Bad.template.json'), JSON.stringify(BAD_TEMPLATE));
  writeFileSync(join(dir, 'good', 'Good.template.json'), JSON.stringify(GOOD_TEMPLATE));
  writeFileSync(
    join(dir, 'good', 'manifest.json'),
    JSON.stringify({
      version: '55.0.0',
      artifacts: {
        Good: { type: 'aws:cloudformation:stack', environment: 'aws://111122223333/eu-west-3', properties: { templateFile: 'Good.template.json' } },
      },
    }),
  );
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('template discovery', () => {
  test('an assembly without templates is a usage error that says to synth first', () => {
    expect(() => findTemplates(join(dir, 'empty'))).toThrow(UsageError);
    expect(() => findTemplates(join(dir, 'empty'))).toThrow(/run npm run synth first/);
    expect(() => findTemplates(join(dir, 'missing'))).toThrow(/run npm run synth first/);
  });

  test('templates are validated against the region of their stack', () => {
    const templates = findTemplates(join(dir, 'good'));
    expect(templateRegions(join(dir, 'good'), templates)).toEqual(new Map([['eu-west-3', templates]]));
  });
});

describe('cfn-guard with the Control Tower rules', () => {
  test('the bundled rules are all there', () => {
    expect(countRuleFiles(CONTROL_TOWER_RULES)).toBeGreaterThanOrEqual(200);
  });

  // One cfn-guard run over both directories (loading the 200 rules is most of a run, about 1 s), its
  // findings told apart by template; the compliant template first, so that a report read only in
  // part (the first file) loses the failing one and fails the first test.
  let findings: ReturnType<typeof guardTemplates>;
  let bad: string[];
  let good: string[];
  beforeAll(() => {
    [bad, good] = [findTemplates(join(dir, 'bad')), findTemplates(join(dir, 'good'))];
    findings = guardTemplates(findCfnGuard(), CONTROL_TOWER_RULES, [...good, ...bad]);
  });
  const of = (templates: string[]) => findings.filter((f) => templates.includes(resolve(f.template)));

  test('reports each failing control with the failing resource', () => {
    const findings = of(bad);
    expect(findings.length).toBeGreaterThan(0);
    const encrypted = findings.find((f) => f.rule === 'rds_cluster_storage_encrypted_check');
    expect(encrypted).toMatchObject({ controls: ['CT.RDS.PR.16'], resources: ['Cluster'] });
    expect(encrypted?.requirement).toMatch(/encryption at rest/);
    expect(findings.filter((f) => f.resources.includes('Bucket')).length).toBeGreaterThan(0);
  });

  test('passes a compliant template', () => {
    expect(of(good)).toEqual([]);
    expect(findings).toEqual(of(bad)); // every finding is of one of the two templates
  });

  // The command as a process once (its exit code); its other exits in this process, through
  // runGuard, the function the process's exit code is (a spawn costs 2-4 s of CPU).
  test('the command exits 1 on findings', () => {
    const bad = spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'bin', 'guard.ts'), '--skip-lint', '--out', join(dir, 'bad')], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    });
    expect(bad.status).toBe(1);
    expect(bad.stdout).toMatch(/FAIL CT\.RDS\.PR\.16 .*resources: Cluster/);
    expect(bad.stdout).toMatch(/cfn-guard .*: \d+ Control Tower rules, 1 template, \d+ failures/);
  });

  test('the command exits 2 on usage problems, with one line', () => {
    const run = (...args: string[]) => {
      let stdout = '';
      let stderr = '';
      const status = runGuard(['--skip-lint', ...args], { out: (t) => void (stdout += t), err: (t) => void (stderr += t) });
      return { status, stdout, stderr };
    };
    const empty = run('--out', join(dir, 'empty'));
    expect(empty.status).toBe(2);
    expect(empty.stderr).toMatch(/^check:templates: .+\n$/);
    const flag = run('--no-such-flag');
    expect(flag).toEqual({ status: 2, stdout: '', stderr: expect.stringMatching(/^check:templates: unknown argument --no-such-flag; usage: /) });
  });
});

// cfn-lint is a Python tool: `.ci/run` installs it; a developer may not have it.
const cfnLint = findCfnLint(REPO_ROOT);
// The version lintTemplates asks for first (asked once per process: cfn-lint takes over a second to load).
const hasCfnLint = (() => {
  try {
    return Boolean(cfnLintVersion(cfnLint));
  } catch {
    return false;
  }
})();
// In CI cfn-lint is installed by .ci/run: a missing cfn-lint there is a failure, not a skip.
if (process.env.CI && !hasCfnLint) {
  test('cfn-lint is installed in CI', () => {
    throw new Error(`cfn-lint not found at ${cfnLint}: .ci/run installs it`);
  });
}
(hasCfnLint ? describe : describe.skip)('cfn-lint', () => {
  test('reports schema errors with their location', () => {
    const { findings } = lintTemplates(cfnLint, new Map([['eu-west-3', findTemplates(join(dir, 'bad'))]]));
    expect(findings).toContainEqual(expect.objectContaining({ level: 'Error', rule: 'E3002', path: 'Resources/Cluster/Properties/Bogus' }));
  });
});
