import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { PURPOSE_TAG, RETENTION_PURGE_PURPOSE } from '../../marks/tags';
import type { GdprRule } from '../rule';
import { asArray, isDatabase, referencedId, resolved, ResolvedResource, stackResources } from '../resolve';

/* eslint-disable @typescript-eslint/no-explicit-any */
function isPurgeFunction(r: ResolvedResource): boolean {
  return r.type === 'AWS::Lambda::Function' && asArray(r.properties.Tags).some((t: any) => t?.Key === PURPOSE_TAG && t?.Value === RETENTION_PURGE_PURPOSE);
}

/** Logical ids of the functions an enabled schedule (EventBridge rule or EventBridge Scheduler) invokes. */
function scheduledTargets(resources: ResolvedResource[]): Set<string> {
  const ids = new Set<string>();
  for (const r of resources) {
    const p = r.properties;
    if (r.type === 'AWS::Events::Rule' && p.ScheduleExpression !== undefined && (p.State === undefined || p.State === 'ENABLED')) {
      for (const target of asArray(p.Targets)) {
        const id = referencedId((target as any)?.Arn);
        if (id) ids.add(id);
      }
    }
    if (r.type === 'AWS::Scheduler::Schedule' && p.ScheduleExpression !== undefined && (p.State === undefined || p.State === 'ENABLED')) {
      const id = referencedId(p.Target?.Arn);
      if (id) ids.add(id);
    }
  }
  return ids;
}
/* eslint-enable @typescript-eslint/no-explicit-any */

export const RetentionPurgeScheduled: GdprRule = {
  id: 'Art5-RetentionPurgeScheduled',
  article: 'Art. 5(1)(e), Art. 25(2)',
  level: NagMessageLevel.ERROR,
  info: 'The database has no scheduled retention purge in its stack: personal data would outlive the retention of its category.',
  explanation:
    'Art. 5(1)(e) (storage limitation) forbids keeping personal data longer than its purpose needs, and art. 25(2) requires that, by default, it is not kept longer. Every category the kit declares has a retention; only a purge that runs on its own applies it. The rule asks for a function tagged `gdpr:purpose=retention-purge` in the stack of the database and an enabled schedule (EventBridge rule or EventBridge Scheduler) that invokes it.',
  trigger:
    '`AWS::RDS::DBCluster`, and `AWS::RDS::DBInstance` outside a cluster, in a stack with no `AWS::Lambda::Function` tagged `gdpr:purpose=retention-purge` (`NoPurgeFunction`), or none that an enabled `AWS::Events::Rule` with a `ScheduleExpression` or an `AWS::Scheduler::Schedule` targets (`NotScheduled`).',
  fix: 'Add the kit\'s `RetentionPurge` to the stack (the reference stack does, on `retention.purgeSchedule`), or tag your own scheduled purge function `gdpr:purpose=retention-purge`. A database that holds no personal data is acknowledged with why.',
  check(node: CfnResource): NagRuleResult {
    const db = resolved(node);
    if (!isDatabase(db)) return NagRuleCompliance.NOT_APPLICABLE;
    const resources = [...stackResources(node).values()];
    const purges = resources.filter(isPurgeFunction);
    if (purges.length === 0) return ['NoPurgeFunction'];
    const scheduled = scheduledTargets(resources);
    return purges.some((f) => scheduled.has(f.logicalId)) ? NagRuleCompliance.COMPLIANT : ['NotScheduled'];
  },
};
