import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { parseConfig } from '../../lib/config/load';
import { addBaselineStacks } from '../../lib/stacks/baseline-app';
import { defaultConfigInput, referenceStackTemplates } from '../helpers/reference';

/**
 * No data loss on teardown: deleting any stack of the app, or an update that
 * replaces a resource, never deletes personal data, its keys, its logs or its
 * backups. Checked on every stack the app synthesizes, for the reference
 * configuration (production and backup account) and for the configuration
 * without a backup account (logically air-gapped vault).
 */

/** Resource types that hold personal data, the keys that decrypt it, its logs or its backups. */
const HOLDS_DATA_KEYS_LOGS_OR_BACKUPS = [
  'AWS::RDS::DBCluster',
  'AWS::RDS::DBInstance',
  'AWS::KMS::Key',
  'AWS::Backup::BackupVault',
  'AWS::Backup::LogicallyAirGappedBackupVault',
  'AWS::S3::Bucket',
  'AWS::Logs::LogGroup',
  'AWS::SecretsManager::Secret',
  'AWS::DynamoDB::Table',
  'AWS::DynamoDB::GlobalTable',
  'AWS::EFS::FileSystem',
];

interface SynthesizedStack {
  readonly name: string;
  readonly terminationProtection: boolean;
  readonly resources: Record<string, { Type: string; DeletionPolicy?: string; UpdateReplacePolicy?: string; Properties?: Record<string, unknown> }>;
}

function synthesize(change: (cfg: Record<string, any>) => void): SynthesizedStack[] {
  const input = defaultConfigInput();
  change(input);
  const app = new App({ builtinCloudFormationValidation: false });
  return addBaselineStacks(app, parseConfig(input)).map((stack) => ({
    name: stack.stackName,
    terminationProtection: stack.terminationProtection === true,
    resources: Template.fromStack(stack).toJSON().Resources,
  }));
}

/** Instances of an Aurora cluster hold nothing of their own: the cluster does. */
const holdsData = ([, r]: [string, SynthesizedStack['resources'][string]]) =>
  HOLDS_DATA_KEYS_LOGS_OR_BACKUPS.includes(r.Type) && !(r.Type === 'AWS::RDS::DBInstance' && r.Properties?.DBClusterIdentifier !== undefined);

describe.each<[string, () => SynthesizedStack[], Record<string, Record<string, number>>]>([
  [
    'the reference app (production and backup account)',
    // As synthesized once for the run, every check registered (bin/app.ts).
    () => referenceStackTemplates().map(({ name, terminationProtection, template }) => ({ name, terminationProtection, resources: template.Resources })),
    {
      GdprContactBaseline: { 'AWS::RDS::DBCluster': 1, 'AWS::Backup::BackupVault': 1 },
      GdprContactBaselineBackupAccount: { 'AWS::Backup::BackupVault': 1, 'AWS::KMS::Key': 1 },
    },
  ],
  [
    'the app without a backup account (air-gapped copies)',
    () => synthesize((c) => delete c.backup.copyTarget),
    { GdprContactBaseline: { 'AWS::RDS::DBCluster': 1, 'AWS::Backup::BackupVault': 1, 'AWS::Backup::LogicallyAirGappedBackupVault': 1 } },
  ],
])('%s: deleting a stack loses no personal data, key, log or backup', (_name, build, expected) => {
  let stacks: SynthesizedStack[];
  beforeAll(() => {
    stacks = build();
  });

  test('every stack of the app is checked', () => {
    expect(stacks.map((s) => s.name)).toEqual(Object.keys(expected));
  });

  test('each stack holds the data stores, keys, vaults and log groups expected of it', () => {
    for (const stack of stacks) {
      const count = (type: string) => Object.values(stack.resources).filter((r) => r.Type === type).length;
      for (const [type, atLeast] of Object.entries(expected[stack.name])) {
        expect([stack.name, type, count(type) >= atLeast]).toEqual([stack.name, type, true]);
      }
      if (stack.name === 'GdprContactBaseline') {
        // the database key, the logs key, one key per vault, the notifications key
        expect(count('AWS::KMS::Key')).toBeGreaterThanOrEqual(4);
        expect(count('AWS::Logs::LogGroup')).toBeGreaterThanOrEqual(3);
      }
    }
  });

  test('every resource holding personal data, its keys, its logs or its backups is retained on stack deletion and on replacement', () => {
    const notRetained = stacks.flatMap((stack) =>
      Object.entries(stack.resources)
        .filter(holdsData)
        .filter(([, r]) => r.DeletionPolicy !== 'Retain' || r.UpdateReplacePolicy !== 'Retain')
        .map(([id, r]) => `${stack.name}/${id} (${r.Type}): DeletionPolicy ${r.DeletionPolicy ?? 'Delete'}, UpdateReplacePolicy ${r.UpdateReplacePolicy ?? 'Delete'}`),
    );
    expect(notRetained).toEqual([]);
  });

  test('every stack has termination protection, and the database deletion protection', () => {
    expect(stacks.filter((s) => !s.terminationProtection).map((s) => s.name)).toEqual([]);
    const clusters = stacks.flatMap((s) => Object.values(s.resources).filter((r) => r.Type === 'AWS::RDS::DBCluster'));
    expect(clusters.map((c) => c.Properties?.DeletionProtection)).toEqual([true]);
  });
});
