/* eslint-disable @typescript-eslint/no-explicit-any */
// Apart from synthesize.ts (which re-exports it): reading a cloud assembly needs neither aws-cdk-lib nor the kit.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

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
