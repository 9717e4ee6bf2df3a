import { z } from 'zod';
import {
  ADEQUACY_REGIONS,
  DEFAULT_ALLOWED_REGIONS,
  EU_MEMBER_STATE_REGIONS,
  isAdequacyRegion,
  isEuMemberStateRegion,
} from '../residency/regions';
import { PREFIX_LIST_ID_PATTERN, s3PrefixListLookupCommand, shippedS3PrefixListId } from '../residency/s3-prefix-lists';
import { cidrsOverlap, isPrivateCidr, parseCidr } from './cidr';
import { BACKUP_DEFAULTS, BREACH_DEFAULTS, DATABASE_DEFAULTS, ENVIRONMENT_DEFAULTS, PROFILES, RECORD_DEFAULTS, RETENTION_DEFAULTS } from './defaults';
import { backupChecks, backupSchema, longestRetentionDays } from './sections/backup';
import { breachSchema } from './sections/breach';
import { dpiaChecks, dpiaSchema } from './sections/dpia';
import { categorySchema, consentPurposeSchema, explicitConsentChecks, roleSchema, SPECIAL_CATEGORY_CONDITIONS, trustChecks } from './sections/catalog';
import { accountId, acmCertificateArn, cidr, list, type Problem, regionName, samlProviderArn, str } from './sections/common';
import { externalProcessorSchema, jointControllerSchema, organisationContact, recordChecks, recordSchema, representativeSchema } from './sections/record';
import { landingZoneChecks, landingZoneSchema } from './sections/landing-zone';
import { developmentChecks } from './sections/environment';
import { lifecycleChecks, notesCheckSchema, retentionSchema } from './sections/retention';
import { subcontractorChecks, subcontractorSchema, TRANSFER_MECHANISMS } from './sections/subcontractors';

// The defaults live in ./defaults (the constructs read them too); exported here as before.
export { BACKUP_DEFAULTS, BREACH_DEFAULTS, DATABASE_DEFAULTS, ENVIRONMENT_DEFAULTS, PROFILE_SETTINGS, PROFILES, RECORD_DEFAULTS, RETENTION_DEFAULTS } from './defaults';
// The sections' constants, exported here as before.
export { ERASURE_JOURNAL_RETENTION_DAYS } from './sections/backup';
export { LEGAL_BASES, SPECIAL_CATEGORY_CONDITIONS } from './sections/catalog';
export { PURGE_DATABASE_USER } from './sections/retention';
export { databaseMinCapacity } from './sections/environment';
export { TRANSFER_MECHANISMS } from './sections/subcontractors';

/**
 * The one schema of the configuration. TypeScript types are inferred from it,
 * the JSON Schema for editors is generated from it (lib/config/config.schema.json).
 * Each section's fields, and the checks that relate its fields, live in
 * lib/config/sections/<section>.ts; this file puts them together and holds the
 * checks across sections (residency, network, VPN, catalog).
 */

export const VPN_SESSION_TIMEOUT_HOURS = [8, 10, 12, 24] as const;

const configObject = z
  .object({
    $schema: z.string().optional(),
    organisation: z
      .object({
        name: z.string().min(1),
        country: z.string().regex(/^[A-Z]{2}$/, { message: 'an ISO 3166 two-letter country code such as FR' }),
        /** The controller's contact details (art. 30(1)(a)). */
        ...organisationContact,
        /** Its representative in the Union, for a controller established outside it (art. 27). */
        representative: representativeSchema.optional(),
        /** Joint controllers (art. 26) of the processing. */
        jointControllers: z.array(jointControllerSchema).default([]),
      })
      .strict(),
    environment: z
      .object({
        account: accountId,
        region: regionName,
        /**
         * production (default) or development: development keeps every privacy control and drops
         * redundancy (README, "Profiles"); it must never hold production contacts.
         */
        profile: z.enum(PROFILES).default(ENVIRONMENT_DEFAULTS.profile),
        /** The accounts that hold real contacts; a development configuration lists them and may name none of them. */
        productionAccounts: z.array(accountId).default([...ENVIRONMENT_DEFAULTS.productionAccounts]),
      })
      .strict(),
    residency: z
      .object({
        allowedRegions: z.array(regionName).min(1).default([...DEFAULT_ALLOWED_REGIONS]),
        adequacyRegions: z
          .array(
            z
              .object({
                region: regionName,
                transferBasis: z.string().min(10, {
                  message: 'name the transfer basis (for example the adequacy decision and its date)',
                }),
              })
              .strict(),
          )
          .default([]),
      })
      .strict()
      .default({ allowedRegions: [...DEFAULT_ALLOWED_REGIONS], adequacyRegions: [] }),
    network: z
      .object({
        vpcCidr: cidr,
        /** The client range of the endpoint the kit creates; refused beside an existing endpoint (checked across sections). */
        vpnClientCidr: cidr.optional(),
        availabilityZones: z.array(z.string().regex(/^[a-z]{2}-[a-z]+-\d[a-z]$/)).min(2).optional(),
        s3PrefixListId: z.string().regex(PREFIX_LIST_ID_PATTERN, { message: 'must be a prefix list id such as pl-23ad484a' }).optional(),
      })
      .strict(),
    vpn: z
      .object({
        /** Required unless landingZone.network.clientVpnEndpoint names an existing endpoint (checked across sections). */
        serverCertificateArn: acmCertificateArn.optional(),
        authentication: z
          .object({
            mutualTls: z.object({ clientRootCertificateArn: acmCertificateArn }).strict().optional(),
            saml: z.object({ providerArn: samlProviderArn }).strict().optional(),
          })
          .strict(),
        /** Left out: 8 (VPN_DEFAULTS). Refused beside an existing endpoint, which keeps its own (checked across sections). */
        sessionTimeoutHours: z
          .union(VPN_SESSION_TIMEOUT_HOURS.map((h) => z.literal(h)) as unknown as [z.ZodLiteral<8>, z.ZodLiteral<10>, z.ZodLiteral<12>, z.ZodLiteral<24>])
          .optional(),
        /** Left out: a notice that access is restricted and logged (VPN_DEFAULTS). Refused beside an existing endpoint. */
        loginBanner: z.string().max(1400).optional(),
      })
      .strict(),
    database: z
      .object({
        /** Left out: 0.5 in production, 0 in development (the database pauses when idle); see databaseMinCapacity. */
        minCapacity: z.number().min(0).max(256).multipleOf(0.5).optional(),
        maxCapacity: z.number().min(1).max(256).multipleOf(0.5).default(DATABASE_DEFAULTS.maxCapacity),
        backupRetentionDays: z.number().int().min(1).max(35).default(DATABASE_DEFAULTS.backupRetentionDays),
      })
      .strict()
      .default({ maxCapacity: DATABASE_DEFAULTS.maxCapacity, backupRetentionDays: DATABASE_DEFAULTS.backupRetentionDays }),
    backup: backupSchema.default({
      schedule: BACKUP_DEFAULTS.schedule,
      retentionDays: BACKUP_DEFAULTS.retentionDays,
      continuousBackup: BACKUP_DEFAULTS.continuousBackup,
      lock: { ...BACKUP_DEFAULTS.lock },
      restoreTesting: { ...BACKUP_DEFAULTS.restoreTesting },
    }),
    dpo: z
      .object({
        name: z.string().min(1),
        email: z.email({ message: 'must be an e-mail address' }),
        phone: z.string().optional(),
      })
      .strict(),
    access: z
      .object({
        maxSessionHours: z.number().int().min(1).max(12).default(1),
        mfaMaxAgeSeconds: z.number().int().min(300).max(43200).default(3600),
        /** Who may assume the operator role; same forms as roles[].trustedPrincipalArns. */
        operatorTrustedPrincipalArns: z.array(z.string()).default([]),
        /**
         * Lets a role (or the operator) that lists no trusted principal be assumed by any IAM principal of the
         * account with MFA and sts:AssumeRole: IAM policies, not the catalog, then decide who is the DPO.
         */
        trustAnyMfaPrincipal: z.boolean().default(false),
        /** Removed: trust is per role (roles[].trustedPrincipalArns, access.operatorTrustedPrincipalArns). */
        trustedPrincipalArns: z.unknown().optional(),
      })
      .strict()
      .default({ maxSessionHours: 1, mfaMaxAgeSeconds: 3600, operatorTrustedPrincipalArns: [], trustAnyMfaPrincipal: false }),
    /**
     * Art. 22 and 15(1)(h): decisions based solely on automated processing, profiling included, made about
     * contacts; each with the logic involved and its consequences for the person. None by default: the access
     * report then tells the person that no such decision is made.
     */
    automatedDecisions: z
      .array(
        z
          .object({
            name: z.string().min(1, { message: 'name the decision or the profiling, such as: scoring of prospects for seminar invitations' }),
            logic: z.string().min(20, { message: 'describe the logic involved (art. 15(1)(h)), in at least 20 characters' }),
            consequences: z.string().min(20, { message: 'describe the significance and envisaged consequences for the person (art. 15(1)(h)), in at least 20 characters' }),
          })
          .strict(),
      )
      .default([]),
    /** Art. 30(1)(c): the categories of people whose data the database holds. */
    dataSubjects: z.array(z.string().min(1)).min(1).default(['prospects', 'customers', 'business contacts']),
    /** The same categories of people in French, in the same order, for the documents sent in French (the notification to the CNIL). */
    dataSubjectsFr: z.array(z.string().min(1)).optional(),
    retention: retentionSchema.default({ ...RETENTION_DEFAULTS }),
    notesCheck: notesCheckSchema.default({ extraTerms: {}, excludedTerms: [], allowedPhrases: [] }),
    breach: breachSchema.default({ ...BREACH_DEFAULTS, exportAlarm: { ...BREACH_DEFAULTS.exportAlarm } }),
    consentPurposes: z.array(consentPurposeSchema).default([]),
    categories: z.array(categorySchema).min(1),
    roles: z.array(roleSchema).min(1),
    subcontractors: z.array(subcontractorSchema).default([]),
    /** What the DPIA screening (art. 35) needs that the rest of the configuration cannot tell. */
    dpia: dpiaSchema.default({}),
    /** Processors with no AWS account (an e-mailing service, a printer), for the record of processing. */
    externalProcessors: z.array(externalProcessorSchema).default([]),
    /** The record of processing's version, date, hosting addendum and organisational measures. */
    record: recordSchema.default({ ...RECORD_DEFAULTS }),
    /** An existing landing zone the baseline fits into (organisation trail, Identity Center, Organizations). */
    landingZone: landingZoneSchema.default({}),
  })
  .strict();

/**
 * The configuration schema with its cross-field checks. With `now`, a
 * processor grant that expired at the time it returns is refused (a caller
 * that asks for it, at a date it chooses); without, no check depends on the
 * date, so the same configuration gives the same result on any day.
 */
export function configSchemaAt(now?: () => Date) {
  return configObject.check(z.superRefine((value, ctx) => crossFieldChecks(value, ctx, now), { when: () => true }));
}

/** The configuration schema: never judged against the wall clock (see configSchemaAt). */
export const configSchema = configSchemaAt();

/* eslint-disable @typescript-eslint/no-explicit-any */

/**
 * Checks that relate several fields. They run even when other fields are
 * invalid, so a user sees every problem at once: the input may be partly
 * malformed, hence the defensive reads.
 */
function crossFieldChecks(value: unknown, ctx: z.RefinementCtx, now: (() => Date) | undefined): void {
  const cfg = (value ?? {}) as any;
  const problem: Problem = (path, message) => ctx.addIssue({ code: 'custom', path, message });

  // Residency (art. 44-49).
  const allowed = list(cfg.residency?.allowedRegions ?? DEFAULT_ALLOWED_REGIONS);
  const adequacy = list(cfg.residency?.adequacyRegions);
  allowed.forEach((region, i) => {
    if (typeof region !== 'string') return;
    if (isAdequacyRegion(region)) {
      problem(['residency', 'allowedRegions', i], `${region} is ${ADEQUACY_REGIONS[region]}, outside the EU; list it under residency.adequacyRegions with its transferBasis instead`);
    } else if (!isEuMemberStateRegion(region)) {
      problem(['residency', 'allowedRegions', i], `not an EU member-state region; allowed: ${Object.keys(EU_MEMBER_STATE_REGIONS).join(', ')}`);
    }
  });
  adequacy.forEach((entry, i) => {
    const region = str(entry?.region);
    if (region && !isAdequacyRegion(region)) {
      problem(['residency', 'adequacyRegions', i, 'region'], `only regions with an adequacy decision may be listed here: ${Object.keys(ADEQUACY_REGIONS).join(', ')}`);
    }
  });
  const permitted = [...allowed, ...adequacy.map((a) => a?.region)].filter((r): r is string => typeof r === 'string');
  const region = str(cfg.environment?.region);
  if (region && !permitted.includes(region)) {
    problem(['environment', 'region'], `the stack region must be an allowed region: ${permitted.join(', ')}; EU member-state regions are ${Object.keys(EU_MEMBER_STATE_REGIONS).join(', ')}`);
  }

  // Network.
  const vpcCidr = str(cfg.network?.vpcCidr);
  const clientCidr = str(cfg.network?.vpnClientCidr);
  const vpc = vpcCidr ? parseCidr(vpcCidr) : undefined;
  const client = clientCidr ? parseCidr(clientCidr) : undefined;
  if (vpc && (vpc.prefix < 16 || vpc.prefix > 24)) {
    problem(['network', 'vpcCidr'], 'a VPC CIDR must be between /16 and /24');
  }
  if (client && (client.prefix < 12 || client.prefix > 22)) {
    problem(['network', 'vpnClientCidr'], 'a Client VPN client CIDR must be between /12 and /22');
  }
  for (const [field, cidrValue] of [['vpcCidr', vpcCidr], ['vpnClientCidr', clientCidr]] as const) {
    if (cidrValue && parseCidr(cidrValue) && !isPrivateCidr(cidrValue)) {
      problem(['network', field], 'must be inside a private range (10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16)');
    }
  }
  if (vpcCidr && clientCidr && vpc && client && cidrsOverlap(vpcCidr, clientCidr)) {
    problem(['network', 'vpnClientCidr'], `overlaps network.vpcCidr ${vpcCidr}; choose a client range outside the VPC`);
  }
  // Only for a region the kit may deploy to (another one is reported above).
  if (region && (isEuMemberStateRegion(region) || isAdequacyRegion(region)) && cfg.network && cfg.network.s3PrefixListId === undefined && !shippedS3PrefixListId(region)) {
    problem(['network', 's3PrefixListId'], `required in ${region} (the kit ships no S3 prefix list id for it); find it with ${s3PrefixListLookupCommand(region)}`);
  }
  list(cfg.network?.availabilityZones).forEach((az, i) => {
    if (region && typeof az === 'string' && !az.startsWith(region)) {
      problem(['network', 'availabilityZones', i], `must be a zone of ${region}, such as ${region}a`);
    }
  });

  // VPN.
  const auth = cfg.vpn?.authentication;
  const saml = auth?.saml !== undefined;
  const anyAuth = saml || auth?.mutualTls !== undefined;
  if (cfg.vpn && auth && !auth.mutualTls && !auth.saml) {
    problem(['vpn', 'authentication'], 'set mutualTls (client root certificate) and/or saml (identity provider); a VPN without authentication is refused');
  }
  const certificates: [(string | number)[], string | undefined][] = [
    [['vpn', 'serverCertificateArn'], str(cfg.vpn?.serverCertificateArn)],
    [['vpn', 'authentication', 'mutualTls', 'clientRootCertificateArn'], str(auth?.mutualTls?.clientRootCertificateArn)],
  ];
  for (const [path, arn] of certificates) {
    const arnRegion = arn?.split(':')[3];
    if (region && arnRegion && arn?.startsWith('arn:aws:acm:') && arnRegion !== region) {
      problem(path, `the certificate must be in the stack region ${region}, not ${arnRegion}; import it into ACM there`);
    }
  }

  // Profile: a development deployment never holds production contacts.
  developmentChecks(cfg, problem);

  // Database.
  const db = cfg.database ?? {};
  if (typeof db.minCapacity === 'number' && typeof db.maxCapacity === 'number' && db.maxCapacity < db.minCapacity) {
    problem(['database', 'maxCapacity'], `must be at least database.minCapacity (${db.minCapacity})`);
  }

  // Catalog.
  const categories = new Map<string, any>();
  list(cfg.categories).forEach((cat, i) => {
    const name = str(cat?.name);
    if (!name) return;
    if (categories.has(name)) {
      problem(['categories', i, 'name'], 'duplicate category; each category is declared once');
    }
    categories.set(name, cat);
    if (cat.sensitivity === 'special' && !cat.specialCategoryCondition) {
      problem(['categories', i, 'specialCategoryCondition'], `a special category (art. 9) needs the art. 9(2) condition that allows it: ${SPECIAL_CATEGORY_CONDITIONS.join(', ')}`);
    }
    if (cat.sensitivity !== 'special' && cat.specialCategoryCondition) {
      problem(['categories', i, 'specialCategoryCondition'], 'only special categories take an art. 9(2) condition; remove it or set sensitivity to special');
    }
  });
  list(cfg.categories).forEach((cat, i) => {
    list(cat?.legalHold?.keeps).forEach((kept, j) => {
      if (!categories.has(str(kept) ?? '')) {
        problem(['categories', i, 'legalHold', 'keeps', j], `unknown category; a legal hold keeps categories of the contact record, declared categories: ${[...categories.keys()].join(', ')}`);
      }
    });
  });
  const longest = longestRetentionDays([...categories.values()]);
  if (longest !== undefined && typeof db.backupRetentionDays === 'number' && db.backupRetentionDays > longest) {
    problem(['database', 'backupRetentionDays'], `backups must not outlive the longest category retention (${longest} days)`);
  }
  backupChecks(cfg, permitted, longest, problem);

  lifecycleChecks(cfg, problem);

  const purposeNames = new Set<string>();
  list(cfg.consentPurposes).forEach((purpose, i) => {
    const name = str(purpose?.name);
    if (name && purposeNames.has(name)) problem(['consentPurposes', i, 'name'], 'duplicate consent purpose; each purpose is declared once');
    if (name) purposeNames.add(name);
  });
  explicitConsentChecks(cfg, problem);

  const roleNames = new Set<string>();
  list(cfg.roles).forEach((role, i) => {
    const name = str(role?.name);
    if (name && roleNames.has(name)) {
      problem(['roles', i, 'name'], 'duplicate role; each role is declared once');
    }
    if (name) roleNames.add(name);
    let special = false;
    for (const field of ['reads', 'writes'] as const) {
      list(role?.[field]).forEach((catName, j) => {
        if (typeof catName !== 'string') return;
        const cat = categories.get(catName);
        if (!cat) {
          problem(['roles', i, field, j], `unknown category; declared categories: ${[...categories.keys()].join(', ')}`);
        } else if (cat.sensitivity === 'special') {
          special = true;
        }
      });
    }
    if (special && !role.specialCategoryJustification) {
      problem(['roles', i, 'specialCategoryJustification'], 'this role reads or writes a special category (art. 9); say why it needs it, or remove the category');
    }
    const purposes = list(cfg.consentPurposes).map((p) => p?.name);
    if (typeof role?.consentPurpose === 'string' && !purposes.includes(role.consentPurpose)) {
      problem(['roles', i, 'consentPurpose'], `unknown consent purpose; declared consentPurposes: ${purposes.join(', ') || '(none)'}`);
    }
    const reads = list(role?.reads);
    list(role?.flags).forEach((flag, j) => {
      const cat = typeof flag === 'string' ? categories.get(flag) : undefined;
      if (!cat) {
        problem(['roles', i, 'flags', j], `unknown category; declared categories: ${[...categories.keys()].join(', ')}`);
      } else if (cat.sensitivity !== 'special') {
        problem(['roles', i, 'flags', j], 'a flag tells that special-category data exists without its detail; only special categories have flags');
      } else if (reads.includes(flag)) {
        problem(['roles', i, 'flags', j], 'the role already reads this category; remove the flag');
      }
    });
    if (role?.dataSubjectRights === true) {
      const missing = [...categories.keys()].filter((c) => !reads.includes(c));
      if (missing.length > 0) {
        problem(['roles', i, 'dataSubjectRights'], `a role that answers access and erasure requests must read every category; missing: ${missing.join(', ')}`);
      }
      if (role?.consentPurpose !== undefined) {
        problem(['roles', i, 'consentPurpose'], 'a role that answers data-subject requests must see every contact; remove consentPurpose');
      }
    }
    trustChecks(cfg, role, ['roles', i], problem);
    if (anyAuth && saml && !role?.vpnGroupId) {
      problem(['roles', i, 'vpnGroupId'], 'with SAML VPN authentication every role needs the identity-provider group id that grants it VPN access');
    }
    if (anyAuth && !saml && role?.vpnGroupId) {
      problem(['roles', i, 'vpnGroupId'], 'group ids only work with SAML VPN authentication; remove it or configure vpn.authentication.saml');
    }
  });

  trustChecks(cfg, { name: 'operator', trustedPrincipalArns: cfg.access?.operatorTrustedPrincipalArns }, ['access'], problem);
  if (cfg.access?.trustedPrincipalArns !== undefined) {
    problem(['access', 'trustedPrincipalArns'], 'removed: trust is per role now; list who may assume each role in roles[].trustedPrincipalArns, and the operator in access.operatorTrustedPrincipalArns');
  }

  subcontractorChecks(cfg, categories, roleNames, now?.(), problem);

  dpiaChecks(cfg, problem);
  recordChecks(cfg, categories, problem);
  if (Array.isArray(cfg.dataSubjectsFr) && Array.isArray(cfg.dataSubjects) && cfg.dataSubjectsFr.length !== cfg.dataSubjects.length) {
    problem(['dataSubjectsFr'], `translate each entry of dataSubjects, in the same order: dataSubjects has ${cfg.dataSubjects.length} entries and dataSubjectsFr ${cfg.dataSubjectsFr.length}`);
  }
  landingZoneChecks(cfg, permitted, problem);
}

/* eslint-enable @typescript-eslint/no-explicit-any */



/** The configuration as written (before defaults). */
export type BaselineConfigInput = z.input<typeof configSchema>;
/** The configuration with every default applied. */
export type BaselineConfig = z.output<typeof configSchema>;
export type DataCategoryConfig = BaselineConfig['categories'][number];
export type RoleConfig = BaselineConfig['roles'][number];
export type ConsentPurposeConfig = BaselineConfig['consentPurposes'][number];
export type BackupConfig = BaselineConfig['backup'];
export type SubcontractorConfig = BaselineConfig['subcontractors'][number];
export type DpiaConfig = BaselineConfig['dpia'];
export type LandingZoneConfig = BaselineConfig['landingZone'];
export type TransferMechanism = (typeof TRANSFER_MECHANISMS)[number];

/** Every region the configuration lets data live in. */
export function permittedRegions(cfg: Pick<BaselineConfig, 'residency'>): string[] {
  return [...cfg.residency.allowedRegions, ...cfg.residency.adequacyRegions.map((a) => a.region)];
}
