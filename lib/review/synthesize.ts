import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { declaredParties } from '../config/declared';
import { type BaselineConfig, permittedRegions } from '../config/schema';
import { addBaselineChecks } from '../nag/baseline-checks';
import { addBaselineStacks } from '../stacks/baseline-app';
import type { SynthesizedStack } from './policies';
import { schemaCatalogSql } from './schema-catalog-sql';

export { schemaCatalogSql };

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
