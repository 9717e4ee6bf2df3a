import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import type { GdprRule, GdprRuleContext } from '../rule';
import { asArray, isDatabase, resolved } from '../resolve';
import { cannotEvaluate, evaluability } from '../unknown';

/* eslint-disable @typescript-eslint/no-explicit-any */
/**
 * Judges one retention in days: kept forever (absent) is always a finding (it
 * outlives any erasure journal); beyond the declared bound a finding; a value
 * nothing offline can tell `CannotEvaluate::<what>`. Without `declared` there is
 * no bound: only "forever" and unknown are reported.
 */
function judge(node: CfnResource, value: unknown, what: string, bound: number | undefined, foreverIsFinding: boolean, out: string[]): void {
  const e = evaluability(node, value);
  if (e === 'unknown') {
    out.push(cannotEvaluate(what));
    return;
  }
  if (value === undefined || e === 'removed') {
    if (foreverIsFinding) out.push(`KeptForever::${what}`);
    return;
  }
  const days = Number(value);
  if (!Number.isFinite(days)) out.push(cannotEvaluate(what));
  else if (bound !== undefined && days > bound) out.push(`BeyondBound::${what}`);
}

function findings(node: CfnResource, context: GdprRuleContext): string[] | undefined {
  const { type, properties: p } = resolved(node);
  const bound = context.declared?.erasureBoundDays;
  const out: string[] = [];
  if (type === 'AWS::Backup::BackupPlan') {
    const list = p.BackupPlan?.BackupPlanRule;
    // The rule list itself an intrinsic (an Fn::If between two lists): no rule can be read.
    if (!Array.isArray(list) && evaluability(node, list) === 'unknown') return [cannotEvaluate('BackupPlanRule')];
    asArray(list).forEach((rule: any, i: number) => {
      if (evaluability(node, rule) === 'unknown' && (rule === null || typeof rule !== 'object' || rule.RuleName === undefined)) {
        out.push(cannotEvaluate(`BackupPlanRule.${i}`));
        return;
      }
      const name = typeof rule?.RuleName === 'string' ? rule.RuleName : String(i);
      judge(node, rule?.Lifecycle?.DeleteAfterDays, `${name}.DeleteAfterDays`, bound, true, out);
      asArray(rule?.CopyActions).forEach((copy: any, j: number) => {
        judge(node, copy?.Lifecycle?.DeleteAfterDays, `${name}.CopyActions.${j}.DeleteAfterDays`, bound, true, out);
      });
    });
    return out;
  }
  if (type === 'AWS::Backup::BackupVault') {
    if (p.LockConfiguration === undefined) return undefined; // an unlocked vault is Art5-BackupVaultLocked's finding
    judge(node, p.LockConfiguration?.MaxRetentionDays, 'MaxRetentionDays', bound, false, out);
    return out;
  }
  if (type === 'AWS::Backup::LogicallyAirGappedBackupVault') {
    judge(node, p.MaxRetentionDays, 'MaxRetentionDays', bound, false, out);
    return out;
  }
  if (isDatabase({ type, properties: p })) {
    // Point-in-time restore keeps every change of the window, erased rows included (absent is RDS's default of 1 day).
    judge(node, p.BackupRetentionPeriod, 'BackupRetentionPeriod', bound, false, out);
    return out;
  }
  return undefined;
}
/* eslint-enable @typescript-eslint/no-explicit-any */

export const BackupWithinErasureBound: GdprRule = {
  id: 'Art5-BackupWithinErasureBound',
  article: 'Art. 5(1)(e), Art. 17',
  level: NagMessageLevel.ERROR,
  info: 'A backup can be kept longer than the erasure bound (the longest category retention, never longer than the erasure journal), or forever.',
  explanation:
    'Art. 5(1)(e) limits storage to what the purposes need and art. 17 requires erasure. A recovery point or restore window kept longer than the erasure journal would bring erased contacts back on restore, with nothing left to erase them again; one kept forever outlives every retention period.',
  trigger:
    '`AWS::Backup::BackupPlan` rules and copy actions without `Lifecycle.DeleteAfterDays` (`KeptForever::<rule>.DeleteAfterDays`, `KeptForever::<rule>.CopyActions.<n>.DeleteAfterDays`, reported with or without a configuration) or with more days than the declared bound (`BeyondBound::...`); `AWS::Backup::BackupVault` `LockConfiguration.MaxRetentionDays`, `AWS::Backup::LogicallyAirGappedBackupVault` `MaxRetentionDays` and the database\'s `BackupRetentionPeriod` beyond the bound (`BeyondBound::MaxRetentionDays`, `BeyondBound::BackupRetentionPeriod`); the bound is checked only with a configuration (`declared.erasureBoundDays`, at synth and with `check --config`); `CannotEvaluate::<...>` for a parameter or `Fn::If`.',
  fix: 'Keep every backup lifecycle, copy lifecycle, vault lock maximum and `backupRetentionDays` at or under the erasure bound (`ContactBackup` does this from the configuration).',
  check(node: CfnResource, context: GdprRuleContext): NagRuleResult {
    const out = findings(node, context);
    if (out === undefined) return NagRuleCompliance.NOT_APPLICABLE;
    return out.length === 0 ? NagRuleCompliance.COMPLIANT : out;
  },
};
