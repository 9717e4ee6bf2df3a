import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Catalog, type Subcontractor } from '../../lib/catalog/catalog';
import { databaseSql } from '../../lib/database/database-sql';
import { GdprChecks } from '../../lib/nag/gdpr-checks';
import { ExtractsBucket } from '../../lib/processors/extracts-bucket';
import { PROCESSOR_LOCATION_METADATA, TRANSFER_MECHANISM_METADATA } from '../../lib/marks/tags';
import { ProcessorGrant } from '../../lib/processors/processor-grant';
import type { ContactBaselineStack } from '../../lib/stacks/contact-baseline-stack';
import { defaultConfig, referenceStack, referenceTemplate } from '../helpers/reference';

let stack: ContactBaselineStack;
let template: Template;
let grant: ProcessorGrant;
let resources: Record<string, any>;

/**
 * The template with its intrinsics written out as text, as a reviewer reads
 * them: `<LogicalId.Attribute>`, `<LogicalId>` for a Ref, the partition as aws
 * (aws-cdk-lib's feature flags decide whether it is a literal or a Ref).
 */
function render(value: any): any {
  if (Array.isArray(value)) return value.map(render);
  if (value && typeof value === 'object') {
    if (Array.isArray(value['Fn::Join'])) return (value['Fn::Join'][1] as any[]).map(render).join(value['Fn::Join'][0]);
    if (typeof value.Ref === 'string') return value.Ref === 'AWS::Partition' ? 'aws' : `<${value.Ref}>`;
    if (Array.isArray(value['Fn::GetAtt'])) return `<${value['Fn::GetAtt'].join('.')}>`;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, render(v)]));
  }
  return value;
}

beforeAll(() => {
  ({ stack, template } = referenceTemplate());
  grant = stack.processors!.grant('statlab');
  resources = render(template.toJSON().Resources);
});

function id(construct: { node: { defaultChild?: unknown } } | unknown): string {
  const c = construct as { node: { defaultChild?: unknown } };
  return Stack.of(stack).getLogicalId((c.node.defaultChild ?? c) as never);
}
const arnOf = (construct: unknown) => `<${id(construct)}.Arn>`;
const BUCKET_ARN = '<ProcessorsExtractsBucketAC90D7F8.Arn>';
const prefixObjects = `${BUCKET_ARN}/statlab/*`;

describe("the processor's role", () => {
  test('only the processor account can assume it, only with the external id, only between the start and the expiry date', () => {
    expect(resources[id(grant.role)].Properties.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        Principal: { AWS: 'arn:aws:iam::444455556666:root' },
        Condition: {
          StringEquals: { 'sts:ExternalId': 'hotels-exemple-statlab-5f2c9e71a4d8' },
          DateGreaterThan: { 'aws:CurrentTime': '2026-10-01T00:00:00Z' },
          DateLessThan: { 'aws:CurrentTime': '2027-12-31T00:00:00Z' },
        },
      },
    ]);
    expect(resources[id(grant.role)].Properties.MaxSessionDuration).toBe(3600);
  });

  test('is tagged with the processor, its purpose, its contract, its expiry and its categories', () => {
    const tags = Object.fromEntries(resources[id(grant.role)].Properties.Tags.map((t: { Key: string; Value: string }) => [t.Key, t.Value]));
    expect(tags).toEqual({
      'gdpr:processor': 'statlab',
      'gdpr:purpose': 'Statistical analysis of stays and seminar attendance for the yearly occupancy study no marketing no re-identification',
      'gdpr:contract': 'DPA-2026-014 StatLab Analytics signed 2026-09-15',
      'gdpr:expires': '2027-12-31',
      'gdpr:categories': 'professional commercial',
    });
  });

  test('says where the processor processes the data (metadata the GDPR rules read); inside the EU there is no transfer mechanism', () => {
    const metadata = resources[id(grant.role)].Metadata;
    expect(metadata[PROCESSOR_LOCATION_METADATA]).toBe('eu-west-1');
    expect(metadata[TRANSFER_MECHANISM_METADATA]).toBeUndefined();
  });

  test('can list and read its own prefix and decrypt it through S3, and nothing else', () => {
    const attached = Object.values(resources).filter(
      (p: any) => p.Type === 'AWS::IAM::ManagedPolicy' && (p.Properties.Roles ?? []).includes(`<${id(grant.role)}>`),
    ) as any[];
    // Its own policy and the region guard (a deny).
    const allows = attached.flatMap((p) => p.Properties.PolicyDocument.Statement).filter((s: any) => s.Effect === 'Allow');
    expect(allows).toEqual([
      {
        Sid: 'ListOwnExtracts',
        Effect: 'Allow',
        Action: 's3:ListBucket',
        Resource: BUCKET_ARN,
        Condition: { StringLike: { 's3:prefix': ['statlab/', 'statlab/*'] } },
      },
      { Sid: 'ReadOwnExtracts', Effect: 'Allow', Action: 's3:GetObject', Resource: prefixObjects },
      {
        Sid: 'DecryptOwnExtractsThroughS3',
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: '<ProcessorsExtractsKey7D5C621A.Arn>',
        Condition: { StringEquals: { 'kms:ViaService': 's3.eu-west-3.amazonaws.com' }, StringLike: { 'kms:EncryptionContext:aws:s3:arn': prefixObjects } },
      },
    ]);
    expect(resources[id(grant.role)].Properties.Policies).toBeUndefined();
    expect(resources[id(grant.role)].Properties.ManagedPolicyArns).toBeUndefined();
    const inline = Object.values(resources).filter((p: any) => p.Type === 'AWS::IAM::Policy' && (p.Properties.Roles ?? []).includes(`<${id(grant.role)}>`));
    expect(inline).toEqual([]);
  });
});

describe('the extracts bucket', () => {
  test('is encrypted with its own customer-managed key, one data key per object, versioned, Object Lock on, no replication, retained', () => {
    const bucket = resources.ProcessorsExtractsBucketAC90D7F8;
    expect(bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration).toEqual([
      { ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: '<ProcessorsExtractsKey7D5C621A.Arn>' }, BucketKeyEnabled: false },
    ]);
    expect(bucket.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(bucket.Properties.ObjectLockEnabled).toBe(true);
    expect(bucket.Properties.ObjectLockConfiguration).toBeUndefined();
    expect(bucket.Properties.ReplicationConfiguration).toBeUndefined();
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(bucket.Properties.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
    expect([bucket.DeletionPolicy, bucket.UpdateReplacePolicy]).toEqual(['Retain', 'Retain']);
    expect(resources.ProcessorsExtractsKey7D5C621A.Properties.EnableKeyRotation).toBe(true);
  });

  test('logs every request to a separate bucket encrypted with its own key, which logs to itself', () => {
    const bucket = resources.ProcessorsExtractsBucketAC90D7F8;
    const logs = resources.ProcessorsExtractsAccessLogs7D205F17;
    expect(bucket.Properties.LoggingConfiguration).toEqual({ DestinationBucketName: '<ProcessorsExtractsAccessLogs7D205F17>', LogFilePrefix: 'extracts/' });
    expect(logs.Properties.LoggingConfiguration).toEqual({ LogFilePrefix: 'self/' });
    expect(logs.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault).toEqual({
      SSEAlgorithm: 'aws:kms',
      KMSMasterKeyID: '<ProcessorsExtractsAccessLogsKey78C93B94.Arn>',
    });
    expect(logs.Properties.LifecycleConfiguration.Rules).toEqual([
      expect.objectContaining({ Id: 'ExpireAccessLogs', ExpirationInDays: 365, Status: 'Enabled' }),
    ]);
  });

  test("expires the processor's objects on the day its grant ends, or 30 days after each extract", () => {
    const rules = resources.ProcessorsExtractsBucketAC90D7F8.Properties.LifecycleConfiguration.Rules;
    expect(rules).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Id: 'statlab-GrantExpiry', Prefix: 'statlab/', ExpirationDate: '2027-12-31T00:00:00Z', Status: 'Enabled' }),
        expect.objectContaining({ Id: 'statlab-Retention', Prefix: 'statlab/', ExpirationInDays: 30, Status: 'Enabled' }),
        expect.objectContaining({ Id: 'RemoveOldVersionsAndMarkers', NoncurrentVersionExpiration: { NoncurrentDays: 1 }, ExpiredObjectDeleteMarker: true }),
      ]),
    );
  });

  test('denies plain HTTP, reading a prefix to anyone but its processor and job, writing it to anyone but its job, and locking objects', () => {
    const statements = resources.ProcessorsExtractsBucketPolicy9CC799A8.Properties.PolicyDocument.Statement;
    const objects = `${BUCKET_ARN}/*`;
    expect(statements).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        expect.objectContaining({
          Sid: 'DenyReadingStatlabExtractsToOthers',
          Effect: 'Deny',
          Principal: { AWS: '*' },
          Action: 's3:GetObject*',
          Resource: prefixObjects,
          Condition: { ArnNotEquals: { 'aws:PrincipalArn': [arnOf(grant.role), arnOf(grant.job.role)] } },
        }),
        expect.objectContaining({
          Sid: 'DenyWritingStatlabExtractsButItsJob',
          Effect: 'Deny',
          Action: 's3:PutObject*',
          Resource: prefixObjects,
          Condition: { ArnNotEquals: { 'aws:PrincipalArn': arnOf(grant.job.role) } },
        }),
        expect.objectContaining({
          Sid: 'DenyWritesButTheExtractJobs',
          Effect: 'Deny',
          Resource: objects,
          Condition: { ArnNotEquals: { 'aws:PrincipalArn': [arnOf(grant.job.role)] } },
        }),
        expect.objectContaining({
          Sid: 'DenyRetainingExtractsPastTheirExpiry',
          Effect: 'Deny',
          Action: expect.arrayContaining(['s3:BypassGovernanceRetention', 's3:PutBucketObjectLockConfiguration', 's3:PutObjectLegalHold', 's3:PutObjectRetention']),
        }),
      ]),
    );
    expect(statements.filter((s: any) => s.Effect === 'Allow')).toEqual([]);
  });
});

describe('the pseudonymised extract job', () => {
  test('runs inside the VPC and reads the reader endpoint as extract_statlab, with the plan of the granted columns', () => {
    const fn = resources[id(grant.job.function)];
    expect(fn.Properties.VpcConfig.SubnetIds.length).toBe(2);
    expect(fn.Properties.Timeout).toBe(900);
    expect(fn.Properties.MemorySize).toBe(1769);
    expect(fn.Properties.EphemeralStorage).toEqual({ Size: 4096 });
    const env = fn.Properties.Environment.Variables;
    expect(env).toMatchObject({
      DB_HOST: '<ContactDatabaseCluster3D2A951D.ReadEndpoint.Address>',
      DB_USER: 'extract_statlab',
      PREFIX: 'statlab',
      BUCKET: '<ProcessorsExtractsBucketAC90D7F8>',
      SECRET_ARN: `<${id(grant.secret)}>`,
      PSEUDONYMISATION_KEY_ARN: '<ProcessorsPseudonymisationKey42B41E96.Arn>',
    });
    expect(JSON.parse(env.EXTRACT_PLAN)).toEqual({
      processor: 'statlab',
      pseudonymised: true,
      contactColumns: ['company', 'job_title'],
      related: [{ relation: 'crm.bookings', keyColumn: 'contact_id', columns: ['arrival', 'departure', 'amount_cents', 'payment_status'] }],
    });
  });

  test('may sign in as extract_statlab only, unwrap its own secret only, and write its own prefix only', () => {
    const statements = resources[id(grant.job.policy)].Properties.PolicyDocument.Statement;
    const bySid = Object.fromEntries(statements.map((s: any) => [s.Sid, s]));
    expect(bySid.ConnectAsExtractRole.Resource).toBe('arn:aws:rds-db:eu-west-3:111122223333:dbuser:<ContactDatabaseCluster3D2A951D.DBClusterResourceId>/extract_statlab');
    expect(bySid.UnwrapOwnPseudonymisationSecret.Condition).toEqual({
      StringEquals: { 'kms:EncryptionContext:gdpr:processor': 'statlab', 'kms:EncryptionContext:gdpr:purpose': 'pseudonymisation' },
    });
    expect(bySid.WriteOwnExtracts).toEqual({ Sid: 'WriteOwnExtracts', Effect: 'Allow', Action: 's3:PutObject', Resource: prefixObjects });
    expect(bySid.ReadAndInitialiseOwnSecret.Resource).toBe(`<${id(grant.secret)}>`);
  });

  test('reaches the database on its port only, and the database admits it', () => {
    template.hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
      GroupId: { 'Fn::GetAtt': [id(grant.job.securityGroup), 'GroupId'] },
      DestinationSecurityGroupId: { 'Fn::GetAtt': [id(stack.database.securityGroup), 'GroupId'] },
      FromPort: 5432,
      ToPort: 5432,
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: { 'Fn::GetAtt': [id(stack.database.securityGroup), 'GroupId'] },
      SourceSecurityGroupId: { 'Fn::GetAtt': [id(grant.job.securityGroup), 'GroupId'] },
      FromPort: 5432,
    });
  });

  test("keeps the processor's wrapped secret in Secrets Manager under the pseudonymisation key, retained, created empty", () => {
    const secret = resources[id(grant.secret)];
    expect(secret.Properties.KmsKeyId).toBe('<ProcessorsPseudonymisationKey42B41E96.Arn>');
    expect(JSON.parse(secret.Properties.GenerateSecretString.SecretStringTemplate)).toEqual({ state: 'empty' });
    expect([secret.DeletionPolicy, secret.UpdateReplacePolicy]).toEqual(['Retain', 'Retain']);
  });

  test('the database receives the extract role of every processor with the catalog privileges', () => {
    expect(stack.schema.catalogSql).toContain('GRANT SELECT ("id", "company", "job_title") ON "crm"."contacts" TO "extract_statlab";');
    expect(databaseSql(stack.catalog).catalogSql).toContain(`NOT IN ('marketing', 'sales', 'accounting', 'dpo', 'extract_statlab')`);
  });
});

test('logical ids of the processor data stores and keys are pinned (a rename would replace them)', () => {
  const extracts = stack.processors!.extracts;
  expect({
    bucket: id(extracts.bucket),
    bucketKey: id(extracts.encryptionKey),
    accessLogs: id(extracts.accessLogs),
    accessLogsKey: id(extracts.accessLogsKey),
    pseudonymisationKey: id(stack.processors!.pseudonymisationKey),
    secret: id(grant.secret),
    role: id(grant.role),
  }).toEqual({
    bucket: 'ProcessorsExtractsBucketAC90D7F8',
    bucketKey: 'ProcessorsExtractsKey7D5C621A',
    accessLogs: 'ProcessorsExtractsAccessLogs7D205F17',
    accessLogsKey: 'ProcessorsExtractsAccessLogsKey78C93B94',
    pseudonymisationKey: 'ProcessorsPseudonymisationKey42B41E96',
    secret: 'ProcessorsstatlabPseudonymisationSecret868AE473',
    role: 'ProcessorsstatlabRole8C9FAAFD',
  });
});

describe('variants of the configuration', () => {
  /** The reference stack with changed subcontractors, not synthesized: each test synthesizes it once, as its assertion needs. */
  function stackWith(change: (subs: any[]) => void): ContactBaselineStack {
    const config = defaultConfig();
    change(config.subcontractors as any[]);
    return referenceStack(config);
  }

  test('without subcontractors nothing of the processors is deployed', () => {
    const s = stackWith((subs) => subs.splice(0));
    expect(s.processors).toBeUndefined();
    // The stack's other buckets (the audit trail's) are not the processors'.
    expect(Object.keys(Template.fromStack(s).findResources('AWS::S3::Bucket')).filter((id) => id.startsWith('Processors'))).toEqual([]);
  });

  test('a processor outside the EU carries its transfer mechanism, and the GDPR pack accepts it', () => {
    const s = stackWith((subs) =>
      subs.push({
        ...subs[0],
        name: 'uklab',
        accountId: '777788889999',
        location: 'eu-west-2',
        transferMechanism: { type: 'adequacy-decision', reference: 'Commission Implementing Decision (EU) 2021/1772 (UK GDPR)' },
      }),
    );
    Template.fromStack(s); // synthesized, as before the pack judges it
    const role = s.processors!.grant('uklab').role.node.defaultChild as iam.CfnRole;
    expect(role.getMetadata(TRANSFER_MECHANISM_METADATA)).toBe('adequacy-decision: Commission Implementing Decision (EU) 2021/1772 (UK GDPR)');
    expect(role.getMetadata(PROCESSOR_LOCATION_METADATA)).toBe('eu-west-2');
    const violations = new GdprChecks().validateScope(s).violations.filter((v) => v.ruleName.includes('Processor'));
    expect(violations).toEqual([]);
  });

  test('an identified extract is deployed with a warning on the grant', () => {
    const s = stackWith((subs) => {
      subs[0].pseudonymised = false;
      subs[0].identifiedReason = 'The mailing house prints and posts the yearly paper catalogue';
    });
    Annotations.fromStack(s).hasWarning('/GdprContactBaseline/Processors/statlab', Match.stringLikeRegexp('receives identified data'));
  });
});

describe('an invalid grant never reaches a template', () => {
  const catalog = Catalog.fromConfig(defaultConfig());
  const valid = catalog.subcontractor('statlab');

  function build(change: Partial<Subcontractor>): () => void {
    return () => {
      const s = new Stack(new App(), 'S', { env: { account: '111122223333', region: 'eu-west-3' } });
      new ProcessorGrant(s, 'Grant', {
        processor: { ...valid, ...change },
        extracts: new ExtractsBucket(s, 'Extracts'),
        pseudonymisationKey: stack.processors!.pseudonymisationKey,
        database: stack.database,
        vpc: stack.network.vpc,
        subnets: stack.network.accessSubnets,
        logsKey: stack.logsKey,
      });
    };
  }

  test.each<[string, Partial<Subcontractor>, RegExp]>([
    ['an expiry before the start', { expiryDate: '2026-09-01' }, /expiryDate 2026-09-01 must be after startDate 2026-10-01/],
    ['a location outside the EU without mechanism', { location: 'us-east-1' }, /location us-east-1 is outside the EU: a transfer mechanism \(art\. 45-46\) is required/],
    ['a short external id', { externalId: 'short' }, /externalId must be at least 16 characters/],
    ['no contract', { contractReference: ' ' }, /contractReference \(the data processing agreement\) is required/],
    ['an identified extract without a reason', { pseudonymised: false }, /an identified extract \(pseudonymised: false\) needs an identifiedReason/],
    ['a special category without justification', { categories: [catalog.category('special_diet')] }, /special categories special_diet need a specialCategoryJustification/],
    ['a direct identifier in a pseudonymised extract', { categories: [catalog.category('identity')] }, /^processor statlab: a pseudonymised extract cannot hold category identity \(columns crm\.contacts\.first_name, crm\.contacts\.last_name, marked identifying in \d{4}_identifiers\.sql\), which identify people directly; remove identity from the subcontractor's categories, or set pseudonymised: false with an identifiedReason$/],
  ])('%s is refused at construction', (_what, change, error) => {
    expect(build(change)).toThrow(error);
  });
});
