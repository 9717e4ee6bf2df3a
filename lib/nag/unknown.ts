import { CfnOutput, CfnResource, Stack } from 'aws-cdk-lib';
import { NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { stackResources } from './resolve';

/*
 * "Unknown is not compliant". A property of a resolved template can hold a
 * value nothing offline can know: a parameter's `Ref` (its default can be
 * overridden at deploy), an `Fn::If` (its condition depends on parameters),
 * an `Fn::ImportValue` of an export no stack of the app writes, or an
 * intrinsic (`Fn::Select`, `Fn::FindInMap`, `Fn::Sub`, `Fn::Join`, ...) over
 * one of those. A rule whose answer depends on such a value reports
 * `CannotEvaluate::<Property>` instead of passing.
 *
 * Decisions:
 * - `{"Ref": "AWS::NoValue"}` is not unknown: it removes the property (or the
 *   list element), which is what the template deploys.
 * - The other pseudo parameters (`AWS::Region`, `AWS::AccountId`,
 *   `AWS::Partition`, `AWS::URLSuffix`, `AWS::StackName`, `AWS::StackId`,
 *   `AWS::NotificationARNs`) are known: they name where the stack is
 *   deployed, which rules about regions and accounts judge on their own.
 * - A `Ref`/`Fn::GetAtt` of a resource of the same stack is known (a rule
 *   follows it); of anything else (a parameter, a missing resource) unknown.
 * - `Fn::ImportValue` is known when a stack of the same app exports that
 *   name (at synth CDK writes every cross-stack reference that way); in
 *   `check` of a single template, or for an export of another app, unknown.
 * - `Fn::If` has every branch as a possible value; a rule decides on all of
 *   them: compliant only if every branch is.
 */

/** What a value can be at deploy time, as far as the template says. */
export type Evaluability = 'known' | 'removed' | 'unknown';

/** The finding a rule reports when the property deciding it cannot be evaluated. */
export function cannotEvaluate(property: string): string {
  return `CannotEvaluate::${property}`;
}

/** Pseudo parameters whose value is where the stack is deployed (never a choice of whoever deploys it). */
export const KNOWN_PSEUDO_PARAMETERS = [
  'AWS::Region',
  'AWS::AccountId',
  'AWS::Partition',
  'AWS::URLSuffix',
  'AWS::StackName',
  'AWS::StackId',
  'AWS::NotificationARNs',
];

/** Stands for "removed" (AWS::NoValue) among the variants of a value. */
const REMOVED: unique symbol = Symbol('removed');
/** Stands for "any value" among the variants of a value. */
const ANY: unique symbol = Symbol('any');
type Variant = unknown;

/** At most this many concrete variants of one value are enumerated; beyond, it is "any value". */
const MAX_VARIANTS = 64;

/* eslint-disable @typescript-eslint/no-explicit-any */

/** The export names every stack of the node's app writes, per validation run. */
const exportsByRun = new WeakMap<Map<string, unknown>, Set<string>>();

function appExports(node: CfnResource): Set<string> {
  const run = stackResources(node);
  const cached = exportsByRun.get(run);
  if (cached) return cached;
  const names = new Set<string>();
  for (const child of node.node.root.node.findAll()) {
    if (!(child instanceof CfnOutput) || child.exportName === undefined) continue;
    const name = Stack.of(child).resolve(child.exportName);
    if (typeof name === 'string') names.add(name);
  }
  exportsByRun.set(run, names);
  return names;
}

function isIntrinsic(value: object): string | undefined {
  const keys = Object.keys(value);
  if (keys.length !== 1) return undefined;
  const [key] = keys;
  return key === 'Ref' || key.startsWith('Fn::') || key === 'Condition' ? key : undefined;
}

/** Does a `Fn::Sub` string name a variable that is not a resource of the stack, a pseudo parameter or one of its own variables? */
function subNamesUnknown(node: CfnResource, template: string, own: Record<string, unknown>): boolean {
  for (const match of template.matchAll(/\$\{([^!}][^}]*)\}/g)) {
    const name = match[1].trim();
    if (name in own || KNOWN_PSEUDO_PARAMETERS.includes(name)) continue;
    if (!stackResources(node).has(name.split('.')[0])) return true;
  }
  return false;
}

/**
 * The values `value` can take at deploy time: itself when it is known, each
 * branch of an `Fn::If`, REMOVED for AWS::NoValue, ANY when nothing offline
 * can say. Known values come back as the same object (no copy).
 */
function variants(node: CfnResource, value: unknown, depth = 0): Variant[] {
  if (value === null || typeof value !== 'object') return [value];
  if (depth > 32) return [ANY];
  if (Array.isArray(value)) {
    const perElement = value.map((e) => variants(node, e, depth + 1));
    if (perElement.every((vs, i) => vs.length === 1 && vs[0] === value[i])) return [value];
    if (perElement.some((vs) => vs.includes(ANY))) return [ANY];
    return product(perElement, (combo) => combo.filter((e) => e !== REMOVED));
  }
  const v = value as Record<string, unknown>;
  const intrinsic = isIntrinsic(v);
  if (intrinsic === 'Ref') {
    const target = v.Ref;
    if (target === 'AWS::NoValue') return [REMOVED];
    if (typeof target === 'string' && (KNOWN_PSEUDO_PARAMETERS.includes(target) || stackResources(node).has(target))) return [value];
    return [ANY];
  }
  if (intrinsic === 'Fn::GetAtt') {
    const att = v['Fn::GetAtt'];
    const target = Array.isArray(att) ? att[0] : typeof att === 'string' ? att.split('.')[0] : undefined;
    return typeof target === 'string' && stackResources(node).has(target) ? [value] : [ANY];
  }
  if (intrinsic === 'Fn::If') {
    const args = v['Fn::If'];
    if (!Array.isArray(args) || args.length !== 3) return [ANY];
    const out = [...variants(node, args[1], depth + 1), ...variants(node, args[2], depth + 1)];
    return out.includes(ANY) || out.length > MAX_VARIANTS ? [ANY] : out;
  }
  if (intrinsic === 'Fn::ImportValue') {
    const name = v['Fn::ImportValue'];
    return typeof name === 'string' && appExports(node).has(name) ? [value] : [ANY];
  }
  if (intrinsic === 'Fn::Sub') {
    const args = v['Fn::Sub'];
    const [template, own] = Array.isArray(args) ? [args[0], (args[1] ?? {}) as Record<string, unknown>] : [args, {}];
    if (typeof template !== 'string' || subNamesUnknown(node, template, own)) return [ANY];
    return Object.values(own).every((o) => isKnown(node, o)) ? [value] : [ANY];
  }
  if (intrinsic !== undefined) {
    // Fn::Join, Fn::Select, Fn::FindInMap, Fn::Split, Fn::Base64, Fn::GetAZs, Fn::Cidr, Fn::Length, Fn::ToJsonString...:
    // known when every argument is (a literal mapping lookup is evaluable offline); over an unknown, a branch or a
    // removed value, CloudFormation computes something no rule can predict here.
    return isKnown(node, v[intrinsic]) ? [value] : [ANY];
  }
  const keys = Object.keys(v);
  const perKey = keys.map((k) => variants(node, v[k], depth + 1));
  if (perKey.every((vs, i) => vs.length === 1 && vs[0] === v[keys[i]])) return [value];
  if (perKey.some((vs) => vs.includes(ANY))) return [ANY];
  return product(perKey, (combo) => {
    const o: Record<string, unknown> = {};
    combo.forEach((e, i) => {
      if (e !== REMOVED) o[keys[i]] = e;
    });
    return o;
  });
}

function isKnown(node: CfnResource, value: unknown): boolean {
  const vs = variants(node, value);
  return vs.length === 1 && vs[0] === value;
}

function product(lists: Variant[][], build: (combo: Variant[]) => Variant): Variant[] {
  let combos: Variant[][] = [[]];
  for (const list of lists) {
    const next: Variant[][] = [];
    for (const c of combos) for (const e of list) next.push([...c, e]);
    if (next.length > MAX_VARIANTS) return [ANY];
    combos = next;
  }
  return combos.map(build);
}

/**
 * Whether `value` (a property of `node`'s resolved template entry) can be
 * evaluated offline: 'known' (a literal, a reference to a resource of the
 * stack, a pseudo parameter, an export of the same app...), 'removed'
 * (`AWS::NoValue`: the property is absent) or 'unknown' (a parameter, an
 * `Fn::If`, an import no stack of the app exports, an intrinsic over one).
 */
export function evaluability(node: CfnResource, value: unknown): Evaluability {
  const vs = variants(node, value);
  if (vs.length === 1 && vs[0] === REMOVED) return 'removed';
  if (vs.length === 1 && vs[0] !== ANY) return 'known';
  return 'unknown';
}

/**
 * What an unknown value may be, for a rule that tries every possibility: each
 * one a check tells apart (absent, a boolean, a number from none to forever, an
 * AWS-managed alias, a customer-managed key, an algorithm name, a string).
 */
const ANY_VALUES: readonly unknown[] = [
  undefined,
  true,
  false,
  0,
  1,
  36500,
  '',
  'alias/aws/cannot-evaluate',
  'arn:aws:kms:cannot-evaluate:000000000000:key/cannot-evaluate',
  'aws:kms',
  'AES256',
  'KMS',
  'Delete',
  { 'Fn::Sub': 'arn:${AWS::Partition}:iam::cannot-evaluate:root' },
];

/** The path of the first unknown value inside `value`, for the finding (`SSESpecification.KMSMasterKeyId`). */
function unknownPath(node: CfnResource, value: unknown, path: string): string {
  if (value === null || typeof value !== 'object' || isIntrinsic(value as object) || isKnown(node, value)) return path;
  if (Array.isArray(value)) {
    const inner = value.find((e) => !isKnown(node, e));
    return inner === undefined ? path : unknownPath(node, inner, path);
  }
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (!isKnown(node, v)) return unknownPath(node, v, `${path}.${k}`);
  }
  return path;
}

/**
 * Decides a boolean check over a resource's properties when some of the
 * properties it reads (`deciding`, top-level names) may be unknown: the
 * check runs once for every combination of their possible values (each
 * `Fn::If` branch, AWS::NoValue as absent, a parameter as any value).
 * COMPLIANT when every combination passes, NON_COMPLIANT when none does,
 * otherwise `CannotEvaluate::<property>` for each unknown property whose
 * value changes the answer. With no unknown the check runs once, as is.
 */
export function decide(
  node: CfnResource,
  properties: Record<string, any>,
  deciding: readonly string[],
  check: (properties: Record<string, any>) => boolean,
): NagRuleResult {
  const open: { key: string; values: readonly unknown[] }[] = [];
  for (const key of deciding) {
    if (!(key in properties)) continue;
    const vs = variants(node, properties[key]);
    if (vs.length === 1 && vs[0] === properties[key]) continue;
    open.push({ key, values: vs.includes(ANY) ? ANY_VALUES : vs.map((e) => (e === REMOVED ? undefined : e)) });
  }
  if (open.length === 0) return check(properties) ? NagRuleCompliance.COMPLIANT : NagRuleCompliance.NON_COMPLIANT;
  // Every combination, remembering its answer, to tell which unknown changes it.
  const results = new Map<string, boolean>();
  const total = open.reduce((n, o) => n * o.values.length, 1);
  if (total > 4096) return open.map((o) => cannotEvaluate(unknownPath(node, properties[o.key], o.key)));
  for (let i = 0; i < total; i++) {
    const props: Record<string, any> = { ...properties };
    let rest = i;
    const idx: number[] = [];
    for (const o of open) {
      const j = rest % o.values.length;
      rest = Math.floor(rest / o.values.length);
      idx.push(j);
      if (o.values[j] === undefined) delete props[o.key];
      else props[o.key] = o.values[j];
    }
    results.set(idx.join(','), check(props));
  }
  const answers = new Set(results.values());
  if (answers.size === 1) return answers.has(true) ? NagRuleCompliance.COMPLIANT : NagRuleCompliance.NON_COMPLIANT;
  const matters = open.filter((o, k) =>
    [...results.entries()].some(([combo, answer]) => {
      const idx = combo.split(',').map(Number);
      return o.values.some((_, j) => j !== idx[k] && results.get(idx.map((x, m) => (m === k ? j : x)).join(',')) !== answer);
    }),
  );
  return matters.map((o) => cannotEvaluate(unknownPath(node, properties[o.key], o.key)));
}
/* eslint-enable @typescript-eslint/no-explicit-any */
