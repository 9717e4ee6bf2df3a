import { Duration, Stack } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as events from 'aws-cdk-lib/aws-events';
import type { Construct } from 'constructs';
import type { BaselineConfig } from '../config/schema';
import type { ContactBackupProps } from './contact-backup';
import { copyVaultArn } from './copy-vault';

/** The configuration-driven part of ContactBackupProps. */
export type ContactBackupSettings = Pick<
  ContactBackupProps,
  'schedule' | 'retention' | 'continuousBackup' | 'continuousRetention' | 'lock' | 'copyVault' | 'restoreTestSchedule'
>;

/**
 * Reads `backup` (and `database.backupRetentionDays`, the continuous backup
 * window) from a validated configuration. With `backup.copyTarget`, imports
 * the backup account's vault into `scope` as the copy target.
 */
export function contactBackupSettings(scope: Construct, config: BaselineConfig): ContactBackupSettings {
  const b = config.backup;
  const target = b.copyTarget;
  return {
    schedule: events.Schedule.expression(b.schedule),
    retention: Duration.days(b.retentionDays),
    continuousBackup: b.continuousBackup,
    continuousRetention: Duration.days(config.database.backupRetentionDays),
    lock: {
      minRetention: Duration.days(b.lock.minRetentionDays),
      maxRetention: Duration.days(b.lock.maxRetentionDays ?? b.retentionDays),
      changeableFor: Duration.days(b.lock.changeableForDays),
    },
    copyVault: target
      ? backup.BackupVault.fromBackupVaultArn(
          scope,
          'BackupAccountVault',
          copyVaultArn(Stack.of(scope), target.account, target.region ?? config.environment.region),
        )
      : undefined,
    restoreTestSchedule: events.Schedule.expression(b.restoreTesting.schedule),
  };
}
