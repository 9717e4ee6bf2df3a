import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, cli, cliIn } from '../helpers/cli';
import { defaultConfigInput, REPO_ROOT } from '../helpers/reference';

/**
 * The command line refuses what it does not understand (a typo in CI must not
 * silently skip a check), and its writers never destroy what they did not
 * write: not a user's files, not the kit's reference outputs.
 */

const POLICIES = join(REPO_ROOT, 'policies');
const fixture = (name: string) => join(REPO_ROOT, 'test', 'check', 'fixtures', name);

/** Content and modification time of every committed review output, to prove nothing touched them. */
function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => join(e.parentPath, e.name))
      .map((f) => [f, `${statSync(f).mtimeMs}:${readFileSync(f, 'utf8').length}`]),
  );
}

describe('a typo never skips a check: unknown or malformed arguments exit 2, one line, no stack trace', () => {
  test.each([
    [['check', fixture('insecure.yaml'), '--formt', 'json'], /^gdpr-baseline: check: unknown option --formt \(did you mean --format\?\); run gdpr-baseline check --help\n$/],
    [['check', fixture('insecure.yaml'), '--pack', 'all'], /^gdpr-baseline: check: unknown option --pack \(did you mean --packs\?\)/],
    [['check', fixture('insecure.yaml'), '--gaurd'], /^gdpr-baseline: check: unknown option --gaurd \(did you mean --guard\?\)/],
    [['check', fixture('insecure.yaml'), '-g'], /^gdpr-baseline: check: unknown option -g;/],
    [['check', fixture('insecure.yaml'), '--guard=no'], /^gdpr-baseline: check: --guard takes no value; got --guard=no\n$/],
    [['check', fixture('insecure.yaml'), '--format', 'json', '--format', 'human'], /^gdpr-baseline: check: --format is given twice; give it once\n$/],
    [['check', fixture('insecure.yaml'), '--region'], /^gdpr-baseline: check: --region needs a value/],
    [['check', fixture('insecure.yaml'), '--region', '--guard'], /^gdpr-baseline: check: --region needs a value/],
    [['check', fixture('insecure.yaml'), '--region='], /^gdpr-baseline: check: --region needs a value/],
    [['check', fixture('insecure.yaml'), fixture('compliant.json')], /^gdpr-baseline: check: unexpected argument .*compliant\.json \(it takes one path\)/],
    [['check', fixture('insecure.yaml'), '--region', 'eu-west-3', '--packs', ','], /^gdpr-baseline: check: --packs is a comma-separated list/],
    [['check', fixture('insecure.yaml'), '--region', 'EU-WEST-3'], /^gdpr-baseline: check: --region must be a region, such as eu-west-3; got EU-WEST-3\n$/],
    [['check', fixture('insecure.yaml'), '--allowed-regions', 'eu-west-3;us-east-1'], /^gdpr-baseline: check: --allowed-regions is a comma-separated list of regions/],
    [['check', fixture('insecure.yaml'), '--config', 'lib/config/default.json', '--allowed-regions', 'us-east-1'], /^gdpr-baseline: check: give the allowed regions once/],
    [['check'], /^gdpr-baseline: check needs a path/],
    [['sql', '--confg', 'x.json'], /^gdpr-baseline: sql: unknown option --confg \(did you mean --config\?\)/],
    [['sql', 'extra'], /^gdpr-baseline: sql: unexpected argument extra \(it takes no argument\)/],
    [['policies', '--output', 'x'], /^gdpr-baseline: policies: unknown option --output \(did you mean --out\?\)/],
    [['schema', '--config', 'x.json'], /^gdpr-baseline: schema: unknown option --config;/],
    [['chek', 'cdk.out'], /^gdpr-baseline: unknown command chek \(did you mean check\?\); run gdpr-baseline --help\n$/],
    [['--formt'], /^gdpr-baseline: unknown option --formt;/],
    [['--version', 'check'], /^gdpr-baseline: --version takes no argument; got check\n$/],
    [['constructor'], /^gdpr-baseline: unknown command constructor;/],
    [['__proto__'], /^gdpr-baseline: unknown command __proto__;/],
  ])('%j', (argv, message) => {
    const run = cli(...argv);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(message);
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  test('the binary itself: exit 2 and one line, not a stack trace, before loading cdk-nag or the constructs', () => {
    const loaded = join(mkdtempSync(join(tmpdir(), 'gdpr-loaded-')), 'packages.json');
    const preload = join(REPO_ROOT, 'test', 'helpers', 'loaded-packages.cjs');
    const run = spawnSync(process.execPath, ['--require', preload, ...BIN, 'check', fixture('insecure.yaml'), '--formt', 'json'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      env: { ...process.env, LOADED_PACKAGES_FILE: loaded },
    });
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe('gdpr-baseline: check: unknown option --formt (did you mean --format?); run gdpr-baseline check --help\n');
    // A typo costs a fraction of a second: the commands' modules load when a command runs.
    const packages = JSON.parse(readFileSync(loaded, 'utf8')) as Record<string, number>;
    expect(packages.tsx).toBeGreaterThan(0); // the preload saw the run's modules
    expect(packages['cdk-nag']).toBeUndefined();
    expect(packages['aws-cdk-lib'] ?? 0).toBeLessThan(5); // its index and the core's lazy entry, not the constructs
  });

  test('after --, an argument that looks like an option is a path, not an option', () => {
    expect(cli('check', '--region', 'eu-west-3', '--', '--guard').stderr).toMatch(/^gdpr-baseline: --guard: no such file or directory\n$/);
  });
});

describe('policies never destroys what it did not write', () => {
  let otherConfig: string;
  beforeAll(() => {
    const dir = mkdtempSync(join(tmpdir(), 'gdpr-other-'));
    const cfg = defaultConfigInput();
    cfg.organisation.name = 'Another controller';
    otherConfig = join(dir, 'other.json');
    writeFileSync(otherConfig, JSON.stringify(cfg));
  });

  test("another configuration cannot overwrite the kit's committed reference outputs, by any path", () => {
    const before = snapshot(POLICIES);
    const link = join(mkdtempSync(join(tmpdir(), 'gdpr-link-')), 'to-repo');
    symlinkSync(REPO_ROOT, link);
    for (const args of [
      ['--out', POLICIES],
      ['--out', join(REPO_ROOT, 'lib', '..', 'policies')],
      ['--out', join(link, 'policies')],
    ]) {
      const run = cli('policies', '--config', otherConfig, ...args);
      expect(run.status).toBe(2);
      expect(run.stderr).toMatch(/holds the kit's reference outputs, generated from the reference configuration; write the outputs of .*other\.json elsewhere with --out DIR\n$/);
    }
    // From the repository itself, the default ./policies is the reference outputs too.
    const fromRepo = cliIn(REPO_ROOT, 'policies', '--config', otherConfig);
    expect(fromRepo.status).toBe(2);
    expect(fromRepo.stderr).toMatch(/holds the kit's reference outputs/);
    expect(snapshot(POLICIES)).toEqual(before);
  });

  test("a directory holding someone's files is refused, and nothing in it is deleted", () => {
    const dir = mkdtempSync(join(tmpdir(), 'gdpr-mine-'));
    mkdirSync(join(dir, 'src'));
    writeFileSync(join(dir, 'src', 'keep.ts'), 'export {};\n');
    writeFileSync(join(dir, 'README.md'), '# My project\n');
    for (const out of [dir, join(dir, 'src')]) {
      const run = cli('policies', '--out', out);
      expect(run.status).toBe(2);
      expect(run.stderr).toMatch(/holds files this command did not write, and it rewrites its directory as a whole; give a new or empty directory with --out DIR\n$/);
    }
    expect(readFileSync(join(dir, 'src', 'keep.ts'), 'utf8')).toBe('export {};\n');
    expect(readFileSync(join(dir, 'README.md'), 'utf8')).toBe('# My project\n');
  });

  test('a file given as --out is refused, not replaced', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'gdpr-file-')), 'notes.txt');
    writeFileSync(file, 'mine');
    expect(cli('policies', '--out', file).status).toBe(2);
    expect(readFileSync(file, 'utf8')).toBe('mine');
  });

  test("written where it is run (./policies), rewritten as a whole on the next run, the package's own outputs untouched", () => {
    const before = snapshot(POLICIES);
    const cwd = mkdtempSync(join(tmpdir(), 'gdpr-user-'));
    const first = cliIn(cwd, 'policies', '--config', otherConfig);
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(/^wrote \d+ files to policies\n$/);
    expect(readFileSync(join(cwd, 'policies', 'record-of-processing.md'), 'utf8')).toMatch(/Another controller/);
    // A stale file of an earlier run is removed; the run is allowed because the directory is its own.
    writeFileSync(join(cwd, 'policies', 'stale.md'), 'old');
    const second = cliIn(cwd, 'policies', '--config', otherConfig);
    expect(second.status).toBe(0);
    expect(second.stdout).toMatch(/removed 1 stale: stale\.md/);
    expect(existsSync(join(cwd, 'policies', 'stale.md'))).toBe(false);
    expect(snapshot(POLICIES)).toEqual(before);
  }, 120_000);
});
