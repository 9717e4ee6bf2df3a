/** Backups (art. 5(1)(e), 32(1)(c), 44). */
import { z } from 'zod';
import { AIR_GAPPED_MIN_RETENTION_DAYS, BACKUP_DEFAULTS, DATABASE_DEFAULTS } from '../defaults';
import { accountId, cronExpression, regionName, str, type Problem } from './common';

/**
 * How long the PostgreSQL log group keeps the erasure journal (lib/database:
 * one year). Recovery points must not outlive it: after a restore, erasures
 * are replayed from that journal.
 */
export const ERASURE_JOURNAL_RETENTION_DAYS = 365;

export const backupSchema = z
  .object({
    /** When the daily (or other) snapshot is taken and copied out of reach. */
    schedule: cronExpression.default(BACKUP_DEFAULTS.schedule),
    /** How long each snapshot and its isolated copy are kept. */
    retentionDays: z
      .number()
      .int({ message: 'retention is a whole number of days' })
      .min(1, { message: 'a recovery point must be kept at least 1 day' })
      .max(3650)
      .default(BACKUP_DEFAULTS.retentionDays),
    /** AWS Backup continuous backup (point-in-time restore) of the cluster, kept database.backupRetentionDays. */
    continuousBackup: z.boolean().default(BACKUP_DEFAULTS.continuousBackup),
    /**
     * The vault every recovery point is copied to, in another account the
     * production account cannot reach. Without it, copies go to a logically
     * air-gapped vault of the production account.
     */
    copyTarget: z
      .object({
        account: accountId,
        /** @default - the region of the environment */
        region: regionName.optional(),
      })
      .strict()
      .optional(),
    /** Vault lock in compliance mode, on every vault. */
    lock: z
      .object({
        minRetentionDays: z.number().int().min(1).max(36500).default(BACKUP_DEFAULTS.lock.minRetentionDays),
        /** The erasure deadline: no recovery point outlives it. @default - retentionDays */
        maxRetentionDays: z.number().int().min(1).max(36500).optional(),
        changeableForDays: z
          .number()
          .int()
          .min(3, { message: 'AWS Backup needs at least 3 days before a compliance-mode lock becomes immutable' })
          .max(36500)
          .default(BACKUP_DEFAULTS.lock.changeableForDays),
      })
      .strict()
      .default({ ...BACKUP_DEFAULTS.lock }),
    /** When AWS Backup restores the latest snapshot to prove it can be restored. */
    restoreTesting: z
      .object({ schedule: cronExpression.default(BACKUP_DEFAULTS.restoreTesting.schedule) })
      .strict()
      .default({ ...BACKUP_DEFAULTS.restoreTesting }),
  })
  .strict();

/** The longest retention of the categories that declare one, in days (undefined when none does). */
export function longestRetentionDays(categories: readonly { retentionDays?: unknown }[]): number | undefined {
  const retentions = categories.map((c) => c?.retentionDays).filter((d): d is number => typeof d === 'number');
  return retentions.length > 0 ? Math.max(...retentions) : undefined;
}

/**
 * The longest a backup may keep a recovery point, in days: the longest
 * category retention, and never longer than the erasure journal (a restore
 * replays the journal to erase again whom the backup still holds).
 */
export function erasureBound(longest: number | undefined): number {
  return longest === undefined ? ERASURE_JOURNAL_RETENTION_DAYS : Math.min(longest, ERASURE_JOURNAL_RETENTION_DAYS);
}

/* eslint-disable @typescript-eslint/no-explicit-any */
/**
 * Backups (art. 5(1)(e), 32(1)(c), 44): they must not outlive the storage
 * limitation bound nor the erasure journal, their copy target must be
 * another account in an allowed region, and the lock must admit every
 * recovery point the plan makes.
 */
export function backupChecks(
  cfg: any,
  permitted: readonly string[],
  longest: number | undefined,
  problem: Problem,
): void {
  const backup = cfg.backup ?? {};
  const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
  const retention = num(backup.retentionDays) ?? BACKUP_DEFAULTS.retentionDays;
  const lock = backup.lock ?? {};
  const minRetention = num(lock.minRetentionDays) ?? BACKUP_DEFAULTS.lock.minRetentionDays;
  const maxRetention = num(lock.maxRetentionDays);
  const continuous = backup.continuousBackup !== false;
  const pitrDays = num(cfg.database?.backupRetentionDays) ?? DATABASE_DEFAULTS.backupRetentionDays;
  const bound = erasureBound(longest);
  const why = longest !== undefined && longest <= ERASURE_JOURNAL_RETENTION_DAYS
    ? `the longest category retention (${longest} days)`
    : `the erasure journal (the PostgreSQL log group keeps it ${ERASURE_JOURNAL_RETENTION_DAYS} days)`;

  if (retention > bound) {
    problem(['backup', 'retentionDays'], `backups must not outlive ${why}; set at most ${bound}`);
  }
  if (maxRetention !== undefined) {
    if (maxRetention > bound) {
      problem(['backup', 'lock', 'maxRetentionDays'], `the lock's maximum retention is the erasure deadline and must not exceed ${why}; set at most ${bound}`);
    }
    if (maxRetention < retention) {
      problem(['backup', 'lock', 'maxRetentionDays'], `the lock would refuse every snapshot kept backup.retentionDays (${retention}); set at least ${retention}`);
    }
    if (maxRetention < minRetention) {
      problem(['backup', 'lock', 'maxRetentionDays'], `must be at least backup.lock.minRetentionDays (${minRetention})`);
    }
  }
  if (minRetention > retention) {
    problem(['backup', 'lock', 'minRetentionDays'], `the lock would refuse every snapshot kept backup.retentionDays (${retention}); set at most ${retention}`);
  }
  if (continuous && minRetention > pitrDays) {
    problem(['database', 'backupRetentionDays'], `continuous backups are kept this long and the vault lock refuses less than backup.lock.minRetentionDays (${minRetention}); set at least ${minRetention}, or set backup.continuousBackup to false`);
  }
  const effectiveMax = maxRetention ?? retention;
  if (continuous && pitrDays > effectiveMax) {
    problem(['database', 'backupRetentionDays'], `continuous backups are kept this long and the vault lock refuses more than its maximum retention (${effectiveMax} days); set at most ${effectiveMax}, or set backup.continuousBackup to false`);
  }
  if (!backup.copyTarget && minRetention < AIR_GAPPED_MIN_RETENTION_DAYS) {
    problem(['backup', 'lock', 'minRetentionDays'], `without backup.copyTarget, copies go to a logically air-gapped vault, whose lock keeps recovery points at least ${AIR_GAPPED_MIN_RETENTION_DAYS} days; set at least ${AIR_GAPPED_MIN_RETENTION_DAYS}, or name a backup account in backup.copyTarget`);
  }

  const target = backup.copyTarget;
  if (target && typeof target === 'object') {
    const account = str(target.account);
    const region = str(target.region);
    const envAccount = str(cfg.environment?.account);
    const envRegion = str(cfg.environment?.region);
    if (account && envAccount && account === envAccount) {
      problem(['backup', 'copyTarget', 'account'], 'copies in the production account are within its reach; name a separate backup account, or remove backup.copyTarget to use a logically air-gapped vault');
    }
    if (region && !permitted.includes(region)) {
      problem(['backup', 'copyTarget', 'region'], `a copy of the contact data must stay in an allowed region: ${permitted.join(', ')}`);
    } else if (region && envRegion && region !== envRegion) {
      problem(['backup', 'copyTarget', 'region'], `AWS Backup cannot copy Aurora recovery points to another account and another region in one copy; use the environment region ${envRegion}`);
    }
  }
}
/* eslint-enable @typescript-eslint/no-explicit-any */
