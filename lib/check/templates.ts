import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { parse as parseYaml } from 'yaml';

/** A CloudFormation template to check, with where it deploys when known. */
export interface TemplateInput {
  /** Path of the template file. */
  readonly path: string;
  /** The parsed template. */
  readonly template: CloudFormationTemplate;
  /** The region it deploys to: from the cloud assembly manifest, else from --region. */
  readonly region?: string;
  readonly account?: string;
  /** Stack name (cloud assembly) or file name. */
  readonly name: string;
}

export interface CloudFormationTemplate {
  readonly Resources: Record<string, { Type: string; Properties?: Record<string, unknown>; Metadata?: Record<string, unknown> }>;
  readonly [key: string]: unknown;
}

/** A problem with the input: unreadable file, not a template, no region. Exit code 2. */
export class InputError extends Error {}

const TEMPLATE_EXTENSIONS = ['.json', '.yaml', '.yml', '.template'];

function parseTemplate(path: string): CloudFormationTemplate {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new InputError(`${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  let parsed: unknown;
  try {
    parsed = extname(path) === '.json' ? JSON.parse(text) : parseYaml(text, { customTags: cloudFormationTags });
  } catch (err) {
    throw new InputError(`${path}: not valid ${extname(path) === '.json' ? 'JSON' : 'YAML'}: ${(err as Error).message.split('\n')[0]}`);
  }
  const resources = (parsed as { Resources?: unknown } | null)?.Resources;
  if (!parsed || typeof parsed !== 'object' || !resources || typeof resources !== 'object' || Array.isArray(resources)) {
    throw new InputError(`${path}: not a CloudFormation template (no Resources section)`);
  }
  for (const [id, resource] of Object.entries(resources as Record<string, unknown>)) {
    if (!resource || typeof (resource as { Type?: unknown }).Type !== 'string') {
      throw new InputError(`${path}: resource ${id} has no Type; not a CloudFormation template`);
    }
  }
  return parsed as CloudFormationTemplate;
}

/** YAML short forms (!Ref, !GetAtt, !Sub, ...) as their JSON long forms. */
const INTRINSICS = ['Base64', 'Cidr', 'FindInMap', 'GetAZs', 'ImportValue', 'Join', 'Select', 'Split', 'Sub', 'Transform', 'And', 'Equals', 'If', 'Not', 'Or', 'Condition', 'ToJsonString', 'Length'];
const cloudFormationTags = [
  ...(['scalar', 'seq', 'map'] as const).flatMap((collection) => [
    ...INTRINSICS.map((fn) => ({
      tag: `!${fn}`,
      collection: collection === 'scalar' ? undefined : collection,
      resolve: (value: unknown) => ({ [fn === 'Condition' ? 'Condition' : `Fn::${fn}`]: value }),
    })),
    { tag: '!Ref', collection: collection === 'scalar' ? undefined : collection, resolve: (value: unknown) => ({ Ref: value }) },
    {
      tag: '!GetAtt',
      collection: collection === 'scalar' ? undefined : collection,
      resolve: (value: unknown) => ({ 'Fn::GetAtt': typeof value === 'string' ? value.split('.') : value }),
    },
  ]),
] as never;

/** Stack templates of a cloud assembly, with their account and region from the manifest. */
function fromCloudAssembly(dir: string): TemplateInput[] {
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as {
    artifacts?: Record<string, { type?: string; environment?: string; properties?: { templateFile?: string }; displayName?: string }>;
  };
  const inputs: TemplateInput[] = [];
  for (const [id, artifact] of Object.entries(manifest.artifacts ?? {})) {
    if (artifact.type === 'cdk:cloud-assembly') {
      const nested = (artifact.properties as { directoryName?: string } | undefined)?.directoryName;
      if (nested) inputs.push(...fromCloudAssembly(join(dir, nested)));
      continue;
    }
    if (artifact.type !== 'aws:cloudformation:stack' || !artifact.properties?.templateFile) continue;
    const env = /^aws:\/\/([^/]+)\/(.+)$/.exec(artifact.environment ?? '');
    const path = join(dir, artifact.properties.templateFile);
    inputs.push({
      path,
      template: parseTemplate(path),
      account: env && env[1] !== 'unknown-account' ? env[1] : undefined,
      region: env && env[2] !== 'unknown-region' ? env[2] : undefined,
      name: artifact.displayName ?? id,
    });
  }
  return inputs;
}

/**
 * The templates at a path: a cloud assembly directory (cdk.out), a directory
 * of templates, or one template file (JSON or YAML). `region` applies to
 * templates that do not say where they deploy.
 */
export function loadTemplates(path: string, region?: string): TemplateInput[] {
  if (!existsSync(path)) throw new InputError(`${path}: no such file or directory`);
  let inputs: TemplateInput[];
  if (statSync(path).isDirectory()) {
    if (existsSync(join(path, 'manifest.json'))) {
      inputs = fromCloudAssembly(path);
    } else {
      inputs = readdirSync(path)
        .filter((f) => TEMPLATE_EXTENSIONS.includes(extname(f)))
        .sort()
        .map((f) => ({ path: join(path, f), template: parseTemplate(join(path, f)), name: f }));
    }
    if (inputs.length === 0) throw new InputError(`${path}: no CloudFormation template found (expected a cdk.out directory or *.json/*.yaml templates)`);
  } else {
    inputs = [{ path, template: parseTemplate(path), name: basename(path) }];
  }
  return inputs.map((input) => {
    const effective = input.region ?? region;
    if (!effective) {
      throw new InputError(`${input.path}: the template does not say which region it deploys to; pass --region (for example --region eu-west-3)`);
    }
    return { ...input, region: effective };
  });
}

