import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, cli, cliIn } from '../helpers/cli';
import { REPO_ROOT } from '../helpers/reference';

const VERSION = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

describe('the command line', () => {
  test('--version prints the package version', () => {
    expect(cli('--version')).toEqual({ status: 0, stdout: `${VERSION}\n`, stderr: '' });
  });

  test('no command prints the usage on standard error and exits 2', () => {
    const run = cli();
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^Usage: gdpr-baseline <command>/);
  });

  test('--help lists every command and exits 0', () => {
    const run = cli('--help');
    expect(run.status).toBe(0);
    for (const command of ['check', 'policies', 'sql', 'schema']) expect(run.stdout).toMatch(new RegExp(`^ {2}${command}\\b`, 'm'));
  });

  test.each([
    ['check', ['--region', '--config', '--allowed-regions', '--packs', '--guard', '--today', '--format', '--output']],
    ['policies', ['--config', '--out']],
    ['sql', ['--config']],
    ['schema', ['--out']],
  ])('%s --help documents each of its options, exit 0, and does nothing else', (command, options) => {
    for (const help of ['--help', '-h']) {
      const run = cli(command, help);
      expect(run.status).toBe(0);
      expect(run.stdout).toMatch(new RegExp(`^Usage: gdpr-baseline ${command}\\b`));
      for (const option of options) expect(run.stdout).toMatch(new RegExp(`^ {2}${option}\\b`, 'm'));
      expect(run.stdout).toMatch(/Exit codes: 0 .* 1 .* 2 /);
    }
  });

  test('every option a help text documents is accepted, and nothing else (help and parser cannot drift)', () => {
    for (const command of ['check', 'policies', 'sql', 'schema']) {
      const documented = [...cli(command, '--help').stdout.matchAll(/^ {2}(--[a-z-]+)/gm)].map((m) => m[1]).filter((o) => o !== '--help');
      for (const option of documented) expect(cli(command, option).stderr).not.toMatch(/unknown option/);
    }
  });

  test('--option=value is the same as --option value', () => {
    const a = cli('check', 'test/check/fixtures/compliant.json', '--region=eu-west-1', '--format=json');
    const b = cli('check', 'test/check/fixtures/compliant.json', '--region', 'eu-west-1', '--format', 'json');
    expect(a.status).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    expect(JSON.parse(a.stdout).summary.errors).toBe(0);
  });

  test('sql with an expired processor grant still prints: nothing is judged against the clock', () => {
    const run = cli('sql');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/extract_statlab/);
  });
});

describe('sql | head', () => {
  test('stops quietly when the reader closes the pipe: exit 0, no EPIPE, no stack trace', async () => {
    const child = spawn(process.execPath, [...BIN, 'sql'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    // Read the first chunk, then close the pipe as head does.
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    child.stdout.destroy();
    const status = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    expect(stderr).toBe('');
    expect(status).toBe(0);
  });
});

describe('schema writes where it is run, never into the package folder', () => {
  test('default: ./config.schema.json of the working directory; --out FILE elsewhere', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'gdpr-schema-'));
    const committed = readFileSync(join(REPO_ROOT, 'lib', 'config', 'config.schema.json'), 'utf8');
    const run = cliIn(cwd, 'schema');
    expect(run.status).toBe(0);
    expect(run.stdout).toBe('wrote config.schema.json\n');
    expect(readFileSync(join(cwd, 'config.schema.json'), 'utf8')).toBe(committed);
    expect(cliIn(cwd, 'schema', '--out', 'editor/schema.json').status).toBe(0);
    expect(existsSync(join(cwd, 'editor', 'schema.json'))).toBe(true);
  });
});
