import type { CfnResource } from 'aws-cdk-lib';
import { managedPolicyRef, type ManagedPolicyRef } from './managed-policies';
import { asArray, referencedId, resolved, stackResources, type ResolvedResource } from './resolve';

/* eslint-disable @typescript-eslint/no-explicit-any */

/** Everything an IAM identity (role, user, group) is allowed through, as far as the template says. */
export interface IdentityPolicies {
  /** Its inline policies, the stack's managed policies it lists, and the stack's policies that name it. */
  readonly documents: readonly any[];
  /** The entries of `ManagedPolicyArns` that are not policies of the stack (AWS-managed, or unknown). */
  readonly external: readonly ManagedPolicyRef[];
}

const IDENTITY_TYPES: Record<string, string> = { 'AWS::IAM::Role': 'Roles', 'AWS::IAM::User': 'Users', 'AWS::IAM::Group': 'Groups' };

/** Per validation run (the Map stackResources returns is rebuilt each run): the policy documents that name each identity. */
const attachedIndex = new WeakMap<Map<string, ResolvedResource>, Map<string, any[]>>();

function attachedDocuments(resources: Map<string, ResolvedResource>): Map<string, any[]> {
  let index = attachedIndex.get(resources);
  if (index) return index;
  index = new Map();
  for (const r of resources.values()) {
    if (r.type !== 'AWS::IAM::Policy' && r.type !== 'AWS::IAM::ManagedPolicy') continue;
    for (const key of Object.values(IDENTITY_TYPES)) {
      for (const target of asArray(r.properties[key])) {
        const id = referencedId(target);
        if (id === undefined) continue;
        const list = index.get(id) ?? [];
        list.push(r.properties.PolicyDocument);
        index.set(id, list);
      }
    }
  }
  attachedIndex.set(resources, index);
  return index;
}

/** The policies of a role, user or group; undefined for any other resource. Linear: one index per validation run. */
export function identityPolicies(node: CfnResource): IdentityPolicies | undefined {
  const identity = resolved(node);
  if (IDENTITY_TYPES[identity.type] === undefined) return undefined;
  const resources = stackResources(node);
  const documents: any[] = asArray(identity.properties.Policies).map((p: any) => p?.PolicyDocument);
  const external: ManagedPolicyRef[] = [];
  for (const arn of asArray(identity.properties.ManagedPolicyArns)) {
    const ref = managedPolicyRef(arn, (id) => resources.get(id)?.type === 'AWS::IAM::ManagedPolicy');
    if (ref.kind === 'stack') documents.push(resources.get(ref.logicalId)?.properties.PolicyDocument);
    else external.push(ref);
  }
  documents.push(...(attachedDocuments(resources).get(identity.logicalId) ?? []));
  return { documents, external };
}
/* eslint-enable @typescript-eslint/no-explicit-any */
