import { CfnResource, RemovalPolicy } from 'aws-cdk-lib';
import type { PolicyValidationPluginReport } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { clusterProps, isolatedVpc, newStack, ruleFindingsOn, validate } from './helpers';

const CMK = 'GDPR-Art32-EncryptedWithCmk';
const RETAINED = 'GDPR-Art5-StatefulResourceRetained';
describe(CMK, () => {
  let report: PolicyValidationPluginReport;
  let key: kms.Key;
  let logsNoKey: logs.LogGroup;
  let logsAwsManaged: logs.LogGroup;
  let logsAwsManagedL1: logs.CfnLogGroup;
  let logsCmk: logs.LogGroup;
  let bucketS3Managed: s3.Bucket;
  let bucketAwsManagedKms: s3.Bucket;
  let bucketCmk: s3.Bucket;
  let queueAwsManaged: sqs.Queue;
  let queueCmk: sqs.Queue;
  let clusterDefaultKey: rds.DatabaseCluster;
  let clusterCmk: rds.DatabaseCluster;
  let clusterInsightsAwsKey: rds.DatabaseCluster;
  let role: iam.Role;

  beforeAll(() => {
    const stack = newStack();
    key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    logsNoKey = new logs.LogGroup(stack, 'LogsNoKey');
    logsAwsManaged = new logs.LogGroup(stack, 'LogsAwsManaged', {
      encryptionKey: kms.Alias.fromAliasName(stack, 'AwsLogsAlias', 'alias/aws/logs'),
    });
    logsAwsManagedL1 = new logs.CfnLogGroup(stack, 'LogsAwsManagedL1', { kmsKeyId: 'alias/aws/logs' });
    logsCmk = new logs.LogGroup(stack, 'LogsCmk', { encryptionKey: key });
    bucketS3Managed = new s3.Bucket(stack, 'BucketS3Managed', { encryption: s3.BucketEncryption.S3_MANAGED });
    bucketAwsManagedKms = new s3.Bucket(stack, 'BucketAwsManagedKms', { encryption: s3.BucketEncryption.KMS_MANAGED });
    bucketCmk = new s3.Bucket(stack, 'BucketCmk', { encryption: s3.BucketEncryption.KMS, encryptionKey: key });
    queueAwsManaged = new sqs.Queue(stack, 'QueueAwsManaged', { encryption: sqs.QueueEncryption.KMS_MANAGED });
    queueCmk = new sqs.Queue(stack, 'QueueCmk', { encryption: sqs.QueueEncryption.KMS, encryptionMasterKey: key });

    const vpc = isolatedVpc(stack);
    const common = { ...clusterProps(vpc), removalPolicy: RemovalPolicy.RETAIN };
    clusterDefaultKey = new rds.DatabaseCluster(stack, 'ClusterDefaultKey', common);
    clusterCmk = new rds.DatabaseCluster(stack, 'ClusterCmk', { ...common, storageEncryptionKey: key });
    clusterInsightsAwsKey = new rds.DatabaseCluster(stack, 'ClusterInsightsAwsKey', {
      ...common,
      storageEncryptionKey: key,
      enablePerformanceInsights: true,
    });
    role = new iam.Role(stack, 'Role', { assumedBy: new iam.AccountRootPrincipal() });
    report = validate(stack);
  });

  test.each([
    ['a log group without a key', () => logsNoKey],
    ['a log group with an alias/aws key ARN built by CDK (Fn::Join with the partition)', () => logsAwsManaged],
    ['a log group with an alias/aws key named as a plain string (L1)', () => logsAwsManagedL1],
    ['a bucket with S3-managed keys', () => bucketS3Managed],
    ['a bucket with the AWS-managed aws/s3 key', () => bucketAwsManagedKms],
    ['a queue with the AWS-managed aws/sqs key', () => queueAwsManaged],
    ['a cluster encrypted with the AWS-managed aws/rds key', () => clusterDefaultKey],
    ['a cluster whose Performance Insights use the AWS-managed key', () => clusterInsightsAwsKey],
  ])('non-compliant: %s', (_what, construct) => {
    expect(ruleFindingsOn(report, construct(), CMK)).toEqual([CMK]);
  });

  test.each([
    ['a log group with a kms.Key', () => logsCmk],
    ['a bucket with a kms.Key', () => bucketCmk],
    ['a queue with a kms.Key', () => queueCmk],
    ['a cluster with a kms.Key', () => clusterCmk],
  ])('compliant: %s', (_what, construct) => {
    expect(ruleFindingsOn(report, construct(), CMK)).toEqual([]);
  });

  test.each([
    ['a KMS key', () => key],
    ['an IAM role', () => role],
  ])('not applicable: %s', (_what, construct) => {
    expect(ruleFindingsOn(report, construct(), CMK)).toEqual([]);
  });
});

describe(RETAINED, () => {
  let report: PolicyValidationPluginReport;
  let keyDestroyed: kms.Key;
  let keyRetained: kms.Key;
  let logsDestroyed: logs.LogGroup;
  let logsRetained: logs.LogGroup;
  let logsReplaceable: logs.LogGroup;
  let clusterSnapshot: rds.DatabaseCluster;
  let clusterRetained: rds.DatabaseCluster;
  let topic: sns.Topic;
  let queueDestroyed: sqs.Queue;

  beforeAll(() => {
    const stack = newStack();
    keyDestroyed = new kms.Key(stack, 'KeyDestroyed', { removalPolicy: RemovalPolicy.DESTROY });
    keyRetained = new kms.Key(stack, 'KeyRetained');
    logsDestroyed = new logs.LogGroup(stack, 'LogsDestroyed', { encryptionKey: keyRetained, removalPolicy: RemovalPolicy.DESTROY });
    logsRetained = new logs.LogGroup(stack, 'LogsRetained', { encryptionKey: keyRetained, removalPolicy: RemovalPolicy.RETAIN });
    logsReplaceable = new logs.LogGroup(stack, 'LogsReplaceable', { encryptionKey: keyRetained, removalPolicy: RemovalPolicy.RETAIN });
    (logsReplaceable.node.defaultChild as logs.CfnLogGroup).cfnOptions.updateReplacePolicy = undefined;
    const vpc = isolatedVpc(stack);
    const common = { ...clusterProps(vpc), storageEncryptionKey: keyRetained };
    clusterSnapshot = new rds.DatabaseCluster(stack, 'ClusterSnapshot', common);
    clusterRetained = new rds.DatabaseCluster(stack, 'ClusterRetained', { ...common, removalPolicy: RemovalPolicy.RETAIN });
    queueDestroyed = new sqs.Queue(stack, 'QueueDestroyed', { removalPolicy: RemovalPolicy.DESTROY });
    topic = new sns.Topic(stack, 'Topic');
    report = validate(stack);
  });

  test.each([
    ['a kms.Key with RemovalPolicy.DESTROY', () => keyDestroyed],
    ['a log group with RemovalPolicy.DESTROY', () => logsDestroyed],
    ['a cluster with the default RemovalPolicy.SNAPSHOT', () => clusterSnapshot],
    ['a queue (dead letters can name people) with RemovalPolicy.DESTROY', () => queueDestroyed],
  ])('non-compliant: %s is reported for its DeletionPolicy and its UpdateReplacePolicy', (_what, construct) => {
    expect(ruleFindingsOn(report, construct(), RETAINED)).toEqual([`${RETAINED}[DeletionPolicy]`, `${RETAINED}[UpdateReplacePolicy]`]);
  });

  test('non-compliant: retained on deletion but not on replacement is reported for UpdateReplacePolicy only', () => {
    expect(ruleFindingsOn(report, logsReplaceable, RETAINED)).toEqual([`${RETAINED}[UpdateReplacePolicy]`]);
  });

  test.each([
    ['a kms.Key with its default RemovalPolicy.RETAIN', () => keyRetained],
    ['a log group with RemovalPolicy.RETAIN', () => logsRetained],
    ['a cluster with RemovalPolicy.RETAIN', () => clusterRetained],
  ])('compliant: %s', (_what, construct) => {
    expect(ruleFindingsOn(report, construct(), RETAINED)).toEqual([]);
  });

  test('not applicable: an instance of a cluster (the cluster holds the data)', () => {
    const writer = clusterSnapshot.node.findChild('Writer');
    expect(ruleFindingsOn(report, writer, RETAINED)).toEqual([]);
  });

  test('not applicable: a topic holds nothing', () => {
    expect(ruleFindingsOn(report, topic, RETAINED)).toEqual([]);
  });
});

describe(`${RETAINED}: every store type the pack requires a key of`, () => {
  const NEW_STORES: [string, Record<string, unknown>][] = [
    ['AWS::DocDB::DBCluster', { StorageEncrypted: true }],
    ['AWS::Neptune::DBCluster', { StorageEncrypted: true }],
    ['AWS::Redshift::Cluster', { NodeType: 'ra3.xlplus', MasterUsername: 'admin', DBName: 'contacts', ClusterType: 'single-node' }],
    ['AWS::RedshiftServerless::Namespace', { NamespaceName: 'contacts' }],
    ['AWS::OpenSearchService::Domain', {}],
    ['AWS::Elasticsearch::Domain', {}],
    ['AWS::DynamoDB::GlobalTable', { KeySchema: [], AttributeDefinitions: [], Replicas: [] }],
    ['AWS::EC2::Volume', { AvailabilityZone: 'eu-west-3a', Size: 8 }],
    ['AWS::S3Express::DirectoryBucket', { DataRedundancy: 'SingleAvailabilityZone', LocationName: 'euw3-az1--x-s3' }],
  ];
  let report: PolicyValidationPluginReport;
  const deleted: CfnResource[] = [];
  const retained: CfnResource[] = [];

  beforeAll(() => {
    const stack = newStack();
    NEW_STORES.forEach(([type, properties], i) => {
      deleted.push(new CfnResource(stack, `Deleted${i}`, { type, properties }));
      const kept = new CfnResource(stack, `Retained${i}`, { type, properties });
      kept.applyRemovalPolicy(RemovalPolicy.RETAIN);
      retained.push(kept);
    });
    report = validate(stack);
  });

  test.each(NEW_STORES.map(([type], i) => [type, i]))('non-compliant: %s destroyed with its stack; compliant: retained', (_type, i) => {
    expect(ruleFindingsOn(report, deleted[i], RETAINED)).toEqual([`${RETAINED}[DeletionPolicy]`, `${RETAINED}[UpdateReplacePolicy]`]);
    expect(ruleFindingsOn(report, retained[i], RETAINED)).toEqual([]);
  });
});
