import { CfnResource } from 'aws-cdk-lib';
import { NagPack, NagPackProps } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { clearResolvedCache } from './resolve';
import { GDPR_RULES } from './rules';

export const GDPR_PACK_NAME = 'GDPR';

/**
 * cdk-nag v3 rule pack keyed to GDPR articles. Register it like any pack:
 * `Validations.of(app).addPlugins(new GdprChecks(app))`. Every finding names
 * the article it protects; see RULES.md for what triggers each rule and the fix.
 */
export class GdprChecks extends NagPack {
  public readonly name = GDPR_PACK_NAME;
  public override readonly ruleIds = GDPR_RULES.map((r) => `${GDPR_PACK_NAME}-${r.id}`);

  constructor(scope?: IConstruct, props?: NagPackProps) {
    super(scope, props);
    this.packName = GDPR_PACK_NAME;
  }

  public override validateScope(scope: IConstruct) {
    clearResolvedCache();
    return super.validateScope(scope);
  }

  protected checkResource(node: CfnResource): void {
    for (const rule of GDPR_RULES) {
      this.applyRule({
        ruleSuffixOverride: rule.id,
        info: `${rule.info} (${rule.article}) Fix: ${rule.fix}`,
        explanation: rule.explanation,
        level: rule.level,
        node,
        rule: rule.check,
      });
    }
  }
}
