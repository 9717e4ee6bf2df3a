// Jest global setup, once before any test file runs:
// - the Lambda bundles are built, not committed: build them when they are missing or a source
//   changed (a manifest check of file hashes otherwise: no bundling, the suite stays fast);
// - the data directory each test PostgreSQL server copies (initdb once, not once per file).
import { ensureBundles } from '../../lib/runtime/build';
import { ensurePgTemplate, PG_TEMPLATE_ENV } from './pg-template';

export default async function globalSetup(): Promise<void> {
  await ensureBundles();
  // Workers are started after the global setup and inherit its environment.
  process.env[PG_TEMPLATE_ENV] = ensurePgTemplate();
}
