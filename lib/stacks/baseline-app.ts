import { Stack } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { type BaselineConfig, permittedRegions } from '../config/schema';
import { ContactBaselineStack } from './contact-baseline-stack';
import { OrganisationPolicyStack } from './organisation-policy-stack';

/** Name of the reference stack. Public API: renaming it would create a new stack. */
export const BASELINE_STACK_NAME = 'GdprContactBaseline';
/** Name of the backup account's stack, when the configuration names a backup account (backup.copyTarget). */
export const BACKUP_ACCOUNT_STACK_NAME = 'GdprContactBaselineBackupAccount';
/** Name of the management account's stack (the region-deny SCP), when the configuration sets landingZone.organizations. */
export const ORGANISATION_POLICY_STACK_NAME = 'GdprContactBaselineOrganisationPolicy';

export interface BaselineStacksOptions {
  /**
   * Id (and name) of the baseline stack; the backup account's stack is `<stackName>BackupAccount`, the
   * management account's `<stackName>OrganisationPolicy`.
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
  const name = options.stackName ?? BASELINE_STACK_NAME;
  const main = new ContactBaselineStack(scope, name, { config });
  // With backup.copyTarget, the vault that receives a copy of every recovery point, out of the production account's reach.
  const stacks: Stack[] = main.backupAccount ? [main, main.backupAccount] : [main];
  // With landingZone.organizations, the region guard as an SCP, deployed from the management account.
  const organizations = config.landingZone.organizations;
  if (organizations) {
    stacks.push(
      new OrganisationPolicyStack(scope, `${name}OrganisationPolicy`, {
        account: organizations.managementAccount,
        region: config.environment.region,
        permittedRegions: permittedRegions(config),
        targetIds: organizations.targetIds,
      }),
    );
  }
  return stacks;
}
