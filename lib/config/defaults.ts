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

/** Client VPN defaults (README, "Configuration"), for the endpoint the kit creates; an existing endpoint keeps its own. */
export const VPN_DEFAULTS = {
  sessionTimeoutHours: 8,
  loginBanner: 'Restricted access: personal data protected under the GDPR. Every connection is logged.',
} as const;

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

/** The deployment profiles (`environment.profile`). */
export const PROFILES = ['production', 'development'] as const;
export type Profile = (typeof PROFILES)[number];

/** The environment defaults (README, "Profiles"). */
export const ENVIRONMENT_DEFAULTS = { profile: 'production' as Profile, productionAccounts: [] as string[] } as const;

/**
 * What each profile deploys where the two differ, in one place (README,
 * "Profiles"). Every privacy control is the same in both; development drops
 * redundancy only: one Client VPN association, one database instance that
 * pauses when idle, the interface endpoints in one zone, and log groups kept
 * 180 days instead of a year.
 *
 * Why 180 days is allowed for development: a development deployment holds no
 * real contact (its configuration refuses every production account), so its
 * logs trace access to test data only; 6 months is still the lower bound the
 * CNIL recommends for access logs (délibération n° 2021-122, logging
 * recommendation), kept so that an intrusion into the development account
 * can be investigated. The audit trail bucket keeps `breach.trailRetentionDays`
 * in both profiles.
 */
export const PROFILE_SETTINGS = {
  production: {
    /** Where the Client VPN associations and the interface endpoints are (each is an hourly charge per zone). */
    redundantZones: 'every configured zone',
    /** A reader instance in another zone that takes over when the writer fails. */
    databaseReader: true,
    /** Minimum Aurora capacity when `database.minCapacity` is left out. */
    minCapacity: DATABASE_DEFAULTS.minCapacity,
    /** Retention of the kit's flow, VPN connection and PostgreSQL log groups, in days. */
    logRetentionDays: 365,
  },
  development: {
    redundantZones: 'the first configured zone',
    databaseReader: false,
    minCapacity: 0,
    /** A database at 0 ACU pauses after this many idle minutes (AWS allows 5 to 1440). */
    autoPauseMinutes: 10,
    logRetentionDays: 180,
  },
} as const;
