import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { App } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { loadConfigFile } from '../../lib/config/load';
import { declaredParties } from '../../lib/config/declared';
import { type BaselineConfig, permittedRegions } from '../../lib/config/schema';
import type { SynthesizedStack } from '../../lib/review/policies';
import { schemaCatalogSql } from '../../lib/review/schema-catalog-sql';
import type { ContactBaselineStack } from '../../lib/stacks/contact-baseline-stack';
import { keptReferenceAssembly, keptReferenceTemplateJson, READY_MARKER } from './reference-assembly';

/* eslint-disable @typescript-eslint/no-require-imports */
/**
 * aws-cdk-lib, the packs and the kit's stack, loaded on first use: half the files that import this
 * helper only read the configuration or a path (the SQL, configuration and PostgreSQL tests), and
 * loading the kit cost each of them about half a second.
 */
const cdk = () => require('aws-cdk-lib') as typeof import('aws-cdk-lib');
const assertions = () => require('aws-cdk-lib/assertions') as typeof import('aws-cdk-lib/assertions');
const checks = () => require('../../lib/nag/baseline-checks') as typeof import('../../lib/nag/baseline-checks');
const stacks = () => require('../../lib/stacks/contact-baseline-stack') as typeof import('../../lib/stacks/contact-baseline-stack');
const synthesize = () => require('../../lib/review/synthesize') as typeof import('../../lib/review/synthesize');
const cxapi = () => require('aws-cdk-lib/cx-api') as typeof import('aws-cdk-lib/cx-api');
/* eslint-enable @typescript-eslint/no-require-imports */

export const REPO_ROOT = join(__dirname, '..', '..');
export const DEFAULT_CONFIG_PATH = join(REPO_ROOT, 'lib', 'config', 'default.json');

/** The default configuration, freshly parsed (safe to mutate). */
export function defaultConfig(): BaselineConfig {
  return loadConfigFile(DEFAULT_CONFIG_PATH);
}

/** A fresh copy of the default configuration as plain JSON input (before defaults). */
export function defaultConfigInput(): Record<string, any> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return JSON.parse(JSON.stringify(require(DEFAULT_CONFIG_PATH)));
}

/** Builds the reference stack in an app with every check registered (no synthesis yet). */
export function referenceStack(config: BaselineConfig = defaultConfig()): ContactBaselineStack {
  // As in bin/app.ts: aws-cdk-lib's built-in CloudFormation validator is off (cfn-lint runs it in CI).
  const app = new (cdk().App)({ builtinCloudFormationValidation: false });
  checks().addBaselineChecks(app, { allowedRegions: permittedRegions(config), declared: declaredParties(config) });
  return new (stacks().ContactBaselineStack)(app, 'GdprContactBaseline', { config });
}

/**
 * Builds and synthesizes the reference stack: call once per test file, in beforeAll.
 * With the default configuration the template is the one the global setup synthesized for this
 * run, every check registered (test/helpers/reference-assembly.ts; identical, as
 * test/stacks/reference-assembly.test.ts proves), and the stack is built but not synthesized again;
 * without it, or with a `config`, the stack is synthesized here. Either way a finding of any pack fails.
 */
export function referenceTemplate(config?: BaselineConfig): { stack: ContactBaselineStack; template: Template } {
  const stack = referenceStack(config);
  const kept = config === undefined ? keptReferenceTemplateJson() : undefined;
  const { Template } = assertions();
  return { stack, template: kept ? Template.fromJSON(kept) : Template.fromStack(stack) };
}

/** Synthesizes the reference app as `referenceTemplate()` does (every check registered) and returns its cloud assembly's directory. */
export function synthesizeReference(): string {
  return (referenceStack().node.root as App).synth().directory;
}

/**
 * A cloud assembly of the reference app (every check registered) in a directory of the caller's
 * own, to read or to weaken: a copy of the one the global setup synthesized for this run, or a
 * synthesis here without it. Its recorded stack traces (`aws:cdk:creationStack`) name the same
 * places in the kit but their callers' frames are the global setup's.
 */
export function referenceAssembly(): string {
  const kept = keptReferenceAssembly();
  if (!kept) return synthesizeReference();
  const dir = join(mkdtempSync(join(tmpdir(), 'gdpr-reference-')), 'cdk.out');
  cpSync(kept, dir, { recursive: true, filter: (src) => !src.endsWith(READY_MARKER) });
  return dir;
}

/**
 * The reference app's stacks as `synthesizeBaseline(defaultConfig())` gives them to the review
 * outputs (name, template, catalog SQL), each call parsed afresh (safe to mutate): read from the
 * assembly the global setup synthesized for this run (the same stacks, as
 * test/stacks/reference-assembly.test.ts proves), or synthesized here without it.
 */
export function referenceSynthesizedStacks(): SynthesizedStack[] {
  const dir = keptReferenceAssembly();
  if (!dir) return synthesize().synthesizeBaseline(defaultConfig());
  return new (cxapi().CloudAssembly)(dir).stacks.map((s) => {
    const template = JSON.parse(readFileSync(join(dir, s.templateFile), 'utf8'));
    return { name: s.stackName, template, catalogSql: schemaCatalogSql(dir, template) };
  });
}

/**
 * The reference app's stacks (name, account, region, template) as a synthesis of `referenceStack()`
 * gives them, each call parsed afresh (safe to mutate): read from the assembly the global setup
 * synthesized for this run, or synthesized here without it. For tests that read templates only:
 * the stack's constructs are neither built nor synthesized here.
 */
export function referenceStackTemplates(): { name: string; account: string; region: string; terminationProtection: boolean; template: Record<string, any> }[] {
  const dir = keptReferenceAssembly() ?? synthesizeReference();
  return new (cxapi().CloudAssembly)(dir).stacks.map((s) => ({
    name: s.stackName,
    account: s.environment.account,
    region: s.environment.region,
    terminationProtection: s.terminationProtection === true,
    template: JSON.parse(readFileSync(join(dir, s.templateFile), 'utf8')),
  }));
}
