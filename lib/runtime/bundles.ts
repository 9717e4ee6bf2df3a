import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * Lambda handlers are bundled ahead of time into lib/runtime/dist/<name>/ by
 * the build (`npm run build:handlers`, run by `npm run build`/`prepare`, the
 * tests' global setup and the CDK app command when a bundle is stale), never
 * committed and never bundled by the app itself: `cdk synth` only hashes a
 * directory, no bundling, no Docker. The build writes manifest.json next to
 * the bundles; a construct that takes a bundle refuses one that is missing or
 * is not the one the manifest records.
 */
export const BUNDLES_DIR = join(__dirname, 'dist');

/** What the build records next to the bundles (`<root>/manifest.json`). */
export const MANIFEST_FILE = 'manifest.json';

/** What a bundle leaves to the Lambda runtime: the AWS SDK v3 it provides; pg-native is an optional binding pg never needs here. */
export const DEFAULT_EXTERNAL: readonly string[] = ['@aws-sdk/*', 'pg-native'];

export interface HandlerSpec {
  /** Entry point, relative to lib/runtime. */
  readonly entry: string;
  /** Embed the SQL migrations (lib/database/sql) in the bundle. */
  readonly withMigrations: boolean;
  /** Imports left to the runtime. @default DEFAULT_EXTERNAL */
  readonly external?: readonly string[];
}

export const HANDLERS = {
  migrate: { entry: 'migrate.ts', withMigrations: true },
  // @aws-sdk/rds-signer (IAM database authentication) is not among the clients the runtime provides: bundled, with its credential chain.
  extract: { entry: 'extract.ts', withMigrations: false, external: ['@aws-sdk/client-*', 'pg-native'] },
  // Retention purge: signs in with IAM authentication like the extract job (rds-signer bundled).
  purge: { entry: 'purge.ts', withMigrations: false, external: ['@aws-sdk/client-*', 'pg-native'] },
  'breach-notify': { entry: 'breach-notify.ts', withMigrations: false },
} as const satisfies Record<string, HandlerSpec>;

export type HandlerName = keyof typeof HANDLERS;

export interface BundleRecord {
  /** sha256 of the bundle's index.js. */
  readonly sha256: string;
  /** Every file the bundle was built from, relative to the repository (sources, node_modules, SQL, the build itself), sorted. */
  readonly inputs: readonly string[];
  /** sha256 over the inputs' paths and contents: the bundle is stale when it changes. */
  readonly inputsSha256: string;
  /** `version:checksum` of the migrations embedded in the bundle (the migrate bundle only). */
  readonly migrations?: string;
}

export interface BundleManifest {
  /** The esbuild version the bundles were built with. */
  readonly esbuild: string;
  readonly bundles: Record<HandlerName, BundleRecord>;
}

export const sha256Of = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');

/** A bundle missing, changed after its build or stale: the message is one line naming it and the fix. */
export class BundleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BundleError';
  }
}

const BUILD_HINT = 'run npm run build:handlers (npm ci, npm run build, npm test and npm run synth build them; an installed package ships them: reinstall it)';

/** The manifest of the bundles under `root`, or a one-line error saying how to build them. */
export function readBundleManifest(root = BUNDLES_DIR): BundleManifest {
  const file = join(root, MANIFEST_FILE);
  if (!existsSync(file)) throw new BundleError(`the Lambda bundles are missing (no ${relative(process.cwd(), file) || file}): they are built, not committed; ${BUILD_HINT}`);
  return JSON.parse(readFileSync(file, 'utf8')) as BundleManifest;
}

/**
 * The directory of a bundled handler (its entry point is `index.handler`),
 * checked: its index.js must exist and be the file the build's manifest
 * records, or this throws a one-line error naming the bundle and the fix.
 */
export function bundleDir(name: HandlerName, root = BUNDLES_DIR): string {
  const record = readBundleManifest(root).bundles[name];
  const dir = join(root, name);
  const index = join(dir, 'index.js');
  if (!record || !existsSync(index)) throw new BundleError(`the Lambda bundle ${relative(process.cwd(), index) || index} is missing; ${BUILD_HINT}`);
  if (sha256Of(readFileSync(index)) !== record.sha256) {
    throw new BundleError(`the Lambda bundle ${relative(process.cwd(), index) || index} is not the one its build recorded in ${MANIFEST_FILE} (changed or half built); ${BUILD_HINT}`);
  }
  return dir;
}

/** `version:checksum` of the migrations embedded in the migrate bundle under `root`, as its build recorded them. */
export function bundledMigrations(root = BUNDLES_DIR): string {
  const migrations = readBundleManifest(root).bundles.migrate?.migrations;
  if (migrations === undefined) throw new BundleError(`the migrate bundle's manifest records no migrations; ${BUILD_HINT}`);
  return migrations;
}
