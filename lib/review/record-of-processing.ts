/* eslint-disable @typescript-eslint/no-explicit-any */
import type { Catalog, DataCategory } from '../catalog/catalog';
import type { BaselineConfig } from '../config/schema';
import { ADEQUACY_REGIONS, EU_MEMBER_STATE_REGIONS } from '../residency/regions';
import type { SynthesizedStack } from './policies';
import { dpiaScreening } from './dpia-screening';
import { readable, target } from './readable';

const years = (days: number) => (days % 365 === 0 ? `${days / 365} year${days === 365 ? '' : 's'}` : `${days} days`);
const regionName = (r: string) => `${r} (${EU_MEMBER_STATE_REGIONS[r] ?? ADEQUACY_REGIONS[r] ?? 'outside the EU'})`;

function resourcesOf(stacks: readonly SynthesizedStack[], type: string): [string, string, any][] {
  return stacks.flatMap((s) => Object.entries(s.template.Resources).filter(([, r]) => r.Type === type).map(([id, r]) => [s.name, id, r] as [string, string, any]));
}

/** The technical measures actually deployed, read from the synthesized templates (art. 30(1)(g), art. 32). */
export function deployedMeasures(stacks: readonly SynthesizedStack[]) {
  const clusters = resourcesOf(stacks, 'AWS::RDS::DBCluster').map(([stack, id, r]) => {
    const p = r.Properties;
    const group = stacks.find((s) => s.name === stack)?.template.Resources[target(p.DBClusterParameterGroupName) ?? ''];
    return {
      stack,
      cluster: id,
      engine: `${p.Engine} ${p.EngineVersion ?? ''}`.trim(),
      encryptedWith: readable(p.KmsKeyId),
      iamAuthentication: p.EnableIAMDatabaseAuthentication === true,
      tlsForced: group?.Properties?.Parameters?.['rds.force_ssl'] === '1',
      deletionProtection: p.DeletionProtection === true,
      retainedOnStackDeletion: r.DeletionPolicy === 'Retain',
      pointInTimeRestoreDays: p.BackupRetentionPeriod,
    };
  });
  const keys = resourcesOf(stacks, 'AWS::KMS::Key').map(([stack, id, r]) => ({
    stack,
    key: id,
    protects: r.Properties.Description ?? '',
    rotation: r.Properties.EnableKeyRotation === true,
    retained: r.DeletionPolicy === 'Retain',
  }));
  const vaults = resourcesOf(stacks, 'AWS::Backup::BackupVault').map(([stack, id, r]) => ({
    stack,
    vault: id,
    encryptedWith: readable(r.Properties.EncryptionKeyArn),
    lock: r.Properties.LockConfiguration ? readable(r.Properties.LockConfiguration) : 'none',
  }));
  const vpn = resourcesOf(stacks, 'AWS::EC2::ClientVpnEndpoint').map(([stack, id, r]) => ({
    stack,
    endpoint: id,
    authentication: (r.Properties.AuthenticationOptions ?? []).map((a: any) => a.Type),
    splitTunnel: r.Properties.SplitTunnel === true,
    sessionTimeoutHours: r.Properties.SessionTimeoutHours,
    connectionLogging: r.Properties.ConnectionLogOptions?.Enabled === true,
    authorizationRules: resourcesOf(stacks, 'AWS::EC2::ClientVpnAuthorizationRule').filter(([s]) => s === stack).length,
  }));
  const guard = resourcesOf(stacks, 'AWS::IAM::ManagedPolicy')
    .map(([stack, id, r]) => ({ stack, id, statement: (r.Properties.PolicyDocument?.Statement ?? []).find((s: any) => s.Condition?.StringNotEquals?.['aws:RequestedRegion']), roles: r.Properties.Roles ?? [] }))
    .filter((g) => g.statement)
    .map((g) => ({ stack: g.stack, policy: g.id, permittedRegions: g.statement.Condition.StringNotEquals['aws:RequestedRegion'], rolesGuarded: g.roles.length }));
  const trails = resourcesOf(stacks, 'AWS::CloudTrail::Trail').map(([stack, id, r]) => ({
    stack,
    trail: id,
    encryptedWith: readable(r.Properties.KMSKeyId),
    logFileValidation: r.Properties.EnableLogFileValidation === true,
  }));
  const logGroups = resourcesOf(stacks, 'AWS::Logs::LogGroup').map(([stack, id, r]) => ({
    stack,
    logGroup: id,
    retentionDays: r.Properties.RetentionInDays,
    encrypted: r.Properties.KmsKeyId !== undefined,
  }));
  const internetGateways = resourcesOf(stacks, 'AWS::EC2::InternetGateway').length + resourcesOf(stacks, 'AWS::EC2::NatGateway').length;
  // No VPC in the templates while a database is: the database lives in an existing VPC (landingZone.network).
  const existingVpc = clusters.length > 0 && resourcesOf(stacks, 'AWS::EC2::VPC').length === 0;
  return { clusters, keys, vaults, vpn, regionGuard: guard, trails, logGroups, internetGateways, existingVpc };
}

/** Acknowledged rule findings recorded in the templates, with their reasons (deduplicated per resource and rule). */
export function acknowledgments(stacks: readonly SynthesizedStack[]) {
  return stacks.flatMap((s) =>
    Object.entries(s.template.Resources).flatMap(([id, r]) =>
      ((r.Metadata?.cdk_nag?.rules_to_suppress ?? []) as { id: string; reason: string }[]).map((a) => ({ stack: s.name, resource: id, type: r.Type, rule: a.id, reason: a.reason })),
    ),
  );
}

/** From what each clock counts, as the record states it (config categories[].countFrom). */
export const COUNT_FROM_TEXT: Readonly<Record<DataCategory['countFrom'], string>> = {
  'last-contact-from-person': 'the last contact that came from the person (a reply, a purchase, a request, a renewed consent); a reminder left unanswered does not restart it',
  'end-of-relationship': 'the end of the commercial relationship (the last stay or purchase)',
  transaction: "each record's own transaction (the booking, the invoice)",
  withdrawal: 'the withdrawal of the consent (its proof is kept from then); while the consent is in force, the end of the relationship',
  creation: 'the day each record was written',
};

/**
 * Organisational measures (art. 32(1)) the kit's design assumes, listed when the configuration gives
 * none (record.organisationalMeasures): each to confirm by the DPO, the kit cannot see them.
 */
export const ASSUMED_ORGANISATIONAL_MEASURES: readonly string[] = [
  'access to the database only for named people, each in the identity-provider group of one role, reviewed at least yearly',
  'staff who read contact data are bound by confidentiality and trained on the GDPR and on writing factual notes',
  'every configuration and infrastructure change is reviewed in a pull request, with the GDPR rule pack in CI',
  'the breach runbook (breach-runbook.md) is known to the DPO and the operators, and the breach register kept (art. 33(5))',
  'a contract under art. 28(3) with every processor before it receives data, checked at renewal',
  'requests of the people (access, erasure, objection) are answered within one month (art. 12(3)) by the DPO',
];

const AWS_PROCESSOR_NAME = 'Amazon Web Services EMEA SARL (AWS)';

/** The record of processing activities (art. 30(1)) for the contact database, as data. */
export function recordOfProcessing(config: BaselineConfig, catalog: Catalog, stacks: readonly SynthesizedStack[]) {
  const processors: any[] = (config as any).subcontractors ?? [];
  const external = config.externalProcessors;
  const purposes = [...new Set(catalog.categories.map((c) => c.purpose))].map((purpose) => ({
    purpose,
    categories: catalog.categories.filter((c) => c.purpose === purpose).map((c) => c.name),
    legalBases: [...new Set(catalog.categories.filter((c) => c.purpose === purpose).map((c) => c.legalBasis))],
  }));
  const storage = catalog.permittedRegions.map(regionName);
  const hosting = {
    name: AWS_PROCESSOR_NAME,
    purpose: 'hosting: the database, its backups, keys and logs (infrastructure service; the data is encrypted with keys the controller manages)',
    categories: catalog.categories.map((c) => c.name),
    contract: config.record.awsDataProcessingAddendum,
    location: regionName(config.environment.region),
    regions: storage,
  };
  const retentionOf = (c: DataCategory) => ({
    category: c.name,
    retention: years(c.retentionDays),
    retentionDays: c.retentionDays,
    countFrom: c.countFrom,
    from: COUNT_FROM_TEXT[c.countFrom],
    legalReference: c.legalReference,
    legalHold: c.legalHold ? { ...c.legalHold, retention: years(c.legalHold.retentionDays) } : undefined,
  });
  const transfers = [
    ...config.residency.adequacyRegions.map((a) => ({ to: regionName(a.region), recipient: 'the controller itself (hosting)', basis: a.transferBasis, categories: catalog.categories.map((c) => c.name) })),
    ...processors
      .filter((p) => p.transferMechanism)
      .map((p) => ({ to: regionName(p.location), recipient: p.name, basis: `${p.transferMechanism.type}: ${p.transferMechanism.reference}`, categories: p.categories as string[] })),
    ...external
      .filter((p) => p.transferMechanism)
      .map((p) => ({ to: p.country, recipient: p.name, basis: `${p.transferMechanism?.type}: ${p.transferMechanism?.reference}`, categories: p.categories })),
  ];
  // One activity per purpose (art. 30(1)(b)): its categories, bases, people, recipients, transfers and retention.
  const activities = purposes.map((p, i) => {
    const categories = catalog.categories.filter((c) => p.categories.includes(c.name));
    const touches = (names: readonly string[]) => names.some((n) => p.categories.includes(n));
    return {
      id: i + 1,
      purpose: p.purpose,
      legalBases: categories.map((c) => ({
        category: c.name,
        basis: c.legalBasis,
        specialCategoryCondition: c.specialCategoryCondition,
        legalReference: c.legalReference,
        legitimateInterestAssessment: c.legalBasis === 'legitimate-interests' ? (c.legitimateInterestAssessment ?? 'MISSING: give categories[].legitimateInterestAssessment') : undefined,
      })),
      categoriesOfDataSubjects: config.dataSubjects,
      categoriesOfData: categories.map((c) => c.name),
      internalRecipients: catalog.roles.filter((r) => touches([...r.reads, ...r.writes].map((c) => c.name))).map((r) => r.name),
      processors: [
        hosting.name,
        ...processors.filter((s) => touches(s.categories)).map((s) => s.name as string),
        ...external.filter((e) => touches(e.categories)).map((e) => e.name),
      ],
      transfersOutsideTheEu: transfers.filter((t) => touches(t.categories)).map((t) => `${t.recipient}, ${t.to}: ${t.basis}`),
      retention: categories.map(retentionOf),
    };
  });
  const measures = config.record.organisationalMeasures;
  return {
    title: `Record of processing activities: marketing contact database of ${config.organisation.name}`,
    version: config.record.version ?? 'not set: give record.version',
    date: config.record.date ?? 'not set: give record.date',
    controller: {
      name: config.organisation.name,
      country: config.organisation.country,
      address: config.organisation.address ?? 'MISSING: give organisation.address',
      email: config.organisation.email ?? 'MISSING: give organisation.email',
      phone: config.organisation.phone,
    },
    representative: config.organisation.representative,
    jointControllers: config.organisation.jointControllers,
    dataProtectionOfficer: config.dpo,
    purposes,
    activities,
    consentPurposes: catalog.consentPurposes,
    /** Art. 8: below this age a consent is recorded with the holder of parental responsibility (the database refuses it otherwise). */
    digitalConsentAge: catalog.consentAge,
    categoriesOfDataSubjects: config.dataSubjects,
    categoriesOfData: catalog.categories.map((c) => ({
      name: c.name,
      description: c.description,
      purpose: c.purpose,
      legalBasis: c.legalBasis,
      special: c.special,
      specialCategoryCondition: c.specialCategoryCondition,
      restsOnExplicitConsentFor: c.consentPurpose,
      retention: years(c.retentionDays),
      retentionDays: c.retentionDays,
    })),
    recipients: {
      internalRoles: catalog.roles.map((r) => ({
        role: r.name,
        description: r.description,
        reads: r.reads.map((c) => c.name),
        writes: r.writes.map((c) => c.name),
        knowsExistenceOf: r.flags.map((c) => c.name),
        contactsLimitedToConsentFor: r.consentPurpose,
        answersDataSubjectRequests: r.dataSubjectRights,
        // Art. 18 and 21, as the database's row security applies them (lib/database/restriction-sql.ts):
        // only the DPO sees restricted contacts; consent-bound roles never see objecting ones.
        seesRestrictedContacts: r.dataSubjectRights,
        seesObjectingContacts: r.dataSubjectRights || r.consentPurpose === undefined,
      })),
      hosting,
      processors: processors.map((p) => ({
        name: p.name,
        purpose: p.purpose,
        categories: p.categories,
        contract: p.contractReference,
        location: p.location,
        from: p.startDate,
        until: p.expiryDate,
        pseudonymised: p.pseudonymised !== false,
        transferMechanism: p.transferMechanism,
        // The extract never carries a restricted (art. 18) or objecting (art. 21) contact.
        excludesRestrictedAndObjectingContacts: true,
      })),
      externalProcessors: external.map((p) => ({
        name: p.name,
        purpose: p.purpose,
        categories: p.categories,
        contract: p.contractReference,
        country: p.country,
        transferMechanism: p.transferMechanism,
      })),
    },
    transfersOutsideTheEu: transfers.map(({ to, recipient, basis }) => ({ to, recipient, basis })),
    storageRegions: storage,
    retention: catalog.categories.map(retentionOf),
    technicalMeasures: deployedMeasures(stacks),
    organisationalMeasures: {
      source: measures ? 'configuration (record.organisationalMeasures)' : 'the measures the kit assumes: TO CONFIRM BY THE DPO (set record.organisationalMeasures)',
      confirmed: measures !== undefined,
      measures: measures ?? ASSUMED_ORGANISATIONAL_MEASURES,
    },
    acknowledgedFindings: acknowledgments(stacks),
    /** Art. 22 decisions, profiling included, as the access report tells the person (art. 15(1)(h)). */
    automatedDecisions: catalog.controller.automatedDecisions,
    dpia: {
      screening: dpiaScreening(config, catalog).result,
      why: 'the screening against the nine EDPB criteria, art. 35(3) and the CNIL list, each answered from the configuration, is in dpia-screening.md, and the pre-filled draft in dpia.md',
      fromTheInfrastructure: [
        'data flows: the categories above, who reads and writes each (recipients) and where they are stored (storage regions)',
        'security measures actually deployed (technical measures), with the rule pack that fails the build when one is weakened',
        'residual risks: every acknowledged rule finding, with its reason (acknowledged findings)',
        'access matrix computed from the synthesized policies (access-matrix.md)',
        'breach detection and notification path to the DPO',
      ],
    },
  };
}

export type RecordOfProcessing = ReturnType<typeof recordOfProcessing>;

const table = (header: string[], rows: (string | number | undefined)[][]) =>
  [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.map((c) => String(c ?? '—').replace(/\|/g, '\\|')).join(' | ')} |`)].join('\n');

export function renderRecordOfProcessing(record: RecordOfProcessing): string {
  const m = record.technicalMeasures;
  const c = record.controller;
  const dpo = record.dataProtectionOfficer;
  const party = (p: { name: string; address?: string; email?: string; phone?: string }) => [p.name, p.address, p.email, p.phone].filter(Boolean).join(', ');
  const out = [
    `# ${record.title}`,
    '',
    'Generated by `npm run policies` from the configuration and the synthesized templates (GDPR art. 30(1)). Do not edit: change the configuration or the infrastructure.',
    '',
    `Version ${record.version}, ${record.date} (record.version and record.date of the configuration).`,
    '',
    '## Controller and data protection officer (art. 30(1)(a))',
    '',
    `- Controller: ${c.name} (${c.country}), ${c.address}, ${c.email}${c.phone ? `, ${c.phone}` : ''}`,
    `- Representative in the Union (art. 27): ${record.representative ? party(record.representative) : 'none (the controller is established in the Union)'}`,
    record.jointControllers.length === 0
      ? '- Joint controllers (art. 26): none'
      : `- Joint controllers (art. 26): ${record.jointControllers.map((j) => `${party(j)} (arrangement: ${j.arrangement})`).join('; ')}`,
    `- Data protection officer: ${dpo.name}, ${dpo.email}${dpo.phone ? `, ${dpo.phone}` : ''}`,
    '',
    '## Processing activities (art. 30(1)(b)-(f)), one per purpose',
    '',
    `Categories of data subjects of every activity (art. 30(1)(c)): ${record.categoriesOfDataSubjects.join(', ')}.`,
    record.consentPurposes.length > 0 ? `Purposes a contact can consent to, each recorded in the consent ledger: ${record.consentPurposes.map((p) => `${p.name}${p.explicit ? ' [explicit consent]' : ''} (${p.description})`).join('; ')}.` : '',
    '',
    `Special categories stored only under an explicit consent in force for their purpose, removed when it is withdrawn (art. 9(2)(a), 7(3)): ${record.categoriesOfData.filter((c) => c.restsOnExplicitConsentFor).map((c) => `${c.name} (purpose ${c.restsOnExplicitConsentFor})`).join(', ') || 'none'}. Children (art. 8): below ${record.digitalConsentAge.digitalConsentAge}, the age of digital consent in ${record.digitalConsentAge.country}, a consent is recorded with the holder of parental responsibility; the ledger records the age and how it was established.`,
    '',
    ...record.activities.flatMap((a) => [
      `### Activity ${a.id}: ${a.purpose}`,
      '',
      `- Categories of data (art. 30(1)(c)): ${a.categoriesOfData.join(', ')}`,
      `- Legal basis (art. 6, 9): ${a.legalBases
        .map((b) => `${b.category}: ${b.basis}${b.specialCategoryCondition ? `, art. 9(2) ${b.specialCategoryCondition}` : ''}${b.legitimateInterestAssessment ? ` (legitimate-interest assessment: ${b.legitimateInterestAssessment})` : ''}${b.legalReference ? `; ${b.legalReference}` : ''}`)
        .join('; ')}`,
      `- Recipients (art. 30(1)(d)): roles ${a.internalRecipients.join(', ') || '—'}; processors ${a.processors.join(', ')}`,
      `- Transfers outside the EU (art. 30(1)(e)): ${a.transfersOutsideTheEu.join('; ') || 'none'}`,
      `- Retention (art. 30(1)(f)): ${a.retention.map((r) => `${r.category} ${r.retention} from ${r.from}${r.legalHold ? `, kept ${r.legalHold.retention} after an erasure request (${r.legalHold.legalReference})` : ''}`).join('; ')}`,
      '',
    ]),
    '## Categories of personal data (art. 30(1)(c))',
    '',
    table(
      ['Category', 'Description', 'Special (art. 9)', 'Retention'],
      record.categoriesOfData.map((x) => [x.name, x.description, x.special ? `yes, ${x.specialCategoryCondition}` : 'no', x.retention]),
    ),
    '',
    '## Recipients (art. 30(1)(d))',
    '',
    table(
      ['Internal role', 'Reads', 'Writes', 'Knows only that it exists', 'Contacts'],
      record.recipients.internalRoles.map((r) => [
        `${r.role}: ${r.description}`,
        r.reads.join(', ') || '—',
        r.writes.join(', ') || '—',
        r.knowsExistenceOf.join(', ') || '—',
        `${r.contactsLimitedToConsentFor ? `consenting to ${r.contactsLimitedToConsentFor}` : 'all'}${r.answersDataSubjectRequests ? '; answers data-subject requests (access, rectification, erasure, portability) and keeps their register (art. 12-20)' : ''}`,
      ]),
    ),
    '',
    'Processors (art. 28):',
    '',
    table(
      ['Processor', 'Purpose', 'Categories', 'Contract', 'Location', 'Until', 'Pseudonymised'],
      [
        [record.recipients.hosting.name, record.recipients.hosting.purpose, 'all (encrypted with the controller\'s keys)', record.recipients.hosting.contract, `${record.recipients.hosting.regions.join(', ')}`, 'the AWS agreement', '—'],
        ...record.recipients.processors.map((p) => [p.name, p.purpose, (p.categories ?? []).join(', '), p.contract, p.location, p.until, p.pseudonymised ? 'yes' : 'no']),
        ...record.recipients.externalProcessors.map((p) => [p.name, p.purpose, p.categories.join(', '), p.contract, p.country, 'the contract', 'no (no AWS account: receives data outside the kit)']),
      ],
    ),
    '',
    '## Transfers outside the EU (art. 30(1)(e))',
    '',
    record.transfersOutsideTheEu.length === 0
      ? 'None. Data is stored only in: ' + record.storageRegions.join(', ') + '; every role of the stack is denied actions in other regions.'
      : table(['To', 'Recipient', 'Basis'], record.transfersOutsideTheEu.map((t) => [t.to, t.recipient, t.basis])),
    '',
    '## Retention (art. 30(1)(f))',
    '',
    table(
      ['Category', 'Kept for', 'Counted from', 'Legal reference', 'After an erasure request (art. 17(3)(b))'],
      record.retention.map((r) => [r.category, r.retention, r.from, r.legalReference, r.legalHold ? `kept ${r.legalHold.retention}: ${r.legalHold.obligation} (${r.legalHold.legalReference})` : 'erased']),
    ),
    '',
    '## Technical and organisational measures (art. 30(1)(g), art. 32)',
    '',
    '### Technical measures actually deployed, read from the templates',
    '',
    table(
      ['Database', 'Engine', 'Encrypted with', 'IAM auth', 'TLS forced', 'Deletion protection', 'Retained', 'Point-in-time restore'],
      m.clusters.map((x) => [x.cluster, x.engine, x.encryptedWith, x.iamAuthentication ? 'yes' : 'NO', x.tlsForced ? 'yes' : 'NO', x.deletionProtection ? 'yes' : 'NO', x.retainedOnStackDeletion ? 'yes' : 'NO', `${x.pointInTimeRestoreDays} days`]),
    ),
    '',
    table(['Key', 'Protects', 'Rotation', 'Retained'], m.keys.map((k) => [k.key, k.protects, k.rotation ? 'yearly' : 'NO', k.retained ? 'yes' : 'NO'])),
    '',
    m.vaults.length === 0 ? 'Backup vaults: none in these templates.' : table(['Backup vault', 'Encrypted with', 'Lock'], m.vaults.map((v) => [v.vault, v.encryptedWith, JSON.stringify(v.lock)])),
    '',
    table(
      ['VPN endpoint', 'Authentication', 'Split tunnel', 'Session', 'Connections logged', 'Authorization rules'],
      m.vpn.map((v) => [v.endpoint, v.authentication.join(', '), v.splitTunnel ? 'yes' : 'no', `${v.sessionTimeoutHours} h`, v.connectionLogging ? 'yes' : 'NO', v.authorizationRules]),
    ),
    '',
    m.existingVpc
      ? '- Network: the database is in an existing VPC that these templates do not hold: that it has no internet gateway, NAT or route out is verified by the network owner, not shown here (see the acknowledgments of GDPR-Art32-NoPathAroundVpn below).'
      : `- Network: ${m.internetGateways === 0 ? 'no internet gateway and no NAT: the database is reachable only through the VPN' : `${m.internetGateways} internet or NAT gateways`}.`,
    ...m.regionGuard.map((g) => `- Region guard (${g.stack}): ${g.rolesGuarded} roles denied every action outside ${g.permittedRegions.join(', ')}.`),
    ...m.trails.map((t) => `- Audit trail ${t.trail}: encrypted with ${t.encryptedWith}, log file validation ${t.logFileValidation ? 'on' : 'OFF'}.`),
    ...(m.trails.length === 0 && m.clusters.length > 0 ? ['- Audit trail: none in these templates; the organisation trail that records the account is named in the acknowledgment of GDPR-Art33-TrailEncryptedAndValidated below.'] : []),
    `- Log groups: ${m.logGroups.length}, ${m.logGroups.filter((l) => l.encrypted).length} encrypted with a customer-managed key, retention ${[...new Set(m.logGroups.map((l) => l.retentionDays))].join(', ')} days.`,
    '',
    '### Organisational measures',
    '',
    `From ${record.organisationalMeasures.source}:`,
    '',
    ...record.organisationalMeasures.measures.map((x) => `- ${record.organisationalMeasures.confirmed ? '' : '[to confirm by the DPO] '}${x}`),
    '',
    '## Acknowledged rule findings',
    '',
    'Each finding of a rule pack that was judged not to apply, on the one resource it concerns, with the reason given.',
    '',
    table(
      ['Stack', 'Resource', 'Rule', 'Reason'],
      [...new Map(record.acknowledgedFindings.map((a) => [`${a.stack}/${a.resource}/${a.rule}`, a])).values()].map((a) => [a.stack, `${a.resource} (${a.type})`, a.rule, a.reason]),
    ),
    '',
    '## For the data protection impact assessment (art. 35)',
    '',
    `DPIA screening result: ${record.dpia.screening === 'required' ? 'a DPIA is required' : record.dpia.screening === 'not-required' ? 'no DPIA is required' : 'undetermined until the DPO answers the open criteria'}; ${record.dpia.why}. What the infrastructure provides to it:`,
    '',
    record.automatedDecisions.length === 0
      ? '- automated decisions, profiling included (art. 22, art. 35(3)(a)): none declared (`automatedDecisions`); the access report tells each person so'
      : `- automated decisions, profiling included (art. 22, art. 35(3)(a)): ${record.automatedDecisions.map((d) => `${d.name} (logic: ${d.logic}; consequences: ${d.consequences})`).join('; ')}`,
    ...record.dpia.fromTheInfrastructure.map((i) => `- ${i}`),
    '',
  ];
  return `${out.join('\n').replace(/\n{3,}/g, '\n\n')}`;
}
/* eslint-enable @typescript-eslint/no-explicit-any */
