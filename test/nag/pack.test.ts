import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as iam from 'aws-cdk-lib/aws-iam';
import { NagMessageLevel } from 'cdk-nag';
import { GDPR_PACK_NAME, GdprChecks } from '../../lib/nag/gdpr-checks';
import { GDPR_RULES } from '../../lib/nag/rules';
import { newStack, validate } from './helpers';

describe('the GDPR pack', () => {
  test('pins its full list of rule ids and levels, in order', () => {
    const pack = new GdprChecks();
    const levelOf = new Map(GDPR_RULES.map((r) => [`${GDPR_PACK_NAME}-${r.id}`, r.level]));
    expect((pack.ruleIds ?? []).map((id) => [id, levelOf.get(id)])).toEqual([
      ['GDPR-Art44-StackRegionAllowed', NagMessageLevel.ERROR],
      ['GDPR-Art44-RegionReferencesAllowed', NagMessageLevel.ERROR],
      ['GDPR-Art44-RegionGuardAttached', NagMessageLevel.ERROR],
      ['GDPR-Art32-EncryptedWithCmk', NagMessageLevel.ERROR],
      ['GDPR-Art25-DatabaseNotPublic', NagMessageLevel.ERROR],
      ['GDPR-Art32-DatabaseIamAuth', NagMessageLevel.ERROR],
      ['GDPR-Art32-DatabaseTlsForced', NagMessageLevel.ERROR],
      ['GDPR-Art5-DatabaseDeletionProtected', NagMessageLevel.ERROR],
      ['GDPR-Art5-StatefulResourceRetained', NagMessageLevel.ERROR],
      ['GDPR-Art32-VpnAuthorizationScoped', NagMessageLevel.ERROR],
      ['GDPR-Art32-VpnConnectionsLogged', NagMessageLevel.ERROR],
      ['GDPR-Art32-HumanRoleRequiresMfa', NagMessageLevel.ERROR],
      ['GDPR-Art32-DbConnectScoped', NagMessageLevel.ERROR],
      ['GDPR-Art32-NoWildcardDataAccess', NagMessageLevel.ERROR],
      ['GDPR-Art28-ProcessorTrustBounded', NagMessageLevel.ERROR],
      ['GDPR-Art28-ProcessorNoDatabaseAccess', NagMessageLevel.ERROR],
      ['GDPR-Art44-ProcessorTransferMechanism', NagMessageLevel.ERROR],
      ['GDPR-Art32-BackupVaultOwnKey', NagMessageLevel.ERROR],
      ['GDPR-Art5-BackupVaultLocked', NagMessageLevel.ERROR],
      ['GDPR-Art5-RecoveryPointDeletionDenied', NagMessageLevel.ERROR],
      ['GDPR-Art44-BackupCopyRegionAllowed', NagMessageLevel.ERROR],
      ['GDPR-Art32-DatabaseInBackupPlan', NagMessageLevel.ERROR],
      ['GDPR-Art5-NoSecondCopy', NagMessageLevel.ERROR],
      ['GDPR-Art33-TrailEncryptedAndValidated', NagMessageLevel.ERROR],
      ['GDPR-Art33-DpoNotificationTopic', NagMessageLevel.ERROR],
      ['GDPR-Art5-RetentionPurgeScheduled', NagMessageLevel.ERROR],
      // Rule pack v2 (issue 11): resource-based policies.
      ['GDPR-Art32-ResourcePolicyBounded', NagMessageLevel.ERROR],
      // Rule pack v2 (issue 11), roles that bypass the catalog
      ['GDPR-Art32-NoBroadManagedPolicy', NagMessageLevel.ERROR],
      ['GDPR-Art28-ProcessorReadsOwnPrefix', NagMessageLevel.ERROR],
      ['GDPR-Art32-DatabaseRoleRequiresMfa', NagMessageLevel.ERROR],
      ['GDPR-Art32-NoPathAroundVpn', NagMessageLevel.ERROR],
      ['GDPR-Art32-DataKeyRotated', NagMessageLevel.ERROR],
      ['GDPR-Art5-BackupWithinErasureBound', NagMessageLevel.ERROR],
    ]);
  });

  test('is named GDPR', () => {
    expect(new GdprChecks().name).toBe('GDPR');
    expect(new GdprChecks().readPackName).toBe('GDPR');
  });

  test.each(GDPR_RULES.map((r) => [r.id, r] as const))('%s: id reads Art<n>-<WhatIsRequired>, its article is cited and every text is filled in', (_id, rule) => {
    const [, article] = /^Art(\d+)-[A-Z][A-Za-z]+$/.exec(rule.id) ?? [];
    expect(article).toBeDefined();
    expect(rule.article).toMatch(new RegExp(`(^|, )Art\\. ${article}\\b`));
    for (const text of [rule.info, rule.explanation, rule.trigger, rule.fix]) expect(text.trim().length).toBeGreaterThan(20);
  });

  test.each(GDPR_RULES.map((r) => [r.id] as const))('%s: lives in lib/nag/rules/ in a file named after it', (id) => {
    const kebab = id
      .replace(/^Art\d+-/, '')
      .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
      .toLowerCase();
    expect(existsSync(join(__dirname, '..', '..', 'lib', 'nag', 'rules', `${kebab}.ts`))).toBe(true);
  });

  test('every rule id is exercised by a rule test in test/nag', () => {
    const ruleTests = readdirSync(__dirname)
      .filter((f) => f.endsWith('-rules.test.ts'))
      .map((f) => readFileSync(join(__dirname, f), 'utf8'))
      .join('\n');
    const untested = (new GdprChecks().ruleIds ?? []).filter((id) => !ruleTests.includes(`'${id}'`));
    expect(untested).toEqual([]);
  });

  describe('a finding', () => {
    test('is an error that says what is wrong, the article and the fix', () => {
      // Given a role with no region guard
      const stack = newStack();
      new iam.Role(stack, 'Role', { assumedBy: new iam.AccountRootPrincipal() });
      // When the pack runs
      const report = validate(stack);
      // Then the finding reads as a reviewer needs it
      const finding = report.violations.find((v) => v.ruleName === 'GDPR-Art44-RegionGuardAttached');
      expect(report.success).toBe(false);
      expect(finding).toMatchObject({
        severity: 'error',
        violatingResources: [expect.objectContaining({ constructPath: 'S/Role/Resource' })],
      });
      expect(finding?.description).toContain('The IAM role has no region guard');
      expect(finding?.description).toContain('(Art. 44)');
      expect(finding?.description).toContain('Fix: Add a `RegionGuard` to the stack');
    });

    test('groups every resource of one rule under one violation', () => {
      const stack = newStack();
      new iam.Role(stack, 'One', { assumedBy: new iam.AccountRootPrincipal() });
      new iam.Role(stack, 'Two', { assumedBy: new iam.AccountRootPrincipal() });
      const finding = validate(stack).violations.find((v) => v.ruleName === 'GDPR-Art44-RegionGuardAttached');
      expect(finding?.violatingResources.map((r) => r.constructPath)).toEqual(['S/One/Resource', 'S/Two/Resource']);
    });

    test('no rule throws on a resource that renders nothing (an iam.Policy attached to no principal)', () => {
      // Given a policy CDK leaves out of the template
      const stack = newStack();
      const policy = new iam.Policy(stack, 'Unattached', {
        statements: [iam.PolicyStatement.fromJson({ Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*' })],
      });
      // When the pack runs (validate() fails the test if a rule threw), then nothing is reported on it
      expect(validate(stack).violations.filter((v) => v.violatingResources.some((r) => r.constructPath === 'S/Unattached/Resource'))).toEqual([]);
      // (the policy is really in the tree, and renders no template entry)
      expect(stack.resolve((policy.node.defaultChild as any)._toCloudFormation())).toEqual({});
    });

    test('sees edits made between two validations of the same stack', () => {
      // Given a stack validated once
      const stack = newStack();
      const role = new iam.Role(stack, 'Role', { assumedBy: new iam.AccountRootPrincipal() });
      const pack = new GdprChecks();
      expect(pack.validateScope(stack).violations.map((v) => v.ruleName)).toContain('GDPR-Art44-RegionGuardAttached');
      // When the role gets its guard
      role.addToPrincipalPolicy(
        iam.PolicyStatement.fromJson({ Effect: 'Deny', Action: '*', Resource: '*', Condition: { StringNotEquals: { 'aws:RequestedRegion': ['eu-west-3'] } } }),
      );
      // Then the next validation no longer reports it
      expect(pack.validateScope(stack).violations.map((v) => v.ruleName)).not.toContain('GDPR-Art44-RegionGuardAttached');
    });
  });
});
