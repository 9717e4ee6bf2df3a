import { CfnResource, Stack } from 'aws-cdk-lib';

/** A resource as it appears in the synthesized template, tokens resolved. */
export interface ResolvedResource {
  readonly logicalId: string;
  readonly type: string;
  /* eslint-disable @typescript-eslint/no-explicit-any */
  readonly properties: Record<string, any>;
  readonly deletionPolicy?: string;
  readonly updateReplacePolicy?: string;
}

const byNode = new WeakMap<CfnResource, ResolvedResource>();
const byStack = new WeakMap<Stack, Map<string, ResolvedResource>>();

/** Forgets what was resolved: the pack calls it before each validation so edits are seen. */
export function clearResolvedCache(): void {
  generation++;
}
/** Entries resolved in an earlier generation are stale and resolved again. */
let generation = 0;
const generationOf = new WeakMap<object, number>();

/** The resource's template entry, resolved (cached per validation run). */
export function resolved(node: CfnResource): ResolvedResource {
  const cached = byNode.get(node);
  if (cached && generationOf.get(node) === generation) return cached;
  const stack = Stack.of(node);
  const template = stack.resolve((node as unknown as { _toCloudFormation(): object })._toCloudFormation()) as {
    Resources?: Record<string, { Type: string; Properties?: Record<string, unknown>; DeletionPolicy?: string; UpdateReplacePolicy?: string }>;
  };
  // A resource that renders nothing (an iam.Policy attached to no principal) is
  // not in the template: no type, nothing for a rule to check.
  const [logicalId, entry] = Object.entries(template.Resources ?? {})[0] ?? [stack.getLogicalId(node), { Type: '' }];
  const result: ResolvedResource = {
    logicalId,
    type: entry.Type,
    properties: (entry.Properties ?? {}) as Record<string, any>,
    deletionPolicy: entry.DeletionPolicy,
    updateReplacePolicy: entry.UpdateReplacePolicy,
  };
  byNode.set(node, result);
  generationOf.set(node, generation);
  return result;
}

/** Every resource of the node's stack by logical id, resolved (cached per validation run). */
export function stackResources(node: CfnResource): Map<string, ResolvedResource> {
  const stack = Stack.of(node);
  const cached = byStack.get(stack);
  if (cached && generationOf.get(stack) === generation) return cached;
  const map = new Map<string, ResolvedResource>();
  for (const child of stack.node.findAll()) {
    if (CfnResource.isCfnResource(child) && Stack.of(child) === stack) {
      const r = resolved(child);
      map.set(r.logicalId, r);
    }
  }
  byStack.set(stack, map);
  generationOf.set(stack, generation);
  return map;
}

/** The logical id a value refers to through Ref or Fn::GetAtt, if any. */
export function referencedId(value: unknown): string | undefined {
  if (value && typeof value === 'object') {
    const v = value as Record<string, unknown>;
    if (typeof v.Ref === 'string') return v.Ref;
    const getAtt = v['Fn::GetAtt'];
    if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return getAtt[0];
    if (typeof getAtt === 'string') return getAtt.split('.')[0];
  }
  return undefined;
}

/** The resource a value refers to, when it is in the same stack. */
export function referencedResource(node: CfnResource, value: unknown): ResolvedResource | undefined {
  const id = referencedId(value);
  return id === undefined ? undefined : stackResources(node).get(id);
}

/**
 * A database that holds data itself: an RDS cluster, or an RDS instance
 * outside a cluster (an Aurora instance holds none: its cluster does).
 */
export function isDatabase(r: Pick<ResolvedResource, 'type' | 'properties'>): boolean {
  return r.type === 'AWS::RDS::DBCluster' || (r.type === 'AWS::RDS::DBInstance' && r.properties.DBClusterIdentifier === undefined);
}

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
}

export function isTrue(value: unknown): boolean {
  return value === true || value === 'true' || value === 'True';
}
/* eslint-enable @typescript-eslint/no-explicit-any */
