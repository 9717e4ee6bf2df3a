// Jest global setup, once before any test file runs:
// - the Lambda bundles are built, not committed: build them when they are missing or a source
//   changed (a manifest check of file hashes otherwise: no bundling, the suite stays fast);
// - the data directory each test PostgreSQL server copies (initdb once, not once per file), and
//   the scratch directory cleared of what no suite used for a day (old migrated templates, what
//   a killed suite left);
// - the reference app's cloud assembly, synthesized once for the files that only read it
//   (test/helpers/reference-assembly.ts; after the bundles, whose hashes are in its templates).
import './setup-env'; // the workers' environment (CDK_VALIDATION), for the synthesis below
import { ensureBundles } from '../../lib/runtime/build';
import { ensurePgTemplateInBackground, PG_TEMPLATE_ENV, pruneLeftBehind } from './pg-template';
import { ensureReferenceAssembly, REFERENCE_ASSEMBLY_ENV, REFERENCE_ASSEMBLY_ERROR_ENV } from './reference-assembly';

export default async function globalSetup(): Promise<void> {
  await ensureBundles();
  // initdb (a first run only) in a child process while the reference app synthesizes here.
  const template = ensurePgTemplateInBackground();
  template.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile
  pruneLeftBehind();
  delete process.env[REFERENCE_ASSEMBLY_ERROR_ENV];
  const assembly = ensureReferenceAssembly(process.env, (err) => {
    process.env[REFERENCE_ASSEMBLY_ERROR_ENV] = (err instanceof Error ? err.message : String(err)).split('\n')[0];
  });
  if (assembly) process.env[REFERENCE_ASSEMBLY_ENV] = assembly;
  else delete process.env[REFERENCE_ASSEMBLY_ENV];
  // Workers are started after the global setup and inherit its environment.
  process.env[PG_TEMPLATE_ENV] = await template;
}
