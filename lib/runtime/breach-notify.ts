// Breach detection notifier: turns a detection (an EventBridge event for an
// API call recorded by CloudTrail, a GuardDuty finding, or a CloudWatch alarm
// that invokes it) into a message for the DPO that says what happened, when
// it was detected and the art. 33 deadline, 72 hours later, then publishes it
// to the DPO's encrypted topic. Runs inside the VPC (SNS through its
// interface endpoint).
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';

/* eslint-disable @typescript-eslint/no-explicit-any */
/** What the notifier receives: an EventBridge event or a CloudWatch alarm action. */
export type DetectionEvent = Record<string, any>;

/** A detection, in words. */
export interface Detection {
  /** Short, for the subject line. */
  readonly title: string;
  /** What happened and why it may be a breach or a loss of protection. */
  readonly what: string;
  /** When the kit detected it: the time of the event (the clock starts here). */
  readonly detectedAt: Date;
  readonly account?: string;
  readonly region?: string;
  readonly resource?: string;
  /** Who did it, from where. */
  readonly actor?: string;
  /** The raw event reference (service, API, request id or finding id). */
  readonly reference: string;
}

export interface Notification {
  readonly subject: string;
  readonly message: string;
  /** The art. 33(1) deadline: detection + 72 hours. */
  readonly deadline: Date;
}

export interface NotifyOptions {
  /** The controller, named in the message. */
  readonly organisation: string;
  /** The time zone the DPO reads times in. */
  readonly timeZone: string;
  /** The supervisory authority to notify (art. 33), e.g. "CNIL". */
  readonly authority: string;
  /** Where the breach runbook is. */
  readonly runbook: string;
}

/** Art. 33(1): "without undue delay and, where feasible, not later than 72 hours after having become aware of it". */
export const NOTIFICATION_DEADLINE_HOURS = 72;

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

function ingressRanges(params: any): string[] {
  const items = params?.ipPermissions?.items ?? [];
  return items.flatMap((p: any) => {
    const ports = p?.fromPort === undefined || p?.fromPort === -1 ? 'all ports' : p.fromPort === p.toPort ? `port ${p.fromPort}` : `ports ${p.fromPort}-${p.toPort}`;
    const cidrs = [...(p?.ipRanges?.items ?? []).map((r: any) => r?.cidrIp), ...(p?.ipv6Ranges?.items ?? []).map((r: any) => r?.cidrIpv6)].filter(Boolean);
    return cidrs.map((c: string) => `${c} on ${ports} (${p?.ipProtocol === '-1' ? 'all protocols' : p?.ipProtocol ?? '?'})`);
  });
}

/** An API call recorded by CloudTrail, in words. */
function describeApiCall(event: DetectionEvent): Omit<Detection, 'detectedAt' | 'account' | 'region'> {
  const d = event.detail ?? {};
  const p = d.requestParameters ?? {};
  const name: string = d.eventName ?? 'unknown call';
  const refused = str(d.errorCode) ? ` The call was refused (${d.errorCode}${str(d.errorMessage) ? `: ${d.errorMessage}` : ''}): an attempt, still to be explained.` : '';
  const attempt = str(d.errorCode) ? 'Attempt: ' : '';
  const actor = [str(d.userIdentity?.arn) ?? str(d.userIdentity?.principalId) ?? str(d.userIdentity?.type), str(d.sourceIPAddress) && `from ${d.sourceIPAddress}`]
    .filter(Boolean)
    .join(' ');
  const reference = `${d.eventSource ?? event.source} ${name}${str(d.requestID) ? ` (request ${d.requestID})` : ''}`;
  const base = { actor: actor || undefined, reference };
  // Lambda's management calls carry their API version (UpdateFunctionCode20150331v2): matched by prefix, as the rule does.
  const lambdaChange = d.eventSource === 'lambda.amazonaws.com' ? /^(UpdateFunctionCode|UpdateFunctionConfiguration|AddPermission|CreateFunctionUrlConfig|UpdateFunctionUrlConfig|AddLayerVersionPermission|UpdateAlias|DeleteFunctionCodeSigningConfig|DeleteFunction)/.exec(name) : null;
  if (lambdaChange) {
    return {
      ...base,
      title: `${attempt}A function changed outside a deployment`,
      resource: str(p.functionName),
      what: `${lambdaChange[1]} outside a deployment of the kit: the function may now run code, or answer callers, that nobody reviewed, with its role's permissions (art. 32(1)(b)).${refused}`,
    };
  }
  switch (name) {
    case 'DisableKey':
      return { ...base, title: `${attempt}KMS key disabled`, resource: p.keyId, what: `A KMS key was disabled: nothing encrypted with it can be read until it is enabled again (availability of personal data, art. 32(1)(b)).${refused}` };
    case 'ScheduleKeyDeletion':
      return {
        ...base,
        title: `${attempt}KMS key scheduled for deletion`,
        resource: p.keyId,
        what: `A KMS key was scheduled for deletion in ${p.pendingWindowInDays ?? 30} days: once deleted, everything encrypted with it, backups included, is lost for good (art. 32(1)(c)). Cancel with kms:CancelKeyDeletion if it was not planned.${refused}`,
      };
    case 'PutBackupVaultLockConfiguration':
    case 'DeleteBackupVaultLockConfiguration':
    case 'PutBackupVaultAccessPolicy':
    case 'DeleteBackupVaultAccessPolicy':
      return {
        ...base,
        title: `${attempt}Backup vault ${name.includes('Lock') ? 'lock' : 'access policy'} changed`,
        resource: p.backupVaultName,
        what: `${name} on a backup vault: the protection of the backups against deletion or access by others may have been weakened (art. 32(1)(b), (c)).${refused}`,
      };
    case 'ModifyDBClusterSnapshotAttribute':
    case 'ModifyDBSnapshotAttribute': {
      const added: string[] = p.valuesToAdd ?? [];
      const publicly = added.includes('all');
      return {
        ...base,
        title: `${attempt}Database snapshot ${publicly ? 'made public' : 'shared with another account'}`,
        resource: p.dBClusterSnapshotIdentifier ?? p.dBSnapshotIdentifier,
        what: `A database snapshot was ${publicly ? 'made restorable by any AWS account (public)' : `shared with account(s) ${added.join(', ')}`}: a full copy of the contact data may have left the organisation's control (art. 32, 44).${refused}`,
      };
    }
    case 'ModifyDBCluster':
    case 'ModifyDBInstance':
    case 'CreateDBInstance':
      return {
        ...base,
        title: `${attempt}Database made publicly accessible`,
        resource: p.dBClusterIdentifier ?? p.dBInstanceIdentifier,
        what: `${name} set publiclyAccessible: the database can be given a public address and be reached from outside the VPN (art. 25, 32(1)(b)).${refused}`,
      };
    case 'AuthorizeSecurityGroupIngress':
    case 'AuthorizeSecurityGroupEgress':
    case 'RevokeSecurityGroupIngress':
    case 'RevokeSecurityGroupEgress':
    case 'ModifySecurityGroupRules': {
      const ranges = ingressRanges(p);
      if (name === 'AuthorizeSecurityGroupIngress' && ranges.some((r) => r.startsWith('0.0.0.0/0 ') || r.startsWith('::/0 '))) {
        return {
          ...base,
          title: `${attempt}Security group opened to the internet`,
          resource: p.groupId,
          what: `A security group was opened to ${ranges.join(', ')}: whatever it protects may be reachable from anywhere (art. 32(1)(b)).${refused}`,
        };
      }
      return {
        ...base,
        title: `${attempt}Security group rule changed outside a deployment`,
        resource: p.groupId ?? p.ModifySecurityGroupRulesRequest?.GroupId,
        what: `${name} on a security group outside a deployment of the kit${ranges.length > 0 ? ` (${ranges.join(', ')})` : ''}: who can reach the database or the functions may have changed (art. 32(1)(b)).${refused}`,
      };
    }
    case 'StartExportTask':
      return {
        ...base,
        title: `${attempt}Database snapshot exported to S3`,
        resource: p.sourceArn,
        what: `A snapshot or cluster was exported to bucket ${p.s3BucketName ?? '?'}: a full copy of the contact data may be outside the database and its backups (art. 32, 33).${refused}`,
      };
    case 'CreateDBClusterSnapshot':
    case 'CopyDBClusterSnapshot':
    case 'CreateDBSnapshot':
    case 'CopyDBSnapshot':
      return {
        ...base,
        title: `${attempt}Database snapshot ${name.startsWith('Copy') ? 'copied' : 'created'} by hand`,
        resource: p.targetDBClusterSnapshotIdentifier ?? p.dBClusterSnapshotIdentifier ?? p.targetDBSnapshotIdentifier ?? p.dBSnapshotIdentifier,
        what: `${name} outside AWS Backup: a copy of the contact data exists outside the locked backup vaults${p.kmsKeyId ? `, encrypted with ${p.kmsKeyId}` : ''} (art. 32, 33).${refused}`,
      };
    case 'StartCopyJob':
      return {
        ...base,
        title: `${attempt}Backup copied by hand`,
        resource: p.recoveryPointArn,
        what: `A backup copy job was started outside the backup plan, to ${p.destinationBackupVaultArn ?? '?'}: a copy of the contact data may be outside the reviewed vaults (art. 32, 44).${refused}`,
      };
    case 'Invoke': {
      const target = str(p.functionName) ?? str(d.resources?.[0]?.ARN);
      return {
        ...base,
        title: `${attempt}A function of the kit was invoked directly`,
        resource: target,
        what: `The function was invoked by someone other than its expected caller: it works on the contact database or the breach notification, so what it did must be checked in its log group and the database logs (art. 32(1)(b), 33).${refused}`,
      };
    }
    case 'AuthorizeClientVpnIngress':
      return {
        ...base,
        title: `${attempt}VPN authorization widened`,
        resource: p.clientVpnEndpointId,
        what: `A Client VPN authorization rule was added outside the reviewed deployment: ${p.authorizeAllGroups ? 'every VPN user' : `group ${p.accessGroupId ?? '?'}`} may now reach ${p.targetNetworkCidr ?? '?'} (art. 32(1)(b)).${refused}`,
      };
    case 'StopLogging':
    case 'DeleteTrail':
    case 'UpdateTrail':
    case 'PutEventSelectors':
    case 'PutInsightSelectors':
      return {
        ...base,
        title: `${attempt}Audit trail ${name === 'StopLogging' ? 'stopped' : name === 'DeleteTrail' ? 'deleted' : 'changed'}`,
        resource: p.name ?? p.trailName,
        what: `${name} on a CloudTrail trail: actions on the contact data may no longer be recorded, and a breach could go undetected or undocumented (art. 33(5)).${refused}`,
      };
    default:
      return { ...base, title: `${attempt}${name}`, what: `${name} was called; the kit watches this call because it may weaken the protection of personal data.${refused}` };
  }
}

/** Any event the notifier receives, in words. */
export function describe(event: DetectionEvent): Detection {
  // A CloudWatch alarm that invokes the function directly.
  if (event.alarmData) {
    const alarm = event.alarmData;
    return {
      title: 'Unusual volume of data sent by the database',
      what: `${alarm.configuration?.description ?? `Alarm ${alarm.alarmName}`}. ${alarm.state?.reason ?? ''}`.trim(),
      detectedAt: new Date(alarm.state?.timestamp ?? event.time ?? Date.now()),
      account: event.accountId,
      region: event.region,
      resource: str(event.alarmArn) ?? alarm.alarmName,
      reference: `CloudWatch alarm ${alarm.alarmName} (${alarm.state?.value ?? '?'})`,
    };
  }
  const detectedAt = new Date(event.time ?? event.detail?.eventTime ?? Date.now());
  const where = { detectedAt, account: event.account, region: event.region };
  if (event['detail-type'] === 'GuardDuty Finding') {
    const f = event.detail ?? {};
    const resource = f.resource?.rdsDbInstanceDetails?.dbClusterIdentifier ?? f.resource?.rdsDbInstanceDetails?.dbInstanceIdentifier ?? f.resource?.resourceType;
    return {
      ...where,
      title: `GuardDuty: ${f.title ?? f.type ?? 'finding on the database'}`.slice(0, 80),
      what: `${f.description ?? f.type ?? 'GuardDuty reported a finding'} (type ${f.type ?? '?'}, severity ${f.severity ?? '?'}).`,
      resource,
      actor: str(f.service?.action?.rdsLoginAttemptAction?.remoteIpDetails?.ipAddressV4),
      reference: `GuardDuty finding ${f.id ?? '?'}`,
    };
  }
  return { ...where, ...describeApiCall(event) };
}
/* eslint-enable @typescript-eslint/no-explicit-any */

/** `2026-11-29 14:03 UTC` and the same instant in the DPO's time zone. */
function when(date: Date, timeZone: string): string {
  const parts = (zone: string) =>
    Object.fromEntries(
      new Intl.DateTimeFormat('en-GB', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
        .formatToParts(date)
        .map((p) => [p.type, p.value]),
    );
  const format = (zone: string) => {
    const p = parts(zone);
    return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
  };
  return timeZone === 'UTC' ? `${format('UTC')} UTC` : `${format('UTC')} UTC (${format(timeZone)} ${timeZone})`;
}

/** SNS subjects are ASCII, at most 100 characters, on one line. */
function subjectLine(text: string): string {
  const ascii = text.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[^\x20-\x7e]/g, '-');
  return ascii.length <= 100 ? ascii : `${ascii.slice(0, 97)}...`;
}

/** The message for the DPO: what, when detected, the deadline (detection + 72 h), what to do. */
export function notification(detection: Detection, options: NotifyOptions, sentAt: Date = new Date()): Notification {
  const deadline = new Date(detection.detectedAt.getTime() + NOTIFICATION_DEADLINE_HOURS * 3_600_000);
  const leftMinutes = Math.max(0, Math.floor((deadline.getTime() - sentAt.getTime()) / 60_000));
  const left = `${Math.floor(leftMinutes / 60)} h ${String(leftMinutes % 60).padStart(2, '0')} min`;
  const deadlineUtc = when(deadline, 'UTC').replace(' UTC', '');
  const lines = [
    `POSSIBLE PERSONAL DATA BREACH at ${options.organisation}: the 72-hour clock is running.`,
    `VIOLATION POSSIBLE DE DONNÉES PERSONNELLES chez ${options.organisation} : le délai de 72 heures court.`,
    '',
    `What happened: ${detection.title}.`,
    detection.what,
    '',
    `Detected / détecté:        ${when(detection.detectedAt, options.timeZone)}`,
    `Deadline / échéance:       ${when(deadline, options.timeZone)}`,
    `Time left / temps restant: ${left} when this message was sent`,
    '',
    `By the deadline, notify ${options.authority} (art. 33(1) GDPR) unless the breach is unlikely to result in a risk to people's rights and freedoms; record it in the breach register in every case (art. 33(5)). If the risk is high, tell the people concerned without undue delay (art. 34).`,
    `Avant l'échéance, notifier ${options.authority} (art. 33(1) RGPD), sauf si la violation ne présente pas de risque pour les droits et libertés des personnes ; l'inscrire au registre des violations dans tous les cas (art. 33(5)). Si le risque est élevé, informer les personnes concernées dans les meilleurs délais (art. 34).`,
    '',
    ...(detection.account ? [`Account / compte: ${detection.account}${detection.region ? `, region ${detection.region}` : ''}`] : []),
    ...(detection.resource ? [`Resource / ressource: ${detection.resource}`] : []),
    ...(detection.actor ? [`By / par: ${detection.actor}`] : []),
    `Source: ${detection.reference}`,
    '',
    `Runbook / procédure: ${options.runbook}`,
  ];
  return {
    subject: subjectLine(`[GDPR 72h] ${detection.title} - notify by ${deadlineUtc} UTC`),
    message: `${lines.join('\n')}\n`,
    deadline,
  };
}

export interface NotifyHandlerOptions extends NotifyOptions {
  readonly publish: (subject: string, message: string) => Promise<void>;
  /** @default the current time */
  readonly now?: () => Date;
}

export function createNotifyHandler(options: NotifyHandlerOptions) {
  return async (event: DetectionEvent): Promise<Notification> => {
    const detection = describe(event);
    const result = notification(detection, options, options.now?.() ?? new Date());
    await options.publish(result.subject, result.message);
    // The subject and the deadline only: the message names people (the actor's ARN, addresses).
    console.log(JSON.stringify({ notified: result.subject, deadline: result.deadline.toISOString() }));
    return result;
  };
}

export const handler = (event: DetectionEvent) => {
  const sns = new SNSClient({});
  return createNotifyHandler({
    organisation: process.env.ORGANISATION as string,
    timeZone: process.env.TIME_ZONE ?? 'UTC',
    authority: process.env.AUTHORITY as string,
    runbook: process.env.RUNBOOK as string,
    publish: async (subject, message) => {
      await sns.send(new PublishCommand({ TopicArn: process.env.TOPIC_ARN, Subject: subject, Message: message }));
    },
  })(event);
};
