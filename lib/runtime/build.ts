import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { MIGRATIONS_DIR } from '../database/migrations';
import { BUNDLES_DIR, bundleDir, DEFAULT_EXTERNAL, HandlerName, HANDLERS, type HandlerSpec } from './bundles';

/** Bundles every handler into `root` (default lib/runtime/dist). Development only: needs esbuild. */
export function bundleHandlers(root = BUNDLES_DIR): void {
  for (const [name, { entry, withMigrations, external }] of Object.entries(HANDLERS) as [HandlerName, HandlerSpec][]) {
    const out = bundleDir(name, root);
    rmSync(out, { recursive: true, force: true });
    buildSync({
      entryPoints: [join(__dirname, entry)],
      outfile: join(out, 'index.js'),
      absWorkingDir: join(__dirname, '..', '..'),
      bundle: true,
      platform: 'node',
      target: 'node22',
      format: 'cjs',
      external: [...(external ?? DEFAULT_EXTERNAL)],
      legalComments: 'none',
      // Paths as seen from the repository (a worktree's node_modules may be a symlink): the same bundle wherever it is built.
      preserveSymlinks: true,
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
