import { createNotifyHandler, describe as describeEvent, notification, NOTIFICATION_DEADLINE_HOURS } from '../../lib/runtime/breach-notify';

const options = { organisation: 'Hôtels Exemple SAS', timeZone: 'Europe/Paris', authority: 'the CNIL', runbook: 'policies/breach-runbook.md' };
const at = '2026-11-26T14:03:12Z';

/** An API call as EventBridge delivers it from CloudTrail. */
function apiCall(source: string, eventName: string, requestParameters: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return {
    version: '0',
    id: 'c1b2',
    'detail-type': 'AWS API Call via CloudTrail',
    source,
    account: '111122223333',
    time: at,
    region: 'eu-west-3',
    resources: [],
    detail: {
      eventTime: at,
      eventSource: `${source.replace('aws.', '')}.amazonaws.com`,
      eventName,
      requestParameters,
      requestID: 'req-42',
      sourceIPAddress: '203.0.113.7',
      userIdentity: { type: 'AssumedRole', arn: 'arn:aws:sts::111122223333:assumed-role/operator/alice' },
      ...extra,
    },
  };
}

describe('the deadline', () => {
  test('is 72 hours after the detection, and the message says so in the DPO’s time zone and in UTC', () => {
    const n = notification(describeEvent(apiCall('aws.kms', 'DisableKey', { keyId: 'key-1' })), options, new Date('2026-11-26T14:05:12Z'));
    expect(NOTIFICATION_DEADLINE_HOURS).toBe(72);
    expect(n.deadline.toISOString()).toBe('2026-11-29T14:03:12.000Z');
    expect(n.message).toContain('Detected / détecté:        2026-11-26 14:03 UTC (2026-11-26 15:03 Europe/Paris)');
    expect(n.message).toContain('Deadline / échéance:       2026-11-29 14:03 UTC (2026-11-29 15:03 Europe/Paris)');
    expect(n.message).toContain('Time left / temps restant: 71 h 58 min');
  });

  test('crosses a daylight-saving change in absolute time: 72 real hours', () => {
    // 2026-03-27 12:00 UTC, DST starts in Paris on 2026-03-29.
    const n = notification({ ...describeEvent(apiCall('aws.kms', 'DisableKey', {})), detectedAt: new Date('2026-03-27T12:00:00Z') }, options);
    expect(n.deadline.toISOString()).toBe('2026-03-30T12:00:00.000Z');
    expect(n.message).toContain('2026-03-30 12:00 UTC (2026-03-30 14:00 Europe/Paris)');
  });

  test('counts from the detection, not from when a retried message is sent', () => {
    const late = notification(describeEvent(apiCall('aws.kms', 'DisableKey', {})), options, new Date('2026-11-27T14:03:12Z'));
    expect(late.deadline.toISOString()).toBe('2026-11-29T14:03:12.000Z');
    expect(late.message).toContain('Time left / temps restant: 48 h 00 min');
  });
});

describe('each detection says what happened', () => {
  const cases: [Record<string, unknown>, string, RegExp][] = [
    [apiCall('aws.kms', 'ScheduleKeyDeletion', { keyId: 'arn:aws:kms:eu-west-3:111122223333:key/abc', pendingWindowInDays: 7 }), 'KMS key scheduled for deletion', /scheduled for deletion in 7 days/],
    [apiCall('aws.kms', 'DisableKey', { keyId: 'abc' }), 'KMS key disabled', /nothing encrypted with it can be read/],
    [apiCall('aws.backup', 'DeleteBackupVaultLockConfiguration', { backupVaultName: 'contacts' }), 'Backup vault lock changed', /backups against deletion/],
    [apiCall('aws.backup', 'PutBackupVaultAccessPolicy', { backupVaultName: 'contacts' }), 'Backup vault access policy changed', /PutBackupVaultAccessPolicy/],
    [
      apiCall('aws.rds', 'ModifyDBClusterSnapshotAttribute', { dBClusterSnapshotIdentifier: 'snap-1', attributeName: 'restore', valuesToAdd: ['all'] }),
      'Database snapshot made public',
      /restorable by any AWS account/,
    ],
    [
      apiCall('aws.rds', 'ModifyDBSnapshotAttribute', { dBSnapshotIdentifier: 'snap-2', attributeName: 'restore', valuesToAdd: ['999988887777'] }),
      'Database snapshot shared with another account',
      /shared with account\(s\) 999988887777/,
    ],
    [apiCall('aws.rds', 'ModifyDBInstance', { dBInstanceIdentifier: 'writer', publiclyAccessible: true }), 'Database made publicly accessible', /outside the VPN/],
    [
      apiCall('aws.ec2', 'AuthorizeSecurityGroupIngress', {
        groupId: 'sg-1',
        ipPermissions: { items: [{ ipProtocol: 'tcp', fromPort: 5432, toPort: 5432, ipRanges: { items: [{ cidrIp: '0.0.0.0/0' }] } }] },
      }),
      'Security group opened to the internet',
      /0\.0\.0\.0\/0 on port 5432 \(tcp\)/,
    ],
    [
      apiCall('aws.ec2', 'AuthorizeClientVpnIngress', { clientVpnEndpointId: 'cvpn-1', targetNetworkCidr: '10.40.0.0/16', authorizeAllGroups: true }),
      'VPN authorization widened',
      /every VPN user may now reach 10\.40\.0\.0\/16/,
    ],
    [apiCall('aws.cloudtrail', 'StopLogging', { name: 'trail' }), 'Audit trail stopped', /may no longer be recorded/],
    [
      apiCall('aws.ec2', 'AuthorizeSecurityGroupIngress', {
        groupId: 'sg-2',
        ipPermissions: { items: [{ ipProtocol: 'tcp', fromPort: 5432, toPort: 5432, ipRanges: { items: [{ cidrIp: '10.0.0.0/8' }] } }] },
      }),
      'Security group rule changed outside a deployment',
      /AuthorizeSecurityGroupIngress on a security group outside a deployment of the kit \(10\.0\.0\.0\/8 on port 5432 \(tcp\)\)/,
    ],
    [apiCall('aws.ec2', 'ModifySecurityGroupRules', { ModifySecurityGroupRulesRequest: { GroupId: 'sg-3' } }), 'Security group rule changed outside a deployment', /ModifySecurityGroupRules/],
    [apiCall('aws.rds', 'StartExportTask', { sourceArn: 'arn:aws:rds:eu-west-3:111122223333:cluster-snapshot:s', s3BucketName: 'exfil' }), 'Database snapshot exported to S3', /exported to bucket exfil/],
    [apiCall('aws.rds', 'CopyDBClusterSnapshot', { targetDBClusterSnapshotIdentifier: 'copy-1' }), 'Database snapshot copied by hand', /outside the locked backup vaults/],
    [apiCall('aws.rds', 'CreateDBClusterSnapshot', { dBClusterSnapshotIdentifier: 'snap-3' }), 'Database snapshot created by hand', /CreateDBClusterSnapshot outside AWS Backup/],
    [apiCall('aws.backup', 'StartCopyJob', { destinationBackupVaultArn: 'arn:aws:backup:eu-west-1:999988887777:backup-vault:x' }), 'Backup copied by hand', /to arn:aws:backup:eu-west-1:999988887777/],
    [
      apiCall('aws.lambda', 'UpdateFunctionCode20150331v2', { functionName: 'GdprContactBaseline-SchemaHandler' }),
      'A function changed outside a deployment',
      /^UpdateFunctionCode outside a deployment of the kit/,
    ],
    [
      apiCall('aws.lambda', 'Invoke', { functionName: 'arn:aws:lambda:eu-west-3:111122223333:function:migrate' }),
      'A function of the kit was invoked directly',
      /invoked by someone other than its expected caller/,
    ],
  ];
  test.each(cases.map(([event, title, what]) => [title, event, what] as const))('%s', (title, event, what) => {
    const d = describeEvent(event);
    expect(d.title).toBe(title);
    expect(d.what).toMatch(what);
    expect(d.detectedAt.toISOString()).toBe('2026-11-26T14:03:12.000Z');
    expect(d.actor).toBe('arn:aws:sts::111122223333:assumed-role/operator/alice from 203.0.113.7');
  });

  test('a refused call is reported as an attempt, with the error', () => {
    const d = describeEvent(apiCall('aws.backup', 'DeleteBackupVaultLockConfiguration', { backupVaultName: 'v' }, { errorCode: 'AccessDenied', errorMessage: 'locked' }));
    expect(d.title).toBe('Attempt: Backup vault lock changed');
    expect(d.what).toContain('The call was refused (AccessDenied: locked)');
  });

  test('a GuardDuty finding on the database', () => {
    const d = describeEvent({
      'detail-type': 'GuardDuty Finding',
      source: 'aws.guardduty',
      account: '111122223333',
      region: 'eu-west-3',
      time: at,
      detail: {
        id: 'f-1',
        type: 'CredentialAccess:RDS/AnomalousBehavior.SuccessfulLogin',
        title: 'Anomalous successful login to the database',
        description: 'A user logged in from an unusual location.',
        severity: 8,
        resource: { resourceType: 'RDSDBInstance', rdsDbInstanceDetails: { dbClusterIdentifier: 'gdprcontactbaseline-contacts' } },
      },
    });
    expect(d).toMatchObject({ title: 'GuardDuty: Anomalous successful login to the database', resource: 'gdprcontactbaseline-contacts', reference: 'GuardDuty finding f-1' });
    expect(d.what).toContain('severity 8');
  });

  test('the export-volume alarm, which invokes the function directly', () => {
    const d = describeEvent({
      source: 'aws.cloudwatch',
      alarmArn: 'arn:aws:cloudwatch:eu-west-3:111122223333:alarm:export',
      accountId: '111122223333',
      time: '2026-11-26T14:10:00.000+0000',
      region: 'eu-west-3',
      alarmData: {
        alarmName: 'export',
        state: { value: 'ALARM', reason: 'Threshold crossed: 1 datapoint [900 MB] was greater than the threshold (512 MB).', timestamp: '2026-11-26T14:10:00.000+0000' },
        configuration: { description: 'The contact database sent more than 512 MB to its clients in one hour' },
      },
    });
    expect(d.title).toBe('Unusual volume of data sent by the database');
    expect(d.what).toBe('The contact database sent more than 512 MB to its clients in one hour. Threshold crossed: 1 datapoint [900 MB] was greater than the threshold (512 MB).');
    expect(d.detectedAt.toISOString()).toBe('2026-11-26T14:10:00.000Z');
  });
});

describe('the message', () => {
  const n = notification(
    describeEvent(apiCall('aws.rds', 'ModifyDBClusterSnapshotAttribute', { dBClusterSnapshotIdentifier: 'snap-1', attributeName: 'restore', valuesToAdd: ['all'] })),
    options,
    new Date(at),
  );

  test('has an ASCII subject of at most 100 characters that names the detection and the deadline', () => {
    expect(n.subject).toBe('[GDPR 72h] Database snapshot made public - notify by 2026-11-29 14:03 UTC');
    expect(n.subject).toMatch(/^[\x20-\x7e]{1,100}$/);
    const long = notification({ ...describeEvent(apiCall('aws.kms', 'DisableKey', {})), title: 'É'.repeat(200) }, options);
    expect(long.subject).toMatch(/^[\x20-\x7e]{100}$/);
  });

  test('names the organisation, the authority, art. 33 and 34, where, who and the runbook, in English and French', () => {
    for (const text of [
      'POSSIBLE PERSONAL DATA BREACH at Hôtels Exemple SAS: the 72-hour clock is running.',
      'VIOLATION POSSIBLE DE DONNÉES PERSONNELLES chez Hôtels Exemple SAS',
      'notify the CNIL (art. 33(1) GDPR)',
      'breach register in every case (art. 33(5))',
      'tell the people concerned without undue delay (art. 34)',
      'Account / compte: 111122223333, region eu-west-3',
      'Resource / ressource: snap-1',
      'By / par: arn:aws:sts::111122223333:assumed-role/operator/alice from 203.0.113.7',
      'Source: rds.amazonaws.com ModifyDBClusterSnapshotAttribute (request req-42)',
      'Runbook / procédure: policies/breach-runbook.md',
    ]) {
      expect(n.message).toContain(text);
    }
  });
});

describe('the handler', () => {
  test('publishes the message and logs only the subject and deadline', async () => {
    const published: [string, string][] = [];
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    const handler = createNotifyHandler({ ...options, publish: async (s, m) => void published.push([s, m]), now: () => new Date(at) });
    const result = await handler(apiCall('aws.kms', 'ScheduleKeyDeletion', { keyId: 'k' }));
    expect(published).toEqual([[result.subject, result.message]]);
    expect(log).toHaveBeenCalledWith(JSON.stringify({ notified: result.subject, deadline: '2026-11-29T14:03:12.000Z' }));
    log.mockRestore();
  });

  test('fails when publishing fails, so the event is retried and lands in the dead-letter queue', async () => {
    const handler = createNotifyHandler({ ...options, publish: async () => Promise.reject(new Error('KMS.AccessDeniedException')) });
    await expect(handler(apiCall('aws.kms', 'DisableKey', {}))).rejects.toThrow(/AccessDenied/);
  });
});
