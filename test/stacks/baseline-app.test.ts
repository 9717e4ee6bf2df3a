import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { BackupAccountStack } from '../../lib/backup/backup-account-stack';
import { parseConfig } from '../../lib/config/load';
import { addBaselineStacks } from '../../lib/stacks/baseline-app';
import { ContactBaselineStack } from '../../lib/stacks/contact-baseline-stack';
import { defaultConfig, defaultConfigInput } from '../helpers/reference';

/** The logical id of a construct's CloudFormation resource. */
function logicalId(construct: IConstruct): string {
  return Stack.of(construct).getLogicalId((construct.node.defaultChild ?? construct) as never);
}

const app = () => new App({ builtinCloudFormationValidation: false });

describe("the README's library example: a stack name of the user's choice", () => {
  let contacts: ContactBaselineStack;
  let template: Template;
  beforeAll(() => {
    contacts = new ContactBaselineStack(app(), 'Contacts', { config: defaultConfig() });
    template = Template.fromStack(contacts);
  });

  test("with backup.copyTarget, the backup account's stack is created beside it, named after it", () => {
    const stacks = contacts.node.root.node.children.filter((c): c is Stack => Stack.isStack(c)).map((s) => s.stackName);
    expect(stacks).toEqual(['Contacts', 'ContactsBackupAccount']);
    expect(contacts.backupAccount).toBeInstanceOf(BackupAccountStack);
    expect(contacts.backupAccount?.account).toBe(defaultConfig().backup.copyTarget?.account);
  });

  test("the copy action points at the vault the backup account's stack creates", () => {
    const vaultName = Template.fromStack(contacts.backupAccount as Stack).findResources('AWS::Backup::BackupVault');
    expect(Object.values(vaultName).map((v: any) => v.Properties.BackupVaultName)).toEqual(['Contacts-contact-copies']);
    const plan = JSON.stringify(template.findResources('AWS::Backup::BackupPlan'));
    expect(plan).toContain(`:555566667777:backup-vault:Contacts-contact-copies`);
  });
});

describe('backupAccountStack: false (the backup account built elsewhere)', () => {
  test('synth fails with a message naming the missing stack when nobody creates it', () => {
    const scope = app();
    new ContactBaselineStack(scope, 'Contacts', { config: defaultConfig(), backupAccountStack: false });
    expect(() => scope.synth()).toThrow(/backup\.copyTarget names the backup account 555566667777, but no BackupAccountStack of the app receives the copies of Contacts/);
  });

  test("a BackupAccountStack for another production stack does not count", () => {
    const scope = app();
    const config = defaultConfig();
    new ContactBaselineStack(scope, 'Contacts', { config, backupAccountStack: false });
    new BackupAccountStack(scope, 'Other', { config, productionStackName: 'SomethingElse' });
    expect(() => scope.synth()).toThrow(/no BackupAccountStack of the app receives the copies of Contacts/);
  });

  test("the user's own BackupAccountStack for this stack satisfies it", () => {
    const scope = app();
    const config = defaultConfig();
    const contacts = new ContactBaselineStack(scope, 'Contacts', { config, backupAccountStack: false });
    new BackupAccountStack(scope, 'Vaults', { config, productionStackName: contacts.stackName });
    expect(contacts.backupAccount).toBeUndefined();
    expect(() => scope.synth()).not.toThrow();
  });
});

describe('addBaselineStacks', () => {
  test('takes the stack name of the user', () => {
    expect(addBaselineStacks(app(), defaultConfig(), { stackName: 'Crm' }).map((s) => s.stackName)).toEqual(['Crm', 'CrmBackupAccount']);
  });

  test('keeps the reference names by default (public API: a rename creates new stacks)', () => {
    expect(addBaselineStacks(app(), defaultConfig()).map((s) => s.stackName)).toEqual(['GdprContactBaseline', 'GdprContactBaselineBackupAccount']);
  });

  test('without backup.copyTarget, one stack and no backup account', () => {
    const input = defaultConfigInput();
    delete input.backup.copyTarget;
    const stacks = addBaselineStacks(app(), parseConfig(input));
    expect(stacks.map((s) => s.stackName)).toEqual(['GdprContactBaseline']);
    expect((stacks[0] as ContactBaselineStack).backupAccount).toBeUndefined();
  });
});

// A compliance-locked vault that a rename replaces can never be deleted, and its key with it.
describe('logical ids of the backup vaults and their keys are pinned', () => {
  test('with a backup account', () => {
    const [production, backupAccount] = addBaselineStacks(app(), defaultConfig()) as [ContactBaselineStack, BackupAccountStack];
    expect({
      vault: logicalId(production.backup.vault.vault),
      vaultKey: logicalId(production.backup.vault.key),
      copyVault: logicalId(backupAccount.copyVault.vault),
      copyVaultKey: logicalId(backupAccount.copyVault.key),
    }).toEqual({
      vault: 'BackupVault368E0ECE',
      vaultKey: 'BackupVaultKeyA286A54F',
      copyVault: 'CopyVault87F9E5EC',
      copyVaultKey: 'CopyVaultKeyD618E163',
    });
  });

  test('with a logically air-gapped vault', () => {
    const input = defaultConfigInput();
    delete input.backup.copyTarget;
    const [production] = addBaselineStacks(app(), parseConfig(input)) as [ContactBaselineStack];
    const airGapped = production.backup.airGappedVault;
    expect(airGapped).toBeDefined();
    expect({
      vault: logicalId(production.backup.vault.vault),
      vaultKey: logicalId(production.backup.vault.key),
      airGappedVault: logicalId(airGapped!.resource),
      airGappedKey: logicalId(airGapped!.key),
    }).toEqual({
      vault: 'BackupVault368E0ECE',
      vaultKey: 'BackupVaultKeyA286A54F',
      airGappedVault: 'BackupAirGappedVault8C40DA7F',
      airGappedKey: 'BackupAirGappedVaultKeyEAD41A86',
    });
  });
});
