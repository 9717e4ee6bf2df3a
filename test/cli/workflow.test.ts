import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { BIN } from '../helpers/cli';
import { REPO_ROOT } from '../helpers/reference';

/** The CI workflow a user copies and the composite action it uses. */
const WORKFLOW = '.github/workflows/gdpr.yml';
const ACTION = '.github/actions/gdpr-check/action.yml';
const load = (file: string) => parse(readFileSync(join(REPO_ROOT, file), 'utf8'));
const workflow = load(WORKFLOW);
const action = load(ACTION);
const workflowSteps: any[] = workflow.jobs.gdpr.steps;
const actionSteps: any[] = action.runs.steps;

/** Current major versions (December 2026); a bump is a deliberate edit of this list. */
const CURRENT = ['actions/checkout@v6', 'actions/setup-node@v6', 'github/codeql-action/upload-sarif@v4'];

describe('the CI workflow and its action', () => {
  test('use the current major version of every action they reference', () => {
    const used = [...workflowSteps, ...actionSteps].map((s) => s.uses).filter((u): u is string => typeof u === 'string' && !u.startsWith('./'));
    expect(used.length).toBeGreaterThan(0);
    for (const u of used) expect(CURRENT).toContain(u);
  });

  test('run on a supported Node.js LTS, not Node.js 20 (end of life April 2026)', () => {
    const node = workflowSteps.find((s) => s.uses?.startsWith('actions/setup-node'))?.with?.['node-version'];
    expect([22, 24]).toContain(Number(node));
  });

  test('the check and the SARIF upload run even when the synth failed on a finding', () => {
    const synth = workflowSteps.findIndex((s) => /cdk synth/.test(s.run ?? ''));
    const check = workflowSteps.findIndex((s) => s.uses === './.github/actions/gdpr-check');
    expect(synth).toBeGreaterThanOrEqual(0);
    expect(check).toBeGreaterThan(synth);
    expect(workflowSteps[check].if).toMatch(/^always\(\)/);
    const upload = actionSteps.find((s) => s.uses?.startsWith('github/codeql-action/upload-sarif'));
    expect(upload.if).toMatch(/^always\(\)/);
    // ... and the step still fails afterwards with the check's exit code.
    expect(actionSteps[actionSteps.length - 1]).toMatchObject({ if: 'always()', run: expect.stringMatching(/exit "\$\{STATUS:-2\}"/) });
  });

  test('no expression is spliced into a script (inputs reach scripts as environment variables only)', () => {
    for (const step of [...workflowSteps, ...actionSteps]) expect(step.run ?? '').not.toMatch(/\$\{\{/);
  });

  test('ask for no more than reading the code and writing code-scanning results', () => {
    expect(workflow.permissions).toEqual({ contents: 'read', 'security-events': 'write' });
  });
});

describe("the action's check script, run as the runner runs it", () => {
  const script: string = actionSteps.find((s) => s.id === 'check').run;
  const tsxCommand = `${process.execPath} ${BIN.join(' ')}`;

  function runScript(env: Record<string, string>) {
    const dir = mkdtempSync(join(tmpdir(), 'gdpr-action-'));
    const output = join(dir, 'output');
    const inputs = Object.fromEntries(Object.entries(action.inputs as Record<string, { default: string }>).map(([k, v]) => [k, v.default]));
    const run = spawnSync('bash', ['-c', script], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH as string,
        GITHUB_OUTPUT: output,
        CHECK_PATH: inputs.path,
        CHECK_REGION: inputs.region,
        CHECK_CONFIG: inputs.config,
        CHECK_PACKS: '',
        CHECK_GUARD: inputs.guard,
        CHECK_TODAY: inputs.today,
        CHECK_SARIF: join(dir, 'gdpr.sarif'),
        CHECK_COMMAND: tsxCommand,
        ...env,
      },
    });
    return { ...run, dir, output: existsSync(output) ? readFileSync(output, 'utf8') : '', sarif: join(dir, 'gdpr.sarif') };
  }

  test('writes the SARIF and records exit code 1 on findings, without failing before the upload', () => {
    const run = runScript({ CHECK_PATH: 'test/check/fixtures/insecure.yaml', CHECK_REGION: 'eu-west-3' });
    expect(run.status).toBe(0);
    expect(run.output).toBe('exit-code=1\n');
    expect(JSON.parse(readFileSync(run.sarif, 'utf8')).runs[0].results.length).toBeGreaterThan(0);
  }, 60_000);

  test('a hostile input is an argument, never shell code', () => {
    const marker = join(mkdtempSync(join(tmpdir(), 'gdpr-pwn-')), 'pwned');
    const run = runScript({ CHECK_PATH: 'test/check/fixtures/insecure.yaml', CHECK_REGION: 'eu-west-3', CHECK_CONFIG: `x.json"; touch ${marker}; echo "`, CHECK_TODAY: `$(touch ${marker})` });
    expect(existsSync(marker)).toBe(false);
    expect(run.output).toBe('exit-code=2\n');
    expect(run.stdout).toMatch(/::error::gdpr-baseline check could not run/);
  }, 60_000);
});
