import { join } from 'node:path';

/**
 * Lambda handlers are bundled ahead of time into lib/runtime/dist/<name>/
 * (committed, `npm run build:handlers`), so `cdk synth` only hashes a
 * directory: no bundling, no Docker. A test rebuilds them and fails when the
 * committed bundle is stale.
 */
export const BUNDLES_DIR = join(__dirname, 'dist');

export const HANDLERS = {
  'close-default-security-group': { entry: 'close-default-security-group.ts', withMigrations: false },
  migrate: { entry: 'migrate.ts', withMigrations: true },
} as const;

export type HandlerName = keyof typeof HANDLERS;

/** The directory of a bundled handler (its entry point is `index.handler`). */
export function bundleDir(name: HandlerName, root = BUNDLES_DIR): string {
  return join(root, name);
}
