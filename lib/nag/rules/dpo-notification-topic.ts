import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { DPO_NOTIFICATION_PURPOSE, PURPOSE_TAG } from '../../marks/tags';
import type { GdprRule } from '../rule';
import { asArray, isDatabase, referencedId, resolved, ResolvedResource, stackResources } from '../resolve';

/* eslint-disable @typescript-eslint/no-explicit-any */
/** Protocols that reach a person (or a system that pages one) over an encrypted channel. */
const NOTIFYING_PROTOCOLS = ['email', 'email-json', 'sms', 'https'];

export function isDpoTopic(r: Pick<ResolvedResource, 'type' | 'properties'>): boolean {
  return r.type === 'AWS::SNS::Topic' && asArray(r.properties.Tags).some((t: any) => t?.Key === PURPOSE_TAG && t?.Value === DPO_NOTIFICATION_PURPOSE);
}

function subscribed(node: CfnResource, topic: ResolvedResource): boolean {
  const inline = asArray(topic.properties.Subscription).some((s: any) => NOTIFYING_PROTOCOLS.includes(s?.Protocol) && s?.Endpoint);
  const separate = [...stackResources(node).values()].some(
    (r) => r.type === 'AWS::SNS::Subscription' && referencedId(r.properties.TopicArn) === topic.logicalId && NOTIFYING_PROTOCOLS.includes(r.properties.Protocol) && r.properties.Endpoint,
  );
  return inline || separate;
}

function customerKey(value: unknown): boolean {
  if (value === undefined || value === null || value === '') return false;
  return !JSON.stringify(value).includes('alias/aws/');
}
/* eslint-enable @typescript-eslint/no-explicit-any */

export const DpoNotificationTopic: GdprRule = {
  id: 'Art33-DpoNotificationTopic',
  article: 'Art. 33(1), Art. 34(1), Art. 38(1)',
  level: NagMessageLevel.ERROR,
  info: 'No encrypted, subscribed topic notifies the DPO of a possible breach: the 72-hour clock would start unseen.',
  explanation:
    'Art. 33(1) gives the controller 72 hours from becoming aware of a breach to notify the supervisory authority, and art. 38(1) requires the DPO to be involved in every data protection issue in a timely manner. Detections are worthless if they reach nobody: the stack of a database needs a topic tagged `gdpr:purpose=dpo-breach-notification` with the DPO subscribed (e-mail, SMS or HTTPS), encrypted with a customer-managed key because the messages name people and resources.',
  trigger:
    '`AWS::RDS::DBCluster`, and `AWS::RDS::DBInstance` outside a cluster, in a stack with no `AWS::SNS::Topic` tagged `gdpr:purpose=dpo-breach-notification` (`NoDpoTopic`); such a topic without a customer-managed `KmsMasterKeyId` (`NotEncrypted`) or without an e-mail, e-mail-json, SMS or HTTPS subscription (`NotSubscribed`).',
  fix: 'Add the kit\'s `BreachDetection` to the stack (its `DpoNotification` subscribes `dpo.email` from the configuration to an encrypted topic), or tag your own encrypted, subscribed topic `gdpr:purpose=dpo-breach-notification`.',
  check(node: CfnResource): NagRuleResult {
    const r = resolved(node);
    if (isDatabase(r)) {
      return [...stackResources(node).values()].some(isDpoTopic) ? NagRuleCompliance.COMPLIANT : ['NoDpoTopic'];
    }
    if (!isDpoTopic(r)) return NagRuleCompliance.NOT_APPLICABLE;
    const out: string[] = [];
    if (!customerKey(r.properties.KmsMasterKeyId)) out.push('NotEncrypted');
    if (!subscribed(node, r)) out.push('NotSubscribed');
    return out.length === 0 ? NagRuleCompliance.COMPLIANT : out;
  },
};
