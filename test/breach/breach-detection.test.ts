import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { DETECTIONS } from '../../lib/breach/detections';
import type { ContactBaselineStack } from '../../lib/stacks/contact-baseline-stack';
import { defaultConfig, referenceTemplate } from '../helpers/reference';

let stack: ContactBaselineStack;
let template: Template;
let resources: Record<string, any>;
beforeAll(() => {
  ({ stack, template } = referenceTemplate());
  resources = template.toJSON().Resources;
});

const id = (construct: { node: { defaultChild?: unknown } }) => Stack.of(stack).getLogicalId(construct.node.defaultChild as never);
const keyArn = () => ({ 'Fn::GetAtt': [id(stack.breach.key), 'Arn'] });
const tlsOnly = Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } });

describe('the audit trail', () => {
  test('records every management event of every region, encrypted with the breach key, validated, also to an encrypted log group', () => {
    template.hasResourceProperties('AWS::CloudTrail::Trail', {
      IsLogging: true,
      IsMultiRegionTrail: true,
      IncludeGlobalServiceEvents: true,
      EnableLogFileValidation: true,
      KMSKeyId: keyArn(),
      S3BucketName: { Ref: id(stack.breach.auditTrail!.bucket) },
      CloudWatchLogsLogGroupArn: { 'Fn::GetAtt': [id(stack.breach.auditTrail!.logGroup), 'Arn'] },
      EventSelectors: [
        { IncludeManagementEvents: true, ReadWriteType: 'All' },
        // Invocations of the kit's functions are data events, recorded by a selector of their own.
        { IncludeManagementEvents: false, ReadWriteType: 'All', DataResources: [{ Type: 'AWS::Lambda::Function', Values: Match.anyValue() }] },
      ],
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { KmsKeyId: { 'Fn::GetAtt': [id(stack.logsKey), 'Arn'] }, RetentionInDays: 365 });
  });

  test('lands in a bucket of the stack region (events of every region land there: nothing leaves the EU)', () => {
    const bucket = resources[id(stack.breach.auditTrail!.bucket)];
    expect(bucket.Properties.BucketName).toBeUndefined();
    expect(stack.region).toBe('eu-west-3');
    expect(JSON.stringify(resources[id(stack.breach.auditTrail!.trail)])).not.toMatch(/us-east-1|us-west|ap-/);
  });

  test('the bucket is encrypted with the key, versioned, locked for the retention then expired, private, retained, and its accesses logged', () => {
    template.hasResource('AWS::S3::Bucket', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ BucketKeyEnabled: true, ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: keyArn() } }] },
        VersioningConfiguration: { Status: 'Enabled' },
        ObjectLockEnabled: true,
        ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 365 } } },
        LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 365, Status: 'Enabled' })] },
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
        LoggingConfiguration: { DestinationBucketName: { Ref: id(stack.breach.auditTrail!.accessLogsBucket) }, LogFilePrefix: 'trail/' },
      }),
    });
  });

  test('both buckets refuse plain HTTP; CloudTrail and S3 log delivery write only for this account', () => {
    for (const bucket of [stack.breach.auditTrail!.bucket, stack.breach.auditTrail!.accessLogsBucket]) {
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: id(bucket) },
        PolicyDocument: { Statement: Match.arrayWith([tlsOnly]) },
      });
    }
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: id(stack.breach.auditTrail!.accessLogsBucket) },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'S3ServerAccessLogsForTrailBucket',
            Principal: { Service: 'logging.s3.amazonaws.com' },
            Condition: { ArnLike: { 'aws:SourceArn': { 'Fn::GetAtt': [id(stack.breach.auditTrail!.bucket), 'Arn'] } }, StringEquals: { 'aws:SourceAccount': '111122223333' } },
          }),
        ]),
      },
    });
    const accessLogs = resources[id(stack.breach.auditTrail!.accessLogsBucket)].Properties;
    expect(accessLogs.LoggingConfiguration).toEqual({ LogFilePrefix: 'self/' });
    expect(accessLogs.ObjectLockConfiguration).toBeUndefined();
    expect(accessLogs.AccessControl).toBeUndefined();
  });

  test('the key lets CloudTrail encrypt only for trails of this account, rotates and is retained', () => {
    template.hasResource('AWS::KMS::Key', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        EnableKeyRotation: true,
        KeyPolicy: {
          Statement: Match.arrayWith([
            Match.objectLike({ Sid: 'DenyGrantsExceptForAwsServices', Effect: 'Deny' }),
            Match.objectLike({
              Sid: 'AllowCloudTrailToEncryptLogFiles',
              Action: 'kms:GenerateDataKey*',
              Principal: { Service: 'cloudtrail.amazonaws.com' },
              Condition: {
                StringEquals: { 'aws:SourceAccount': '111122223333' },
                StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':cloudtrail:*:111122223333:trail/*']] } },
              },
            }),
          ]),
        },
      }),
    });
  });
});

describe('the DPO notification', () => {
  test('an SNS topic encrypted with the key, TLS only, tagged for the rule, with the DPO e-mail from the configuration subscribed', () => {
    template.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: keyArn(),
      Tags: Match.arrayWith([{ Key: 'gdpr:purpose', Value: 'dpo-breach-notification' }]),
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: id(stack.breach.notification.topic) }],
      PolicyDocument: { Statement: Match.arrayWith([tlsOnly]) },
    });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      TopicArn: { Ref: id(stack.breach.notification.topic) },
      Protocol: 'email',
      Endpoint: defaultConfig().dpo.email,
    });
  });

  test('the notifier runs in the VPC, publishes to the topic only, names the organisation, the CNIL and the DPO’s time zone', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^Breach detection: notifies the DPO'),
      VpcConfig: Match.objectLike({ SubnetIds: Match.anyValue() }),
      DeadLetterConfig: { TargetArn: { 'Fn::GetAtt': [id(stack.breach.notification.deadLetterQueue.queue), 'Arn'] } },
      Environment: {
        Variables: Match.objectLike({
          TOPIC_ARN: { Ref: id(stack.breach.notification.topic) },
          ORGANISATION: 'Hôtels Exemple SAS',
          AUTHORITY: 'the CNIL',
          TIME_ZONE: 'Europe/Paris',
        }),
      },
    });
    const policy = resources[id(stack.breach.notification.notifier.policy)].Properties.PolicyDocument.Statement;
    expect(policy.find((s: any) => s.Sid === 'PublishToDpo')).toMatchObject({ Action: 'sns:Publish', Resource: { Ref: id(stack.breach.notification.topic) } });
  });

  test('reaches SNS through an interface endpoint of the VPC (no internet route exists)', () => {
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', { ServiceName: 'com.amazonaws.eu-west-3.sns', VpcEndpointType: 'Interface', PrivateDnsEnabled: true });
  });

  test('a notification that fails every retry waits in an encrypted queue whose alarm goes straight to the topic', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmDescription: Match.stringLikeRegexp('^Breach notification to the DPO: an event failed every retry'),
      AlarmActions: [{ Ref: id(stack.breach.notification.topic) }],
    });
  });
});

describe('detections', () => {
  test.each(DETECTIONS.map((d) => [d.id, d] as const))('%s: an EventBridge rule sends it to the notifier', (detectionId, detection) => {
    const rule = resources[id(stack.breach.rules[detectionId])];
    expect(rule.Properties.State).toBe('ENABLED');
    expect(rule.Properties.EventPattern).toEqual(
      expect.objectContaining({ source: detection.pattern(stack.breach.deployment).source, 'detail-type': detection.pattern(stack.breach.deployment).detailType }),
    );
    expect(rule.Properties.Targets).toEqual([
      expect.objectContaining({ Arn: { 'Fn::GetAtt': [id(stack.breach.notification.notifier.function), 'Arn'] } }),
    ]);
  });

  test('the rules watch what the issue names', () => {
    const pattern = (d: string) => resources[id(stack.breach.rules[d])].Properties.EventPattern.detail;
    expect(pattern('KeyDisabledOrScheduledForDeletion').eventName).toEqual(['DisableKey', 'ScheduleKeyDeletion']);
    expect(pattern('BackupVaultProtectionChanged').eventName).toEqual([
      'PutBackupVaultLockConfiguration',
      'DeleteBackupVaultLockConfiguration',
      'PutBackupVaultAccessPolicy',
      'DeleteBackupVaultAccessPolicy',
    ]);
    expect(pattern('SnapshotSharedOrPublic')).toMatchObject({
      eventName: ['ModifyDBClusterSnapshotAttribute', 'ModifyDBSnapshotAttribute'],
      requestParameters: { attributeName: ['restore'] },
    });
    expect(pattern('DatabaseMadePublic')).toMatchObject({ eventName: expect.arrayContaining(['ModifyDBCluster', 'ModifyDBInstance']), requestParameters: { publiclyAccessible: [true] } });
    expect(JSON.stringify(pattern('SecurityGroupOpenedToInternet'))).toContain('"cidrIp":["0.0.0.0/0"]');
    expect(JSON.stringify(pattern('SecurityGroupOpenedToInternet'))).toContain('"cidrIpv6":["::/0"]');
    expect(pattern('VpnAuthorizationWidened').$or).toContainEqual(
      expect.objectContaining({ eventName: ['AuthorizeClientVpnIngress'], sourceIPAddress: [{ 'anything-but': 'cloudformation.amazonaws.com' }] }),
    );
    expect(pattern('SnapshotExported').eventName).toEqual(['StartExportTask']);
    expect(pattern('SnapshotCreatedOrCopied').eventName).toEqual(expect.arrayContaining(['CreateDBClusterSnapshot', 'CopyDBClusterSnapshot']));
    expect(pattern('BackupCopyStarted')).toMatchObject({ eventSource: ['backup.amazonaws.com'], eventName: ['StartCopyJob'] });
    expect(JSON.stringify(pattern('SecurityGroupRulesChanged'))).toContain('ModifySecurityGroupRules');
  });

  test('no GuardDuty rule unless the configuration says GuardDuty is on', () => {
    expect(stack.breach.rules.GuardDutyDatabaseFinding).toBeUndefined();
    const config = defaultConfig();
    config.breach.guardDuty = true;
    const other = referenceTemplate(config);
    other.template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['aws.guardduty'], 'detail-type': ['GuardDuty Finding'], detail: { resource: { resourceType: ['RDSDBInstance', 'RDSLimitlessDB'] } } },
    });
  });

  test('unusual export volume: the bytes the database instances send their clients per hour, against the configured threshold, invoke the notifier', () => {
    const alarm = resources[id(stack.breach.exportAlarm)].Properties;
    expect(alarm.Threshold).toBe(512 * 1024 * 1024);
    expect(alarm.ComparisonOperator).toBe('GreaterThanThreshold');
    expect(alarm.TreatMissingData).toBe('notBreaching');
    const [expression, ...metrics] = alarm.Metrics;
    expect(expression.Expression).toBe('(FILL(m0, 0) + FILL(m1, 0)) * 3600');
    expect(metrics.map((m: any) => [m.MetricStat.Metric.MetricName, m.MetricStat.Stat, m.MetricStat.Period])).toEqual([
      ['NetworkTransmitThroughput', 'Average', 3600],
      ['NetworkTransmitThroughput', 'Average', 3600],
    ]);
    expect(JSON.stringify(alarm.AlarmActions)).toContain(id(stack.breach.notification.notifier.function));
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Principal: 'lambda.alarms.cloudwatch.amazonaws.com',
      SourceArn: { 'Fn::GetAtt': [id(stack.breach.exportAlarm), 'Arn'] },
    });
  });
});

describe('stateful resources', () => {
  test('logical ids of the trail, its buckets, its log group and the key are pinned (a rename would replace them)', () => {
    expect({
      key: id(stack.breach.key),
      bucket: id(stack.breach.auditTrail!.bucket),
      accessLogs: id(stack.breach.auditTrail!.accessLogsBucket),
      logGroup: id(stack.breach.auditTrail!.logGroup),
      trail: id(stack.breach.auditTrail!.trail),
    }).toEqual({
      key: 'BreachKeyA39CF876',
      bucket: 'BreachAuditTrailBucket0F462CD0',
      accessLogs: 'BreachAuditTrailAccessLogs91EE208A',
      logGroup: 'BreachAuditTrailLogs719A4DC4',
      trail: 'BreachAuditTrail67F2126F',
    });
  });
});
