import { Stack } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { BaselineConfig } from '../config/schema';
import { ContactBaselineStack } from './contact-baseline-stack';

/** Name of the reference stack. Public API: renaming it would create a new stack. */
export const BASELINE_STACK_NAME = 'GdprContactBaseline';
/** Name of the backup account's stack, when the configuration names a backup account (backup.copyTarget). */
export const BACKUP_ACCOUNT_STACK_NAME = 'GdprContactBaselineBackupAccount';

export interface BaselineStacksOptions {
  /**
   * Id (and name) of the baseline stack; the backup account's stack is `<stackName>BackupAccount`.
   * @default BASELINE_STACK_NAME
   */
  readonly stackName?: string;
}

/**
 * Every stack of the baseline for a configuration, added to an app (or
 * stage). The CDK app (bin/app.ts), the review outputs and the tests all
 * build the baseline through this function, so they see the same stacks.
 */
export function addBaselineStacks(scope: Construct, config: BaselineConfig, options: BaselineStacksOptions = {}): Stack[] {
  const main = new ContactBaselineStack(scope, options.stackName ?? BASELINE_STACK_NAME, { config });
  // With backup.copyTarget, the vault that receives a copy of every recovery point, out of the production account's reach.
  return main.backupAccount ? [main, main.backupAccount] : [main];
}
