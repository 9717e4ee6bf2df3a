import * as backup from 'aws-cdk-lib/aws-backup';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as rds from 'aws-cdk-lib/aws-rds';
import { iamWildcardMatch } from '../../lib/nag/iam';
import { clusterProps, isolatedVpc, newStack, ruleFindingsOn, validate } from './helpers';

/*
 * The one IAM wildcard matcher (lib/nag/iam.ts). Before issue 14 four
 * matchers disagreed: db-connect-scoped and the access matrix read `?` as one
 * character, backup-vault and database-in-backup-plan as a literal `?`.
 * Decided: IAM's reading, `?` is exactly one character, for actions and ARNs.
 */
describe('iamWildcardMatch', () => {
  test.each([
    // pattern, text, matches
    ['kms:Decrypt', 'kms:Decrypt', true],
    ['kms:decrypt', 'kms:Decrypt', true], // actions are case-insensitive
    ['KMS:*', 'kms:Decrypt', true],
    ['*', 'rds-db:connect', true],
    ['*', '', true], // * matches no character too
    ['kms:Decrypt*', 'kms:Decrypt', true],
    ['kms:Decrypt*', 'kms:DecryptSomething', true],
    ['kms:*crypt', 'kms:Decrypt', true],
    ['kms:*crypt', 'kms:Encrypt', true],
    ['kms:*crypt', 'kms:Decrypts', false],
    ['kms:Encrypt', 'kms:Decrypt', false],
    ['kms:Decrypt', 'kms:DecryptX', false], // anchored at the end
    ['ms:Decrypt', 'kms:Decrypt', false], // anchored at the start
    // `?`: exactly one character (where the old matchers disagreed)
    ['rds-db:connec?', 'rds-db:connect', true],
    ['backup:DeleteRecoveryPoin?', 'backup:DeleteRecoveryPoint', true],
    ['backup:Delete?', 'backup:DeleteRecoveryPoint', false],
    ['kms:Decrypt?', 'kms:Decrypt', false], // not zero characters
    ['kms:Decr??t', 'kms:Decrypt', true],
    ['arn:aws:rds:eu-west-?:111122223333:cluster:*', 'arn:aws:rds:eu-west-3:111122223333:cluster:contacts', true],
    ['arn:aws:rds:eu-west-?:111122223333:cluster:*', 'arn:aws:rds:eu-west-10:111122223333:cluster:contacts', false],
    // every other character is literal, regular-expression characters included
    ['kms:Decrypt.', 'kms:DecryptX', false],
    ['s3:Get(Object)', 's3:GetObject', false],
    ['a+b', 'aab', false],
    ['arn:aws:s3:::bucket/[ab]', 'arn:aws:s3:::bucket/a', false],
    ['arn:aws:s3:::bucket/[ab]', 'arn:aws:s3:::bucket/[ab]', true],
    ['arn:aws:s3:::b^$|{}\\', 'arn:aws:s3:::b^$|{}\\', true],
    ['arn:aws:s3:::bucket/*', 'arn:aws:s3:::bucket/a/b', true], // * crosses / and :
    ['arn:aws:logs:*:*:log-group:/aws/lambda/f:*', 'arn:aws:logs:eu-west-3:111122223333:log-group:/aws/lambda/f:log-stream:x', true],
  ])('%j against %j: %s', (pattern, text, matches) => {
    expect(iamWildcardMatch(pattern, text)).toBe(matches);
  });

  test.each([[undefined], [null], [42], [{ Ref: 'Action' }], [['kms:*']]])('a pattern that is not text (%j) matches nothing', (pattern) => {
    expect(iamWildcardMatch(pattern, 'kms:Decrypt')).toBe(false);
    expect(iamWildcardMatch(pattern, '[object Object]')).toBe(false);
  });
});

describe('the rules read `?` as IAM does', () => {
  test('GDPR-Art32-DbConnectScoped and NoWildcardDataAccess: an Allow of rds-db:connec? on * is a grant of rds-db:connect', () => {
    // Given an attacker's policy that spells the action with a one-character wildcard
    const stack = newStack();
    // (aws-cdk-lib's PolicyStatement refuses `?` in an action; the L1 takes what IAM takes)
    const policy = new iam.CfnManagedPolicy(stack, 'Sneaky', {
      policyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'rds-db:connec?', Resource: '*' }] },
    });
    // Then both rules see the grant
    const report = validate(stack);
    expect(ruleFindingsOn(report, policy, 'GDPR-Art32-DbConnectScoped')).toEqual(['GDPR-Art32-DbConnectScoped[Resource::*]']);
    expect(ruleFindingsOn(report, policy, 'GDPR-Art32-NoWildcardDataAccess')).toEqual(['GDPR-Art32-NoWildcardDataAccess[Action::rds-db:connec?]']);
  });

  test('GDPR-Art5-RecoveryPointDeletionDenied: a deny of backup:DeleteRecoveryPoin? denies the deletion (once reported as open)', () => {
    const stack = newStack();
    const vault = new backup.CfnBackupVault(stack, 'Vault', { backupVaultName: 'v', accessPolicy: denyPolicy('backup:DeleteRecoveryPoin?') });
    const findings = ruleFindingsOn(validate(stack), vault, 'GDPR-Art5-RecoveryPointDeletionDenied');
    expect(findings).not.toContain('GDPR-Art5-RecoveryPointDeletionDenied[Action::backup:DeleteRecoveryPoint]');
    expect(findings).toContain('GDPR-Art5-RecoveryPointDeletionDenied[Action::backup:UpdateRecoveryPointLifecycle]');
  });

  test('GDPR-Art5-RecoveryPointDeletionDenied: a deny of backup:Delete? denies nothing it was meant to (? is one character)', () => {
    const stack = newStack();
    const vault = new backup.CfnBackupVault(stack, 'Vault', { backupVaultName: 'v', accessPolicy: denyPolicy('backup:Delete?') });
    expect(ruleFindingsOn(validate(stack), vault, 'GDPR-Art5-RecoveryPointDeletionDenied')).toContain(
      'GDPR-Art5-RecoveryPointDeletionDenied[Action::backup:DeleteRecoveryPoint]',
    );
  });

  test('GDPR-Art32-DatabaseInBackupPlan: a selection of arn:aws:rds:eu-west-?:... selects the cluster in eu-west-3; eu-central-? does not', () => {
    const stack = newStack();
    const selected = new rds.DatabaseCluster(stack, 'Selected', { ...clusterProps(isolatedVpc(stack, 'Vpc1')), clusterIdentifier: 'contacts' });
    const plan = new backup.BackupPlan(stack, 'Plan');
    plan.addRule(new backup.BackupPlanRule({ ruleName: 'Daily' }));
    plan.addSelection('OneCharRegion', { resources: [backup.BackupResource.fromArn('arn:aws:rds:eu-west-?:111122223333:cluster:contact?')] });
    const report = validate(stack);
    expect(ruleFindingsOn(report, selected, 'GDPR-Art32-DatabaseInBackupPlan')).toEqual([]);

    const other = newStack();
    const notSelected = new rds.DatabaseCluster(other, 'NotSelected', { ...clusterProps(isolatedVpc(other, 'Vpc1')), clusterIdentifier: 'contacts' });
    const otherPlan = new backup.BackupPlan(other, 'Plan');
    otherPlan.addRule(new backup.BackupPlanRule({ ruleName: 'Daily' }));
    otherPlan.addSelection('WrongRegion', { resources: [backup.BackupResource.fromArn('arn:aws:rds:eu-central-?:111122223333:cluster:contacts')] });
    expect(ruleFindingsOn(validate(other), notSelected, 'GDPR-Art32-DatabaseInBackupPlan')).toEqual(['GDPR-Art32-DatabaseInBackupPlan']);
  });
});

function denyPolicy(action: string): Record<string, unknown> {
  return {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Deny', Principal: { AWS: '*' }, Action: [action], Resource: '*' }],
  };
}
