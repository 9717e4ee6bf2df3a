import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import type { GdprRule } from '../rule';
import { resolved } from '../resolve';

/** Resources that hold personal data, its keys, its logs or its backups. */
export const STATEFUL_TYPES = [
  'AWS::RDS::DBCluster',
  'AWS::RDS::DBInstance',
  'AWS::KMS::Key',
  'AWS::Logs::LogGroup',
  'AWS::S3::Bucket',
  'AWS::Backup::BackupVault',
  'AWS::Backup::LogicallyAirGappedBackupVault',
  'AWS::SQS::Queue',
  'AWS::SecretsManager::Secret',
  'AWS::DynamoDB::Table',
  'AWS::EFS::FileSystem',
  // The other stores the GDPR pack requires a customer-managed key of (Art32-EncryptedWithCmk): a copy of the
  // contacts in any of them is lost with its stack as surely as the database would be.
  'AWS::DocDB::DBCluster',
  'AWS::Neptune::DBCluster',
  'AWS::Redshift::Cluster',
  'AWS::RedshiftServerless::Namespace',
  'AWS::OpenSearchService::Domain',
  'AWS::Elasticsearch::Domain',
  'AWS::DynamoDB::GlobalTable',
  'AWS::EC2::Volume',
  'AWS::S3Express::DirectoryBucket',
];

export const StatefulResourceRetained: GdprRule = {
  id: 'Art5-StatefulResourceRetained',
  article: 'Art. 5(1)(f), Art. 32(1)(c)',
  level: NagMessageLevel.ERROR,
  info: 'A resource holding personal data, its key, its logs or its backups would be destroyed when the stack is deleted or the resource replaced.',
  explanation:
    'Art. 5(1)(f) requires protection against accidental loss or destruction. Deleting a stack, or an update that replaces a resource, must never delete the contact data, the key that decrypts it or its backups; erasure is a deliberate act done in the database, not a side effect of infrastructure changes.',
  trigger: `${STATEFUL_TYPES.map((t) => `\`${t}\``).join(', ')} (RDS instances only outside a cluster) without \`DeletionPolicy: Retain\` (\`DeletionPolicy\`) or \`UpdateReplacePolicy: Retain\` (\`UpdateReplacePolicy\`).`,
  fix: 'Set `removalPolicy: RemovalPolicy.RETAIN` on the construct.',
  check(node: CfnResource): NagRuleResult {
    const { type, properties, deletionPolicy, updateReplacePolicy } = resolved(node);
    if (!STATEFUL_TYPES.includes(type)) return NagRuleCompliance.NOT_APPLICABLE;
    if (type === 'AWS::RDS::DBInstance' && properties.DBClusterIdentifier !== undefined) return NagRuleCompliance.NOT_APPLICABLE;
    const out: string[] = [];
    if (deletionPolicy !== 'Retain') out.push('DeletionPolicy');
    if (updateReplacePolicy !== 'Retain') out.push('UpdateReplacePolicy');
    return out.length === 0 ? NagRuleCompliance.COMPLIANT : out;
  },
};
