/**
 * How a processor (subcontractor) role is marked in the synthesized template:
 * the contract between `ProcessorGrant`, which writes these marks, and the
 * GDPR rules, which read them. Plain constants, no CDK.
 */

/** Tag on a processor's role, valued with the processor's name. */
export const PROCESSOR_TAG = 'gdpr:processor';
/** Resource metadata on a processor's role: the region where the processor processes the data. */
export const PROCESSOR_LOCATION_METADATA = 'gdpr:processor-location';
/** Resource metadata on a processor's role: the art. 45-46 transfer mechanism, `<type>: <reference>`. */
export const TRANSFER_MECHANISM_METADATA = 'gdpr:transfer-mechanism';
