import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import type { GdprRule } from '../rule';
import { asArray, isTrue, resolved } from '../resolve';
import { decide } from '../unknown';

/* eslint-disable @typescript-eslint/no-explicit-any */
/** A key reference counts as customer-managed unless absent or an AWS-managed alias. */
function isCustomerManagedKey(value: unknown): boolean {
  if (value === undefined || value === null || value === '') return false;
  if (typeof value === 'string') return !value.includes('alias/aws/');
  // Ref / Fn::GetAtt / Fn::ImportValue of a key; an ARN built with Fn::Join
  // (any ARN CDK formats with the partition) can still name an AWS-managed alias.
  return !JSON.stringify(value).includes('alias/aws/');
}

/** For each store type: is it encrypted with a customer-managed key? */
const CHECKS: Record<string, (p: Record<string, any>) => boolean> = {
  'AWS::RDS::DBCluster': (p) =>
    isTrue(p.StorageEncrypted) &&
    isCustomerManagedKey(p.KmsKeyId) &&
    (!isTrue(p.PerformanceInsightsEnabled) || isCustomerManagedKey(p.PerformanceInsightsKmsKeyId)),
  'AWS::RDS::DBInstance': (p) =>
    p.DBClusterIdentifier !== undefined
      ? !isTrue(p.EnablePerformanceInsights) || isCustomerManagedKey(p.PerformanceInsightsKMSKeyId)
      : isTrue(p.StorageEncrypted) && isCustomerManagedKey(p.KmsKeyId),
  'AWS::Logs::LogGroup': (p) => isCustomerManagedKey(p.KmsKeyId),
  'AWS::SecretsManager::Secret': (p) => isCustomerManagedKey(p.KmsKeyId),
  'AWS::S3::Bucket': (p) => {
    const rules = asArray(p.BucketEncryption?.ServerSideEncryptionConfiguration);
    return (
      rules.length > 0 &&
      rules.every((r: any) => {
        const d = r?.ServerSideEncryptionByDefault;
        return ['aws:kms', 'aws:kms:dsse'].includes(d?.SSEAlgorithm) && isCustomerManagedKey(d?.KMSMasterKeyID);
      })
    );
  },
  'AWS::Backup::BackupVault': (p) => isCustomerManagedKey(p.EncryptionKeyArn),
  'AWS::SNS::Topic': (p) => isCustomerManagedKey(p.KmsMasterKeyId),
  'AWS::SQS::Queue': (p) => isCustomerManagedKey(p.KmsMasterKeyId),
  'AWS::DynamoDB::Table': (p) =>
    isTrue(p.SSESpecification?.SSEEnabled) && isCustomerManagedKey(p.SSESpecification?.KMSMasterKeyId),
  'AWS::EFS::FileSystem': (p) => isTrue(p.Encrypted) && isCustomerManagedKey(p.KmsKeyId),
  'AWS::Kinesis::Stream': (p) => p.StreamEncryption?.EncryptionType === 'KMS' && isCustomerManagedKey(p.StreamEncryption?.KeyId),
  // Issue 11 (R4): more stores that can hold personal data.
  'AWS::DocDB::DBCluster': (p) => isTrue(p.StorageEncrypted) && isCustomerManagedKey(p.KmsKeyId),
  'AWS::Neptune::DBCluster': (p) => isTrue(p.StorageEncrypted) && isCustomerManagedKey(p.KmsKeyId),
  'AWS::Redshift::Cluster': (p) => isTrue(p.Encrypted) && isCustomerManagedKey(p.KmsKeyId),
  'AWS::RedshiftServerless::Namespace': (p) => isCustomerManagedKey(p.KmsKeyId),
  'AWS::OpenSearchService::Domain': (p) => isTrue(p.EncryptionAtRestOptions?.Enabled) && isCustomerManagedKey(p.EncryptionAtRestOptions?.KmsKeyId),
  'AWS::Elasticsearch::Domain': (p) => isTrue(p.EncryptionAtRestOptions?.Enabled) && isCustomerManagedKey(p.EncryptionAtRestOptions?.KmsKeyId),
  'AWS::ElastiCache::ReplicationGroup': (p) => isTrue(p.AtRestEncryptionEnabled) && isCustomerManagedKey(p.KmsKeyId),
  'AWS::ElastiCache::ServerlessCache': (p) => isCustomerManagedKey(p.KmsKeyId),
  'AWS::MemoryDB::Cluster': (p) => isCustomerManagedKey(p.KmsKeyId),
  'AWS::EC2::Volume': (p) => isTrue(p.Encrypted) && isCustomerManagedKey(p.KmsKeyId),
  // An instance's volumes are its block device mappings; with none, the AMI decides the root volume: not known, not compliant.
  'AWS::EC2::Instance': (p) => ebsEncrypted(p.BlockDeviceMappings),
  'AWS::EC2::LaunchTemplate': (p) => ebsEncrypted(p.LaunchTemplateData?.BlockDeviceMappings),
  'AWS::DynamoDB::GlobalTable': (p) => {
    const replicas = asArray(p.Replicas);
    return (
      isTrue(p.SSESpecification?.SSEEnabled) &&
      p.SSESpecification?.SSEType === 'KMS' &&
      replicas.length > 0 &&
      replicas.every((r: any) => isCustomerManagedKey(r?.SSESpecification?.KMSMasterKeyId))
    );
  },
  'AWS::S3Express::DirectoryBucket': (p) => {
    const rules = asArray(p.BucketEncryption?.ServerSideEncryptionConfiguration);
    return (
      rules.length > 0 &&
      rules.every((r: any) => r?.ServerSideEncryptionByDefault?.SSEAlgorithm === 'aws:kms' && isCustomerManagedKey(r?.ServerSideEncryptionByDefault?.KMSMasterKeyID))
    );
  },
};

/** Every EBS mapping encrypted with a customer-managed key, and at least one (the root volume) declared. */
function ebsEncrypted(mappings: unknown): boolean {
  const ebs = asArray(mappings).filter((m: any) => m?.VirtualName === undefined || m?.Ebs !== undefined);
  return ebs.length > 0 && ebs.every((m: any) => isTrue(m?.Ebs?.Encrypted) && isCustomerManagedKey(m?.Ebs?.KmsKeyId));
}
/* eslint-enable @typescript-eslint/no-explicit-any */

/** The properties each check reads: an unknown one (a parameter, an `Fn::If`...) that changes the answer is `CannotEvaluate::<property>`. */
const DECIDING: Record<string, readonly string[]> = {
  'AWS::RDS::DBCluster': ['StorageEncrypted', 'KmsKeyId', 'PerformanceInsightsEnabled', 'PerformanceInsightsKmsKeyId'],
  'AWS::RDS::DBInstance': ['DBClusterIdentifier', 'EnablePerformanceInsights', 'PerformanceInsightsKMSKeyId', 'StorageEncrypted', 'KmsKeyId'],
  'AWS::Logs::LogGroup': ['KmsKeyId'],
  'AWS::SecretsManager::Secret': ['KmsKeyId'],
  'AWS::S3::Bucket': ['BucketEncryption'],
  'AWS::Backup::BackupVault': ['EncryptionKeyArn'],
  'AWS::SNS::Topic': ['KmsMasterKeyId'],
  'AWS::SQS::Queue': ['KmsMasterKeyId'],
  'AWS::DynamoDB::Table': ['SSESpecification'],
  'AWS::EFS::FileSystem': ['Encrypted', 'KmsKeyId'],
  'AWS::Kinesis::Stream': ['StreamEncryption'],
  'AWS::DocDB::DBCluster': ['StorageEncrypted', 'KmsKeyId'],
  'AWS::Neptune::DBCluster': ['StorageEncrypted', 'KmsKeyId'],
  'AWS::Redshift::Cluster': ['Encrypted', 'KmsKeyId'],
  'AWS::RedshiftServerless::Namespace': ['KmsKeyId'],
  'AWS::OpenSearchService::Domain': ['EncryptionAtRestOptions'],
  'AWS::Elasticsearch::Domain': ['EncryptionAtRestOptions'],
  'AWS::ElastiCache::ReplicationGroup': ['AtRestEncryptionEnabled', 'KmsKeyId'],
  'AWS::ElastiCache::ServerlessCache': ['KmsKeyId'],
  'AWS::MemoryDB::Cluster': ['KmsKeyId'],
  'AWS::EC2::Volume': ['Encrypted', 'KmsKeyId'],
  'AWS::EC2::Instance': ['BlockDeviceMappings'],
  'AWS::EC2::LaunchTemplate': ['LaunchTemplateData'],
  'AWS::DynamoDB::GlobalTable': ['SSESpecification', 'Replicas'],
  'AWS::S3Express::DirectoryBucket': ['BucketEncryption'],
};

export const ENCRYPTED_STORE_TYPES = Object.keys(CHECKS);

export const EncryptedWithCmk: GdprRule = {
  id: 'Art32-EncryptedWithCmk',
  article: 'Art. 32(1)(a)',
  level: NagMessageLevel.ERROR,
  info: 'A store that can hold personal data is not encrypted with a customer-managed KMS key.',
  explanation:
    'Art. 32(1)(a) names encryption as a measure for the security of processing. With a customer-managed key the controller decides who may decrypt (key policy, grants), can audit every use in CloudTrail and can revoke access; an AWS-owned or AWS-managed key offers none of that.',
  trigger: `${Object.keys(CHECKS).map((t) => `\`${t}\``).join(', ')} without encryption, or encrypted with no key or an \`alias/aws/*\` key (for RDS, Performance Insights too; for an EC2 instance or launch template, every EBS block device mapping, and an instance with none is reported since its AMI decides; for a DynamoDB global table, \`SSEType: KMS\` and every replica's key); a deciding property that cannot be evaluated offline (a parameter, an \`Fn::If\` with a failing branch, an import of no stack of the app) is \`CannotEvaluate::<Property>\`.`,
  fix: 'Pass a `kms.Key` (rotation on, retained) as the encryption key of the store.',
  check(node: CfnResource): NagRuleResult {
    const { type, properties } = resolved(node);
    const check = CHECKS[type];
    if (!check) return NagRuleCompliance.NOT_APPLICABLE;
    return decide(node, properties, DECIDING[type], check);
  },
};
