#!/usr/bin/env node
// Bundles the Lambda handlers into lib/runtime/dist (built, not committed; see lib/runtime/bundles.ts).
//   npm run build:handlers            always rebuilds
//   build-handlers.ts --if-stale      rebuilds only when a bundle is missing or a source changed (cdk.json app, tests)
import { relative } from 'node:path';
import { bundleHandlers, ensureBundles } from '../lib/runtime/build';
import { BUNDLES_DIR } from '../lib/runtime/bundles';

async function main(args: readonly string[]): Promise<void> {
  const unknown = args.filter((a) => a !== '--if-stale');
  if (unknown.length > 0) throw new Error(`build-handlers: unknown argument ${unknown[0]}; the only option is --if-stale`);
  if (args.includes('--if-stale')) {
    await ensureBundles();
    return;
  }
  await bundleHandlers();
  process.stderr.write(`bundled the Lambda handlers into ${relative(process.cwd(), BUNDLES_DIR)}\n`);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`build-handlers: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
