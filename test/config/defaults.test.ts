import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import { CONTACT_BACKUP_DEFAULTS } from '../../lib/backup/defaults';
import { parseConfig } from '../../lib/config/load';
import { AIR_GAPPED_MIN_RETENTION_DAYS, BACKUP_DEFAULTS, DATABASE_DEFAULTS } from '../../lib/config/defaults';
import { databaseMinCapacity } from '../../lib/config/schema';
import { ContactDatabase } from '../../lib/database/contact-database';
import { defaultConfigInput } from '../helpers/reference';

/*
 * One place for defaults (lib/config/defaults.ts): the schema fills a
 * configuration with them and the constructs use the same values for a prop
 * left out. Before issue 14 the 7 days of the database's point-in-time window
 * were written in four files.
 */
describe('defaults: the configuration and the constructs read the same values', () => {
  let parsed: ReturnType<typeof parseConfig>;
  let template: Template;
  beforeAll(() => {
    const cfg = defaultConfigInput();
    delete cfg.database;
    delete cfg.backup;
    parsed = parseConfig(cfg);
    const stack = new Stack(new App(), 'S', { env: { account: '111122223333', region: 'eu-west-3' } });
    const vpc = new ec2.Vpc(stack, 'Vpc', {
      availabilityZones: ['eu-west-3a', 'eu-west-3b'],
      natGateways: 0,
      subnetConfiguration: [{ name: 'Isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
    });
    new ContactDatabase(stack, 'Db', { vpc, subnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED }, logsKey: new kms.Key(stack, 'LogsKey') });
    template = Template.fromStack(stack);
  });

  test('database: the defaults the schema applies are DATABASE_DEFAULTS (the minimum capacity through the production profile)', () => {
    expect({ ...parsed.database, minCapacity: databaseMinCapacity(parsed) }).toEqual(DATABASE_DEFAULTS);
  });

  test('ContactDatabase without props: the same capacity and point-in-time window', () => {
    template.hasResourceProperties('AWS::RDS::DBCluster', {
      BackupRetentionPeriod: DATABASE_DEFAULTS.backupRetentionDays,
      ServerlessV2ScalingConfiguration: { MinCapacity: DATABASE_DEFAULTS.minCapacity, MaxCapacity: DATABASE_DEFAULTS.maxCapacity },
    });
  });

  test('backup: the schema and the backup constructs agree, continuous backups as long as the point-in-time window', () => {
    expect(parsed.backup.lock.minRetentionDays).toBe(BACKUP_DEFAULTS.lock.minRetentionDays);
    expect(CONTACT_BACKUP_DEFAULTS.minRetentionDays).toBe(BACKUP_DEFAULTS.lock.minRetentionDays);
    expect(BACKUP_DEFAULTS.lock.minRetentionDays).toBeGreaterThanOrEqual(AIR_GAPPED_MIN_RETENTION_DAYS);
    expect(Duration.days(CONTACT_BACKUP_DEFAULTS.continuousRetentionDays).toDays()).toBe(DATABASE_DEFAULTS.backupRetentionDays);
  });
});
