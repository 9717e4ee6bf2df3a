import type { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleResult } from 'cdk-nag';
import type { DeclaredParties } from '../config/declared';

export type { DeclaredParties } from '../config/declared';

/**
 * One rule of the GDPR pack: a pure check plus everything a reviewer needs
 * to read a finding without reading code. RULES.md is generated from these.
 */
export interface GdprRule {
  /** Rule id without the pack prefix, `Art<article>-<WhatIsRequired>`. */
  readonly id: string;
  /** The GDPR provisions the rule protects, e.g. "Art. 32(1)(a)". */
  readonly article: string;
  readonly level: NagMessageLevel;
  /** What is wrong, in one sentence (shown with every finding). */
  readonly info: string;
  /** Why it matters under the GDPR (shown in verbose mode). */
  readonly explanation: string;
  /** Which resources and properties the rule looks at. */
  readonly trigger: string;
  /** How to make the resource compliant. */
  readonly fix: string;
  /** Returns NOT_APPLICABLE for resource types it does not check; one finding per way of failing. */
  readonly check: (node: CfnResource, context: GdprRuleContext) => NagRuleResult;
}

/** What the pack tells every rule: its props, never the construct tree's context. */
export interface GdprRuleContext {
  /** The regions the app may use (`GdprChecksProps.allowedRegions`). */
  readonly allowedRegions: readonly string[];
  /**
   * What the configuration declares (`GdprChecksProps.declared`): the other
   * accounts data may reach and the erasure bound. Undefined when the pack
   * runs without a configuration (`check` without `--config`): a rule that
   * needs it then allows no other account and skips the bound.
   */
  readonly declared?: DeclaredParties;
  /**
   * The accounts the app's own stacks deploy to (`GdprChecksProps.appAccounts`;
   * `check` of a cloud assembly passes those its manifest names): a resource
   * policy may name them, as the production stack's key names the backup
   * account's stack.
   */
  readonly appAccounts?: readonly string[];
}
