import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

const GENERIC = /^(n\/?a|none|ok|okay|todo|tbd|fixme|ignore|ignored|false positive|not (needed|required|applicable|relevant|an issue)|no need|accepted|by design|suppressed?|test)\.?$/i;
const MIN_REASON_LENGTH = 30;

export interface AcknowledgeOptions {
  /** The finding of a rule that reports several, as printed between brackets: `Policy::arn:...`, `Region::us-east-1`. */
  readonly finding?: string;
}

/**
 * Acknowledges one finding of a rule pack on a construct (and its children),
 * with a reason specific enough for a reviewer to judge it.
 *
 * Accepts the rule id in any of the forms cdk-nag prints (`AwsSolutions-IAM4`,
 * `AwsSolutions::AwsSolutions-IAM4`, `AwsSolutions-IAM4[Policy::...]`) and
 * records it as `<rule>[<finding>]`, without the pack namespace: that is the
 * form cdk-nag itself honours, both during `cdk synth` and in
 * `validateScope` (used by the tests and the check command). The namespaced
 * form is only honoured by aws-cdk-lib's report, not by `validateScope`.
 * The reason is refused when empty, shorter than 30 characters or generic
 * ("not needed", "false positive", ...).
 *
 * @returns the qualified id that was acknowledged
 */
export function acknowledge(scope: IConstruct, ruleId: string, reason: string, options: AcknowledgeOptions = {}): string {
  const trimmed = reason.trim();
  if (trimmed.length < MIN_REASON_LENGTH || GENERIC.test(trimmed)) {
    throw new Error(
      `acknowledge ${ruleId} on ${scope.node.path}: the reason must say why this rule does not apply to this resource, in at least ${MIN_REASON_LENGTH} characters; got "${trimmed}"`,
    );
  }
  const qualified = qualifyRuleId(ruleId, options.finding);
  Validations.of(scope).acknowledge({ id: qualified, reason: trimmed });
  return qualified;
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
