/**
 * Tags that name what a resource is for, set by the kit's constructs and read
 * by the GDPR rules on the synthesized template (a rule cannot see a
 * construct, only its resources).
 */
export const PURPOSE_TAG = 'gdpr:purpose';

/** The topic that notifies the DPO of a possible breach (art. 33). */
export const DPO_NOTIFICATION_PURPOSE = 'dpo-breach-notification';

/** The function that applies the retention of every category (art. 5(1)(e)). */
export const RETENTION_PURGE_PURPOSE = 'retention-purge';
