#!/usr/bin/env node
// Bundles the Lambda handlers into lib/runtime/dist (committed; see lib/runtime/bundle.ts).
import { relative } from 'node:path';
import { bundleHandlers } from '../lib/runtime/build';
import { BUNDLES_DIR } from '../lib/runtime/bundles';

bundleHandlers();
process.stdout.write(`bundled the Lambda handlers into ${relative(process.cwd(), BUNDLES_DIR)}\n`);
