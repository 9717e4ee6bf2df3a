import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import type { GdprRule } from '../rule';
import { resolved, stackResources } from '../resolve';
import { AIR_GAPPED_VAULT, keyIdentity, VAULT_TYPES } from '../backup-vault';
import { ENCRYPTED_STORE_TYPES } from './encrypted-with-cmk';

/* eslint-disable @typescript-eslint/no-explicit-any */
/** The key a data store names, whatever the property (KmsKeyId, KMSMasterKeyID, ...), as comparable identities. */
function storeKeys(properties: Record<string, any>): Set<string> {
  const keys = new Set<string>();
  const visit = (value: any, name?: string) => {
    if (Array.isArray(value)) {
      value.forEach((v) => visit(v));
    } else if (value && typeof value === 'object') {
      if (name && /kms|key/i.test(name) && keyIdentity(value)?.startsWith('ref:')) keys.add(keyIdentity(value) as string);
      for (const [k, v] of Object.entries(value)) visit(v, k);
    } else if (typeof value === 'string' && name && /kms/i.test(name)) {
      keys.add(`literal:${value}`);
    }
  };
  visit(properties);
  return keys;
}
/* eslint-enable @typescript-eslint/no-explicit-any */

const AWS_MANAGED = /alias\/aws\//;

export const BackupVaultOwnKey: GdprRule = {
  id: 'Art32-BackupVaultOwnKey',
  article: 'Art. 32(1)(a), Art. 32(1)(c)',
  level: NagMessageLevel.ERROR,
  info: 'A backup vault is not encrypted with a customer-managed key of its own: it shares the key of the data it protects, or (air-gapped vault) uses an AWS-owned key.',
  explanation:
    'Art. 32(1)(a) and (c): backups must stay readable and confidential when the primary is lost or compromised. A vault that shares the database key fails with it: disabling, deleting or re-keying that one key (by mistake or by an attacker) makes the database and its backups unreadable at once, and whoever may use the key for the database may use it for the backups. With its own customer-managed key, the controller decides separately who may decrypt the backups. A logically air-gapped vault without a key uses an AWS-owned key, which the controller cannot audit or revoke.',
  trigger:
    '`AWS::Backup::BackupVault` and `AWS::Backup::LogicallyAirGappedBackupVault` whose `EncryptionKeyArn` is also the key of a data store of the stack (an RDS cluster or instance, bucket, table, file system, log group, secret, topic, queue, stream): one finding per store, `KeySharedWith::<logical id>`. A logically air-gapped vault without `EncryptionKeyArn` or with an `alias/aws/*` key: `KeyNotCustomerManaged` (for standard vaults `GDPR-Art32-EncryptedWithCmk` reports that).',
  fix: 'Give the vault a key of its own (`LockedBackupVault` and `AirGappedBackupVault` create one).',
  check(node: CfnResource): NagRuleResult {
    const vault = resolved(node);
    if (!VAULT_TYPES.includes(vault.type)) return NagRuleCompliance.NOT_APPLICABLE;
    const findings: string[] = [];
    const key = vault.properties.EncryptionKeyArn;
    if (vault.type === AIR_GAPPED_VAULT && (key === undefined || AWS_MANAGED.test(JSON.stringify(key)))) {
      findings.push('KeyNotCustomerManaged');
    }
    const identity = keyIdentity(key);
    if (identity !== undefined) {
      for (const store of stackResources(node).values()) {
        if (store.logicalId === vault.logicalId || VAULT_TYPES.includes(store.type) || !ENCRYPTED_STORE_TYPES.includes(store.type)) continue;
        if (storeKeys(store.properties).has(identity)) findings.push(`KeySharedWith::${store.logicalId}`);
      }
    }
    return findings.length === 0 ? NagRuleCompliance.COMPLIANT : findings.sort();
  },
};
