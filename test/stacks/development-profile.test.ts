import type { App } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, NagPack, PCIDSS321Checks } from 'cdk-nag';
import { declaredParties } from '../../lib/config/declared';
import { parseConfig } from '../../lib/config/load';
import { type BaselineConfig, permittedRegions } from '../../lib/config/schema';
import { GdprChecks } from '../../lib/nag/gdpr-checks';
import { Catalog } from '../../lib/catalog/catalog';
import type { TemplateInput } from '../../lib/check/templates';
import { estimateCost, HOURS_PER_MONTH } from '../../lib/cost/estimate';
import { reviewFiles } from '../../lib/review/outputs';
import { schemaCatalogSql } from '../../lib/review/synthesize';
import type { ContactBaselineStack } from '../../lib/stacks/contact-baseline-stack';
import { developmentConfigInput } from '../helpers/development';
import { referenceTemplate } from '../helpers/reference';

let config: BaselineConfig;
let stack: ContactBaselineStack;
let template: Template;
beforeAll(() => {
  config = parseConfig(developmentConfigInput());
  ({ stack, template } = referenceTemplate(config));
});

describe('development profile: redundancy dropped', () => {
  test('one Client VPN association, in the first zone', () => {
    template.resourceCountIs('AWS::EC2::ClientVpnTargetNetworkAssociation', 1);
    const [association] = Object.values(template.findResources('AWS::EC2::ClientVpnTargetNetworkAssociation')) as any[];
    const subnet = template.toJSON().Resources[association.Properties.SubnetId.Ref];
    expect(subnet.Properties.AvailabilityZone).toBe('eu-west-3a');
  });

  test('one database instance, at 0 ACU minimum, pausing when idle', () => {
    template.resourceCountIs('AWS::RDS::DBInstance', 1);
    template.hasResourceProperties('AWS::RDS::DBCluster', {
      ServerlessV2ScalingConfiguration: { MinCapacity: 0, MaxCapacity: 4, SecondsUntilAutoPause: 600 },
    });
  });

  test('every interface endpoint in one subnet of the first zone', () => {
    const endpoints = Object.values(template.findResources('AWS::EC2::VPCEndpoint', { Properties: { VpcEndpointType: 'Interface' } })) as any[];
    expect(endpoints.length).toBe(3);
    const resources = template.toJSON().Resources;
    for (const endpoint of endpoints) {
      expect(endpoint.Properties.SubnetIds).toHaveLength(1);
      expect(resources[endpoint.Properties.SubnetIds[0].Ref].Properties.AvailabilityZone).toBe('eu-west-3a');
    }
  });

  test('flow, VPN connection and PostgreSQL logs kept 180 days; the audit trail keeps its configured retention', () => {
    const retention = (id: RegExp) =>
      Object.entries(template.findResources('AWS::Logs::LogGroup')).filter(([logical]) => id.test(logical)).map(([, r]: [string, any]) => r.Properties.RetentionInDays);
    expect(retention(/^NetworkFlowLogs/)).toEqual([180]);
    expect(retention(/^VpnConnectionLogs/)).toEqual([180]);
    expect(retention(/^ContactDatabasePostgresqlLogs/)).toEqual([180]);
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ Id: 'ExpireAfterRetention', ExpirationInDays: config.breach.trailRetentionDays })]) },
    });
  });

  test('the synth output says what the profile drops, in one info line', () => {
    const infos = Annotations.fromStack(stack).findInfo('/GdprContactBaseline', Match.stringLikeRegexp('^Development profile:'));
    expect(infos).toHaveLength(1);
    expect(infos[0].entry.data).toMatch(/every privacy control is kept.*database reader.*180 days.*Never load production contacts/);
  });
});

describe('development profile: every privacy control kept', () => {
  test('the database is still encrypted, IAM-authenticated, protected from deletion and retained', () => {
    template.hasResource('AWS::RDS::DBCluster', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({ StorageEncrypted: true, EnableIAMDatabaseAuthentication: true, DeletionProtection: true, KmsKeyId: Match.anyValue() }),
    });
  });

  test('VPN, region guard, locked backups, purge and breach detection are all deployed', () => {
    template.resourceCountIs('AWS::EC2::ClientVpnEndpoint', 1);
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Sid: 'DenyOutsidePermittedRegions' })]) },
    });
    template.resourceCountIs('AWS::EC2::InternetGateway', 0);
    template.hasResourceProperties('AWS::Backup::BackupPlan', Match.anyValue());
    template.hasResourceProperties('AWS::CloudTrail::Trail', { EnableLogFileValidation: true });
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: config.retention.purgeSchedule });
    expect(stack.backupAccount).toBeDefined();
    Template.fromStack(stack.backupAccount!).hasResourceProperties('AWS::Backup::BackupVault', { LockConfiguration: Match.anyValue() });
  });

  test.each<[string, () => NagPack]>([
    ['GDPR', () => new GdprChecks(undefined, { allowedRegions: permittedRegions(config), declared: declaredParties(config) })],
    ['AwsSolutions', () => new AwsSolutionsChecks()],
    ['HIPAA.Security', () => new HIPAASecurityChecks()],
    ['NIST.800.53.R5', () => new NIST80053R5Checks()],
    ['PCI.DSS.321', () => new PCIDSS321Checks()],
  ])('%s: no unacknowledged finding on either stack', (_name, pack) => {
    const violations = [stack, stack.backupAccount!].flatMap((s) => pack().validateScope(s).violations);
    expect(violations.map((v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
  });
});

describe('development profile: not a processing activity', () => {
  test('the record of processing says so and lists no purpose, category, recipient or processor', () => {
    const assembly = (stack.node.root as App).synth(); // already synthesized: the same assembly
    const files = reviewFiles(config, Catalog.fromConfig(config), [
      { name: stack.stackName, template: template.toJSON() as any, catalogSql: schemaCatalogSql(assembly.directory, template.toJSON() as any) },
    ]);
    const md = files.find((f) => f.path === 'record-of-processing.md')!.content;
    const json = JSON.parse(files.find((f) => f.path === 'record-of-processing.json')!.content);
    expect(md).toMatch(/^# Record of processing activities: development deployment of /);
    expect(md).toMatch(/Not a processing activity\..*refuses the production accounts/);
    expect(md).toContain('111122223333, 555566667777');
    expect(json).toMatchObject({ processingActivity: false, profile: 'development' });
    expect(json.purposes).toBeUndefined();
    for (const c of config.categories) expect(md).not.toContain(c.purpose);
    for (const p of config.subcontractors) expect(md).not.toContain(p.name);
  });
});

describe('development profile: its cost estimate', () => {
  test('the estimate sees the profile and prices one association, one paused instance, endpoints in one zone', () => {
    const inputs = [stack, stack.backupAccount!].map((s) => ({ path: s.stackName, name: s.stackName, region: s.region, template: Template.fromStack(s).toJSON() as TemplateInput['template'] }));
    const estimate = estimateCost(inputs);
    const line = (item: string) => estimate.lines.find((l) => l.item === item);
    expect(estimate).toMatchObject({ profile: 'development', users: 2, hours: 176 });
    expect(line('Client VPN associations')?.quantity).toBe(HOURS_PER_MONTH);
    expect(line('Aurora Serverless v2 capacity')?.quantity).toBeCloseTo(0.5 * (176 + (30 * 15) / 60), 3);
    expect(line('Interface endpoints')?.quantity).toBe(3 * HOURS_PER_MONTH);
  });
});
