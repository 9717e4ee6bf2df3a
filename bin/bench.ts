/**
 * `npm run bench`: wall times of what users and CI run, on this machine, so a change
 * that makes the kit slow shows up as a number. Not a test: it reports, it does not judge
 * (it fails only when a measured command fails).
 *
 *   npm run bench [-- --runs N] [--jest-runs N]
 *
 * Each measurement runs N times (default 3); the table shows the median and the minimum.
 * The test suite runs once unless --runs or --jest-runs says otherwise. Results are also
 * written to .bench/results.json.
 *
 * Measured:
 *  - reference synth: `npx cdk synth --quiet` of bin/app.ts, every check on;
 *  - plain synth: bin/bench-plain-app.ts, the same core resources with aws-cdk-lib's
 *    defaults and no rule pack (the yardstick: target reference within 1.5x of it);
 *  - the split: reference and plain synth with CDK_VALIDATION=false (aws-cdk-lib's
 *    built-in CloudFormation validator off) and, in a fresh process per run, the GDPR pack and the
 *    four cdk-nag packs timed with validateScope on the reference stack;
 *  - `npm run check:templates` (cfn-lint + cfn-guard) and the whole test suite (`npx jest`).
 *
 * Also reported (not timed): the kit's own monthly cost estimate of the reference in production and
 * development (`gdpr-baseline cost`, bin/bench-cost.ts), against issue 15's targets.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { syntheticTemplate } from '../lib/check/synthetic';
import { COST_TARGETS, costFigures, costSummary } from './bench-cost';

const REPO_ROOT = resolve(__dirname, '..');
const RESULTS = join(REPO_ROOT, '.bench', 'results.json');
const CHECK_SIZES = [250, 1000, 2000];
const TARGET_RATIO = 1.5;
/** Issue 14's targets on a 2-core machine: the whole test suite, and `npm run synth` of the reference app. */
const TARGET_JEST_MS = 45_000;
const TARGET_SYNTH_MS = 5_000;
const CHILD_FLAG = '--child-packs';
const CHILD_CHECK_FLAG = '--child-check-packs';
/** Issue 11's target: `gdpr-baseline check` of a 1,000-resource template, and no slower than cdk-nag's own packs on it. */
const TARGET_CHECK_MS = 2_000;

interface Measurement {
  readonly id: string;
  readonly label: string;
  readonly command: string;
  readonly runsMs: number[];
  readonly medianMs: number;
  readonly minMs: number;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

function measurement(id: string, label: string, command: string, runsMs: number[]): Measurement {
  return { id, label, command, runsMs: runsMs.map((x) => Math.round(x)), medianMs: Math.round(median(runsMs)), minMs: Math.round(Math.min(...runsMs)) };
}

class BenchError extends Error {}

/** Runs a command once from the repo root and returns its wall time in ms; throws if it fails. */
function timeCommand(command: string, args: string[], env: NodeJS.ProcessEnv = {}, okStatus: number[] = [0]): { ms: number; stdout: string } {
  const start = performance.now();
  const result = spawnSync(command, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 256 * 1024 * 1024,
  });
  const ms = performance.now() - start;
  if (result.error || !okStatus.includes(result.status ?? -1)) {
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-30).join('\n');
    throw new BenchError(`${command} ${args.join(' ')} failed (${result.error?.message ?? `exit ${result.status}`}):\n${output}`);
  }
  return { ms, stdout: result.stdout };
}

function repeat(
  runs: number,
  id: string,
  label: string,
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
  before?: () => void,
  okStatus: number[] = [0],
): Measurement {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    before?.();
    times.push(timeCommand(command, args, env, okStatus).ms);
    process.stderr.write('.');
  }
  const shown = `${Object.entries(env).map(([k, v]) => `${k}=${v} `).join('')}${command} ${args.map((a) => (/\s/.test(a) ? `"${a}"` : a)).join(' ')}`;
  return measurement(id, label, shown, times);
}

// ------------------------------------------------------------------ in-process pack timing (child)

/**
 * Runs in a fresh process (`bench.ts --child-packs`): builds and synthesizes the
 * reference stack with no plugin and the built-in validator off, then times each
 * pack's validateScope once, cold, as a real synth would run it. Prints JSON.
 */
async function childPacks(): Promise<void> {
  process.env.CDK_VALIDATION = 'false';
  const t0 = performance.now();
  const { App } = await import('aws-cdk-lib');
  const { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks } = await import('cdk-nag');
  const { loadConfigFile } = await import('../lib/config/load');
  const { ContactBaselineStack } = await import('../lib/stacks/contact-baseline-stack');
  const { GdprChecks } = await import('../lib/nag/gdpr-checks');
  const t1 = performance.now();
  const outdir = mkdtempSync(join(tmpdir(), 'bench-packs-'));
  try {
    const app = new App({ outdir });
    const stack = new ContactBaselineStack(app, 'GdprContactBaseline', { config: loadConfigFile(join(REPO_ROOT, 'lib/config/default.json')) });
    const t2 = performance.now();
    app.synth();
    const t3 = performance.now();
    const time = (validate: () => unknown): number => {
      const start = performance.now();
      validate();
      return performance.now() - start;
    };
    const packs = {
      gdpr: time(() => new GdprChecks().validateScope(stack)),
      awsSolutions: time(() => new AwsSolutionsChecks().validateScope(stack)),
      hipaa: time(() => new HIPAASecurityChecks().validateScope(stack)),
      nist80053r5: time(() => new NIST80053R5Checks().validateScope(stack)),
      pciDss321: time(() => new PCIDSS321Checks().validateScope(stack)),
    };
    process.stdout.write(JSON.stringify({ importMs: t1 - t0, constructMs: t2 - t1, synthNoChecksMs: t3 - t2, packs }));
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/**
 * Runs in a fresh process (`bench.ts --child-check-packs <template>`): loads the
 * template with CfnInclude, as `check` does, and times the GDPR pack and each of
 * cdk-nag's four packs on it, cold. Prints JSON.
 */
async function childCheckPacks(templateFile: string): Promise<void> {
  process.env.CDK_VALIDATION = 'false';
  const { App, Stack } = await import('aws-cdk-lib');
  const { CfnInclude } = await import('aws-cdk-lib/cloudformation-include');
  const { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks } = await import('cdk-nag');
  const { GdprChecks } = await import('../lib/nag/gdpr-checks');
  const stack = new Stack(new App(), 'Template', { env: { account: '111122223333', region: 'eu-west-3' } });
  new CfnInclude(stack, 'Template', { templateFile });
  const time = (validate: () => unknown): number => {
    const start = performance.now();
    validate();
    return performance.now() - start;
  };
  const gdpr = time(() => new GdprChecks().validateScope(stack));
  const cdkNag = [new AwsSolutionsChecks(), new HIPAASecurityChecks(), new NIST80053R5Checks(), new PCIDSS321Checks()].reduce(
    (sum, pack) => sum + time(() => pack.validateScope(stack)),
    0,
  );
  process.stdout.write(JSON.stringify({ gdpr, cdkNag }));
}

// ------------------------------------------------------------------ main

interface Options {
  runs: number;
  jestRuns: number;
}

function parseArgs(argv: string[]): Options {
  let runs: number | undefined;
  let jestRuns: number | undefined;
  const count = (flag: string, value: string | undefined): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new BenchError(`${flag} needs a positive whole number, got ${value ?? 'nothing'}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--runs') runs = count(arg, argv[++i]);
    else if (arg.startsWith('--runs=')) runs = count('--runs', arg.slice(7));
    else if (arg === '--jest-runs') jestRuns = count(arg, argv[++i]);
    else if (arg.startsWith('--jest-runs=')) jestRuns = count('--jest-runs', arg.slice(12));
    else if (arg === '--help' || arg === '-h') {
      process.stdout.write('usage: npm run bench [-- --runs N] [--jest-runs N]\n');
      process.exit(0);
    } else throw new BenchError(`unknown argument ${arg}; usage: npm run bench [-- --runs N] [--jest-runs N]`);
  }
  return { runs: runs ?? 3, jestRuns: jestRuns ?? runs ?? 1 };
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

function printTable(rows: Measurement[]): void {
  const width = Math.max(...rows.map((r) => r.label.length), 'measurement'.length);
  const line = (a: string, b: string, c: string, d: string): string => `${a.padEnd(width)}  ${b.padStart(4)}  ${c.padStart(9)}  ${d.padStart(9)}\n`;
  process.stdout.write(line('measurement', 'runs', 'median', 'min'));
  process.stdout.write(`${'-'.repeat(width + 28)}\n`);
  for (const r of rows) process.stdout.write(line(r.label, String(r.runsMs.length), seconds(r.medianMs), seconds(r.minMs)));
}

function gitCommit(): string | undefined {
  const head = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (head.status !== 0) return undefined;
  const dirty = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: REPO_ROOT, encoding: 'utf8' }).stdout.trim() !== '';
  return `${head.stdout.trim()}${dirty ? '+dirty' : ''}`;
}

function main(): void {
  const { runs, jestRuns } = parseArgs(process.argv.slice(2));
  const work = mkdtempSync(join(tmpdir(), 'bench-'));
  const started = performance.now();
  const rows: Measurement[] = [];
  try {
    const load = loadavg()[0];
    if (load > 0.5) {
      process.stderr.write(`bench: load average ${load.toFixed(2)} before starting: other processes are busy, expect noisy numbers\n`);
    }
    process.stderr.write(`bench: ${runs} run(s) each, tests ${jestRuns}, on ${cpus().length} cores `);
    const reference = join(work, 'reference');
    const fresh = (dir: string) => () => rmSync(dir, { recursive: true, force: true });

    rows.push(repeat(runs, 'referenceSynth', 'reference synth, every check on', 'npx', ['cdk', 'synth', '--quiet', '-o', reference], {}, fresh(reference)));
    const plain = join(work, 'plain');
    rows.push(
      repeat(runs, 'plainSynth', 'plain aws-cdk-lib app, no rule pack', 'npx', ['cdk', 'synth', '--quiet', '--app', 'node --import tsx bin/bench-plain-app.ts', '-o', plain], {}, fresh(plain)),
    );
    const plainNoValidation = join(work, 'plain-no-validation');
    rows.push(
      repeat(
        runs,
        'plainSynthNoCfnValidator',
        'plain app, CDK_VALIDATION=false',
        'npx',
        ['cdk', 'synth', '--quiet', '--app', 'node --import tsx bin/bench-plain-app.ts', '-o', plainNoValidation],
        { CDK_VALIDATION: 'false' },
        fresh(plainNoValidation),
      ),
    );
    const withValidation = join(work, 'with-validation');
    rows.push(
      repeat(
        runs,
        'referenceSynthWithCfnValidator',
        'reference synth + built-in CFN validator',
        'npx',
        ['cdk', 'synth', '--quiet', '-c', 'cfnValidation=true', '-o', withValidation],
        {},
        fresh(withValidation),
      ),
    );

    const children: { importMs: number; constructMs: number; synthNoChecksMs: number; packs: Record<string, number> }[] = [];
    for (let i = 0; i < runs; i++) {
      const { stdout } = timeCommand(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'bin', 'bench.ts'), CHILD_FLAG]);
      children.push(JSON.parse(stdout) as (typeof children)[number]);
      process.stderr.write('.');
    }
    const inProcess = 'in-process: node --import tsx bin/bench.ts --child-packs';
    rows.push(measurement('gdprPack', '  GDPR pack (validateScope)', inProcess, children.map((c) => c.packs.gdpr)));
    rows.push(
      measurement(
        'cdkNagPacks',
        '  4 cdk-nag packs (validateScope)',
        inProcess,
        children.map((c) => c.packs.awsSolutions + c.packs.hipaa + c.packs.nist80053r5 + c.packs.pciDss321),
      ),
    );
    rows.push(measurement('constructReferenceStack', '  construct reference stack', inProcess, children.map((c) => c.constructMs)));
    rows.push(measurement('synthNoChecksInProcess', '  app.synth(), no pack, no validator', inProcess, children.map((c) => c.synthNoChecksMs)));

    rows.push(repeat(runs, 'checkTemplates', 'npm run check:templates', 'npm', ['run', '--silent', 'check:templates', '--', '--out', reference]));
    // `gdpr-baseline check` on synthetic templates: checked in a few seconds, time linear in size.
    for (const size of CHECK_SIZES) {
      const template = join(work, `synthetic-${size}.json`);
      writeFileSync(template, JSON.stringify(syntheticTemplate(size)));
      // Exit 1 is expected: the synthetic templates carry findings.
      const args = ['--import', 'tsx', 'bin/gdpr-baseline.ts', 'check', template, '--region', 'eu-west-3', '--format', 'json'];
      rows.push(repeat(runs, `check${size}`, `gdpr-baseline check, ${size} resources`, process.execPath, args, {}, undefined, [0, 1]));
      if (size === 1000) {
        // The same template through CfnInclude in one process: the GDPR pack beside cdk-nag's four packs.
        const packRuns: { gdpr: number; cdkNag: number }[] = [];
        for (let i = 0; i < runs; i++) {
          const { stdout } = timeCommand(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'bin', 'bench.ts'), CHILD_CHECK_FLAG, template]);
          packRuns.push(JSON.parse(stdout) as { gdpr: number; cdkNag: number });
        }
        const inProcessCheck = `in-process: node --import tsx bin/bench.ts ${CHILD_CHECK_FLAG} <1,000-resource template>`;
        rows.push(measurement('check1000GdprPack', '  GDPR pack on it (validateScope)', inProcessCheck, packRuns.map((r) => r.gdpr)));
        rows.push(measurement('check1000CdkNagPacks', "  cdk-nag's 4 packs on it (validateScope)", inProcessCheck, packRuns.map((r) => r.cdkNag)));
      }
    }
    rows.push(repeat(jestRuns, 'jest', 'test suite (npx jest)', 'npx', ['jest', '--silent'], { CI: 'true' }));
    process.stderr.write('\n\n');

    const byId = Object.fromEntries(rows.map((r) => [r.id, r]));
    const ratio = byId.referenceSynth.medianMs / byId.plainSynth.medianMs;
    const validatorShare = byId.referenceSynthWithCfnValidator.medianMs - byId.referenceSynth.medianMs;
    const plainValidatorShare = byId.plainSynth.medianMs - byId.plainSynthNoCfnValidator.medianMs;
    printTable(rows);
    const costs = costFigures();
    process.stdout.write(
      `\ntest suite: ${seconds(byId.jest.medianMs)}; target: under ${seconds(TARGET_JEST_MS)} on 2 cores: ${byId.jest.medianMs <= TARGET_JEST_MS ? 'met' : 'MISSED'}\n` +
        `reference synth: ${seconds(byId.referenceSynth.medianMs)}; target: under ${seconds(TARGET_SYNTH_MS)}: ${byId.referenceSynth.medianMs <= TARGET_SYNTH_MS ? 'met' : 'MISSED'}\n` +
        `reference / plain synth (medians): ${ratio.toFixed(2)}x; target: within ${TARGET_RATIO}x: ${ratio <= TARGET_RATIO ? 'met' : 'MISSED'}\n` +
        `aws-cdk-lib's CloudFormation validator: about ${seconds(validatorShare)} on the reference templates (off in the app: cfn-lint runs the same rules in check:templates), ${seconds(plainValidatorShare)} of the plain app (median with it minus median without)\n` +
        `check scaling: ${CHECK_SIZES.map((n) => `${n} resources ${seconds(byId[`check${n}`].medianMs)}`).join(', ')} (per 1,000 resources beyond the first ${CHECK_SIZES[0]}: ${seconds(((byId[`check${CHECK_SIZES[2]}`].medianMs - byId[`check${CHECK_SIZES[0]}`].medianMs) / (CHECK_SIZES[2] - CHECK_SIZES[0])) * 1000)})\n` +
        `check of 1,000 resources: ${seconds(byId.check1000.medianMs)}; target: under ${seconds(TARGET_CHECK_MS)}: ${byId.check1000.medianMs <= TARGET_CHECK_MS ? 'met' : 'MISSED'}; ` +
        `GDPR pack ${seconds(byId.check1000GdprPack.medianMs)} vs cdk-nag's four packs ${seconds(byId.check1000CdkNagPacks.medianMs)} on it: ${byId.check1000GdprPack.medianMs <= byId.check1000CdkNagPacks.medianMs ? 'met' : 'MISSED'}\n` +
        `${costSummary(costs)}\n` +
        `bench took ${seconds(performance.now() - started)}; results in ${relative(process.cwd(), RESULTS) || RESULTS}\n`,
    );

    mkdirSync(join(REPO_ROOT, '.bench'), { recursive: true });
    const results = {
      date: new Date().toISOString(),
      commit: gitCommit(),
      machine: { cores: cpus().length, cpu: cpus()[0]?.model, platform: `${process.platform}/${process.arch}`, node: process.version },
      loadAverageAtStart: Number(load.toFixed(2)),
      runs,
      jestRuns,
      measurements: rows,
      targets: {
        jest: { medianMs: byId.jest.medianMs, targetMs: TARGET_JEST_MS, met: byId.jest.medianMs <= TARGET_JEST_MS },
        referenceSynth: { medianMs: byId.referenceSynth.medianMs, targetMs: TARGET_SYNTH_MS, met: byId.referenceSynth.medianMs <= TARGET_SYNTH_MS },
        check1000: { medianMs: byId.check1000.medianMs, targetMs: TARGET_CHECK_MS, met: byId.check1000.medianMs <= TARGET_CHECK_MS },
        check1000GdprPackVsCdkNag: {
          gdprMs: byId.check1000GdprPack.medianMs,
          cdkNagMs: byId.check1000CdkNagPacks.medianMs,
          met: byId.check1000GdprPack.medianMs <= byId.check1000CdkNagPacks.medianMs,
        },
      },
      monthlyCostUsd: Object.fromEntries(
        (['production', 'development'] as const).map((p) => [p, { total: costs[p].total, target: COST_TARGETS[p], met: costs[p].total <= COST_TARGETS[p], users: costs[p].users, hours: costs[p].hours, pricesDate: costs[p].pricesDate }]),
      ),
      referenceOverPlain: { ratio: Number(ratio.toFixed(3)), target: TARGET_RATIO, met: ratio <= TARGET_RATIO },
      cfnValidatorShareMs: { reference: Math.round(validatorShare), plain: Math.round(plainValidatorShare) },
      inProcessDetail: children.map((c) => ({
        importMs: Math.round(c.importMs),
        constructMs: Math.round(c.constructMs),
        synthNoChecksMs: Math.round(c.synthNoChecksMs),
        packs: Object.fromEntries(Object.entries(c.packs).map(([k, v]) => [k, Math.round(v)])),
      })),
    };
    writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const checkChild = process.argv.indexOf(CHILD_CHECK_FLAG);
  if (checkChild >= 0) {
    childCheckPacks(process.argv[checkChild + 1]).catch((err: unknown) => {
      process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
      process.exitCode = 1;
    });
  } else if (process.argv.includes(CHILD_FLAG)) {
    childPacks().catch((err: unknown) => {
      process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
      process.exitCode = 1;
    });
  } else {
    try {
      main();
    } catch (err) {
      if (!(err instanceof BenchError)) throw err;
      process.stderr.write(`\nbench: ${err.message}\n`);
      process.exitCode = 1;
    }
  }
}
