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
};
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
};

export const ENCRYPTED_STORE_TYPES = Object.keys(CHECKS);

export const EncryptedWithCmk: GdprRule = {
  id: 'Art32-EncryptedWithCmk',
  article: 'Art. 32(1)(a)',
  level: NagMessageLevel.ERROR,
  info: 'A store that can hold personal data is not encrypted with a customer-managed KMS key.',
  explanation:
    'Art. 32(1)(a) names encryption as a measure for the security of processing. With a customer-managed key the controller decides who may decrypt (key policy, grants), can audit every use in CloudTrail and can revoke access; an AWS-owned or AWS-managed key offers none of that.',
  trigger: `${Object.keys(CHECKS).map((t) => `\`${t}\``).join(', ')} without encryption, or encrypted with no key or an \`alias/aws/*\` key (for RDS, Performance Insights too); a deciding property that cannot be evaluated offline (a parameter, an \`Fn::If\` with a failing branch, an import of no stack of the app) is \`CannotEvaluate::<Property>\`.`,
  fix: 'Pass a `kms.Key` (rotation on, retained) as the encryption key of the store.',
  check(node: CfnResource): NagRuleResult {
    const { type, properties } = resolved(node);
    const check = CHECKS[type];
    if (!check) return NagRuleCompliance.NOT_APPLICABLE;
    return decide(node, properties, DECIDING[type], check);
  },
};
