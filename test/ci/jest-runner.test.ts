import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/*
 * Every test file runs under jest-light-runner (package.json, "jest"): each
 * worker process loads aws-cdk-lib and the kit once and runs its files one
 * after the other in one module registry. What only jest's default runner
 * supports (a fresh registry per file) would run wrongly there, not fail
 * cleanly: this test names the file that uses it. The light runner's ways:
 * `withModule` / `loadWithModule` (test/helpers/module-swap.ts) in place of
 * jest.mock, `withFakeDate` (test/helpers/clock.ts) in place of fake timers.
 */

const ROOT = join(__dirname, '..', '..');
const config = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).jest;

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? testFiles(join(dir, e.name)) : e.name.endsWith('.test.ts') ? [`/${relative(ROOT, join(dir, e.name))}`] : [],
  );
}

/** What only jest's default runner supports, by what a test file writes. */
const NEEDS_JEST_RUNNER = /\bjest\.(mock|unmock|isolateModules|requireActual|resetModules|doMock|useFakeTimers)\(|\b(test|it)\.failing\(/;

test('one project, every file under the light runner, one worker per core', () => {
  expect(config.projects).toBeUndefined();
  expect(config.runner[0]).toBe('jest-light-runner');
  expect(config.testPathIgnorePatterns).toEqual(['/node_modules/']);
  // jest's default is one worker less than the cores: on 2 cores, the files one after the other.
  expect(config.maxWorkers).toBe('100%');
});

test('no test file mocks a module, fakes the clock with jest or marks a failing test', () => {
  const files = testFiles(join(ROOT, 'test'));
  expect(files.length).toBeGreaterThan(100);
  expect(files.filter((f) => NEEDS_JEST_RUNNER.test(readFileSync(join(ROOT, f), 'utf8')))).toEqual([]);
});

test('the check sees a mock (it is not vacuous)', () => {
  // Spelled in two pieces, so that this file does not match itself.
  for (const [object, call] of [['jest', "mock('../../lib/review/synthesize', () => ({}));"], ['jest', 'useFakeTimers();'], ['test', "failing('x', () => {});"]]) {
    expect(NEEDS_JEST_RUNNER.test(`${object}.${call}`)).toBe(true);
  }
});
