import { BACKUP_CONSTRUCT_DEFAULTS, BACKUP_DEFAULTS } from '../config/defaults';

/** The defaults of the backup constructs, in one place (README, "Backups"); they match the configuration's. */
export const CONTACT_BACKUP_DEFAULTS = {
  schedule: BACKUP_DEFAULTS.schedule,
  retentionDays: BACKUP_DEFAULTS.retentionDays,
  continuousRetentionDays: BACKUP_CONSTRUCT_DEFAULTS.continuousRetentionDays,
  minRetentionDays: BACKUP_DEFAULTS.lock.minRetentionDays,
  changeableForDays: BACKUP_DEFAULTS.lock.changeableForDays,
  restoreTestSchedule: BACKUP_DEFAULTS.restoreTesting.schedule,
  restoreTestSelectionWindowDays: BACKUP_CONSTRUCT_DEFAULTS.restoreTestSelectionWindowDays,
} as const;
