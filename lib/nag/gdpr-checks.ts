import { CfnResource, PolicyValidationPluginReport, PolicyViolation, Validations } from 'aws-cdk-lib';
import { NagMessageLevel, NagPack, NagPackProps, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { reasonProblem, splitNamedAcknowledgment, targetNames } from '../marks/acknowledge';
import { DEFAULT_ALLOWED_REGIONS } from '../residency/regions';
import { clearResolvedCache } from './resolve';
import type { DeclaredParties, GdprRule, GdprRuleContext } from './rule';
import { GDPR_RULES } from './rules';

export const GDPR_PACK_NAME = 'GDPR';

/** An acknowledgment recorded on a construct (`Validations.of(c).acknowledge`). */
interface RecordedAcknowledgment {
  readonly id: string;
  readonly reason: unknown;
  readonly scope: IConstruct;
}

export interface GdprChecksProps extends NagPackProps {
  /**
   * The regions the app may use: a stack, a backup copy, a region named in a
   * resource or a processor's location outside them is a finding, and the
   * region guard must deny every other one. The kit's entry points pass the
   * configuration's (`permittedRegions(config)`).
   * @default - every EU member-state region (DEFAULT_ALLOWED_REGIONS)
   */
  readonly allowedRegions?: readonly string[];
  /**
   * What the configuration declares: the processors' and backup accounts a
   * resource policy may name, and the erasure bound no backup may outlive.
   * The kit's entry points pass `declaredParties(config)`.
   * @default - no other account is allowed, no bound is checked
   */
  readonly declared?: DeclaredParties;
  /**
   * The accounts the app's own stacks deploy to, which a resource policy may
   * name besides the declared ones (`check` passes those of a cloud assembly's manifest).
   * @default - none besides the stack's own and the declared ones
   */
  readonly appAccounts?: readonly string[];
}

/** How one finding stands against the acknowledgments above its resource. */
type Verdict = { readonly kind: 'acknowledged' } | { readonly kind: 'open' } | { readonly kind: 'refused'; readonly why: string; readonly fix: string };

/**
 * cdk-nag v3 rule pack keyed to GDPR articles. Register it like any pack:
 * `Validations.of(app).addPlugins(new GdprChecks(app))`. Every finding names
 * the article it protects; see RULES.md for what triggers each rule and the fix.
 *
 * A finding is silenced only by an acknowledgment on its resource, on the L2
 * construct whose default child the resource is, or one that names the
 * resource (`<rule id>@<logical id or construct path>`, the kit's
 * `acknowledge(scope, rule, reason, { resource })`), and only when its reason
 * is at least 30 characters and not generic. An acknowledgment of the rule on
 * a stack, stage, app or any other construct above the resource silences
 * nothing: the finding is reported, saying which acknowledgment was too broad
 * and how to name the resource.
 */
export class GdprChecks extends NagPack {
  public readonly name = GDPR_PACK_NAME;
  public override readonly ruleIds = GDPR_RULES.map((r) => `${GDPR_PACK_NAME}-${r.id}`);
  private refused: PolicyViolation[] = [];
  private readonly ruleContext: GdprRuleContext;

  constructor(scope?: IConstruct, props: GdprChecksProps = {}) {
    const { allowedRegions, declared, appAccounts, ...nagProps } = props;
    super(scope, nagProps);
    this.packName = GDPR_PACK_NAME;
    if (allowedRegions !== undefined && allowedRegions.length === 0) {
      throw new Error('GdprChecks allowedRegions must name at least one region; got []');
    }
    this.ruleContext = { allowedRegions: [...(allowedRegions ?? DEFAULT_ALLOWED_REGIONS)], ...(declared ? { declared } : {}), ...(appAccounts ? { appAccounts: [...appAccounts] } : {}) };
  }

  public override validateScope(scope: IConstruct): PolicyValidationPluginReport {
    clearResolvedCache();
    this.refused = [];
    const report = super.validateScope(scope);
    const violations = [...report.violations, ...this.refused];
    return { ...report, success: violations.length === 0, violations };
  }

  protected checkResource(node: CfnResource): void {
    const acknowledgments = recordedAcknowledgments(node);
    for (const rule of GDPR_RULES) {
      const ruleId = `${GDPR_PACK_NAME}-${rule.id}`;
      let result: NagRuleResult | undefined;
      let error: Error | undefined;
      try {
        result = rule.check(node, this.ruleContext);
      } catch (err) {
        error = err as Error;
      }
      // Only the findings no acknowledgment touches go on to cdk-nag, which reports them; the acknowledged ones
      // are dropped here, and the ones only a refused acknowledgment matches are reported below, with why.
      const open = (id: string): boolean => {
        const verdict = judge(node, id, acknowledgments);
        if (verdict.kind === 'refused') this.refuse(rule, node, id, verdict, error);
        return verdict.kind === 'open';
      };
      let passed: NagRuleResult | Error;
      if (error) passed = open(ruleId) ? error : NagRuleCompliance.COMPLIANT;
      else if (result === NagRuleCompliance.NON_COMPLIANT) passed = open(ruleId) ? result : NagRuleCompliance.COMPLIANT;
      else if (Array.isArray(result)) passed = result.filter((finding) => open(`${ruleId}[${finding}]`));
      else passed = result as NagRuleResult;
      this.applyRule({
        ruleSuffixOverride: rule.id,
        info: `${rule.info} (${rule.article}) Fix: ${rule.fix}`,
        explanation: rule.explanation,
        level: rule.level,
        node,
        rule: () => {
          if (passed instanceof Error) throw passed;
          return passed;
        },
      });
    }
  }

  private refuse(rule: GdprRule, node: CfnResource, id: string, verdict: { why: string; fix: string }, error: Error | undefined): void {
    const what = error ? 'Rule threw an error during validation (generally a parameter referencing an intrinsic function).' : `${rule.info} (${rule.article})`;
    this.refused.push({
      ruleName: id,
      description: `${what} Not acknowledged: ${verdict.why}`,
      fix: verdict.fix,
      // 'fatal': aws-cdk-lib's report never suppresses it, so the acknowledgment refused here (a namespaced
      // `GDPR::<rule>` on a stack, say) cannot silence the finding after all.
      severity: rule.level === NagMessageLevel.ERROR ? 'fatal' : 'warning',
      violatingResources: [{ constructPath: node.node.path, locations: ['Properties'] }],
    });
  }
}

/** Every acknowledgment recorded on the resource and the constructs above it, nearest first. */
function recordedAcknowledgments(node: CfnResource): RecordedAcknowledgment[] {
  const found: RecordedAcknowledgment[] = [];
  for (let scope: IConstruct | undefined = node; scope; scope = scope.node.scope) {
    for (const entry of scope.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY || !entry.data) continue;
      for (const [key, reason] of Object.entries(entry.data as Record<string, unknown>)) {
        // aws-cdk-lib <2.262.1 wrote 'annotation::', later versions 'Annotation::' (as cdk-nag strips it). The namespaced
        // form `GDPR::<rule>` is honoured by aws-cdk-lib's own report at synth, so it is judged here like the plain one.
        found.push({ id: key.replace(/^annotation::/i, '').replace(new RegExp(`^${GDPR_PACK_NAME}::`), ''), reason, scope });
      }
    }
  }
  return found;
}

/** The resource itself and the L2 constructs whose default child it is (a Bucket for its CfnBucket). */
function isOwnScope(scope: IConstruct, node: CfnResource): boolean {
  for (let c: IConstruct | undefined = node; c; c = c.node.scope && c.node.scope.node.defaultChild === c ? c.node.scope : undefined) {
    if (c === scope) return true;
  }
  return false;
}

function scopeName(scope: IConstruct): string {
  if (scope.node.scope === undefined) return 'the app';
  return scope.node.path;
}

function judge(node: CfnResource, id: string, acknowledgments: readonly RecordedAcknowledgment[]): Verdict {
  const matching = acknowledgments.filter((a) => {
    const { ruleId, target } = splitNamedAcknowledgment(a.id);
    if (ruleId !== id) return false;
    return target === undefined || targetNames(target, node);
  });
  if (matching.length === 0) return { kind: 'open' };
  const named = (a: RecordedAcknowledgment) => splitNamedAcknowledgment(a.id).target !== undefined;
  const inPlace = matching.filter((a) => named(a) || isOwnScope(a.scope, node));
  const judged = inPlace.find((a) => reasonProblem(a.reason) === undefined);
  if (judged) return { kind: 'acknowledged' };
  if (inPlace.length > 0) {
    const [first] = inPlace;
    return {
      kind: 'refused',
      why: `the acknowledgment on ${scopeName(first.scope)}: ${reasonProblem(first.reason)}.`,
      fix: `give the acknowledgment a reason a reviewer can judge: acknowledge(construct, '${id}', '<why this rule does not apply to this resource>').`,
    };
  }
  const [broad] = matching;
  return {
    kind: 'refused',
    why: `the acknowledgment of ${id} on ${scopeName(broad.scope)} is too broad: a GDPR finding is acknowledged only on the resource it concerns, never for everything below a stack, stage, app or other construct.`,
    fix: `acknowledge it on the resource (acknowledge(<the construct at ${node.node.path}>, '${id}', reason)), or name the resource: acknowledge(<${scopeName(broad.scope)}>, '${id}', reason, { resource: '${node.node.path}' }), recorded as ${id}@${node.node.path}.`,
  };
}
