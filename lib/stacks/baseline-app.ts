import { Stack } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { BackupAccountStack } from '../backup/backup-account-stack';
import type { BaselineConfig } from '../config/schema';
import { ContactBaselineStack } from './contact-baseline-stack';

/** Name of the reference stack. Public API: renaming it would create a new stack. */
export const BASELINE_STACK_NAME = 'GdprContactBaseline';
/** Name of the backup account's stack, when the configuration names a backup account (backup.copyTarget). */
export const BACKUP_ACCOUNT_STACK_NAME = 'GdprContactBaselineBackupAccount';

/**
 * Every stack of the baseline for a configuration, added to an app (or
 * stage). The CDK app (bin/app.ts), the review outputs and the tests all
 * build the baseline through this function, so they see the same stacks.
 */
export function addBaselineStacks(scope: Construct, config: BaselineConfig): Stack[] {
  const main = new ContactBaselineStack(scope, BASELINE_STACK_NAME, { config });
  if (!config.backup.copyTarget) return [main];
  // The vault that receives a copy of every recovery point, out of the production account's reach.
  const backupAccount = new BackupAccountStack(scope, BACKUP_ACCOUNT_STACK_NAME, { config, productionStackName: main.stackName });
  return [main, backupAccount];
}
