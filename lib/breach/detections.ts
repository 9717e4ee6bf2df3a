import type * as events from 'aws-cdk-lib/aws-events';

/**
 * The events that may mean a breach or a loss of protection, each an
 * EventBridge pattern. Every detection notifies the DPO with the 72-hour
 * clock running (lib/runtime/breach-notify.ts). Refused calls match too: an
 * attempt is a fact to record (art. 33(5)).
 */
export interface Detection {
  /** Construct id of the rule; stable. */
  readonly id: string;
  /** What the rule watches, for the rule's description, the README and the runbook. */
  readonly description: string;
  /** What to do first, for the runbook. */
  readonly containment: string;
  readonly pattern: events.EventPattern;
}

/** Calls CloudFormation makes on deployment are reviewed in the pull request, not reported as incidents. */
const NOT_BY_CLOUDFORMATION = [{ 'anything-but': 'cloudformation.amazonaws.com' }];

/** An API call recorded by CloudTrail; `eventNames` empty when `detail` names them (inside an `$or`). */
function apiCall(source: string, eventNames: string[], detail: Record<string, unknown> = {}): events.EventPattern {
  return {
    source: [source],
    detailType: ['AWS API Call via CloudTrail'],
    detail: { eventSource: [`${source.replace(/^aws\./, '')}.amazonaws.com`], ...(eventNames.length > 0 ? { eventName: eventNames } : {}), ...detail },
  };
}

export const DETECTIONS: readonly Detection[] = [
  {
    id: 'KeyDisabledOrScheduledForDeletion',
    description: 'A KMS key is disabled or scheduled for deletion (data encrypted with it becomes unreadable, then lost)',
    containment: 'Cancel the deletion (`aws kms cancel-key-deletion`) or enable the key again (`aws kms enable-key`); find who did it.',
    pattern: apiCall('aws.kms', ['DisableKey', 'ScheduleKeyDeletion']),
  },
  {
    id: 'BackupVaultProtectionChanged',
    description: 'A backup vault lock or access policy is changed or removed, or an attempt is refused',
    containment: 'Restore the vault access policy from `policies/`; a compliance-mode lock past its grace period cannot be removed, so a refused attempt means someone tried.',
    pattern: apiCall('aws.backup', [
      'PutBackupVaultLockConfiguration',
      'DeleteBackupVaultLockConfiguration',
      'PutBackupVaultAccessPolicy',
      'DeleteBackupVaultAccessPolicy',
    ]),
  },
  {
    id: 'SnapshotSharedOrPublic',
    description: 'A database snapshot is made restorable by another account or by everyone (restore attribute)',
    containment: 'Remove the restore attribute (`aws rds modify-db-cluster-snapshot-attribute --values-to-remove all`); check CloudTrail for copies and restores made with it.',
    pattern: apiCall('aws.rds', ['ModifyDBClusterSnapshotAttribute', 'ModifyDBSnapshotAttribute'], {
      requestParameters: { attributeName: ['restore'], valuesToAdd: [{ exists: true }] },
    }),
  },
  {
    id: 'DatabaseMadePublic',
    description: 'A database cluster or instance is made publicly accessible',
    containment: 'Set PubliclyAccessible back to false and check the security groups; the kit keeps the database in isolated subnets.',
    pattern: apiCall('aws.rds', ['ModifyDBCluster', 'ModifyDBInstance', 'CreateDBCluster', 'CreateDBInstance', 'RestoreDBInstanceFromDBSnapshot', 'RestoreDBInstanceToPointInTime'], {
      requestParameters: { publiclyAccessible: [true] },
    }),
  },
  {
    id: 'SecurityGroupOpenedToInternet',
    description: 'A security group admits traffic from 0.0.0.0/0 or ::/0',
    containment: 'Revoke the rule (`aws ec2 revoke-security-group-ingress`); review the flow logs for connections it let in.',
    pattern: apiCall('aws.ec2', ['AuthorizeSecurityGroupIngress'], {
      $or: [
        { requestParameters: { ipPermissions: { items: { ipRanges: { items: { cidrIp: ['0.0.0.0/0'] } } } } } },
        { requestParameters: { ipPermissions: { items: { ipv6Ranges: { items: { cidrIpv6: ['::/0'] } } } } } },
      ],
    }),
  },
  {
    id: 'VpnAuthorizationWidened',
    description: 'A Client VPN authorization rule is added outside a CloudFormation deployment',
    containment: 'Revoke the rule (`aws ec2 revoke-client-vpn-ingress`); the reviewed rules are in the stack; check the VPN connection logs.',
    pattern: apiCall('aws.ec2', ['AuthorizeClientVpnIngress'], { sourceIPAddress: NOT_BY_CLOUDFORMATION }),
  },
  {
    id: 'AuditTrailStoppedOrChanged',
    description: 'The audit trail is stopped or deleted, or changed outside a CloudFormation deployment',
    containment: 'Start logging again (`aws cloudtrail start-logging`) or redeploy the stack; the gap has no record, note it in the breach register.',
    pattern: apiCall('aws.cloudtrail', [], {
      $or: [
        { eventName: ['StopLogging', 'DeleteTrail'] },
        { eventName: ['UpdateTrail', 'PutEventSelectors'], sourceIPAddress: NOT_BY_CLOUDFORMATION },
      ],
    }),
  },
];

/** GuardDuty findings about the database (RDS Protection), routed when the configuration says GuardDuty is on. */
export const GUARDDUTY_DETECTION: Detection = {
  id: 'GuardDutyDatabaseFinding',
  description: 'GuardDuty RDS Protection reports suspicious logins or access to the database',
  containment: 'Follow the finding: block the source, rotate the credentials of the user named, review the PostgreSQL connection logs.',
  pattern: {
    source: ['aws.guardduty'],
    detailType: ['GuardDuty Finding'],
    detail: { resource: { resourceType: ['RDSDBInstance', 'RDSLimitlessDB'] } },
  },
};

/** The export-volume alarm, described like the rules (it invokes the notifier directly). */
export const EXPORT_VOLUME_DETECTION = {
  id: 'ExportVolume',
  description: 'The database sends its clients more data in one hour than the configured threshold (breach.exportAlarm.megabytesPerHour)',
  containment: 'Find the session in the PostgreSQL connection logs and Performance Insights (top SQL by rows); revoke the user if it is not a known job.',
} as const;
