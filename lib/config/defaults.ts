/**
 * Every default of the configuration, in one place: the schema applies them
 * to a configuration, and the constructs read the same values for a prop left
 * out, so the two cannot drift (README lists them by section). Plain data,
 * no import: any folder may read it.
 */

/** AWS Backup's floor for a logically air-gapped vault's minimum retention (days). */
export const AIR_GAPPED_MIN_RETENTION_DAYS = 7;

/** The database defaults (README, "What gets deployed"): Aurora capacity and the point-in-time window. */
export const DATABASE_DEFAULTS = { minCapacity: 0.5, maxCapacity: 4, backupRetentionDays: 7 } as const;

/** Retention purge and recontact defaults (README, "Retention and recontact"). */
export const RETENTION_DEFAULTS = { recontactDays: 60, purgeSchedule: 'cron(30 2 * * ? *)' } as const;

/** Breach detection defaults (README, "Breach detection and the 72-hour clock"). */
export const BREACH_DEFAULTS = {
  guardDuty: false,
  timeZone: 'Europe/Paris',
  exportAlarm: { megabytesPerHour: 512 },
  trailRetentionDays: 365,
} as const;

/** The backup defaults, in one place (README, "Backups"). */
export const BACKUP_DEFAULTS = {
  schedule: 'cron(0 3 * * ? *)',
  retentionDays: 35,
  continuousBackup: true,
  lock: { minRetentionDays: AIR_GAPPED_MIN_RETENTION_DAYS, changeableForDays: 3 },
  restoreTesting: { schedule: 'cron(0 5 ? * SUN *)' },
} as const;

/**
 * What the backup constructs use for a prop left out that the configuration
 * does not carry: continuous backups are kept as long as the database's
 * point-in-time window, and a restore test picks a recovery point of the last
 * week.
 */
export const BACKUP_CONSTRUCT_DEFAULTS = {
  continuousRetentionDays: DATABASE_DEFAULTS.backupRetentionDays,
  restoreTestSelectionWindowDays: 7,
} as const;

/** Record of processing defaults (README, "Record of processing"). */
export const RECORD_DEFAULTS = {
  awsDataProcessingAddendum: 'AWS GDPR Data Processing Addendum, incorporated in the AWS Service Terms',
} as const;
