import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkTemplates } from '../../lib/check/run';
import type { TemplateInput } from '../../lib/check/templates';

/**
 * Issue 11's batch, as a hurried engineer writes it next to the contact
 * database, and as `gdpr-baseline check` receives it: plain CloudFormation
 * (no CDK), one misconfiguration per template, each beside a correctly built
 * database. Each must give the GDPR finding named, through `check` alone
 * (cdk-nag's packs and the Control Tower rules off): a security reviewer relies
 * on the GDPR pack for the GDPR question.
 */

const ACCOUNT = '111122223333';
const STRANGER = '999988887777';
const REGION = 'eu-west-3';

const ref = (id: string) => ({ Ref: id });
const allow = (statement: object) => ({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', ...statement }] });

/** A database as the kit builds it: isolated subnet, own key, IAM auth, retained. */
const DATABASE: Record<string, any> = {
  Vpc: { Type: 'AWS::EC2::VPC', Properties: { CidrBlock: '10.0.0.0/16' } },
  Subnet: { Type: 'AWS::EC2::Subnet', Properties: { VpcId: ref('Vpc'), CidrBlock: '10.0.1.0/24', AvailabilityZone: 'eu-west-3a' } },
  SubnetGroup: { Type: 'AWS::RDS::DBSubnetGroup', Properties: { DBSubnetGroupDescription: 'contacts', SubnetIds: [ref('Subnet')] } },
  Key: { Type: 'AWS::KMS::Key', DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain', Properties: { EnableKeyRotation: true } },
  Database: {
    Type: 'AWS::RDS::DBCluster',
    DeletionPolicy: 'Retain',
    UpdateReplacePolicy: 'Retain',
    Properties: {
      Engine: 'aurora-postgresql',
      StorageEncrypted: true,
      KmsKeyId: { 'Fn::GetAtt': ['Key', 'Arn'] },
      DBSubnetGroupName: ref('SubnetGroup'),
      EnableIAMDatabaseAuthentication: true,
      DeletionProtection: true,
    },
  },
};

const inVpcFunction = (id: string) => ({
  [`${id}Role`]: { Type: 'AWS::IAM::Role', Properties: { AssumeRolePolicyDocument: allow({ Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }) } },
  [id]: {
    Type: 'AWS::Lambda::Function',
    Properties: {
      Role: { 'Fn::GetAtt': [`${id}Role`, 'Arn'] },
      Runtime: 'nodejs20.x',
      Handler: 'index.handler',
      Code: { ZipFile: 'exports.handler = async () => undefined;' },
      VpcConfig: { SubnetIds: [ref('Subnet')], SecurityGroupIds: ['sg-0123456789abcdef0'] },
    },
  },
});

/** [what the engineer did, the resources added beside the database, the finding it must give]. */
const CASES: [string, Record<string, any>, string][] = [
  ['a key policy lets anyone decrypt', { Key: { ...DATABASE.Key, Properties: { EnableKeyRotation: true, KeyPolicy: allow({ Principal: { AWS: '*' }, Action: ['kms:Decrypt', 'kms:CreateGrant'], Resource: '*' }) } } }, 'GDPR-Art32-ResourcePolicyBounded[Public]'],
  [
    'a secret shared with another account',
    {
      Secret: { Type: 'AWS::SecretsManager::Secret', DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain', Properties: { KmsKeyId: ref('Key') } },
      SecretPolicy: { Type: 'AWS::SecretsManager::ResourcePolicy', Properties: { SecretId: ref('Secret'), ResourcePolicy: allow({ Principal: { AWS: `arn:aws:iam::${STRANGER}:root` }, Action: 'secretsmanager:GetSecretValue', Resource: '*' }) } },
    },
    `GDPR-Art32-ResourcePolicyBounded[Account::${STRANGER}]`,
  ],
  ['a bucket anyone may read', { BucketPolicy: { Type: 'AWS::S3::BucketPolicy', Properties: { Bucket: 'contacts-export', PolicyDocument: allow({ Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::contacts-export/*' }) } } }, 'GDPR-Art32-ResourcePolicyBounded[Public]'],
  ['a topic anyone may subscribe to', { TopicPolicy: { Type: 'AWS::SNS::TopicPolicy', Properties: { Topics: ['arn:aws:sns:eu-west-3:111122223333:contacts'], PolicyDocument: allow({ Principal: { AWS: '*' }, Action: 'sns:Subscribe', Resource: '*' }) } } }, 'GDPR-Art32-ResourcePolicyBounded[Public]'],
  ['a queue another account may read', { QueuePolicy: { Type: 'AWS::SQS::QueuePolicy', Properties: { Queues: ['https://sqs.eu-west-3.amazonaws.com/111122223333/contacts'], PolicyDocument: allow({ Principal: { AWS: STRANGER }, Action: 'sqs:ReceiveMessage', Resource: '*' }) } } }, `GDPR-Art32-ResourcePolicyBounded[Account::${STRANGER}]`],
  ['a function anyone may invoke', { ...inVpcFunction('Fn'), Permission: { Type: 'AWS::Lambda::Permission', Properties: { FunctionName: ref('Fn'), Action: 'lambda:InvokeFunction', Principal: '*' } } }, 'GDPR-Art32-ResourcePolicyBounded[Public]'],
  ['the RDS Data API turned on', { Database: { ...DATABASE.Database, Properties: { ...DATABASE.Database.Properties, EnableHttpEndpoint: true } } }, 'GDPR-Art32-NoPathAroundVpn[DataApi]'],
  ['a public URL on a function in the database VPC', { ...inVpcFunction('Fn'), Url: { Type: 'AWS::Lambda::Url', Properties: { TargetFunctionArn: { 'Fn::GetAtt': ['Fn', 'Arn'] }, AuthType: 'NONE' } } }, 'GDPR-Art32-NoPathAroundVpn[PublicFunctionUrl]'],
  ['an internet-facing load balancer in the database VPC', { Lb: { Type: 'AWS::ElasticLoadBalancingV2::LoadBalancer', Properties: { Subnets: [ref('Subnet')] } } }, 'GDPR-Art32-NoPathAroundVpn[InternetFacingLoadBalancer]'],
  [
    'the database subnet routed to a transit gateway',
    {
      RouteTable: { Type: 'AWS::EC2::RouteTable', Properties: { VpcId: ref('Vpc') } },
      Association: { Type: 'AWS::EC2::SubnetRouteTableAssociation', Properties: { SubnetId: ref('Subnet'), RouteTableId: ref('RouteTable') } },
      Route: { Type: 'AWS::EC2::Route', Properties: { RouteTableId: ref('RouteTable'), DestinationCidrBlock: '0.0.0.0/0', TransitGatewayId: 'tgw-0123456789abcdef0' } },
    },
    'GDPR-Art32-NoPathAroundVpn[SubnetRoutedOut::',
  ],
  ['an S3 endpoint without a policy in the database VPC', { Endpoint: { Type: 'AWS::EC2::VPCEndpoint', Properties: { VpcId: ref('Vpc'), ServiceName: 'com.amazonaws.eu-west-3.s3', VpcEndpointType: 'Gateway' } } }, 'GDPR-Art32-NoPathAroundVpn[EndpointWithoutPolicy]'],
  ['Aurora allowed to export to S3', { Database: { ...DATABASE.Database, Properties: { ...DATABASE.Database.Properties, AssociatedRoles: [{ RoleArn: `arn:aws:iam::${ACCOUNT}:role/export`, FeatureName: 's3Export' }] } } }, 'GDPR-Art5-NoSecondCopy[AssociatedRole::s3Export]'],
  ['a role that may copy the snapshots', { Copier: { Type: 'AWS::IAM::ManagedPolicy', Properties: { PolicyDocument: allow({ Action: 'rds:CopyDBClusterSnapshot', Resource: '*' }) } } }, 'GDPR-Art5-NoSecondCopy[Permission::SnapshotCopied]'],
  ['a DMS data migration', { Migration: { Type: 'AWS::DMS::DataMigration', Properties: { DataMigrationType: 'full-load', MigrationProjectIdentifier: 'contacts', ServiceAccessRoleArn: `arn:aws:iam::${ACCOUNT}:role/dms` } } }, 'GDPR-Art5-NoSecondCopy[DmsReplication]'],
  [
    'a human role with AdministratorAccess',
    { Admin: { Type: 'AWS::IAM::Role', Properties: { AssumeRolePolicyDocument: allow({ Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole', Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } } }), ManagedPolicyArns: ['arn:aws:iam::aws:policy/AdministratorAccess'] } } },
    'GDPR-Art32-NoBroadManagedPolicy[ManagedPolicy::AdministratorAccess]',
  ],
  [
    'a policy on every secret, written secret:*',
    { Reader: { Type: 'AWS::IAM::ManagedPolicy', Properties: { PolicyDocument: allow({ Action: 'secretsmanager:GetSecretValue', Resource: `arn:aws:secretsmanager:eu-west-3:${ACCOUNT}:secret:*` }) } } },
    'GDPR-Art32-NoWildcardDataAccess[',
  ],
  ['a data key without rotation', { Key: { ...DATABASE.Key, Properties: { EnableKeyRotation: false } } }, 'GDPR-Art32-DataKeyRotated'],
  [
    'the key a parameter whose default is the AWS-managed key',
    { Database: { ...DATABASE.Database, Properties: { ...DATABASE.Database.Properties, KmsKeyId: ref('KeyParam') } } },
    'GDPR-Art32-EncryptedWithCmk[CannotEvaluate::KmsKeyId]',
  ],
  ['a Neptune graph of the contacts, unencrypted', { Graph: { Type: 'AWS::Neptune::DBCluster', DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain', Properties: {} } }, 'GDPR-Art32-EncryptedWithCmk'],
  [
    'backups kept ten years, beyond the erasure bound',
    { Plan: { Type: 'AWS::Backup::BackupPlan', Properties: { BackupPlan: { BackupPlanName: 'contacts', BackupPlanRule: [{ RuleName: 'daily', TargetBackupVault: 'contacts', Lifecycle: { DeleteAfterDays: 3650 } }] } } } },
    'GDPR-Art5-BackupWithinErasureBound[BeyondBound::',
  ],
  [
    'a role trusted by an account given as a parameter',
    { Partner: { Type: 'AWS::IAM::Role', Properties: { AssumeRolePolicyDocument: allow({ Principal: { AWS: { 'Fn::Sub': 'arn:aws:iam::${PartnerAccount}:root' } }, Action: 'sts:AssumeRole' }) } } },
    'GDPR-Art28-ProcessorTrustBounded[CannotEvaluate::Principal]',
  ],
];

/** What `check --config` passes: this account, no processor, the reference erasure bound. */
const DECLARED = { account: ACCOUNT, processorAccounts: [], erasureBoundDays: 365 };

describe('a misconfiguration beside the database is a GDPR finding of check alone', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gdpr-misconfigured-'));
  let findingsOf: (name: string) => string[];
  let messagesOf: (name: string) => string[];

  beforeAll(() => {
    const unreadable = { Queue: { Type: 'AWS::SQS::QueuePolicy', Properties: { Queues: ['q'], PolicyDocument: JSON.stringify(allow({ Principal: '*', Action: 'sqs:*', Resource: '*' })) } } };
    const inputs: TemplateInput[] = [{ name: 'correct', resources: {} }, { name: 'unreadable', resources: unreadable }, ...CASES.map(([name, resources]) => ({ name, resources }))].map(({ name, resources }, i) => {
      const template = {
        Parameters: {
          KeyParam: { Type: 'String', Default: 'alias/aws/rds' },
          PartnerAccount: { Type: 'String', Default: STRANGER },
        },
        Resources: { ...DATABASE, ...resources },
      };
      const path = join(dir, `case-${i}.json`);
      writeFileSync(path, JSON.stringify(template));
      return { path, template, name, region: REGION, account: ACCOUNT };
    });
    // One check over every template: one load of the packs for the whole batch.
    const { findings } = checkTemplates(inputs, { declared: DECLARED });
    findingsOf = (name) => findings.filter((f) => f.stack === name).map((f) => f.ruleId);
    messagesOf = (name) => findings.filter((f) => f.stack === name && f.logicalId === 'Queue').map((f) => f.message);
  });

  test('the database alone, built as the kit builds it, gives no finding of the rules the batch is about', () => {
    const rules = new Set(CASES.map(([, , finding]) => finding.replace(/\[.*$/, '')));
    expect(findingsOf('correct').filter((f) => rules.has(f.replace(/\[.*$/, '')))).toEqual([]);
  });

  test('a policy the rules cannot read (a JSON string) is never a pass: a finding that says it could not be evaluated', () => {
    const messages = messagesOf('unreadable');
    expect(messages).toContain(
      "The rule could not evaluate this resource, so it is not known to comply: a property is not what CloudFormation's schema describes (a policy given as a JSON string, say) or a value is an intrinsic the rule cannot read.",
    );
    // Not the resource-policy rule's own text, which would claim it had read an open policy.
    expect(findingsOf('unreadable')).toContain('GDPR-Art32-ResourcePolicyBounded');
    expect(messages.some((m) => m.startsWith('A resource-based policy'))).toBe(false);
  });

  test.each(CASES)('%s', (name, _resources, finding) => {
    expect(findingsOf(name).some((f) => f.startsWith(finding))).toBe(true);
  });
});
