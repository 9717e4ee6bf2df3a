import { runAppInProcess } from '../helpers/app';
import { withFakeDate } from '../helpers/clock';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as cxschema from 'aws-cdk-lib/cloud-assembly-schema';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { checkTemplates, GRANT_EXPIRED_RULE } from '../../lib/check/run';
import { loadTemplates } from '../../lib/check/templates';
import { runCli } from '../../lib/cli/gdpr-baseline';
import { parseConfig } from '../../lib/config/load';
import { endedTrust, GRANT_EXPIRED_WARNING, warnEndedGrants } from '../../lib/processors/processor-grant-expiry';
import { declaredParties } from '../../lib/config/declared';
import { DEFAULT_CONFIG_PATH, defaultConfig, defaultConfigInput, REPO_ROOT } from '../helpers/reference';

/**
 * The same commit builds the same thing on any date: the reference
 * configuration's processor contract ends on 2027-12-31, and neither synth
 * nor check may start failing (or change the template) on that day. Dates
 * come in as inputs (`-c today=`, `check --today`), never from the clock.
 */

const FAKE_DATE_PRELOAD = join(REPO_ROOT, 'test', 'helpers', 'fake-date.cjs');
const REFERENCE_EXPIRY = defaultConfigInput().subcontractors[0].expiryDate as string;

interface Synth {
  status: number | null;
  stderr: string;
  outdir: string;
  templates: Record<string, string>;
}

const CONFIG_CONTEXT = { config: 'lib/config/default.json' };

function readTemplates(outdir: string): Record<string, string> {
  const templates: Record<string, string> = {};
  if (existsSync(outdir)) {
    for (const f of readdirSync(outdir).filter((f) => f.endsWith('.template.json'))) templates[f] = readFileSync(join(outdir, f), 'utf8');
  }
  return templates;
}

/** Runs the CDK app as the CDK CLI does, in a child process whose wall clock reads `fakeDate`. */
function synthOn(fakeDate: string, context: Record<string, unknown> = {}): Synth {
  const outdir = join(mkdtempSync(join(tmpdir(), 'gdpr-dates-')), 'cdk.out');
  const run = spawnSync(process.execPath, ['--require', FAKE_DATE_PRELOAD, '--import', 'tsx', 'bin/app.ts'], {
    cwd: REPO_ROOT,
    env: { ...process.env, FAKE_DATE: fakeDate, CDK_CONTEXT_JSON: JSON.stringify({ ...CONFIG_CONTEXT, ...context }), CDK_OUTDIR: outdir },
    encoding: 'utf8',
  });
  return { status: run.status, stderr: run.stderr, outdir, templates: readTemplates(outdir) };
}

/**
 * Runs the same bin/app.ts in this process (test/helpers/app.ts) with its clock reading `fakeDate`:
 * a child process costs a module load and a synth per date, and one child run (above) already
 * proves the app as a process.
 */
function synthInProcess(fakeDate: string, context: Record<string, unknown> = {}): Synth & { clock: string } {
  return withFakeDate(fakeDate, () => {
    const clock = new Date().toISOString();
    const run = runAppInProcess({ ...CONFIG_CONTEXT, ...context });
    return { ...run, templates: readTemplates(run.outdir), clock };
  });
}

/** Every warning annotation of the assembly: [construct path, message]. */
function warnings(outdir: string): [string, string][] {
  return new cxapi.CloudAssembly(outdir).stacks.flatMap((stack) =>
    stack.findMetadataByType(cxschema.ArtifactMetadataEntryType.WARN).map((e) => [e.path, String(e.data)] as [string, string]),
  );
}

describe('the reference app synthesized on two far-apart faked dates, in this process and in a child process', () => {
  let after: Synth;
  let judged: Synth & { clock: string };
  beforeAll(() => {
    // The real app as a process (tsx, as the CDK CLI runs it) under a faked clock years later, nothing judged.
    after = synthOn('2031-06-15T23:30:00Z');
    // In this process, the clock faked to before the expiry but judged at a day after it: only
    // the input counts. Its templates must still be the 2031 ones byte for byte, so neither the
    // clock nor `-c today` reaches a template. (`.ci/run` also synthesizes the app without
    // `-c today` on the real clock and again under a clock faked to 2028, and compares the two.)
    judged = synthInProcess('2026-12-01T09:00:00Z', { today: '2028-01-15' });
  }, 180_000);

  test('the faked clock really reached the child process (the proof is not vacuous)', () => {
    const run = spawnSync(process.execPath, ['--require', FAKE_DATE_PRELOAD, '-e', 'process.stdout.write(new Date().toISOString() + " " + Date())'], {
      env: { ...process.env, FAKE_DATE: '2031-06-15T23:30:00Z' },
      encoding: 'utf8',
    });
    expect(run.stdout).toMatch(/^2031-06-15T23:30:0\d\.\d{3}Z Sun Jun 15 2031/);
    // And the in-process run synthesized under its faked clock.
    expect(judged.clock).toMatch(/^2026-12-01T09:00:0\d/);
  });

  test(`both synthesize, after the reference processor's contract ended (${REFERENCE_EXPIRY}) too`, () => {
    expect([after.status, judged.status]).toEqual([0, 0]);
    expect(Object.keys(after.templates).sort()).toEqual(['GdprContactBaseline.template.json', 'GdprContactBaselineBackupAccount.template.json']);
  });

  test('every template is identical byte for byte', () => {
    expect(Object.keys(judged.templates)).toEqual(Object.keys(after.templates));
    for (const [name, text] of Object.entries(after.templates)) expect(judged.templates[name] === text).toBe(true);
  });

  test('without -c today, nothing is judged against the clock: no expiry warning even in 2031', () => {
    expect(warnings(after.outdir).filter(([, m]) => m.includes(GRANT_EXPIRED_WARNING))).toEqual([]);
  });

  test('-c today after the expiry warns on the processor role, never refuses the baseline', () => {
    expect(judged.status).toBe(0);
    const expired = warnings(judged.outdir).filter(([, m]) => m.includes(GRANT_EXPIRED_WARNING));
    expect(expired).toEqual([
      ['/GdprContactBaseline/Processors/statlab/Role', expect.stringMatching(new RegExp(`trust ended at ${REFERENCE_EXPIRY}T00:00:00Z .*before today 2028-01-15.*renew the contract`))],
    ]);
  });

  test('check --today on the same assembly reports the expired grant as a finding (exit 1); without --today it is clean', () => {
    const quiet = { out: () => undefined, err: () => undefined };
    // With the configuration, as synth: it declares the backup account the key and vault policies name.
    const config = ['--config', DEFAULT_CONFIG_PATH];
    expect(runCli(['check', judged.outdir, ...config], quiet)).toBe(0);
    expect(runCli(['check', judged.outdir, '--today', '2027-12-30', ...config], quiet)).toBe(0);
    const result = checkTemplates(loadTemplates(judged.outdir), { today: REFERENCE_EXPIRY, declared: declaredParties(defaultConfig()) });
    expect(result.findings.map((f) => [f.ruleId, f.level, f.resourceType])).toEqual([[GRANT_EXPIRED_RULE, 'warning', 'AWS::IAM::Role']]);
    expect(runCli(['check', judged.outdir, '--today', REFERENCE_EXPIRY, ...config], quiet)).toBe(1);
  });
});

describe('a date given as input is checked, never guessed', () => {
  test.each([['31/12/2027'], ['2027-02-30']])('-c today=%j is one line naming the option, exit 2, nothing synthesized', (value) => {
    const run = synthInProcess('2026-12-01T09:00:00Z', { today: value });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/^-c today: not a (calendar )?date; give the day as YYYY-MM-DD, such as 2026-12-01; got .*\nNothing was synthesized\.\n$/);
    expect(existsSync(run.outdir)).toBe(false);
  }, 60_000);

  test.each([['2027-13-01'], ['now'], ['2027-12-31T00:00:00Z']])('check --today %s is refused with exit 2', (value) => {
    let err = '';
    expect(runCli(['check', 'test/check/fixtures/compliant.json', '--region', 'eu-west-1', '--today', value], { out: () => undefined, err: (t) => void (err += t) })).toBe(2);
    expect(err).toMatch(/^gdpr-baseline: --today: not a (calendar )?date; give the day as YYYY-MM-DD.*\n$/);
  });
});

describe('an expired grant in the configuration', () => {
  test('is not refused when no date is given: the configuration means the same on any day', () => {
    const cfg = defaultConfigInput();
    cfg.subcontractors[0].startDate = '2020-01-01';
    cfg.subcontractors[0].expiryDate = '2020-06-30';
    expect(parseConfig(cfg).subcontractors[0].expiryDate).toBe('2020-06-30');
  });

  test('is refused when the caller asks for a date (parseConfig now)', () => {
    expect(() => parseConfig(defaultConfigInput(), 'c.json', { now: new Date(`${REFERENCE_EXPIRY}T00:00:00Z`) })).toThrow(/subcontractors\[0\]\.expiryDate: the grant expired/);
  });
});

describe('judging trust policies: an attacker cannot hide an ended grant, nor fake one', () => {
  const day = (d: string) => Date.parse(`${d}T00:00:00Z`);
  const trust = (condition: Record<string, unknown>, effect = 'Allow') => ({
    Statement: [{ Effect: effect, Principal: { AWS: 'arn:aws:iam::210987654321:root' }, Action: 'sts:AssumeRole', Condition: condition }],
  });

  test('the expiry day itself has ended (access ends at 00:00 UTC); the day before has not', () => {
    const doc = trust({ DateLessThan: { 'aws:CurrentTime': '2027-12-31T00:00:00Z' } });
    expect(endedTrust(doc, day('2027-12-30'))).toEqual([]);
    expect(endedTrust(doc, day('2027-12-31'))).toEqual([{ endsAt: '2027-12-31T00:00:00Z', principals: ['arn:aws:iam::210987654321:root'] }]);
  });

  test('other spellings of the same bound are judged too: DateLessThanEquals, key case, a list, a bare date', () => {
    expect(endedTrust(trust({ DateLessThanEquals: { 'AWS:CurrentTime': '2027-06-30' } }), day('2028-01-01'))).toHaveLength(1);
    expect(endedTrust(trust({ DateLessThan: { 'aws:currenttime': ['2027-01-01T00:00:00Z', '2027-06-30T00:00:00Z'] } }), day('2028-01-01'))).toHaveLength(1);
  });

  test('a second, later bound cannot extend a statement: every condition must hold, the earliest ends it', () => {
    const doc = trust({ DateLessThan: { 'aws:CurrentTime': '2027-01-01T00:00:00Z' }, DateLessThanEquals: { 'aws:CurrentTime': '2099-01-01T00:00:00Z' } });
    expect(endedTrust(doc, day('2028-01-01'))).toHaveLength(1);
  });

  test('a bound that is not a literal date, a Deny, or a start date is not reported as an ended grant', () => {
    expect(endedTrust(trust({ DateLessThan: { 'aws:CurrentTime': { Ref: 'Expiry' } } }), day('2099-01-01'))).toEqual([]);
    expect(endedTrust(trust({ DateLessThan: { 'aws:CurrentTime': '2020-01-01T00:00:00Z' } }, 'Deny'), day('2099-01-01'))).toEqual([]);
    expect(endedTrust(trust({ DateGreaterThan: { 'aws:CurrentTime': '2020-01-01T00:00:00Z' } }), day('2099-01-01'))).toEqual([]);
    expect(endedTrust(undefined, day('2099-01-01'))).toEqual([]);
  });

  test('warnEndedGrants warns on any role of the app whose trust ended, not only the kit\'s processors', () => {
    const app = new App();
    const stack = new Stack(app, 'S', { env: { region: 'eu-west-3', account: '123456789012' } });
    new iam.Role(stack, 'Partner', {
      assumedBy: new iam.AccountPrincipal('210987654321').withConditions({ DateLessThan: { 'aws:CurrentTime': '2026-03-01T00:00:00Z' } }),
    });
    new iam.Role(stack, 'Current', {
      assumedBy: new iam.AccountPrincipal('210987654321').withConditions({ DateLessThan: { 'aws:CurrentTime': '2030-03-01T00:00:00Z' } }),
    });
    expect(warnEndedGrants(app, '2026-12-01')).toBe(1);
    const found = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('trust ended at 2026-03-01'));
    expect(found.map((w) => w.id)).toEqual(['/S/Partner']);
  });
});
