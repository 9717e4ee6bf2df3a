import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { bundleHandlers } from '../../lib/runtime/build';
import { BUNDLES_DIR } from '../../lib/runtime/bundles';

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]));
}

test('the committed Lambda bundles are up to date (run npm run build:handlers when this fails)', () => {
  const fresh = mkdtempSync(join(tmpdir(), 'gdpr-bundles-'));
  bundleHandlers(fresh);
  const list = (root: string) => files(root).map((f) => relative(root, f)).sort();
  expect(list(BUNDLES_DIR)).toEqual(list(fresh));
  for (const file of list(fresh)) {
    expect([file, readFileSync(join(BUNDLES_DIR, file), 'utf8') === readFileSync(join(fresh, file), 'utf8')]).toEqual([file, true]);
  }
});
