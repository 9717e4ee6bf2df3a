import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import type { GdprRule } from '../rule';
import { resolved } from '../resolve';
import { AIR_GAPPED_VAULT, STANDARD_VAULT } from '../backup-vault';

/** AWS Backup's minimum grace period for a compliance-mode lock. */
const MIN_CHANGEABLE_DAYS = 3;

export const BackupVaultLocked: GdprRule = {
  id: 'Art5-BackupVaultLocked',
  article: 'Art. 5(1)(e), Art. 5(1)(f), Art. 32(1)(c)',
  level: NagMessageLevel.ERROR,
  info: 'A backup vault has no vault lock in compliance mode with a maximum retention.',
  explanation:
    'Art. 5(1)(f) and 32(1)(c): a lock in compliance mode is the only control that stops everyone, the account root and AWS included, from deleting recovery points before their time, so a compromised account cannot destroy the backups. Art. 5(1)(e): its maximum retention makes the vault refuse any recovery point kept longer, so no backup outlives the storage-limitation bound; it is the erasure deadline the controller can give a data subject. A governance-mode lock (no ChangeableForDays) can be removed by any principal allowed to.',
  trigger:
    '`AWS::Backup::BackupVault` without `LockConfiguration` (`NoLock`), with a lock without `ChangeableForDays` (governance mode) or below 3 days (`GovernanceMode`), or without `MaxRetentionDays` (`NoMaxRetention`). `AWS::Backup::LogicallyAirGappedBackupVault` is locked in compliance mode by AWS; it is reported only without `MaxRetentionDays`.',
  fix: 'Set `lockConfiguration: { minRetention, maxRetention, changeableFor: Duration.days(3) }` on the vault (`LockedBackupVault` does), with a maximum no longer than the longest category retention.',
  check(node: CfnResource): NagRuleResult {
    const { type, properties } = resolved(node);
    if (type === AIR_GAPPED_VAULT) {
      return properties.MaxRetentionDays === undefined ? ['NoMaxRetention'] : NagRuleCompliance.COMPLIANT;
    }
    if (type !== STANDARD_VAULT) return NagRuleCompliance.NOT_APPLICABLE;
    const lock = properties.LockConfiguration;
    if (lock === undefined || lock === null) return ['NoLock'];
    const findings: string[] = [];
    const changeable = lock.ChangeableForDays;
    if (changeable === undefined || (typeof changeable === 'number' && changeable < MIN_CHANGEABLE_DAYS)) findings.push('GovernanceMode');
    if (lock.MaxRetentionDays === undefined) findings.push('NoMaxRetention');
    return findings.length === 0 ? NagRuleCompliance.COMPLIANT : findings;
  },
};
