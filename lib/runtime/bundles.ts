import { join } from 'node:path';

/**
 * Lambda handlers are bundled ahead of time into lib/runtime/dist/<name>/
 * (committed, `npm run build:handlers`), so `cdk synth` only hashes a
 * directory: no bundling, no Docker. A test rebuilds them and fails when the
 * committed bundle is stale.
 */
export const BUNDLES_DIR = join(__dirname, 'dist');

/** What a bundle leaves to the Lambda runtime: the AWS SDK v3 it provides; pg-native is an optional binding pg never needs here. */
export const DEFAULT_EXTERNAL: readonly string[] = ['@aws-sdk/*', 'pg-native'];

export interface HandlerSpec {
  /** Entry point, relative to lib/runtime. */
  readonly entry: string;
  /** Copy the SQL migrations next to the bundle. */
  readonly withMigrations: boolean;
  /** Imports left to the runtime. @default DEFAULT_EXTERNAL */
  readonly external?: readonly string[];
}

export const HANDLERS = {
  'close-default-security-group': { entry: 'close-default-security-group.ts', withMigrations: false },
  migrate: { entry: 'migrate.ts', withMigrations: true },
  // @aws-sdk/rds-signer (IAM database authentication) is not among the clients the runtime provides: bundled, with its credential chain.
  extract: { entry: 'extract.ts', withMigrations: false, external: ['@aws-sdk/client-*', 'pg-native'] },
  // Retention purge: signs in with IAM authentication like the extract job (rds-signer bundled).
  purge: { entry: 'purge.ts', withMigrations: false, external: ['@aws-sdk/client-*', 'pg-native'] },
  'breach-notify': { entry: 'breach-notify.ts', withMigrations: false },
} as const satisfies Record<string, HandlerSpec>;

export type HandlerName = keyof typeof HANDLERS;

/** The directory of a bundled handler (its entry point is `index.handler`). */
export function bundleDir(name: HandlerName, root = BUNDLES_DIR): string {
  return join(root, name);
}
