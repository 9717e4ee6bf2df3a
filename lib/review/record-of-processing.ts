/* eslint-disable @typescript-eslint/no-explicit-any */
import type { Catalog } from '../catalog/catalog';
import type { BaselineConfig } from '../config/schema';
import { ADEQUACY_REGIONS, EU_MEMBER_STATE_REGIONS } from '../residency/regions';
import type { SynthesizedStack } from './policies';
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

/** The record of processing activities (art. 30(1)) for the contact database, as data. */
export function recordOfProcessing(config: BaselineConfig, catalog: Catalog, stacks: readonly SynthesizedStack[]) {
  const processors: any[] = (config as any).subcontractors ?? [];
  const special = catalog.specialCategories;
  const purposes = [...new Set(catalog.categories.map((c) => c.purpose))].map((purpose) => ({
    purpose,
    categories: catalog.categories.filter((c) => c.purpose === purpose).map((c) => c.name),
    legalBases: [...new Set(catalog.categories.filter((c) => c.purpose === purpose).map((c) => c.legalBasis))],
  }));
  return {
    title: `Record of processing activities: marketing contact database of ${config.organisation.name}`,
    controller: { name: config.organisation.name, country: config.organisation.country },
    dataProtectionOfficer: config.dpo,
    purposes,
    consentPurposes: catalog.consentPurposes,
    categoriesOfDataSubjects: config.dataSubjects,
    categoriesOfData: catalog.categories.map((c) => ({
      name: c.name,
      description: c.description,
      purpose: c.purpose,
      legalBasis: c.legalBasis,
      special: c.special,
      specialCategoryCondition: c.specialCategoryCondition,
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
      })),
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
      })),
    },
    transfersOutsideTheEu: [
      ...config.residency.adequacyRegions.map((a) => ({ to: regionName(a.region), recipient: 'the controller itself (hosting)', basis: a.transferBasis })),
      ...processors
        .filter((p) => p.transferMechanism)
        .map((p) => ({ to: regionName(p.location), recipient: p.name, basis: `${p.transferMechanism.type}: ${p.transferMechanism.reference}` })),
    ],
    storageRegions: catalog.permittedRegions.map(regionName),
    retention: catalog.categories.map((c) => ({ category: c.name, retention: years(c.retentionDays), from: 'the last action on the contact (last_action_at)' })),
    technicalMeasures: deployedMeasures(stacks),
    acknowledgedFindings: acknowledgments(stacks),
    dpia: {
      likelyRequired: special.length > 0,
      why:
        special.length > 0
          ? `special categories (art. 9) are processed: ${special.map((c) => c.name).join(', ')}; the CNIL list of processing requiring a DPIA and art. 35(3)(b) point to a DPIA`
          : 'no special category is declared; assess scale and profiling against art. 35(3) and the CNIL list',
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
  const out = [
    `# ${record.title}`,
    '',
    'Generated by `npm run policies` from the configuration and the synthesized templates (GDPR art. 30(1)). Do not edit: change the configuration or the infrastructure.',
    '',
    '## Controller and data protection officer',
    '',
    `- Controller: ${record.controller.name} (${record.controller.country})`,
    `- Data protection officer: ${record.dataProtectionOfficer.name}, ${record.dataProtectionOfficer.email}${record.dataProtectionOfficer.phone ? `, ${record.dataProtectionOfficer.phone}` : ''}`,
    '',
    '## Purposes of the processing (art. 30(1)(b))',
    '',
    table(['Purpose', 'Categories of data', 'Legal basis (art. 6)'], record.purposes.map((p) => [p.purpose, p.categories.join(', '), p.legalBases.join(', ')])),
    '',
    record.consentPurposes.length > 0 ? `Purposes a contact can consent to, each recorded in the consent ledger: ${record.consentPurposes.map((p) => `${p.name} (${p.description})`).join('; ')}.` : '',
    '',
    '## Categories of data subjects and of personal data (art. 30(1)(c))',
    '',
    `Data subjects: ${record.categoriesOfDataSubjects.join(', ')}.`,
    '',
    table(
      ['Category', 'Description', 'Special (art. 9)', 'Retention'],
      record.categoriesOfData.map((c) => [c.name, c.description, c.special ? `yes, ${c.specialCategoryCondition}` : 'no', c.retention]),
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
        `${r.contactsLimitedToConsentFor ? `consenting to ${r.contactsLimitedToConsentFor}` : 'all'}${r.answersDataSubjectRequests ? '; answers access and erasure requests' : ''}`,
      ]),
    ),
    '',
    record.recipients.processors.length === 0
      ? 'Processors (art. 28): none.'
      : table(
          ['Processor', 'Purpose', 'Categories', 'Contract', 'Location', 'Until', 'Pseudonymised'],
          record.recipients.processors.map((p) => [p.name, p.purpose, (p.categories ?? []).join(', '), p.contract, p.location, p.until, p.pseudonymised ? 'yes' : 'no']),
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
    table(['Category', 'Kept for', 'Counted from'], record.retention.map((r) => [r.category, r.retention, r.from])),
    '',
    '## Technical and organisational measures actually deployed (art. 30(1)(g), art. 32)',
    '',
    table(
      ['Database', 'Engine', 'Encrypted with', 'IAM auth', 'TLS forced', 'Deletion protection', 'Retained', 'Point-in-time restore'],
      m.clusters.map((c) => [c.cluster, c.engine, c.encryptedWith, c.iamAuthentication ? 'yes' : 'NO', c.tlsForced ? 'yes' : 'NO', c.deletionProtection ? 'yes' : 'NO', c.retainedOnStackDeletion ? 'yes' : 'NO', `${c.pointInTimeRestoreDays} days`]),
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
    `A DPIA is ${record.dpia.likelyRequired ? 'likely required' : 'to be assessed'}: ${record.dpia.why}. What the infrastructure provides to it:`,
    '',
    ...record.dpia.fromTheInfrastructure.map((i) => `- ${i}`),
    '',
  ];
  return `${out.join('\n').replace(/\n{3,}/g, '\n\n')}`;
}
/* eslint-enable @typescript-eslint/no-explicit-any */
