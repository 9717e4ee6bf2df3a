import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import type { GdprRule } from '../rule';
import { isDatabase, isTrue, resolved, ResolvedResource, stackResources } from '../resolve';

/** A key reference that is not an AWS-managed alias. */
function customerKey(value: unknown): boolean {
  if (value === undefined || value === null || value === '') return false;
  return !JSON.stringify(value).includes('alias/aws/');
}

/** How a trail falls short: one finding per way, per trail. */
function shortcomings(trail: ResolvedResource): string[] {
  const p = trail.properties;
  const out: string[] = [];
  if (!customerKey(p.KMSKeyId)) out.push(`NotEncrypted::${trail.logicalId}`);
  if (!isTrue(p.EnableLogFileValidation)) out.push(`NotValidated::${trail.logicalId}`);
  if (p.IsLogging !== undefined && !isTrue(p.IsLogging)) out.push(`NotLogging::${trail.logicalId}`);
  return out;
}

export const TrailEncryptedAndValidated: GdprRule = {
  id: 'Art33-TrailEncryptedAndValidated',
  article: 'Art. 33(3), Art. 33(5), Art. 32(1)(b)',
  level: NagMessageLevel.ERROR,
  info: 'The database has no CloudTrail trail in its stack that is logging, encrypted with a customer-managed key and validated.',
  explanation:
    'Art. 33(3) asks the controller to describe a breach (what happened, which data, how many people) and art. 33(5) to document every breach. Without a trail of the API calls on the account, a snapshot made public or a key scheduled for deletion leaves no evidence, and the detections that start the 72-hour clock receive nothing (EventBridge gets CloudTrail API events only while a trail logs). The trail must be encrypted with a customer-managed key (it names people and resources) and validated (its digest files prove that no log file was altered or removed).',
  trigger:
    '`AWS::RDS::DBCluster`, and `AWS::RDS::DBInstance` outside a cluster, in a stack with no `AWS::CloudTrail::Trail` (`NoTrail`), or whose trails all lack a customer-managed `KMSKeyId` (`NotEncrypted::<trail>`), `EnableLogFileValidation: true` (`NotValidated::<trail>`) or logging (`NotLogging::<trail>`).',
  fix: 'Add the kit\'s `BreachDetection` (its `AuditTrail`) to the stack, or a `cloudtrail.Trail` with `encryptionKey` and `enableFileValidation: true`. If an organisation trail records the account, acknowledge with where it is.',
  check(node: CfnResource): NagRuleResult {
    const db = resolved(node);
    if (!isDatabase(db)) return NagRuleCompliance.NOT_APPLICABLE;
    const trails = [...stackResources(node).values()].filter((r) => r.type === 'AWS::CloudTrail::Trail');
    if (trails.length === 0) return ['NoTrail'];
    const found = trails.map(shortcomings);
    return found.some((f) => f.length === 0) ? NagRuleCompliance.COMPLIANT : found.flat();
  },
};
