import * as iam from 'aws-cdk-lib/aws-iam';

/**
 * What no principal may do to a vault of the kit, whatever its IAM
 * permissions, the account root included: delete or shorten the life of a
 * recovery point, delete the vault, or change or remove the vault's access
 * policy or its lock.
 *
 * `backup:PutBackupVaultLockConfiguration` is not in the list: CloudFormation
 * may apply the lock after the access policy when it creates the vault, and
 * denying it would make the vault undeployable. A compliance-mode lock
 * becomes immutable for everyone, AWS included, when its grace period
 * (`changeableFor`) ends; during the grace period removing it is denied here.
 */
export const PROTECTED_VAULT_ACTIONS = [
  'backup:DeleteRecoveryPoint',
  'backup:UpdateRecoveryPointLifecycle',
  'backup:DeleteBackupVault',
  'backup:PutBackupVaultAccessPolicy',
  'backup:DeleteBackupVaultAccessPolicy',
  'backup:DeleteBackupVaultLockConfiguration',
] as const;

export interface VaultAccessPolicyOptions {
  /**
   * Accounts whose AWS Backup may copy recovery points into the vault
   * (`backup:CopyIntoBackupVault`, the only cross-account action AWS Backup
   * accepts on a vault).
   * @default - none: no other account can write to the vault
   */
  readonly acceptCopiesFrom?: readonly string[];
}

/** The access policy of every vault of the kit (see PROTECTED_VAULT_ACTIONS). */
export function vaultAccessPolicy(options: VaultAccessPolicyOptions = {}): iam.PolicyDocument {
  const document = new iam.PolicyDocument({
    statements: [
      new iam.PolicyStatement({
        sid: 'DenyRecoveryPointDeletionAndPolicyChangesToEveryone',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: [...PROTECTED_VAULT_ACTIONS],
        resources: ['*'],
      }),
    ],
  });
  const accounts = options.acceptCopiesFrom ?? [];
  if (accounts.length > 0) {
    document.addStatements(
      new iam.PolicyStatement({
        sid: 'AcceptCopiesFromTheProductionAccount',
        effect: iam.Effect.ALLOW,
        principals: accounts.map((account) => new iam.AccountPrincipal(account)),
        actions: ['backup:CopyIntoBackupVault'],
        resources: ['*'],
      }),
    );
  }
  return document;
}
