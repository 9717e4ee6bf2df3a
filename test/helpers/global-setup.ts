// Jest global setup: the Lambda bundles are built, not committed. Before any
// test file runs, build them when they are missing or a source changed (a
// manifest check of file hashes otherwise: no bundling, the suite stays fast).
import { ensureBundles } from '../../lib/runtime/build';

export default async function globalSetup(): Promise<void> {
  await ensureBundles();
}
