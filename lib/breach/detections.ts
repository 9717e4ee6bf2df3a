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
  /** The EventBridge pattern, given who deploys the kit. */
  readonly pattern: (deployment: Deployment) => events.EventPattern;
}

/**
 * Who deploys the kit, as CloudTrail records it. A call CloudFormation makes for a stack carries
 * `sourceIPAddress` `cloudformation.amazonaws.com` and, when the stack is deployed with a service role
 * (the CDK bootstrap's CloudFormation execution role), that role as
 * `userIdentity.sessionContext.sessionIssuer.arn`. CloudTrail does not name the stack: every stack
 * deployed with the same role looks the same (see the README, "Breach detection").
 */
export interface Deployment {
  /**
   * The CloudFormation execution role(s) of the kit's deployments. Empty: the role is not known (a
   * synthesizer without one), and any call made through CloudFormation is treated as a deployment.
   */
  readonly roleArns: readonly string[];
  /** Roles of the kit's own deployment-time functions (custom resources), whose calls are part of a deployment. */
  readonly functionRoleArns: readonly string[];
}

type Branch = Record<string, unknown>;
const CLOUDFORMATION = 'cloudformation.amazonaws.com';
const issuer = (matchers: unknown[]) => ({ userIdentity: { sessionContext: { sessionIssuer: { arn: matchers } } } });

/**
 * The `$or` branches that match a call not made by the kit's own deployment: not through CloudFormation
 * with the deployment role, and not by one of the kit's deployment-time functions.
 */
export function outsideDeployment(base: Branch, deployment: Deployment): Branch[] {
  const functions = [...deployment.functionRoleArns];
  if (deployment.roleArns.length === 0) {
    // Unknown deployment role: every CloudFormation call is exempt (the limit before per-role matching).
    return [
      { ...base, sourceIPAddress: [{ 'anything-but': CLOUDFORMATION }], ...(functions.length > 0 ? issuer([{ 'anything-but': functions }]) : {}) },
      ...(functions.length > 0 ? [{ ...base, sourceIPAddress: [{ 'anything-but': CLOUDFORMATION }], ...issuer([{ exists: false }]) }] : []),
    ];
  }
  return [
    // Not through CloudFormation (a person, a pipeline, a function), unless it is one of the kit's deployment-time functions.
    { ...base, sourceIPAddress: [{ 'anything-but': CLOUDFORMATION }], ...(functions.length > 0 ? issuer([{ 'anything-but': functions }]) : {}) },
    // Through CloudFormation, or not, with any role but the deployment's (another stack's, a person's credentials).
    { ...base, ...issuer([{ 'anything-but': [...deployment.roleArns, ...functions] }]) },
    // With no role at all (an IAM user, root, or CloudFormation without a service role).
    { ...base, ...issuer([{ exists: false }]) },
  ];
}

/** Every branch of `a` combined with every branch of `b` (keys of a branch of `b` must not be in `a`'s). */
function both(a: Branch[], b: Branch[]): Branch[] {
  return a.flatMap((x) => b.map((y) => ({ ...x, ...y })));
}

/** An API call recorded by CloudTrail; `eventNames` empty when `detail` names them (inside an `$or`). */
function apiCall(source: string, eventNames: string[], detail: Record<string, unknown> = {}): events.EventPattern {
  // An $or of fewer than two branches is refused by CloudFormation validation (E9014): one branch is the pattern itself.
  const { $or, ...rest } = detail as { $or?: Branch[] };
  const body = $or?.length === 1 ? { ...rest, ...$or[0] } : detail;
  return {
    source: [source],
    detailType: ['AWS API Call via CloudTrail'],
    detail: { eventSource: [`${source.replace(/^aws\./, '')}.amazonaws.com`], ...(eventNames.length > 0 ? { eventName: eventNames } : {}), ...body },
  };
}

/** Who is expected to invoke one of the kit's functions. */
export type ExpectedInvoker =
  /** CloudFormation, through the deployment role: a custom resource's function. */
  | { readonly deployment: true }
  /** These AWS services only (EventBridge `events.amazonaws.com`, alarms `lambda.alarms.cloudwatch.amazonaws.com`). */
  | { readonly services: readonly string[] };

/**
 * An invocation of one of the kit's functions (a CloudTrail data event of the trail) by anyone but its
 * expected caller. The function is matched by the ARN CloudTrail records as the event's resource
 * (with or without a qualifier); one field only, so the pattern stays within EventBridge's 2048 characters.
 */
export function unexpectedInvocation(functionArn: string, expected: ExpectedInvoker, deployment: Deployment): events.EventPattern {
  const target: Branch[] = [{ resources: { ARN: [functionArn, { prefix: `${functionArn}:` }] } }];
  const callers: Branch[] =
    'deployment' in expected ? outsideDeployment({}, { roleArns: deployment.roleArns, functionRoleArns: [] }) : [{ sourceIPAddress: [{ 'anything-but': [...expected.services] }] }];
  return apiCall('aws.lambda', ['Invoke'], { $or: both(target, callers) });
}

/** The detection behind the rules `BreachDetection.watchInvocations` makes, one per watched function. */
export const INVOCATION_DETECTION = {
  id: 'KitFunctionInvokedUnexpectedly',
  description: 'A function of the kit is invoked by someone other than its expected caller (CloudFormation for custom resources, the schedule for the purge, the detections for the notifier)',
  containment: 'Find the caller in the trail (userIdentity, sourceIPAddress); remove its lambda:InvokeFunction permission; check what the function did in its log group and in the database logs (pgaudit).',
} as const;

/** Lambda calls that change what a function runs or who may call it (names as CloudTrail writes them, without the API version). */
export const LAMBDA_CHANGES = [
  'UpdateFunctionCode',
  'UpdateFunctionConfiguration',
  'AddPermission',
  'CreateFunctionUrlConfig',
  'UpdateFunctionUrlConfig',
  'AddLayerVersionPermission',
  'UpdateAlias',
  'DeleteFunctionCodeSigningConfig',
  'DeleteFunction',
] as const;

export const DETECTIONS: readonly Detection[] = [
  {
    id: 'KeyDisabledOrScheduledForDeletion',
    description: 'A KMS key is disabled or scheduled for deletion (data encrypted with it becomes unreadable, then lost)',
    containment: 'Cancel the deletion (`aws kms cancel-key-deletion`) or enable the key again (`aws kms enable-key`); find who did it.',
    pattern: () => apiCall('aws.kms', ['DisableKey', 'ScheduleKeyDeletion']),
  },
  {
    id: 'BackupVaultProtectionChanged',
    description: 'A backup vault lock or access policy is changed or removed, or an attempt is refused',
    containment: 'Restore the vault access policy from `policies/`; a compliance-mode lock past its grace period cannot be removed, so a refused attempt means someone tried.',
    pattern: () => apiCall('aws.backup', [
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
    pattern: () => apiCall('aws.rds', ['ModifyDBClusterSnapshotAttribute', 'ModifyDBSnapshotAttribute'], {
      requestParameters: { attributeName: ['restore'], valuesToAdd: [{ exists: true }] },
    }),
  },
  {
    id: 'DatabaseMadePublic',
    description: 'A database cluster or instance is made publicly accessible',
    containment: 'Set PubliclyAccessible back to false and check the security groups; the kit keeps the database in isolated subnets.',
    pattern: () => apiCall('aws.rds', ['ModifyDBCluster', 'ModifyDBInstance', 'CreateDBCluster', 'CreateDBInstance', 'RestoreDBInstanceFromDBSnapshot', 'RestoreDBInstanceToPointInTime'], {
      requestParameters: { publiclyAccessible: [true] },
    }),
  },
  {
    id: 'SecurityGroupOpenedToInternet',
    description: 'A security group admits traffic from 0.0.0.0/0 or ::/0',
    containment: 'Revoke the rule (`aws ec2 revoke-security-group-ingress`); review the flow logs for connections it let in.',
    pattern: () => apiCall('aws.ec2', ['AuthorizeSecurityGroupIngress'], {
      $or: [
        { requestParameters: { ipPermissions: { items: { ipRanges: { items: { cidrIp: ['0.0.0.0/0'] } } } } } },
        { requestParameters: { ipPermissions: { items: { ipv6Ranges: { items: { cidrIpv6: ['::/0'] } } } } } },
      ],
    }),
  },
  {
    id: 'VpnAuthorizationWidened',
    description: 'A Client VPN authorization rule is added outside a deployment of the kit',
    containment: 'Revoke the rule (`aws ec2 revoke-client-vpn-ingress`); the reviewed rules are in the stack; check the VPN connection logs.',
    pattern: (deployment) => apiCall('aws.ec2', [], { $or: outsideDeployment({ eventName: ['AuthorizeClientVpnIngress'] }, deployment) }),
  },
  {
    id: 'AuditTrailStoppedOrChanged',
    description: 'The audit trail is stopped or deleted, or changed (event selectors included) outside a deployment of the kit',
    containment: 'Start logging again (`aws cloudtrail start-logging`) or redeploy the stack; the gap has no record, note it in the breach register.',
    pattern: (deployment) =>
      apiCall('aws.cloudtrail', [], {
        $or: [{ eventName: ['StopLogging', 'DeleteTrail'] }, ...outsideDeployment({ eventName: ['UpdateTrail', 'PutEventSelectors', 'PutInsightSelectors'] }, deployment)],
      }),
  },
  {
    id: 'SnapshotExported',
    description: 'A database snapshot or cluster is exported to S3 (StartExportTask), or an attempt is refused',
    containment: 'Cancel the export (`aws rds cancel-export-task`); find the bucket and the key it was written with, and who can read them; the kit never exports.',
    pattern: () => apiCall('aws.rds', ['StartExportTask']),
  },
  {
    id: 'SnapshotCreatedOrCopied',
    description: 'A database cluster snapshot is created or copied by anyone but AWS Backup (CreateDBClusterSnapshot, CopyDBClusterSnapshot), or an attempt is refused',
    containment: 'Find the snapshot and where it was copied (`aws rds describe-db-cluster-snapshots`); delete copies outside the backup vaults; check who it was shared with.',
    pattern: () => apiCall('aws.rds', ['CreateDBClusterSnapshot', 'CopyDBClusterSnapshot', 'CreateDBSnapshot', 'CopyDBSnapshot'], { sourceIPAddress: [{ 'anything-but': 'backup.amazonaws.com' }] }),
  },
  {
    id: 'BackupCopyStarted',
    description: 'A backup copy job is started by hand (backup:StartCopyJob), outside the backup plan, or an attempt is refused',
    containment: 'Find the destination vault and account of the copy (`aws backup describe-copy-job`); the plan already copies to the backup account; delete a copy that is anywhere else.',
    pattern: () => apiCall('aws.backup', ['StartCopyJob'], { sourceIPAddress: [{ 'anything-but': 'backup.amazonaws.com' }] }),
  },
  {
    id: 'FunctionChangedOutsideDeployment',
    description: 'The code, configuration (environment, layers, role), resource policy or URL of a Lambda function of the account is changed, or the function deleted, outside a deployment of the kit',
    containment: 'Compare the function with the stack (`cdk diff`, drift detection) and redeploy; a rewritten kit function ran with its role (the schema function reads the master secret): check its log group and the database logs (pgaudit).',
    // Lambda's CloudTrail names carry an API version (UpdateFunctionCode20150331v2): matched by prefix.
    pattern: (deployment) =>
      apiCall('aws.lambda', [], {
        $or: outsideDeployment(
          {
            eventName: LAMBDA_CHANGES.map((prefix) => ({ prefix })),
          },
          deployment,
        ),
      }),
  },
  {
    id: 'BucketProtectionChanged',
    description: 'A bucket policy, lifecycle, public access block, replication, versioning or ACL of an S3 bucket of the account is changed outside a deployment of the kit',
    containment: 'Compare the bucket with the stack (`cdk diff`, drift detection) and redeploy; the extracts bucket\'s policy keeps each processor\'s prefix to its roles and its lifecycle expires it with the grant: check the access logs for reads made meanwhile.',
    pattern: (deployment) =>
      apiCall('aws.s3', [], {
        $or: outsideDeployment(
          {
            eventName: [
              'PutBucketPolicy',
              'DeleteBucketPolicy',
              'PutBucketLifecycle',
              'DeleteBucketLifecycle',
              'PutBucketPublicAccessBlock',
              'DeleteBucketPublicAccessBlock',
              'PutBucketReplication',
              'DeleteBucketReplication',
              'PutBucketVersioning',
              'PutBucketAcl',
            ],
          },
          deployment,
        ),
      }),
  },
  {
    id: 'SecurityGroupRulesChanged',
    description: 'A security group rule of the account is added, removed or modified outside a deployment of the kit',
    containment: 'Compare the group with the stack (`cdk diff`, or drift detection) and revert the change; review the flow logs for connections it let in.',
    pattern: (deployment) =>
      apiCall('aws.ec2', [], {
        $or: outsideDeployment(
          {
            eventName: [
              'AuthorizeSecurityGroupIngress',
              'AuthorizeSecurityGroupEgress',
              'RevokeSecurityGroupIngress',
              'RevokeSecurityGroupEgress',
              'ModifySecurityGroupRules',
            ],
          },
          deployment,
        ),
      }),
  },
];

/** GuardDuty findings about the database (RDS Protection), routed when the configuration says GuardDuty is on. */
export const GUARDDUTY_DETECTION: Detection = {
  id: 'GuardDutyDatabaseFinding',
  description: 'GuardDuty RDS Protection reports suspicious logins or access to the database',
  containment: 'Follow the finding: block the source, rotate the credentials of the user named, review the PostgreSQL connection logs.',
  pattern: () => ({
    source: ['aws.guardduty'],
    detailType: ['GuardDuty Finding'],
    detail: { resource: { resourceType: ['RDSDBInstance', 'RDSLimitlessDB'] } },
  }),
};

/** The export-volume alarm, described like the rules (it invokes the notifier directly). */
export const EXPORT_VOLUME_DETECTION = {
  id: 'ExportVolume',
  description: 'The database sends its clients more data in one hour than the configured threshold (breach.exportAlarm.megabytesPerHour)',
  containment: 'Find the session in the PostgreSQL connection logs and Performance Insights (top SQL by rows); revoke the user if it is not a known job.',
} as const;
