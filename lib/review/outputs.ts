import { join } from 'node:path';
import { renderConfigJsonSchema } from '../config/json-schema';
import type { BaselineConfig } from '../config/schema';
import { permittedRegions } from '../config/schema';
import { organisationScp } from '../residency/guard-statement';

/** A generated file of the repository: where it goes and what it holds. */
export interface GeneratedFile {
  readonly path: string;
  readonly content: string;
}

/** The config JSON Schema, written next to the schema it is generated from. */
export function schemaFile(repoRoot: string): GeneratedFile {
  return { path: join(repoRoot, 'lib', 'config', 'config.schema.json'), content: renderConfigJsonSchema() };
}

/** The review outputs under policies/ that come from the configuration alone. */
export function reviewFiles(repoRoot: string, config: BaselineConfig): GeneratedFile[] {
  return [
    {
      path: join(repoRoot, 'policies', 'organisation-scp.json'),
      content: `${JSON.stringify(organisationScp(permittedRegions(config)), null, 2)}\n`,
    },
  ];
}
