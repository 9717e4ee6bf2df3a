/* eslint-disable @typescript-eslint/no-explicit-any */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { declaredParties } from '../config/declared';
import { type BaselineConfig, permittedRegions } from '../config/schema';
import { addBaselineChecks } from '../nag/baseline-checks';
import { addBaselineStacks } from '../stacks/baseline-app';
import type { SynthesizedStack } from './policies';

/** Synthesizes the baseline for a configuration, as `cdk synth` does, and returns its stack templates. */
export function synthesizeBaseline(config: BaselineConfig): SynthesizedStack[] {
  const outdir = mkdtempSync(join(tmpdir(), 'gdpr-review-'));
  try {
    // Validation as in the app: the rule packs on, aws-cdk-lib's built-in CloudFormation validator off (cfn-lint runs it in CI).
    const app = new App({ outdir, builtinCloudFormationValidation: false });
    addBaselineStacks(app, config);
    addBaselineChecks(app, { allowedRegions: permittedRegions(config), declared: declaredParties(config) });
    const assembly = app.synth();
    return assembly.stacks.map((s) => {
      const template = JSON.parse(readFileSync(join(assembly.directory, s.templateFile), 'utf8'));
      return { name: s.stackName, template, catalogSql: schemaCatalogSql(assembly.directory, template) };
    });
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/**
 * The catalog SQL a template's schema function ships: catalog.sql in the asset
 * of the function that serves the Custom::ContactSchema resource (the template
 * carries only its hash). Undefined when the template has no such resource.
 */
export function schemaCatalogSql(assemblyDir: string, template: { Resources: Record<string, any> }): string | undefined {
  const schema = Object.values(template.Resources).find((r: any) => r.Type === 'Custom::ContactSchema');
  if (!schema) return undefined;
  const functionId = schema.Properties?.ServiceToken?.['Fn::GetAtt']?.[0];
  const key = template.Resources[functionId]?.Properties?.Code?.S3Key;
  const file = typeof key === 'string' ? join(assemblyDir, `asset.${key.replace(/\.zip$/, '')}`, 'catalog.sql') : undefined;
  if (!file || !existsSync(file)) throw new Error(`the schema function's asset (catalog.sql) is not in the cloud assembly ${assemblyDir}`);
  return readFileSync(file, 'utf8');
}
