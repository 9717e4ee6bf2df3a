/**
 * The marks the kit writes on the synthesized template, in one place: the
 * contract between the constructs, which write them, and the GDPR rules,
 * `gdpr-baseline check` and the review outputs, which read them (a rule
 * cannot see a construct, only its resources). Plain constants, no CDK, no
 * import from the kit: every folder may read them.
 */

/** Tag that names what a resource is for. */
export const PURPOSE_TAG = 'gdpr:purpose';
/** `gdpr:purpose` of the topic that notifies the DPO of a possible breach (art. 33). */
export const DPO_NOTIFICATION_PURPOSE = 'dpo-breach-notification';
/** `gdpr:purpose` of the function that applies the retention of every category (art. 5(1)(e)). */
export const RETENTION_PURGE_PURPOSE = 'retention-purge';
/** `gdpr:purpose` of a processor's pseudonymisation key. */
export const PSEUDONYMISATION_PURPOSE = 'pseudonymisation';

/** Tag on an access role: the catalog role (or `Operator`) it is. */
export const ROLE_TAG = 'gdpr:role';
/** Tag on an access or processor role: the categories it reaches, space-separated (`none` for none). */
export const CATEGORIES_TAG = 'gdpr:categories';

/** Tag on a processor's role (and its key), valued with the processor's name. */
export const PROCESSOR_TAG = 'gdpr:processor';
/** Tag on a processor's role: the reference of its processing contract (art. 28(3)). */
export const CONTRACT_TAG = 'gdpr:contract';
/** Tag on a processor's role: the date its grant expires (YYYY-MM-DD). */
export const EXPIRES_TAG = 'gdpr:expires';
/** Resource metadata on a processor's role: the region where the processor processes the data. */
export const PROCESSOR_LOCATION_METADATA = 'gdpr:processor-location';
/** Resource metadata on a processor's role: the art. 45-46 transfer mechanism, `<type>: <reference>`. */
export const TRANSFER_MECHANISM_METADATA = 'gdpr:transfer-mechanism';

/** Template metadata of a stack deployed with `environment.profile: development` (absent in production): `gdpr-baseline cost` reads it. */
export const PROFILE_METADATA = 'gdpr:profile';
