import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/*
 * The suite runs in two jest projects (package.json, "jest"): `light`
 * (jest-light-runner: each worker process loads aws-cdk-lib and the kit once
 * for all its files) and `isolated` (jest's default runner: a fresh module
 * registry per file, for what the light runner does not support). A file
 * that mocks a module, or marks a test as failing, in the light project
 * would run wrongly there, not fail cleanly: this test names it instead.
 */

const ROOT = join(__dirname, '..', '..');
const jest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).jest;
const [light, isolated] = jest.projects as { displayName: string; testPathIgnorePatterns: string[]; testMatch: string[] }[];

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? testFiles(join(dir, e.name)) : e.name.endsWith('.test.ts') ? [`/${relative(ROOT, join(dir, e.name))}`] : [],
  );
}

const files = testFiles(join(ROOT, 'test'));
const isolatedFiles = isolated.testMatch.map((m) => m.replace('<rootDir>', ''));
/** What only jest's default runner supports, by what a test file writes. */
const NEEDS_ISOLATION = /\bjest\.(mock|isolateModules|requireActual|resetModules|doMock)\(|\b(test|it)\.failing\(|\bjest\.useFakeTimers\(/;

test('the projects are light and isolated, and every test file runs in exactly one of them', () => {
  expect(jest.projects.map((p: { displayName: string }) => p.displayName)).toEqual(['light', 'isolated']);
  expect(light.testPathIgnorePatterns.filter((p) => p !== '/node_modules/').sort()).toEqual([...isolatedFiles].sort());
  for (const f of isolatedFiles) expect({ f, exists: files.includes(f) }).toEqual({ f, exists: true });
});

test('a file that mocks modules, fakes the clock with jest or marks a failing test runs in the isolated project', () => {
  const needing = files.filter((f) => NEEDS_ISOLATION.test(readFileSync(join(ROOT, f), 'utf8')));
  expect(needing.filter((f) => !isolatedFiles.includes(f))).toEqual([]);
});

test('the isolated project holds no file without a reason (each file costs a fresh load of aws-cdk-lib there)', () => {
  const without = isolatedFiles.filter((f) => !NEEDS_ISOLATION.test(readFileSync(join(ROOT, f), 'utf8')));
  expect(without).toEqual([]);
});
