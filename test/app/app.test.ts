import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAppInProcess } from '../helpers/app';
import { REPO_ROOT, defaultConfigInput } from '../helpers/reference';

/**
 * Runs the CDK app the way the CDK CLI does (context and output directory through the environment), in
 * a child process: the first case is about the process (its exit code, no stack trace on its stderr);
 * the others run the same app in this process (test/helpers/app.ts), a second spawn costing 2-4 s of CPU.
 */
function runApp(configPath: string) {
  const outdir = join(mkdtempSync(join(tmpdir(), 'gdpr-app-')), 'cdk.out');
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'bin/app.ts'], {
    cwd: REPO_ROOT,
    env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify({ config: configPath }), CDK_OUTDIR: outdir },
    encoding: 'utf8',
  });
  return { ...result, outdir };
}

describe('the CDK app given a bad configuration', () => {
  let run: ReturnType<typeof runApp>;
  beforeAll(() => {
    const cfg = defaultConfigInput();
    cfg.environment.region = 'us-east-1';
    cfg.categories[0].retentionDays = 0;
    cfg.vpn.authentication = {};
    const path = join(mkdtempSync(join(tmpdir(), 'gdpr-cfg-')), 'bad.json');
    writeFileSync(path, JSON.stringify(cfg));
    run = runApp(path);
  });

  test('exits with code 2', () => {
    expect(run.status).toBe(2);
  });

  test('prints every problem on its own line, without a stack trace', () => {
    expect(run.stderr).toMatch(/^ {2}environment\.region: .*got "us-east-1"$/m);
    expect(run.stderr).toMatch(/^ {2}categories\[0\]\.retentionDays: .*got 0$/m);
    expect(run.stderr).toMatch(/^ {2}vpn\.authentication: .*got \{\}$/m);
    expect(run.stderr).toMatch(/Nothing was synthesized\./);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  test('writes nothing to the output directory', () => {
    expect(existsSync(run.outdir)).toBe(false);
  });
});

test('a missing configuration file is one line and exit code 2', () => {
  const run = runAppInProcess({ config: 'does/not/exist.json' });
  expect(run.status).toBe(2);
  expect(run.stderr).toMatch(/cannot read does\/not\/exist\.json \(ENOENT\)/);
  expect(existsSync(run.outdir)).toBe(false);
});

test('a configuration a construct refuses (an identifying category in a pseudonymised extract) is one line, exit code 2, no stack trace', () => {
  const cfg = defaultConfigInput();
  cfg.subcontractors[0].categories.push('identity');
  const path = join(mkdtempSync(join(tmpdir(), 'gdpr-cfg-')), 'identifying.json');
  writeFileSync(path, JSON.stringify(cfg));
  const run = runAppInProcess({ config: path });
  expect(run.status).toBe(2);
  expect(run.stderr).toMatch(/category identity \(columns crm\.contacts\.first_name, crm\.contacts\.last_name/);
  expect(run.stderr).toMatch(/Nothing was synthesized\./);
  expect(run.stderr).not.toMatch(/\n\s+at /);
  expect(existsSync(join(run.outdir, 'manifest.json'))).toBe(false);
});
