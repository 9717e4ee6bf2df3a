/* eslint-disable @typescript-eslint/no-explicit-any */
/**
 * The DPIA draft (art. 35(7)), pre-filled from the configuration, the catalog, the schema migrations
 * and the synthesized templates: a systematic description of the processing, its necessity and
 * proportionality, the risks to the people with the measures the templates actually contain (named
 * by their logical ids), and the points only the DPO can complete, marked **DPO:**.
 */
import type { Catalog, DataCategory } from '../catalog/catalog';
import type { BaselineConfig } from '../config/schema';
import type { Migration } from '../database/migrations';
import type { DpiaScreening } from './dpia-screening';
import type { SynthesizedStack } from './policies';
import { readable } from './readable';
import { deployedMeasures } from './record-of-processing';

/** What a function of the schema does for the people, by its name (the SQL says whether it exists and who runs it). */
const FUNCTION_PURPOSES: Readonly<Record<string, string>> = {
  'gdpr.export_contact': 'right of access (art. 15): everything held on one person, every category',
  'gdpr.erase_contact': 'right to erasure (art. 17): erases a person, keeping only what a legal hold requires (art. 17(3)(b))',
  'crm.withdraw_consent': 'withdrawal of consent (art. 7(3)), as easy as giving it: the person leaves that purpose at once',
  'gdpr.replay_erasures': 'erasures survive a restore: an erasure journal is replayed on a restored database (art. 17)',
  'gdpr.purge_expired': 'storage limitation (art. 5(1)(e)): deletes or anonymises what is past its retention',
  'crm.note_check': 'minimisation of notes (art. 5(1)(c)): a note is checked for special-category or discriminatory terms before it is written',
  'gdpr.release_note': 'the DPO releases a held note found factual (art. 5(1)(c))',
  'gdpr.reject_note': 'the DPO rejects a held note (art. 5(1)(c), art. 9)',
  'gdpr.breach_scope': 'the categories and approximate numbers of people and records a breach concerns (art. 33(3)(a))',
};

/**
 * Rights of the data subject, and the names of the schema functions that serve one: a function of the
 * migrations whose name matches, granted to a role or described above, serves the right. A right no
 * function serves is either served by privileges (`served`) or is a point for the DPO (`otherwise`).
 */
const RIGHTS: readonly { right: string; matches: RegExp; served?: string; otherwise: string }[] = [
  { right: 'Access (art. 15)', matches: /export/, otherwise: 'no export function in the schema: describe how a copy of the data is produced' },
  { right: 'Rectification (art. 16)', matches: /rectif/, served: 'the column privileges of the roles that write each category (who receives the data, above)', otherwise: '' },
  { right: 'Erasure (art. 17)', matches: /erase|erasure/, otherwise: 'no erasure function in the schema: describe how a person is erased' },
  { right: 'Restriction (art. 18)', matches: /restrict/, otherwise: 'no restriction function in the schema: describe how processing of a contested record is suspended' },
  { right: 'Portability (art. 20)', matches: /portab/, otherwise: 'for the categories on consent or contract, say in which structured, machine-readable format the data is given (the access export is JSON)' },
  { right: 'Objection (art. 21), withdrawal of consent (art. 7(3))', matches: /withdraw|object/, otherwise: 'no withdrawal function in the schema: describe how a person leaves a purpose' },
];

const COUNT_FROM_TEXT: Record<string, string> = {
  'last-contact-from-person': 'the last contact that came from the person',
  'end-of-relationship': 'the end of the commercial relationship',
  transaction: 'each record\'s own transaction',
  withdrawal: 'the withdrawal of the consent (or the end of the relationship while it is in force)',
  creation: 'the day each record was written',
};

const days = (n: number) => (n % 365 === 0 ? `${n / 365} year${n === 365 ? '' : 's'} (${n} days)` : `${n} days`);

function resourcesOf(stacks: readonly SynthesizedStack[], type: string): { stack: string; id: string; r: any }[] {
  return stacks.flatMap((s) => Object.entries(s.template.Resources).filter(([, r]) => r.Type === type).map(([id, r]) => ({ stack: s.name, id, r })));
}

/** The functions the migrations create, and who may execute each one (from the catalog SQL of the templates). */
export function schemaFunctions(migrations: readonly Migration[], stacks: readonly SynthesizedStack[]) {
  const created = new Set<string>();
  const comments = new Map<string, string>();
  for (const m of migrations) {
    for (const f of m.sql.matchAll(/CREATE\s+(?:OR\s+REPLACE\s+)?FUNCTION\s+"?([a-z_]+)"?\."?([a-z_0-9]+)"?/gi)) created.add(`${f[1]}.${f[2]}`);
    for (const c of m.sql.matchAll(/COMMENT ON FUNCTION\s+"?([a-z_]+)"?\."?([a-z_0-9]+)"?\([^)]*\)\s+IS\s+'((?:[^']|'')*)'/gi)) comments.set(`${c[1]}.${c[2]}`, c[3].replace(/''/g, "'"));
  }
  const grantedTo = new Map<string, Set<string>>();
  for (const s of stacks) {
    for (const g of (s.catalogSql ?? '').matchAll(/GRANT EXECUTE ON FUNCTION (.+?) TO "?([a-z_0-9]+)"?;/g)) {
      for (const f of g[1].matchAll(/"?([a-z_]+)"?\."?([a-z_0-9]+)"?\(/g)) {
        const name = `${f[1]}.${f[2]}`;
        grantedTo.set(name, new Set([...(grantedTo.get(name) ?? []), g[2]]));
      }
    }
  }
  return { created, grantedTo, comments };
}

/** Tables whose rows no one may rewrite or delete (triggers on gdpr.refuse_rewrite or the consent-ledger guard), and tables audited row by row. */
export function protectedTables(migrations: readonly Migration[]) {
  const triggers = migrations.flatMap((m) =>
    [...m.sql.matchAll(/CREATE\s+(?:OR\s+REPLACE\s+)?(?:CONSTRAINT\s+)?TRIGGER\s+\w+\s+[\s\S]*?\bON\s+([a-z_]+\.[a-z_]+)[\s\S]*?EXECUTE\s+(?:FUNCTION|PROCEDURE)\s+([a-z_]+\.[a-z_]+)/gi)].map((t) => ({ table: t[1], fn: t[2] })),
  );
  const tables = (fns: string[]) => [...new Set(triggers.filter((t) => fns.includes(t.fn)).map((t) => t.table))].sort();
  return { appendOnly: tables(['gdpr.refuse_rewrite', 'crm.guard_consent_ledger']), audited: tables(['gdpr.audit']) };
}

interface Measure {
  readonly measure: string;
  /** Logical ids of the resources (or database objects) that carry it; empty: not found. */
  readonly where: readonly string[];
}

const ids = (list: { stack: string; id: string }[], mainStack: string) => list.map((x) => (x.stack === mainStack ? x.id : `${x.stack}/${x.id}`));

/** The measures against each of the three risks, as the templates and the migrations contain them. */
export function riskMeasures(stacks: readonly SynthesizedStack[], migrations: readonly Migration[]) {
  const main = stacks[0]?.name ?? '';
  const m = deployedMeasures(stacks);
  const clusters = resourcesOf(stacks, 'AWS::RDS::DBCluster');
  const instances = resourcesOf(stacks, 'AWS::RDS::DBInstance');
  const roles = resourcesOf(stacks, 'AWS::IAM::Role');
  const tag = (r: any, key: string) => (r.Properties?.Tags ?? []).find((t: any) => t.Key === key)?.Value;
  const humanRoles = roles.filter((x) => tag(x.r, 'gdpr:role') !== undefined);
  // A trust statement requires MFA itself, or admits only IAM Identity Center permission-set roles (the reserved
  // sso.amazonaws.com path), whose sessions never carry aws:MultiFactorAuthPresent, on a role whose template
  // records, in an acknowledgment, where the sign-in enforces MFA (landingZone.identityCenter.mfaEnforcement).
  const atIdentityCenter = (x: { r: any }) =>
    ((x.r.Metadata?.cdk_nag?.rules_to_suppress ?? []) as { id: string }[]).some((a) => a.id.endsWith('[MfaAtIdentityProvider]'));
  const statementRequiresMfa = (st: any, role: { r: any }) => {
    const text = JSON.stringify(st.Condition ?? {});
    if (text.includes('aws:MultiFactorAuthPresent')) return true;
    const arns = Object.entries(st.Condition?.ArnLike ?? {}).filter(([k]) => k.toLowerCase() === 'aws:principalarn').flatMap(([, v]) => (Array.isArray(v) ? v : [v]));
    return arns.length > 0 && arns.every((a) => typeof a === 'string' && a.includes(':role/aws-reserved/sso.amazonaws.com/')) && atIdentityCenter(role);
  };
  const mfa = humanRoles.filter((x) => {
    const statements = [x.r.Properties?.AssumeRolePolicyDocument?.Statement ?? []].flat().filter((st: any) => st?.Effect === 'Allow');
    return statements.length > 0 && statements.every((st: any) => statementRequiresMfa(st, x));
  });
  const processorRoles = roles.filter((x) => tag(x.r, 'gdpr:processor') !== undefined);
  const boundedProcessors = processorRoles.filter((x) => {
    const trust = JSON.stringify(x.r.Properties?.AssumeRolePolicyDocument ?? {});
    return trust.includes('sts:ExternalId') && trust.includes('aws:CurrentTime');
  });
  const buckets = resourcesOf(stacks, 'AWS::S3::Bucket');
  const kmsBuckets = buckets.filter((x) => JSON.stringify(x.r.Properties?.BucketEncryption ?? {}).includes('aws:kms'));
  const schema = resourcesOf(stacks, 'Custom::ContactSchema');
  const keys = resourcesOf(stacks, 'AWS::KMS::Key');
  const pseudonymKeys = keys.filter((x) => /pseudonymisation/i.test(x.r.Properties?.Description ?? ''));
  const breachRules = resourcesOf(stacks, 'AWS::Events::Rule').filter((x) => /breach detection/i.test(x.r.Properties?.Description ?? ''));
  const alarms = resourcesOf(stacks, 'AWS::CloudWatch::Alarm');
  const exportAlarms = alarms.filter((x) => /sent more than|export/i.test(x.r.Properties?.AlarmDescription ?? ''));
  const deadLetterAlarms = alarms.filter((x) => /dead-letter/i.test(x.r.Properties?.AlarmDescription ?? ''));
  const backupFailures = resourcesOf(stacks, 'AWS::Events::Rule').filter((x) => /failed.*backup|backup.*failed/i.test(x.r.Properties?.Description ?? ''));
  const topics = resourcesOf(stacks, 'AWS::SNS::Topic');
  const dpoTopics = topics.filter((x) => tag(x.r, 'gdpr:purpose') === 'dpo-breach-notification');
  const plans = resourcesOf(stacks, 'AWS::Backup::BackupPlan');
  const planRules = plans.flatMap((p) => (p.r.Properties?.BackupPlan?.BackupPlanRule ?? []).map((rule: any) => ({ ...p, rule })));
  const copies = planRules.filter((p) => (p.rule.CopyActions ?? []).length > 0);
  const restoreTests = resourcesOf(stacks, 'AWS::Backup::RestoreTestingPlan');
  const vaults = resourcesOf(stacks, 'AWS::Backup::BackupVault');
  const lockedVaults = vaults.filter((x) => x.r.Properties?.LockConfiguration);
  const retained = [...clusters, ...keys, ...vaults, ...buckets, ...resourcesOf(stacks, 'AWS::Logs::LogGroup')].filter((x) => x.r.DeletionPolicy === 'Retain');
  const stateful = [...clusters, ...keys, ...vaults, ...buckets];
  const groups = resourcesOf(stacks, 'AWS::RDS::DBClusterParameterGroup');
  const pgaudit = groups.filter((x) => /read|write|all/.test(x.r.Properties?.Parameters?.['pgaudit.log'] ?? ''));
  const ledgers = protectedTables(migrations);
  const byCluster = (pred: (c: (typeof m.clusters)[number]) => boolean) => m.clusters.filter(pred).map((c) => (c.stack === main ? c.cluster : `${c.stack}/${c.cluster}`));

  const illegitimateAccess: Measure[] = [
    { measure: 'the database is encrypted at rest with a customer-managed KMS key', where: m.clusters.filter((c) => c.encryptedWith).map((c) => `${c.cluster} (${c.encryptedWith})`) },
    { measure: 'sign-in with IAM database authentication, one database user per role', where: byCluster((c) => c.iamAuthentication) },
    { measure: 'TLS forced on every connection (rds.force_ssl)', where: byCluster((c) => c.tlsForced) },
    { measure: 'no database instance is publicly accessible', where: instances.length > 0 && instances.every((x) => x.r.Properties?.PubliclyAccessible !== true) ? ids(instances, main) : [] },
    { measure: `no internet gateway and no NAT: the database is reached through the Client VPN only`, where: m.internetGateways === 0 ? m.vpn.map((v) => v.endpoint) : [] },
    { measure: 'VPN connections logged, each identity-provider group authorised for its own role', where: m.vpn.filter((v) => v.connectionLogging).map((v) => `${v.endpoint} (${v.authorizationRules} authorization rules)`) },
    { measure: `every role people assume requires MFA, in its trust policy or at the IAM Identity Center sign-in (${mfa.length} of ${humanRoles.length})`, where: mfa.length === humanRoles.length ? ids(mfa, main) : [] },
    { measure: 'column and row privileges per role, generated from the catalog (a role reads only its categories; consent-bound roles see only consenting contacts)', where: ids(schema, main) },
    { measure: 'processors get pseudonymised extracts only, in their own prefix, through a role bounded by an external id and the contract end', where: processorRoles.length === boundedProcessors.length ? ids(boundedProcessors, main) : [] },
    { measure: 'the pseudonymisation secrets are wrapped by their own KMS key', where: ids(pseudonymKeys, main) },
    { measure: 'buckets encrypted with a customer-managed KMS key', where: ids(kmsBuckets, main) },
    { measure: 'every action outside the permitted regions is denied to the roles of the stack', where: m.regionGuard.map((g) => `${g.policy} (${g.rolesGuarded} roles)`) },
    { measure: 'an unusual volume sent by the database to its clients raises an alarm to the DPO', where: ids(exportAlarms, main) },
  ];
  const unwantedChange: Measure[] = [
    { measure: 'every read and write logged with its database user (pgaudit), logs exported to an encrypted log group', where: ids(pgaudit, main) },
    { measure: 'the audit trail records management events, log file validation on', where: m.trails.filter((t) => t.logFileValidation).map((t) => t.trail) },
    { measure: 'ledgers no one may rewrite or delete, not even the master user (append-only)', where: ledgers.appendOnly },
    { measure: 'every change of a table of personal data written to the audit log', where: ledgers.audited },
    { measure: 'a change of a protection (trail, vault, bucket, key, security group, VPN rule, function) outside a deployment is sent to the DPO', where: ids(breachRules, main) },
    { measure: 'the DPO notification topic, encrypted', where: ids(dpoTopics, main) },
    { measure: 'an event the DPO notification or the retention purge failed to handle raises an alarm', where: ids(deadLetterAlarms, main) },
  ];
  const disappearance: Measure[] = [
    { measure: 'deletion protection on the database', where: byCluster((c) => c.deletionProtection) },
    { measure: `point-in-time restore (${[...new Set(m.clusters.map((c) => c.pointInTimeRestoreDays))].join(', ')} days)`, where: byCluster((c) => (c.pointInTimeRestoreDays ?? 0) > 0) },
    { measure: `backups on a schedule (${planRules.map((p) => `${p.rule.RuleName}: ${p.rule.EnableContinuousBackup ? 'continuous, ' : ''}${p.rule.ScheduleExpression ?? ''}, kept ${p.rule.Lifecycle?.DeleteAfterDays ?? '?'} days`).join('; ')})`, where: ids(plans, main) },
    { measure: 'each backup copied to a vault of another account', where: copies.map((p) => `${p.id} → ${readable(p.rule.CopyActions[0].DestinationBackupVaultArn)}`) },
    { measure: 'backup vaults locked against deletion of recovery points', where: ids(lockedVaults, main) },
    { measure: 'restores tested on a schedule', where: ids(restoreTests, main) },
    { measure: 'failed, aborted or expired backup, copy and restore jobs are notified', where: ids(backupFailures, main) },
    { measure: `stateful resources retained on stack deletion (${retained.filter((x) => stateful.includes(x)).length} of ${stateful.length} databases, keys, vaults and buckets)`, where: retained.filter((x) => stateful.includes(x)).length === stateful.length ? ids(stateful, main) : [] },
    { measure: 'KMS keys rotated yearly and retained (a lost key is lost data)', where: m.keys.every((k) => k.rotation && k.retained) ? m.keys.map((k) => (k.stack === main ? k.key : `${k.stack}/${k.key}`)) : [] },
  ];
  return { illegitimateAccess, unwantedChange, disappearance, databases: ids(clusters, main), backupCopies: copies.length };
}

/** The DPIA draft as data. */
export function dpiaDraft(config: BaselineConfig, catalog: Catalog, stacks: readonly SynthesizedStack[], migrations: readonly Migration[], screening: DpiaScreening) {
  const fns = schemaFunctions(migrations, stacks);
  const measures = riskMeasures(stacks, migrations);
  const functionRow = (name: string) => ({ name, roles: [...(fns.grantedTo.get(name) ?? [])].sort(), purpose: FUNCTION_PURPOSES[name] ?? fns.comments.get(name) });
  // The functions people's requests can go through: created by the migrations, and granted to a role or described by the kit.
  const serving = [...fns.created].filter((f) => fns.grantedTo.has(f) || FUNCTION_PURPOSES[f] !== undefined).sort();
  const rights = RIGHTS.map((r) => {
    const present = serving.filter((f) => r.matches.test(f.split('.')[1])).map(functionRow);
    return { right: r.right, functions: present, served: present.length === 0 ? r.served : undefined, otherwise: present.length === 0 && !r.served ? r.otherwise : undefined };
  });
  const inRights = new Set(rights.flatMap((r) => r.functions.map((f) => f.name)));
  const otherGranted = [...fns.grantedTo.keys()].filter((f) => !inRights.has(f)).sort().map(functionRow);
  const legitimateInterests = catalog.categories.filter((c) => c.legalBasis === 'legitimate-interests').map((c) => c.name);
  const consentBased = catalog.categories.filter((c) => c.legalBasis === 'consent').map((c) => c.name);
  return {
    title: `Data protection impact assessment (draft): marketing contact database of ${config.organisation.name}`,
    controller: config.organisation,
    dpo: config.dpo,
    reference: config.dpia.reference,
    screening: { result: screening.result, why: screening.why },
    description: {
      purposes: [...new Set(catalog.categories.map((c) => c.purpose))].map((purpose) => {
        const cats = catalog.categories.filter((c) => c.purpose === purpose);
        return { purpose, categories: cats.map((c) => c.name), legalBases: [...new Set(cats.map((c) => c.legalBasis))] };
      }),
      dataSubjects: config.dataSubjects,
      estimatedDataSubjects: config.dpia.estimatedDataSubjects,
      categories: catalog.categories.map((c: DataCategory) => ({
        name: c.name,
        description: c.description,
        special: c.special ? c.specialCategoryCondition : undefined,
        retention: days(c.retentionDays),
        countFrom: COUNT_FROM_TEXT[c.countFrom] ?? c.countFrom,
        legalReference: c.legalReference,
        legalHold: c.legalHold ? `${c.legalHold.obligation}: ${days(c.legalHold.retentionDays)} (${c.legalHold.legalReference})` : undefined,
      })),
      roles: catalog.roles.map((r) => ({
        name: r.name,
        description: r.description,
        reads: r.reads.map((c) => c.name),
        writes: r.writes.map((c) => c.name),
        flags: r.flags.map((c) => c.name),
        consentPurpose: r.consentPurpose,
      })),
      processors: catalog.subcontractors.map((p) => ({
        name: p.name,
        purpose: p.purpose,
        categories: p.categories.map((c) => c.name),
        pseudonymised: p.pseudonymised,
        contract: p.contractReference,
        location: p.location,
        from: p.startDate,
        until: p.expiryDate,
        extractRetentionDays: p.extractRetentionDays,
        transferMechanism: p.transferMechanism,
      })),
      region: config.environment.region,
      storageRegions: catalog.permittedRegions,
      stacks: stacks.map((s) => s.name),
    },
    necessity: {
      legitimateInterests,
      consentBased,
      purgeSchedule: catalog.lifecycle.purgeSchedule,
      purgeRules: resourcesOf(stacks, 'AWS::Events::Rule').filter((x) => x.r.Properties?.ScheduleExpression && /retention purge/i.test(x.r.Properties?.Description ?? '')).map((x) => x.id),
      recontactDays: catalog.lifecycle.recontactDays,
      backupRetentionDays: config.backup.retentionDays,
      longestRetentionDays: catalog.longestRetentionDays,
      noteTerms: catalog.lifecycle.noteTerms.length,
      rights,
      otherFunctions: otherGranted,
      extractFunctions: catalog.subcontractors.map((p) => p.databaseUser),
    },
    risks: measures,
    transfers: config.residency.adequacyRegions.length + catalog.subcontractors.filter((p) => p.transferMechanism).length,
    specialReaders: catalog.roles.filter((r) => r.reads.some((c) => c.special)).map((r) => r.name),
    /** What the configuration cannot know: the DPO completes it. */
    openPoints: [
      'Sources of the data (art. 14 where not collected from the person) and how the people are informed (art. 13, 14); the wording of the consent forms.',
      'The legitimate-interest assessment (balancing test) for each category on that basis' + (legitimateInterests.length ? `: ${legitimateInterests.join(', ')}` : '') + '.',
      'For each risk: the sources of risk (internal staff, processors, outside attackers), the severity and likelihood the DPO rates, and the residual risk after the measures.',
      'Organisational measures: staff training and confidentiality commitments (art. 32(4)), the access review, the handling of requests within one month (art. 12(3)), the breach procedure (breach-runbook.md).',
      'Measures outside this infrastructure: the front-office and e-mailing tools, the workstations, the paper files, processors without an AWS account.',
      'The answers of the screening still unknown (dpia-screening.md).',
      'The advice of the DPO (art. 35(2)), the views of the people concerned or their representatives where appropriate (art. 35(9)), and the decision of the controller; prior consultation of the CNIL when a high risk remains (art. 36(1)).',
      'The date, version and the next review (art. 35(11)); set `dpia.reference` once adopted.',
    ],
  };
}

export type DpiaDraft = ReturnType<typeof dpiaDraft>;

const cell = (v: unknown) => String(v ?? '—').replace(/\|/g, '\\|').replace(/\n/g, ' ');
const table = (header: string[], rows: unknown[][]) => [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)].join('\n');
const DPO = '**DPO:**';

function measuresTable(list: readonly Measure[]): string {
  return table(['Measure', 'In the templates (logical id)'], list.map((x) => [x.measure, x.where.length > 0 ? x.where.map((w) => `\`${w}\``).join(', ') : '**NOT FOUND in the templates: the measure is missing or weakened**']));
}

export function renderDpiaDraft(d: DpiaDraft): string {
  const desc = d.description;
  const n = d.necessity;
  const measures = d.risks;
  const special = desc.categories.filter((c) => c.special);
  const explicit = special.every((c) => c.special === 'explicit-consent');
  const found = (list: readonly Measure[], start: string) => list.some((x) => x.measure.startsWith(start) && x.where.length > 0);
  const inEu = d.transfers === 0;
  const encrypted = found(measures.illegitimateAccess, 'the database is encrypted');
  const vpnOnly = found(measures.illegitimateAccess, 'no internet gateway') && found(measures.illegitimateAccess, 'every role people assume requires MFA');
  const logged = found(measures.unwantedChange, 'every read and write logged');
  const served = (right: string) => n.rights.some((r) => r.right.startsWith(right) && r.functions.length > 0);
  const access = served('Access');
  const erasure = served('Erasure');
  const purged = n.purgeRules.length > 0;
  const allPseudonymised = desc.processors.every((p) => p.pseudonymised);
  const out = [
    `# ${d.title}`,
    '',
    'Generated by `npm run policies` from the configuration, the schema migrations and the synthesized templates, in the structure of art. 35(7)(a)-(d). Do not edit this file: the DPO copies it into the DPIA record and completes every point marked **DPO:**, which the configuration cannot know (the sources of the data and the information given to people, the balancing of legitimate interests, the rating of each risk, the organisational measures and what lies outside this infrastructure, the advice of the DPO and the decision).',
    '',
    `- Controller: ${d.controller.name} (${d.controller.country}); data protection officer: ${d.dpo.name}, ${d.dpo.email}.`,
    `- Screening: ${d.screening.result === 'required' ? 'a DPIA is required' : d.screening.result === 'undetermined' ? 'undetermined (unknown criteria)' : 'not required by the two-criteria rule'}: ${d.screening.why} ([dpia-screening.md](dpia-screening.md)).`,
    `- Reference and version: ${d.reference ?? `${DPO} set \`dpia.reference\` once the DPIA is adopted`}.`,
    '',
    '## Summary that can be published',
    '',
    `${d.controller.name} keeps one database of its contacts (${desc.dataSubjects.join('; ')}) for ${desc.purposes.length} purposes: ${desc.purposes.map((p) => p.purpose.replace(/\.$/, '')).join('; ')}. ${special.length > 0 ? `Special-category data (${special.map((c) => c.description.replace(/\.$/, '')).join('; ')}) is collected ${explicit ? "only with the person's explicit consent" : 'only under a condition of art. 9(2)'} and is read by ${d.specialReaders.length} of the ${desc.roles.length} roles, those that need it. ` : ''}Each team sees only the data it needs; ${inEu ? 'the data stays in the European Union' : 'the data stays in the European Union or where a transfer safeguard applies'}${encrypted ? ', encrypted' : ''}${vpnOnly ? ', reachable only through a protected network by identified staff' : ''}; ${logged ? 'every access is logged; ' : ''}${purged ? 'data is deleted when its retention period ends; ' : ''}${desc.processors.length > 0 ? (allPseudonymised ? 'service providers receive only pseudonymised data, for a stated purpose and a limited time; ' : 'service providers receive data for a stated purpose and a limited time; ') : ''}people can ${[access ? 'obtain a copy of their data' : undefined, erasure ? 'have it erased' : undefined, 'withdraw a consent at any time'].filter(Boolean).join(', ')} by writing to ${d.dpo.email}.`,
    '',
    `Résumé publiable : ${d.controller.name} tient une base unique de ses contacts pour ${desc.purposes.length} finalités. ${special.length > 0 ? `Les catégories particulières de données (art. 9) ne sont collectées ${explicit ? "qu'avec le consentement explicite de la personne" : "que dans l'une des conditions de l'art. 9(2)"} et ne sont lues que par ${d.specialReaders.length} des ${desc.roles.length} rôles, ceux qui en ont besoin. ` : ''}Chaque équipe ne voit que les données dont elle a besoin ; ${inEu ? "les données restent dans l'Union européenne" : "les données restent dans l'Union européenne ou là où une garantie de transfert s'applique"}${encrypted ? ', chiffrées' : ''}${vpnOnly ? ', accessibles uniquement par un réseau protégé à du personnel identifié' : ''} ; ${logged ? 'chaque accès est journalisé ; ' : ''}${purged ? 'les données sont supprimées à la fin de leur durée de conservation ; ' : ''}${desc.processors.length > 0 ? (allPseudonymised ? 'les sous-traitants ne reçoivent que des données pseudonymisées, pour une finalité définie et une durée limitée ; ' : 'les sous-traitants reçoivent des données pour une finalité définie et une durée limitée ; ') : ''}chacun peut ${[access ? 'obtenir une copie de ses données' : undefined, erasure ? 'les faire effacer' : undefined, 'retirer un consentement à tout moment'].filter(Boolean).join(', ')} en écrivant à ${d.dpo.email}.`,
    '',
    `${DPO} check that the summary matches the DPIA's conclusions before publishing it.`,
    '',
    '## 1. Systematic description of the processing (art. 35(7)(a))',
    '',
    '### Purposes and legal bases',
    '',
    table(['Purpose', 'Categories', 'Legal basis (art. 6(1))'], desc.purposes.map((p) => [p.purpose, p.categories.join(', '), p.legalBases.join(', ')])),
    '',
    `### Data subjects`,
    '',
    ...desc.dataSubjects.map((s) => `- ${s}`),
    '',
    desc.estimatedDataSubjects ? `About ${desc.estimatedDataSubjects} people (\`dpia.estimatedDataSubjects\`).` : `${DPO} how many people the database holds (\`dpia.estimatedDataSubjects\`).`,
    '',
    '### Categories of data and their retention',
    '',
    table(
      ['Category', 'What', 'Special (art. 9), condition', 'Kept for', 'Counted from', 'Resting on', 'Legal hold after erasure'],
      desc.categories.map((c) => [c.name, c.description, c.special ?? 'no', c.retention, c.countFrom, c.legalReference ?? `${DPO} the text or référentiel the retention rests on`, c.legalHold ?? '—']),
    ),
    '',
    '### Who receives the data',
    '',
    table(
      ['Role', 'Who', 'Reads', 'Writes', 'Knows only that it exists', 'Contacts'],
      desc.roles.map((r) => [r.name, r.description, r.reads.join(', ') || '—', r.writes.join(', ') || '—', r.flags.join(', ') || '—', r.consentPurpose ? `only those consenting to ${r.consentPurpose}` : 'all']),
    ),
    '',
    desc.processors.length === 0
      ? 'Processors (art. 28): none configured. ' + `${DPO} processors without an AWS account (an e-mailing service, a printer) are outside this configuration.`
      : table(
          ['Processor', 'Purpose', 'Categories', 'Pseudonymised', 'Contract (art. 28(3))', 'Where', 'From – until', 'Each extract kept'],
          desc.processors.map((p) => [p.name, p.purpose, p.categories.join(', '), p.pseudonymised ? 'yes' : 'no, identified', p.contract, p.location, `${p.from} – ${p.until}`, `${p.extractRetentionDays} days`]),
        ),
    '',
    desc.processors.length > 0 ? `${DPO} processors without an AWS account (an e-mailing service, a printer) are outside this configuration: add them here.` : '',
    '',
    '### Flows and supporting assets',
    '',
    `- Collection: ${DPO} the forms, front desk, events and imports through which data enters, and what people are told there (art. 13, 14).`,
    `- Storage: one Aurora PostgreSQL database (${measures.databases.join(', ') || 'none found'}) in ${desc.region}, within the permitted regions ${desc.storageRegions.join(', ')}; stacks ${desc.stacks.join(', ')}.`,
    '- Use: staff sign in through the Client VPN with their identity provider, assume their role with MFA and reach the database with a short-lived IAM token as their own database user.',
    desc.processors.length > 0 ? `- To processors: a scheduled extract job per processor (database users ${n.extractFunctions.join(', ')}) writes a pseudonymised extract to the processor's own prefix of an encrypted bucket; each extract expires.` : '- To processors: none.',
    `- Backups: AWS Backup ${measures.backupCopies > 0 ? 'backs the database up into a vault and copies each backup to a vault of another account' : 'backs the database up into a vault (no copy to another account)'} (section 3).`,
    `- End of life: ${purged ? `the retention purge (${n.purgeRules.map((r) => `\`${r}\``).join(', ')}) runs on \`${n.purgeSchedule}\` (UTC)` : '**NOT FOUND in the templates: no scheduled retention purge**'}; the contacts approaching the end of their retention are listed ${n.recontactDays} days before.`,
    '',
    '## 2. Necessity and proportionality (art. 35(7)(b))',
    '',
    `- Lawfulness (art. 6): each category has one legal basis (table above).${n.consentBased.length ? ` On consent: ${n.consentBased.join(', ')}; each consent is recorded per purpose with its proof in an append-only ledger (art. 7(1)).` : ''}${n.legitimateInterests.length ? ` On legitimate interests: ${n.legitimateInterests.join(', ')}; ${DPO} attach the balancing test of each.` : ''}`,
    '- Minimisation (art. 5(1)(c), 25(2)): every category is declared with its purpose; each role reads only the categories it needs (column privileges); a role may know only that special-category data exists (a flag) rather than read it; consent-bound roles see only consenting contacts (row-level security).',
    `- Notes: each note is checked against ${n.noteTerms} terms revealing special categories or discrimination; a note that matches is held for the DPO.`,
    `- Storage limitation (art. 5(1)(e)): each category's retention counts from its own clock (table above); backups are kept ${n.backupRetentionDays} days, never longer than the longest retention (${n.longestRetentionDays} days).`,
    '- Accuracy (art. 5(1)(d)): the roles that write a category correct it (recipients above).',
    `- Processors (art. 28): ${desc.processors.length === 0 ? 'none.' : 'each grant names its contract, purpose, categories, place and end date; access ends on that date; extracts are pseudonymised unless the configuration says why not.'}`,
    `- Transfers outside the EU (art. 44-49): ${desc.storageRegions.length > 0 ? `data is stored in ${desc.storageRegions.join(', ')}; ` : ''}every role is denied actions in other regions.`,
    '',
    '### Rights of the people, as the database serves them',
    '',
    'Read from the schema migrations (the functions that exist) and the catalog SQL (who may run them):',
    '',
    table(
      ['Right', 'Function in the database', 'Run by', 'What it does'],
      n.rights.flatMap((r) =>
        r.functions.length > 0
          ? r.functions.map((f) => [r.right, `\`${f.name}\``, f.roles.join(', ') || '(the owner: a job of the kit)', f.purpose ?? '—'])
          : [[r.right, '—', '—', r.served ?? `${DPO} ${r.otherwise}`]],
      ),
    ),
    '',
    n.otherFunctions.length > 0 ? `Other functions granted to roles: ${n.otherFunctions.map((f) => `\`${f.name}\` (${f.roles.join(', ')}${f.purpose ? `: ${f.purpose}` : ''})`).join('; ')}.` : '',
    '',
    `${DPO} how a person exercises each right (the address, the identity check, the one-month deadline of art. 12(3)), and the information given to them (art. 13, 14).`,
    '',
    '## 3. Risks to the rights and freedoms of the people (art. 35(7)(c))',
    '',
    'For each risk the measures the templates and the migrations actually contain, by logical id. A measure shown **NOT FOUND** is missing from the synthesized templates. The rule pack (RULES.md) fails the build when one of them is weakened; acknowledged findings are listed in record-of-processing.md.',
    '',
    `### Illegitimate access to the data`,
    '',
    `Impact on the people: disclosure of ${special.length > 0 ? `special-category data (${special.map((c) => c.name).join(', ')}: discrimination, stigma), ` : ''}contact details (unwanted solicitation, phishing) and commercial history. ${DPO} sources of risk, severity, likelihood, residual risk.`,
    '',
    measuresTable(measures.illegitimateAccess),
    '',
    '### Unwanted change of the data',
    '',
    `Impact on the people: a wrong consent or a changed note leads to unwanted messages, a wrong service or a wrong decision about the person. ${DPO} sources of risk, severity, likelihood, residual risk.`,
    '',
    measuresTable(measures.unwantedChange),
    '',
    '### Disappearance of the data',
    '',
    `Impact on the people: a lost record of a contract${special.length > 0 ? `, a lost need the person declared (${special.map((c) => c.name).join(', ')})` : ''}, a lost withdrawal of consent (messages resumed) or a lost erasure (data back after a restore). ${DPO} sources of risk, severity, likelihood, residual risk.`,
    '',
    measuresTable(measures.disappearance),
    '',
    '## 4. Measures envisaged to address the risks (art. 35(7)(d))',
    '',
    '- Technical: the measures of section 3, deployed and checked at every synthesis by the GDPR rule pack (policies/RULES.md); every policy the templates grant is in policies/ and the access matrix.',
    `- ${DPO} organisational measures, planned measures with their owner and date, and the residual risk accepted by the controller.`,
    '',
    '## Open points for the DPO',
    '',
    ...d.openPoints.map((p) => `- [ ] ${p}`),
    '',
  ];
  return out.join('\n').replace(/\n{3,}/g, '\n\n');
}
/* eslint-enable @typescript-eslint/no-explicit-any */
