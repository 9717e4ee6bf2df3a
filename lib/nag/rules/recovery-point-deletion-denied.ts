import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import type { GdprRule } from '../rule';
import { asArray, resolved } from '../resolve';
import { isEveryone, VAULT_TYPES, vaultAccessPolicy } from '../backup-vault';
import { iamWildcardMatch } from '../iam';

/**
 * What the access policy must deny to everyone: deleting or shortening a
 * recovery point, and the policy and lock changes that would lift that deny.
 */
export const VAULT_ACTIONS_DENIED_TO_EVERYONE = [
  'backup:DeleteRecoveryPoint',
  'backup:UpdateRecoveryPointLifecycle',
  'backup:PutBackupVaultAccessPolicy',
  'backup:DeleteBackupVaultAccessPolicy',
  'backup:DeleteBackupVaultLockConfiguration',
] as const;

/* eslint-disable @typescript-eslint/no-explicit-any */
/** A statement that denies to every principal, unconditionally. */
function deniesToEveryone(statement: any): boolean {
  return statement?.Effect === 'Deny' && isEveryone(statement.Principal) && statement.NotPrincipal === undefined && statement.Condition === undefined;
}

function denied(statement: any, action: string): boolean {
  if (statement.NotAction !== undefined) return !asArray(statement.NotAction).some((a) => iamWildcardMatch(a, action));
  return asArray(statement.Action).some((a) => iamWildcardMatch(a, action));
}
/* eslint-enable @typescript-eslint/no-explicit-any */

export const RecoveryPointDeletionDenied: GdprRule = {
  id: 'Art5-RecoveryPointDeletionDenied',
  article: 'Art. 5(1)(f), Art. 32(1)(b), Art. 32(1)(c)',
  level: NagMessageLevel.ERROR,
  info: 'The access policy of a backup vault does not deny every principal the deletion of recovery points, or a change of the policy or lock that would lift that deny.',
  explanation:
    'Art. 5(1)(f) and 32(1)(b)-(c): backups must survive a compromised or careless administrator. An access policy that denies everyone, unconditionally, the deletion and early expiry of recovery points stops any IAM identity of the account, whatever its permissions; the deny must also cover removing or replacing the policy itself and removing the lock during its grace period, or it can be lifted first.',
  trigger: `\`AWS::Backup::BackupVault\` and \`AWS::Backup::LogicallyAirGappedBackupVault\` whose \`AccessPolicy\` has no unconditional \`Deny\` to \`Principal: *\` covering each of ${VAULT_ACTIONS_DENIED_TO_EVERYONE.map((a) => `\`${a}\``).join(', ')}. One finding per action not denied, \`Action::<action>\`.`,
  fix: 'Use the kit\'s vault access policy (`vaultAccessPolicy()`, which `LockedBackupVault` and `AirGappedBackupVault` apply).',
  check(node: CfnResource): NagRuleResult {
    const { type, properties } = resolved(node);
    if (!VAULT_TYPES.includes(type)) return NagRuleCompliance.NOT_APPLICABLE;
    const statements = asArray(vaultAccessPolicy(properties)?.Statement).filter(deniesToEveryone);
    const missing = VAULT_ACTIONS_DENIED_TO_EVERYONE.filter((action) => !statements.some((s) => denied(s, action)));
    return missing.length === 0 ? NagRuleCompliance.COMPLIANT : missing.map((a) => `Action::${a}`);
  },
};
