import { Stack } from 'aws-cdk-lib';

/**
 * Name of the vault in the backup account that receives the copies of a
 * production stack's recovery points. It is the one physical name of the
 * backup account: the production account's copy action must name the vault
 * before it exists, from another account, so it cannot be generated there.
 */
export function copyVaultName(productionStackName: string): string {
  const name = `${productionStackName}-contact-copies`;
  if (!/^[A-Za-z0-9_-]{2,50}$/.test(name)) {
    throw new Error(`copy vault name ${name}: a vault name is 2 to 50 letters, digits, - or _; shorten the production stack name (${productionStackName})`);
  }
  return name;
}

/** The ARN of that vault, as the production stack's copy action names it. */
export function copyVaultArn(production: Stack, account: string, region: string): string {
  return `arn:${production.partition}:backup:${region}:${account}:backup-vault:${copyVaultName(production.stackName)}`;
}
