import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { MIGRATIONS_DIR } from '../database/migrations';
import { BUNDLES_DIR, bundleDir, HandlerName, HANDLERS } from './bundles';

/** Bundles every handler into `root` (default lib/runtime/dist). Development only: needs esbuild. */
export function bundleHandlers(root = BUNDLES_DIR): void {
  for (const [name, { entry, withMigrations }] of Object.entries(HANDLERS)) {
    const out = bundleDir(name as HandlerName, root);
    rmSync(out, { recursive: true, force: true });
    buildSync({
      entryPoints: [join(__dirname, entry)],
      outfile: join(out, 'index.js'),
      absWorkingDir: join(__dirname, '..', '..'),
      bundle: true,
      platform: 'node',
      target: 'node22',
      format: 'cjs',
      // The Lambda Node.js runtime provides the AWS SDK v3; pg-native is an optional binding pg never needs here.
      external: ['@aws-sdk/*', 'pg-native'],
      legalComments: 'none',
      logLevel: 'silent',
    });
    if (withMigrations) {
      mkdirSync(join(out, 'sql'), { recursive: true });
      for (const file of readdirSync(MIGRATIONS_DIR).filter((f) => f.endsWith('.sql'))) {
        copyFileSync(join(MIGRATIONS_DIR, file), join(out, 'sql', file));
      }
    }
  }
}
