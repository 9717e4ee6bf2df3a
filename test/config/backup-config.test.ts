import { parseConfig } from '../../lib/config/load';
import { BACKUP_DEFAULTS, ERASURE_JOURNAL_RETENTION_DAYS } from '../../lib/config/schema';
import { withChange } from '../helpers/config';
import { defaultConfigInput } from '../helpers/reference';

describe('the backup configuration', () => {
  test('the reference configuration copies to a backup account, in the environment region, and keeps recovery points 35 days', () => {
    const { backup } = parseConfig(defaultConfigInput());
    expect(backup).toEqual({
      schedule: 'cron(0 3 * * ? *)',
      retentionDays: 35,
      continuousBackup: true,
      copyTarget: { account: '555566667777' },
      lock: { minRetentionDays: 7, maxRetentionDays: 35, changeableForDays: 3 },
      restoreTesting: { schedule: 'cron(0 5 ? * SUN *)' },
    });
  });

  test('is optional: without it, the documented defaults apply and copies go to a logically air-gapped vault', () => {
    const cfg = defaultConfigInput();
    delete cfg.backup;
    const { backup } = parseConfig(cfg);
    expect(backup).toEqual({
      schedule: BACKUP_DEFAULTS.schedule,
      retentionDays: BACKUP_DEFAULTS.retentionDays,
      continuousBackup: true,
      lock: { minRetentionDays: 7, changeableForDays: 3 },
      restoreTesting: { schedule: BACKUP_DEFAULTS.restoreTesting.schedule },
    });
    expect(backup.copyTarget).toBeUndefined();
  });

  test('fills the defaults of a partial backup object', () => {
    const { backup } = parseConfig({ ...defaultConfigInput(), backup: { copyTarget: { account: '555566667777' } } });
    expect(backup.retentionDays).toBe(35);
    expect(backup.lock).toEqual({ minRetentionDays: 7, changeableForDays: 3 });
    expect(backup.copyTarget).toEqual({ account: '555566667777' });
  });
});

describe('a backup configuration is refused with one line naming field, value and fix', () => {
  test('a retention longer than the longest category retention', () => {
    // Given categories kept at most 200 days
    const lines = withChange((c) => {
      for (const category of c.categories) category.retentionDays = Math.min(category.retentionDays, 200);
      c.backup.retentionDays = 300;
      c.backup.lock.maxRetentionDays = 300;
    });
    expect(lines).toContainEqual('backup.retentionDays: backups must not outlive the longest category retention (200 days); set at most 200; got 300');
    expect(lines).toContainEqual(
      "backup.lock.maxRetentionDays: the lock's maximum retention is the erasure deadline and must not exceed the longest category retention (200 days); set at most 200; got 300",
    );
  });

  test('a retention longer than the erasure journal is kept', () => {
    const lines = withChange((c) => {
      c.backup.retentionDays = 400;
      c.backup.lock.maxRetentionDays = 400;
    });
    expect(lines).toContainEqual(
      `backup.retentionDays: backups must not outlive the erasure journal (the PostgreSQL log group keeps it ${ERASURE_JOURNAL_RETENTION_DAYS} days); set at most ${ERASURE_JOURNAL_RETENTION_DAYS}; got 400`,
    );
  });

  test('a lock maximum below the retention, which would refuse every snapshot', () => {
    expect(withChange((c) => (c.backup.lock.maxRetentionDays = 30))).toContainEqual(
      'backup.lock.maxRetentionDays: the lock would refuse every snapshot kept backup.retentionDays (35); set at least 35; got 30',
    );
  });

  test('a lock minimum above the retention', () => {
    expect(withChange((c) => (c.backup.lock.minRetentionDays = 40))).toContainEqual(
      'backup.lock.minRetentionDays: the lock would refuse every snapshot kept backup.retentionDays (35); set at most 35; got 40',
    );
  });

  test('a lock minimum above the continuous backup window', () => {
    expect(withChange((c) => (c.database.backupRetentionDays = 5))).toContainEqual(
      'database.backupRetentionDays: continuous backups are kept this long and the vault lock refuses less than backup.lock.minRetentionDays (7); set at least 7, or set backup.continuousBackup to false; got 5',
    );
  });

  test('a continuous backup window longer than the lock maximum', () => {
    const lines = withChange((c) => {
      c.backup.retentionDays = 14;
      c.backup.lock.maxRetentionDays = 14;
      c.database.backupRetentionDays = 21;
    });
    expect(lines).toContainEqual(
      'database.backupRetentionDays: continuous backups are kept this long and the vault lock refuses more than its maximum retention (14 days); set at most 14, or set backup.continuousBackup to false; got 21',
    );
  });

  test('a compliance lock that could be lifted within 3 days', () => {
    expect(withChange((c) => (c.backup.lock.changeableForDays = 1))).toContainEqual(
      'backup.lock.changeableForDays: AWS Backup needs at least 3 days before a compliance-mode lock becomes immutable; got 1',
    );
  });

  test('a copy target in the production account', () => {
    expect(withChange((c) => (c.backup.copyTarget.account = c.environment.account))).toContainEqual(
      'backup.copyTarget.account: copies in the production account are within its reach; name a separate backup account, or remove backup.copyTarget to use a logically air-gapped vault; got "111122223333"',
    );
  });

  test('a copy target account that is not an account id', () => {
    expect(withChange((c) => (c.backup.copyTarget.account = 'backup'))).toContainEqual(
      'backup.copyTarget.account: an AWS account id is exactly 12 digits; got "backup"',
    );
  });

  test('a copy target outside the allowed regions', () => {
    expect(withChange((c) => (c.backup.copyTarget.region = 'us-east-1'))).toContainEqual(
      'backup.copyTarget.region: a copy of the contact data must stay in an allowed region: eu-west-3, eu-west-1, eu-central-1; got "us-east-1"',
    );
  });

  test('a copy target in another account and another region, which AWS Backup cannot do for Aurora in one copy', () => {
    expect(withChange((c) => (c.backup.copyTarget.region = 'eu-west-1'))).toContainEqual(
      'backup.copyTarget.region: AWS Backup cannot copy Aurora recovery points to another account and another region in one copy; use the environment region eu-west-3; got "eu-west-1"',
    );
  });

  test('a lock minimum below 7 days without a backup account (air-gapped vaults keep at least 7 days)', () => {
    const lines = withChange((c) => {
      delete c.backup.copyTarget;
      c.backup.lock.minRetentionDays = 3;
    });
    expect(lines).toContainEqual(
      'backup.lock.minRetentionDays: without backup.copyTarget, copies go to a logically air-gapped vault, whose lock keeps recovery points at least 7 days; set at least 7, or name a backup account in backup.copyTarget; got 3',
    );
  });

  test('a schedule that is not an AWS cron expression', () => {
    expect(withChange((c) => (c.backup.schedule = '0 3 * * *'))).toContainEqual(
      'backup.schedule: an AWS cron expression has six fields (minutes hours day-of-month month day-of-week year), such as cron(0 3 * * ? *); got "0 3 * * *"',
    );
    expect(withChange((c) => (c.backup.restoreTesting.schedule = 'weekly'))).toContainEqual(
      expect.stringMatching(/^backup\.restoreTesting\.schedule: an AWS cron expression has six fields .*; got "weekly"$/),
    );
  });

  test('an unknown field in the backup object', () => {
    expect(withChange((c) => (c.backup.retention = 35))).toContainEqual(
      'backup.retention: unknown field; remove it or check its spelling (see lib/config/config.schema.json)',
    );
  });

  test('every problem at once', () => {
    const lines = withChange((c) => {
      c.backup.copyTarget = { account: c.environment.account, region: 'us-east-1' };
      c.backup.lock.changeableForDays = 0;
      c.backup.schedule = 'daily';
    });
    expect(lines.filter((l) => l.startsWith('backup.'))).toHaveLength(4);
  });
});
