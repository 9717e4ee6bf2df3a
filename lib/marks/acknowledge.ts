import { CfnResource, Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

const GENERIC = /^(n\/?a|none|ok|okay|todo|tbd|fixme|ignore|ignored|false positive|not (needed|required|applicable|relevant|an issue)|no need|accepted|by design|suppressed?|test)\.?$/i;
/** Shortest reason an acknowledgment may carry, at synth (`acknowledge`) and in `gdpr-baseline check`. */
export const MIN_REASON_LENGTH = 30;
/** Fewest different words (two letters or more) a reason may have. */
const MIN_REASON_WORDS = 4;

/**
 * What is wrong with the reason of an acknowledgment, or undefined when a
 * reviewer can judge it: empty, not text, shorter than 30 characters or
 * generic ("not needed", "false positive", "ok", ...). The one rule for
 * `acknowledge` and for the acknowledgments `check` reads from templates.
 */
export function reasonProblem(reason: unknown): string | undefined {
  if (typeof reason !== 'string') return `the reason must be text; got ${reason === undefined ? 'none' : JSON.stringify(reason)}`;
  // Judged as a reader sees it: invisible characters removed, every run of spaces one space, so
  // padding cannot make a generic reason long; and it must be words (at least 4 different ones).
  const trimmed = reason.replace(/\p{Cf}+/gu, '').replace(/\s+/g, ' ').trim();
  const words = new Set((trimmed.toLowerCase().match(/\p{L}{2,}/gu) ?? []));
  if (trimmed.length < MIN_REASON_LENGTH || GENERIC.test(trimmed) || words.size < MIN_REASON_WORDS) {
    return `the reason must say why this rule does not apply to this resource, in at least ${MIN_REASON_LENGTH} characters; got "${trimmed}"`;
  }
  return undefined;
}

/** The GDPR pack's name, the prefix of its rule ids (kept here: gdpr-checks imports this file). */
const GDPR_PACK = 'GDPR';

/** Separates a rule id from the resource an acknowledgment names: `GDPR-Art32-EncryptedWithCmk@MyStack/Scratch/Resource`. */
export const RESOURCE_SEPARATOR = '@';

export interface AcknowledgeOptions {
  /** The finding of a rule that reports several, as printed between brackets: `Policy::arn:...`, `Region::us-east-1`. */
  readonly finding?: string;
  /**
   * The one resource the acknowledgment concerns, when `scope` is not that
   * resource (or its L2 construct) but a construct above it, such as the
   * stack that holds a resource a third-party construct creates. A construct
   * (recorded as the construct path of its CloudFormation resource), or a
   * string: the resource's logical id or absolute construct path (or that of
   * its L2 construct). Recorded as `<rule id>@<target>`.
   * Required for a GDPR rule acknowledged above its resource: the GDPR pack
   * refuses an acknowledgment that would silence every resource below a
   * stack, stage, app or any other construct.
   * @default - the acknowledgment concerns `scope` itself
   */
  readonly resource?: IConstruct | string;
}

/**
 * Acknowledges one finding of a rule pack on a construct (and its children),
 * with a reason specific enough for a reviewer to judge it.
 *
 * Accepts the rule id in any of the forms cdk-nag prints (`AwsSolutions-IAM4`,
 * `AwsSolutions::AwsSolutions-IAM4`, `AwsSolutions-IAM4[Policy::...]`) and
 * records it as `<rule>[<finding>]`, without the pack namespace: that is the
 * form cdk-nag itself honours, both during `cdk synth` and in
 * `validateScope` (used by the tests and the check command). cdk-nag's own
 * packs do not read the namespaced form in `validateScope` (only aws-cdk-lib's
 * report at synth does); the GDPR pack judges both forms alike.
 * The reason is refused when empty, shorter than 30 characters or generic
 * ("not needed", "false positive", ...).
 *
 * A GDPR finding is silenced only by an acknowledgment on its resource (or
 * the L2 construct whose default child it is), or by one that names the
 * resource (`options.resource`).
 *
 * @returns the qualified id that was acknowledged
 */
export function acknowledge(scope: IConstruct, ruleId: string, reason: string, options: AcknowledgeOptions = {}): string {
  const problem = reasonProblem(reason);
  if (problem) throw new Error(`acknowledge ${ruleId} on ${scope.node.path}: ${problem}`);
  const qualified = qualifyRuleId(ruleId, options.finding);
  if (options.resource !== undefined && !qualified.startsWith(`${GDPR_PACK}-`)) {
    throw new Error(
      `acknowledge ${qualified} on ${scope.node.path}: only GDPR rules read an acknowledgment that names its resource; acknowledge ${qualified} on the resource itself (cdk-nag's packs match the rule id exactly)`,
    );
  }
  const id = options.resource === undefined ? qualified : `${qualified}${RESOURCE_SEPARATOR}${resourceTarget(scope, options.resource)}`;
  Validations.of(scope).acknowledge({ id, reason: reason.trim() });
  return id;
}

/** The construct path of the CloudFormation resource a construct stands for (itself, or its default child). */
function resourceTarget(scope: IConstruct, resource: IConstruct | string): string {
  if (typeof resource === 'string') {
    const target = resource.trim();
    if (!/^[^\s@[\]]+$/.test(target)) {
      throw new Error(`acknowledge on ${scope.node.path}: resource must be a logical id or a construct path, without spaces, "@" or brackets; got "${resource}"`);
    }
    return target;
  }
  let cfn: IConstruct | undefined = resource;
  while (cfn && !CfnResource.isCfnResource(cfn)) cfn = cfn.node.defaultChild;
  if (!cfn) throw new Error(`acknowledge on ${scope.node.path}: resource ${resource.node.path} is not a CloudFormation resource and has none as its default child`);
  if (!isAtOrBelow(cfn, scope)) throw new Error(`acknowledge on ${scope.node.path}: resource ${cfn.node.path} is not below that scope, so the acknowledgment would never reach it`);
  return cfn.node.path;
}

function isAtOrBelow(node: IConstruct, scope: IConstruct): boolean {
  return node.node.scopes.includes(scope);
}

/** Splits `<rule id>@<target>` (an acknowledgment that names its resource); no target: undefined. */
export function splitNamedAcknowledgment(id: string): { ruleId: string; target?: string } {
  // The target follows the last `@` outside the brackets of a finding.
  const close = id.lastIndexOf(']');
  const at = id.indexOf(RESOURCE_SEPARATOR, close + 1);
  return at < 0 ? { ruleId: id } : { ruleId: id.slice(0, at), target: id.slice(at + 1) };
}

/**
 * Whether an acknowledgment target (a logical id, or the absolute construct
 * path of the resource or of the L2 construct whose default child it is)
 * names this resource.
 */
export function targetNames(target: string, resource: CfnResource): boolean {
  for (let c: IConstruct | undefined = resource; c; c = c.node.scope && c.node.scope.node.defaultChild === c ? c.node.scope : undefined) {
    if (c.node.path === target) return true;
  }
  return Stack.of(resource).resolve(resource.logicalId) === target;
}

/**
 * The same test on a template resource, as `gdpr-baseline check` reads it:
 * its logical id, or its `aws:cdk:path` metadata (or that path without the
 * `/Resource` or `/Default` of an L2 construct's default child).
 */
export function targetNamesTemplateResource(target: string, logicalId: string, cdkPath: unknown): boolean {
  if (target === logicalId) return true;
  if (typeof cdkPath !== 'string') return false;
  return cdkPath === target || cdkPath === `${target}/Resource` || cdkPath === `${target}/Default`;
}

/** `AwsSolutions::AwsSolutions-IAM4` + finding -> `AwsSolutions-IAM4[finding]`. */
export function qualifyRuleId(ruleId: string, finding?: string): string {
  const match = /^(?:([^:[\s]+)::)?(([^-\s:[]+)-[^\s[]+)(?:\[(.+)\])?$/.exec(ruleId.trim());
  if (!match) {
    throw new Error(`acknowledge: "${ruleId}" is not a rule id; expected <pack>-<rule> such as AwsSolutions-IAM4 or GDPR-Art44-StackRegionAllowed`);
  }
  const [, namespace, rule, pack, inlineFinding] = match;
  if (namespace && namespace !== pack) {
    throw new Error(`acknowledge: "${ruleId}" names pack ${namespace} but rule ${rule} belongs to ${pack}`);
  }
  if (inlineFinding && finding && inlineFinding !== finding) {
    throw new Error(`acknowledge: "${ruleId}" already names finding ${inlineFinding}; got another finding ${finding}`);
  }
  const which = finding ?? inlineFinding;
  return `${rule}${which ? `[${which}]` : ''}`;
}
