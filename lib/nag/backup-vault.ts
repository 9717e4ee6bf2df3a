import { asArray } from './resolve';

/**
 * Shared reading of AWS Backup vaults for the backup rules (not a rule):
 * which resources are vaults, their access policy, the key they name.
 */

/* eslint-disable @typescript-eslint/no-explicit-any */

export const STANDARD_VAULT = 'AWS::Backup::BackupVault';
export const AIR_GAPPED_VAULT = 'AWS::Backup::LogicallyAirGappedBackupVault';
export const VAULT_TYPES = [STANDARD_VAULT, AIR_GAPPED_VAULT];

/** The access policy of a vault as an object (CloudFormation accepts an object or a JSON string). */
export function vaultAccessPolicy(properties: Record<string, any>): any {
  const policy = properties.AccessPolicy;
  if (typeof policy === 'string') {
    try {
      return JSON.parse(policy);
    } catch {
      return undefined;
    }
  }
  return policy;
}

/** True when a statement's principal is everyone (`*` or `{ AWS: '*' }`). */
export function isEveryone(principal: unknown): boolean {
  if (principal === '*') return true;
  const aws = (principal as any)?.AWS;
  return asArray(aws).includes('*');
}

/** A key reference in comparable form: the logical id it refers to, or the literal ARN/id. */
export function keyIdentity(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string') return `literal:${value}`;
  const v = value as Record<string, unknown>;
  if (typeof v.Ref === 'string') return `ref:${v.Ref}`;
  const getAtt = v['Fn::GetAtt'];
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return `ref:${getAtt[0]}`;
  return `expr:${JSON.stringify(value)}`;
}
/* eslint-enable @typescript-eslint/no-explicit-any */
