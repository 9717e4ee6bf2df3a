import { NagMessageLevel } from 'cdk-nag';
import { GDPR_PACK_NAME } from './gdpr-checks';
import type { GdprRule } from './rule';
import { GDPR_RULES } from './rules';

/**
 * What a reviewer expects to read in an acknowledgment of each rule, and for
 * rules that report one finding per way of failing, the findings as cdk-nag
 * prints them between brackets (each is acknowledged on its own).
 */
interface AcknowledgmentHint {
  readonly reason: string;
  readonly findings?: readonly string[];
}

const DEFAULT_HINT: AcknowledgmentHint = { reason: '<why this rule does not apply to this resource>' };

const HINTS: Readonly<Record<string, AcknowledgmentHint>> = {
  'Art44-StackRegionAllowed': { reason: '<the chapter V transfer basis for this region>' },
  'Art44-RegionReferencesAllowed': { reason: '<why no personal data reaches this region>', findings: ['Region::<region>'] },
  'Art44-RegionGuardAttached': { reason: '<why this role cannot act outside the allowed regions>' },
  'Art32-EncryptedWithCmk': { reason: '<why this resource holds no personal data>', findings: ['CannotEvaluate::<property>'] },
  'Art25-DatabaseNotPublic': {
    reason: '<why nobody outside the VPN can reach this database>',
    findings: ['PubliclyAccessible', 'CannotEvaluate::PubliclyAccessible', 'SubnetNotIsolated::<subnet logical id>', 'OpenIngress::<security group logical id>'],
  },
  'Art32-DatabaseIamAuth': { reason: '<how every login to this database is tied to a named person>', findings: ['CannotEvaluate::EnableIAMDatabaseAuthentication'] },
  'Art32-DatabaseTlsForced': { reason: '<why no client can reach this database without TLS>' },
  'Art5-DatabaseDeletionProtected': { reason: '<why deleting this database loses no personal data>', findings: ['CannotEvaluate::DeletionProtection'] },
  'Art5-StatefulResourceRetained': {
    reason: '<why losing this resource loses no personal data, key, log or backup>',
    findings: ['DeletionPolicy', 'UpdateReplacePolicy'],
  },
  'Art32-VpnAuthorizationScoped': { reason: '<why these users may reach this whole network>', findings: ['Everything', 'AllUsersToVpc', 'GroupToVpc'] },
  'Art32-VpnConnectionsLogged': { reason: '<where connections to this endpoint are logged instead>' },
  'Art32-HumanRoleRequiresMfa': { reason: '<how the people who assume this role prove a second factor>' },
  'Art32-DbConnectScoped': {
    reason: '<why this grant cannot sign in as another database user>',
    findings: ['Resource::<arn>', 'NotResource::<arn>'],
  },
  'Art32-NoWildcardDataAccess': {
    reason: '<why this grant on every resource reaches no personal data>',
    findings: ['Action::<action>', 'CannotEvaluate::Resource::<action>'],
  },
  'Art28-ProcessorTrustBounded': {
    reason: '<why this other account cannot be a confused deputy, or when its access ends>',
    findings: ['ExternalId::<accounts>', 'Expiry::<accounts>', 'CannotEvaluate::Principal'],
  },
  'Art28-ProcessorNoDatabaseAccess': {
    reason: '<why this processor may reach the contact database>',
    findings: ['Action::<action>', 'ManagedPolicy::<arn>'],
  },
  'Art44-ProcessorTransferMechanism': {
    reason: '<where the processor processes the data, or the chapter V basis of the transfer>',
    findings: ['LocationUndeclared', 'NoTransferMechanism::<region>'],
  },
  'Art32-BackupVaultOwnKey': {
    reason: '<why this key protects the backups and nothing they could be lost with>',
    findings: ['KeySharedWith::<logical id>', 'KeyNotCustomerManaged'],
  },
  'Art5-BackupVaultLocked': {
    reason: '<what stops anyone from deleting these recovery points early, and bounds their retention, instead>',
    findings: ['NoLock', 'GovernanceMode', 'NoMaxRetention'],
  },
  'Art5-RecoveryPointDeletionDenied': { reason: '<what stops anyone from deleting these recovery points instead>', findings: ['Action::<action>'] },
  'Art44-BackupCopyRegionAllowed': {
    reason: '<where the destination vault is, and the chapter V basis when outside the EU>',
    findings: ['Region::<region>', 'RegionUnknown::<rule name>'],
  },
  'Art32-DatabaseInBackupPlan': { reason: '<what backs this database up instead, or why it holds no personal data>' },
  'Art5-NoSecondCopy': {
    reason: '<why this copy must exist (the incident it restores), who secures and erases it, and when it goes>',
    findings: [
      'ReadReplica',
      'GlobalCluster',
      'RestoredCopy',
      'AutomatedBackupReplication',
      'ZeroEtlIntegration',
      'DmsReplication',
      'BucketReplication',
      'SnapshotShared',
      'SnapshotCopied',
      'SnapshotExported',
      'ManualSnapshot',
      'AssociatedRole::<feature>',
      'CannotEvaluate::AssociatedRoles',
      'Permission::<finding>',
      'Permission::CopyJobUnbounded',
      'Permission::CopyJobRegion::<region>',
      'ManagedPolicy::<name>',
    ],
  },
  'Art33-TrailEncryptedAndValidated': {
    reason: '<where an encrypted, validated trail records this account instead (an organisation trail)>',
    findings: ['NoTrail', 'NotEncrypted::<trail logical id>', 'NotValidated::<trail logical id>', 'NotLogging::<trail logical id>'],
  },
  'Art33-DpoNotificationTopic': {
    reason: '<how the DPO is notified of a breach instead>',
    findings: ['NoDpoTopic', 'NotEncrypted', 'NotSubscribed'],
  },
  'Art5-RetentionPurgeScheduled': {
    reason: '<why this database holds no personal data to purge, or what purges it>',
    findings: ['NoPurgeFunction', 'NotScheduled'],
  },
  // Rule pack v2 (issue 11): resource-based policies.
  'Art32-ResourcePolicyBounded': {
    reason: '<who this other account or service is, the agreement that covers it, and what it may reach>',
    findings: [
      'Public',
      'Account::<id>',
      'ServiceWithoutSourceCondition::<service>',
      'CannotEvaluate::Principal',
      'CannotEvaluate::Condition',
      'CannotEvaluate::Statement',
      'CannotEvaluate::Effect',
      'CannotEvaluate::<property>',
      'CannotEvaluate::ValuesToAdd',
    ],
  },
  // Rule pack v2 (issue 11), roles that bypass the catalog
  'Art32-NoBroadManagedPolicy': {
    reason: '<why this identity needs this AWS-managed policy and what keeps it from the contact data>',
    findings: ['ManagedPolicy::<name>', 'CannotEvaluate::ManagedPolicyArns'],
  },
  'Art28-ProcessorReadsOwnPrefix': { reason: '<why this processor may read beyond its own prefix>', findings: ['Beyond::<resource>'] },
  'Art32-DatabaseRoleRequiresMfa': {
    reason: '<what proves the person behind this database login instead of MFA>',
    findings: ['ExternalIdWithoutMfa::<accounts>'],
  },
  // Rule pack v2 (issue 11), ways around the VPN-only path
  'Art32-NoPathAroundVpn': {
    reason: '<who can use this path, how each caller is authenticated and logged, and why the VPN cannot serve them>',
    findings: [
      'DataApi',
      'SubnetRoutedOut::<subnet>::<kind>',
      'PublicFunctionUrl',
      'UnauthenticatedApi::<target logical id>',
      'InternetFacingLoadBalancer',
      'PublicIp',
      'NetworkAttached::<kind>',
      'EndpointWithoutPolicy',
      'EndpointPolicyAllowsAll',
      'CannotEvaluate::<property>',
    ],
  },
  // Rule pack v2 (issue 11), retention and key rotation
  'Art5-BackupWithinErasureBound': {
    reason: '<why no erased contact can come back from this backup>',
    findings: ['KeptForever::<rule>.DeleteAfterDays', 'BeyondBound::<property>', 'CannotEvaluate::<property>'],
  },
  'Art32-DataKeyRotated': { reason: '<why this key encrypts no personal data, or how its material is rotated>', findings: ['CannotEvaluate::<property>'] },
};

/** Rule ids that have an acknowledgment hint (a test checks they all still exist). */
export const RULES_WITH_ACKNOWLEDGMENT_HINTS: readonly string[] = Object.keys(HINTS);

/** A table cell: one line, `|` escaped (GFM honours `\|` inside code spans too). */
function cell(text: string): string {
  return text.replace(/\r?\n\s*/g, ' ').replace(/\|/g, '\\|').trim();
}

function acknowledgment(rule: GdprRule): string {
  const { reason, findings } = HINTS[rule.id] ?? DEFAULT_HINT;
  const id = `${GDPR_PACK_NAME}-${rule.id}`;
  if (!findings) return `\`acknowledge(construct, '${id}', '${reason}')\``;
  return findings.map((finding) => `\`acknowledge(construct, '${id}', '${reason}', { finding: '${finding}' })\``).join('<br>');
}

function levelName(level: NagMessageLevel): string {
  return level === NagMessageLevel.ERROR ? 'Error' : level === NagMessageLevel.WARN ? 'Warning' : 'Info';
}

/**
 * The reference of the GDPR rule pack, as Markdown (committed as `policies/RULES.md`):
 * one row per rule of `GDPR_RULES`, in order.
 */
export function renderRulesMarkdown(rules: readonly GdprRule[] = GDPR_RULES): string {
  const errors = rules.filter((r) => r.level === NagMessageLevel.ERROR).length;
  const levels =
    errors === rules.length
      ? `All ${rules.length} rules are at level Error: any finding not acknowledged fails the synth.`
      : `Findings of the ${errors} rules at level Error fail the synth; the other rules only warn.`;
  const lines = [
    '<!-- Generated from GDPR_RULES by lib/nag/rules-doc.ts. Do not edit: run npm run policies. -->',
    '',
    `# ${GDPR_PACK_NAME} rule pack`,
    '',
    `The \`${GDPR_PACK_NAME}\` pack (\`GdprChecks\`) is a cdk-nag v3 rule pack that checks every resource the app synthesizes ` +
      'against the security the GDPR requires of a marketing contact database. ' +
      `Rule ids read \`${GDPR_PACK_NAME}-<article>-<WhatIsRequired>\`, so a finding names the article it protects. ` +
      `${levels} A rule that can fail in several ways reports each as \`${GDPR_PACK_NAME}-<rule>[<finding>]\`, acknowledged on its own. ` +
      'Acknowledge a finding only where the rule truly does not apply, on the one construct it concerns, with `acknowledge` ' +
      '(`lib/marks/acknowledge.ts`) and a reason of at least 30 characters that a reviewer can judge.',
    '',
    '| Rule id | GDPR article | Level | Triggered by | How to fix | How to acknowledge when it does not apply |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rules.map((rule) =>
      [
        '',
        `\`${GDPR_PACK_NAME}-${rule.id}\``,
        rule.article,
        levelName(rule.level),
        rule.trigger,
        rule.fix,
        acknowledgment(rule),
        '',
      ]
        .map((c, i, all) => (i === 0 || i === all.length - 1 ? c : ` ${cell(c)} `))
        .join('|'),
    ),
    '',
  ];
  return lines.join('\n');
}
