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
import { KIT_DATABASE_USERS, unsafeRoleName } from './database-names';
import { AIR_GAPPED_MIN_RETENTION_DAYS, BACKUP_DEFAULTS, BREACH_DEFAULTS, DATABASE_DEFAULTS, RETENTION_DEFAULTS } from './defaults';
import { defaultNoteTerms, NOTE_CATEGORIES, NOTE_TERM_PATTERN, NoteCategory } from './note-terms';
import { principalArnProblem } from './principal-arn';

// The defaults live in ./defaults (the constructs read them too); exported here as before.
export { BACKUP_DEFAULTS, BREACH_DEFAULTS, DATABASE_DEFAULTS, RETENTION_DEFAULTS } from './defaults';

/**
 * The one schema of the configuration. TypeScript types are inferred from it,
 * the JSON Schema for editors is generated from it (lib/config/config.schema.json),
 * and every check on the configuration lives here.
 */

const IDENTIFIER = /^[a-z][a-z0-9_]{0,30}$/;
const identifier = (what: string) =>
  z.string().regex(IDENTIFIER, {
    message: `${what} must be lower-case letters, digits or _ starting with a letter, at most 31 characters (it becomes a PostgreSQL and IAM name)`,
  });

/** A catalog role's name: an identifier that is no SQL keyword, reserved name or user of the kit (lib/config/database-names.ts). */
const roleName = identifier('a role name').superRefine((name, ctx) => {
  const why = IDENTIFIER.test(name) ? unsafeRoleName(name) : undefined;
  if (why) ctx.addIssue({ code: 'custom', message: why });
});

const accountId = z.string().regex(/^\d{12}$/, { message: 'an AWS account id is exactly 12 digits' });

const regionName = z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d{1,2}$/, {
  message: 'an AWS region name looks like eu-west-3',
});

const cidr = z.string().refine((v) => parseCidr(v) !== undefined, {
  message: 'must be an IPv4 CIDR block such as 10.40.0.0/16',
});

const acmCertificateArn = z.string().regex(/^arn:aws:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]{36}$/, {
  message: 'must be an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<uuid>)',
});

const samlProviderArn = z.string().regex(/^arn:aws:iam::\d{12}:saml-provider\/[\w+=,.@-]{1,128}$/, {
  message: 'must be an IAM SAML provider ARN (arn:aws:iam::<account>:saml-provider/<name>)',
});

/** Art. 6(1) lawful bases. */
export const LEGAL_BASES = [
  'consent',
  'contract',
  'legal-obligation',
  'vital-interests',
  'public-task',
  'legitimate-interests',
] as const;

/** Art. 9(2) conditions that lift the ban on processing special categories. */
export const SPECIAL_CATEGORY_CONDITIONS = [
  'explicit-consent',
  'employment-social-security',
  'vital-interests',
  'not-for-profit-body',
  'made-public-by-data-subject',
  'legal-claims',
  'substantial-public-interest',
  'health-or-social-care',
  'public-health',
  'archiving-research-statistics',
] as const;

export const VPN_SESSION_TIMEOUT_HOURS = [8, 10, 12, 24] as const;

const categorySchema = z
  .object({
    name: identifier('a category name'),
    description: z.string().min(1),
    purpose: z.string().min(1, { message: 'every category needs a purpose (art. 5(1)(b))' }),
    legalBasis: z.enum(LEGAL_BASES),
    retentionDays: z
      .number()
      .int({ message: 'retention is a whole number of days' })
      .min(1, { message: 'retention must be at least 1 day; data kept 0 days should not be collected' })
      .max(3650, { message: 'retention longer than 10 years needs a legal obligation the kit cannot check; at most 3650 days' }),
    sensitivity: z.enum(['standard', 'special']).default('standard'),
    specialCategoryCondition: z.enum(SPECIAL_CATEGORY_CONDITIONS).optional(),
    /**
     * Removed: which columns identify a person is declared next to the column
     * in the SQL schema (`category:<name>;identifying`), not here. Kept only to
     * tell a configuration that still sets it where the marking went.
     */
    directIdentifier: z
      .unknown()
      .refine(() => false, {
        message:
          "removed: which columns identify a person is now marked in the database schema, next to each column ('category:<name>;identifying' in lib/database/sql), and a pseudonymised extract refuses a category with such a column; delete directIdentifier",
      })
      .optional()
      .meta({ deprecated: true, description: "Removed: identifying columns are marked in the database schema ('category:<name>;identifying')", not: {} }),
  })
  .strict();

const roleSchema = z
  .object({
    name: roleName,
    description: z.string().min(1),
    reads: z.array(z.string()).default([]),
    writes: z.array(z.string()).default([]),
    vpnGroupId: z.string().min(1).optional(),
    specialCategoryJustification: z.string().min(20, {
      message: 'a justification for special-category access must say why, in at least 20 characters',
    }).optional(),
    consentPurpose: identifier('a consent purpose').optional(),
    flags: z.array(z.string()).default([]),
    dataSubjectRights: z.boolean().default(false),
    /** Owns the relationship: reads crm.recontact_due, the contacts approaching the end of their retention. */
    recontact: z.boolean().default(false),
    /**
     * Who may assume this role (`ArnLike aws:PrincipalArn`): roles or users of the stack's account, or the
     * Identity Center roles of one permission set (`.../AWSReservedSSO_<PermissionSet>_*`). Required unless
     * `access.trustAnyMfaPrincipal` is true.
     */
    trustedPrincipalArns: z.array(z.string()).default([]),
  })
  .strict();

/** An EventBridge schedule: cron(...) with six fields, or rate(...). */
const scheduleExpression = z.string().regex(/^(cron\(\S+ \S+ \S+ \S+ \S+ \S+\)|rate\(\d+ (minute|minutes|hour|hours|day|days)\))$/, {
  message: 'an EventBridge schedule is cron(minutes hours day-of-month month day-of-week year), such as cron(30 2 * * ? *), or rate(1 day)',
});

/** The database user the retention purge signs in as: no catalog role may take the name. */
export const PURGE_DATABASE_USER = KIT_DATABASE_USERS.purge;

const retentionSchema = z
  .object({
    /** How many days before the end of its retention a contact is listed in crm.recontact_due. */
    recontactDays: z
      .number()
      .int({ message: 'a whole number of days' })
      .min(1, { message: 'list contacts at least 1 day before the end of their retention' })
      .max(365, { message: 'at most 365 days before the end of retention (a longer window lists contacts who are not going anywhere)' })
      .default(RETENTION_DEFAULTS.recontactDays),
    /** When the retention purge runs (UTC). */
    purgeSchedule: scheduleExpression.default(RETENTION_DEFAULTS.purgeSchedule),
  })
  .strict();

const noteTerm = z.string().max(60).regex(NOTE_TERM_PATTERN, {
  message: "a term is letters, digits, spaces, hyphens or apostrophes, optionally ending with * (any ending), such as musulman* or trade union",
});
const noteTermLists = z
  .object({ fr: z.array(noteTerm).default([]), en: z.array(noteTerm).default([]) })
  .strict();

const notesCheckSchema = z
  .object({
    /** Terms added to the shipped lists, per category and language. */
    extraTerms: z
      .object(Object.fromEntries(Object.keys(NOTE_CATEGORIES).map((c) => [c, noteTermLists.optional()])) as Record<NoteCategory, z.ZodOptional<typeof noteTermLists>>)
      .strict()
      .default({}),
    /** Shipped terms not to look for (as written in lib/config/note-terms.ts). */
    excludedTerms: z.array(z.string()).default([]),
    /** Phrases never flagged (names of institutions, streets), added to the shipped ones. */
    allowedPhrases: z.array(noteTerm).default([]),
  })
  .strict();

const breachSchema = z
  .object({
    /** GuardDuty with RDS Protection is enabled in the account: route its findings on the database to the DPO. */
    guardDuty: z.boolean().default(BREACH_DEFAULTS.guardDuty),
    /** Time zone the DPO reads the 72-hour deadline in (IANA name). */
    timeZone: z
      .string()
      .refine((tz) => { try { new Intl.DateTimeFormat('en-GB', { timeZone: tz }); return true; } catch { return false; } }, {
        message: 'an IANA time zone such as Europe/Paris',
      })
      .default(BREACH_DEFAULTS.timeZone),
    /** Unusual export volume: data sent by the database to its clients in one hour. */
    exportAlarm: z
      .object({
        megabytesPerHour: z
          .number()
          .int({ message: 'a whole number of megabytes' })
          .min(1, { message: 'at least 1 MB per hour' })
          .max(1_000_000, { message: 'at most 1000000 MB (1 TB) per hour' })
          .default(BREACH_DEFAULTS.exportAlarm.megabytesPerHour),
      })
      .strict()
      .default({ ...BREACH_DEFAULTS.exportAlarm }),
    /** How long the trail's log files are kept (at least a year: the breach register, art. 33(5)). */
    trailRetentionDays: z.number().int().min(365, { message: 'keep the trail at least 365 days: it documents breaches (art. 33(5))' }).max(3650).default(BREACH_DEFAULTS.trailRetentionDays),
  })
  .strict();

const consentPurposeSchema = z
  .object({
    name: identifier('a consent purpose name'),
    description: z.string().min(1),
  })
  .strict();

/** An AWS Backup / EventBridge cron expression: six fields, such as cron(0 3 * * ? *). */
const cronExpression = z.string().regex(/^cron\(\S+ \S+ \S+ \S+ \S+ \S+\)$/, {
  message: 'an AWS cron expression has six fields (minutes hours day-of-month month day-of-week year), such as cron(0 3 * * ? *)',
});

/**
 * How long the PostgreSQL log group keeps the erasure journal (lib/database:
 * one year). Recovery points must not outlive it: after a restore, erasures
 * are replayed from that journal.
 */
export const ERASURE_JOURNAL_RETENTION_DAYS = 365;

const backupSchema = z
  .object({
    /** When the daily (or other) snapshot is taken and copied out of reach. */
    schedule: cronExpression.default(BACKUP_DEFAULTS.schedule),
    /** How long each snapshot and its isolated copy are kept. */
    retentionDays: z
      .number()
      .int({ message: 'retention is a whole number of days' })
      .min(1, { message: 'a recovery point must be kept at least 1 day' })
      .max(3650)
      .default(BACKUP_DEFAULTS.retentionDays),
    /** AWS Backup continuous backup (point-in-time restore) of the cluster, kept database.backupRetentionDays. */
    continuousBackup: z.boolean().default(BACKUP_DEFAULTS.continuousBackup),
    /**
     * The vault every recovery point is copied to, in another account the
     * production account cannot reach. Without it, copies go to a logically
     * air-gapped vault of the production account.
     */
    copyTarget: z
      .object({
        account: accountId,
        /** @default - the region of the environment */
        region: regionName.optional(),
      })
      .strict()
      .optional(),
    /** Vault lock in compliance mode, on every vault. */
    lock: z
      .object({
        minRetentionDays: z.number().int().min(1).max(36500).default(BACKUP_DEFAULTS.lock.minRetentionDays),
        /** The erasure deadline: no recovery point outlives it. @default - retentionDays */
        maxRetentionDays: z.number().int().min(1).max(36500).optional(),
        changeableForDays: z
          .number()
          .int()
          .min(3, { message: 'AWS Backup needs at least 3 days before a compliance-mode lock becomes immutable' })
          .max(36500)
          .default(BACKUP_DEFAULTS.lock.changeableForDays),
      })
      .strict()
      .default({ ...BACKUP_DEFAULTS.lock }),
    /** When AWS Backup restores the latest snapshot to prove it can be restored. */
    restoreTesting: z
      .object({ schedule: cronExpression.default(BACKUP_DEFAULTS.restoreTesting.schedule) })
      .strict()
      .default({ ...BACKUP_DEFAULTS.restoreTesting }),
  })
  .strict();

/** Art. 46 and 45: how personal data may leave the EU. */
export const TRANSFER_MECHANISMS = ['adequacy-decision', 'standard-contractual-clauses', 'binding-corporate-rules'] as const;

/** A calendar date, YYYY-MM-DD (UTC). */
const isoDate = (what: string) =>
  z
    .string({ error: (issue) => (issue.input === undefined ? `${what}; write it YYYY-MM-DD` : undefined) })
    .regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'a date is written YYYY-MM-DD, such as 2027-12-31' })
    // Judged only once the format is right, so a malformed date gets one line, not two.
    .refine((v) => !/^\d{4}-\d{2}-\d{2}$/.test(v) || (!Number.isNaN(Date.parse(`${v}T00:00:00Z`)) && new Date(`${v}T00:00:00Z`).toISOString().startsWith(v)), {
      message: 'not a calendar date',
    });

const subcontractorSchema = z
  .object({
    name: identifier('a subcontractor name'),
    accountId,
    externalId: z
      .string()
      .min(16, { message: 'the external id the processor passes to sts:AssumeRole must be at least 16 characters (agree a random value with the processor)' })
      .max(1224)
      .regex(/^[\w+=,.@:/-]+$/, { message: 'an external id uses letters, digits and + = , . @ : / - _ only' }),
    purpose: z.string().min(1, { message: 'a processor processes for one stated purpose (art. 28(3)(a)); say which' }),
    categories: z.array(z.string()).min(1, { message: 'name the data categories the processor receives' }),
    contractReference: z
      .string({
        error: (issue) =>
          issue.input === undefined ? 'a processor needs a data processing agreement (art. 28(3)); give its reference' : undefined,
      })
      .min(1, { message: 'a processor needs a data processing agreement (art. 28(3)); give its reference' }),
    location: regionName,
    startDate: isoDate('the first day the processor may access its extracts'),
    expiryDate: isoDate('a grant without an expiry date is refused: give the last day of the contract'),
    transferMechanism: z
      .object({
        type: z.enum(TRANSFER_MECHANISMS),
        reference: z.string().min(5, { message: 'name the decision, the clauses or the rules (with their date or version)' }),
      })
      .strict()
      .optional(),
    specialCategoryJustification: z
      .string()
      .min(20, { message: 'a justification for sending special-category data to a processor must say why, in at least 20 characters' })
      .optional(),
    pseudonymised: z.boolean().default(true),
    identifiedReason: z
      .string()
      .min(20, { message: 'say why the processor must know who each person is, in at least 20 characters' })
      .optional(),
    consentPurpose: identifier('a consent purpose').optional(),
    extractRetentionDays: z.number().int().min(1).max(365).default(30),
  })
  .strict();

const configObject = z
  .object({
    $schema: z.string().optional(),
    organisation: z
      .object({
        name: z.string().min(1),
        country: z.string().regex(/^[A-Z]{2}$/, { message: 'an ISO 3166 two-letter country code such as FR' }),
      })
      .strict(),
    environment: z.object({ account: accountId, region: regionName }).strict(),
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
        vpnClientCidr: cidr,
        availabilityZones: z.array(z.string().regex(/^[a-z]{2}-[a-z]+-\d[a-z]$/)).min(2).optional(),
        s3PrefixListId: z.string().regex(PREFIX_LIST_ID_PATTERN, { message: 'must be a prefix list id such as pl-23ad484a' }).optional(),
      })
      .strict(),
    vpn: z
      .object({
        serverCertificateArn: acmCertificateArn,
        authentication: z
          .object({
            mutualTls: z.object({ clientRootCertificateArn: acmCertificateArn }).strict().optional(),
            saml: z.object({ providerArn: samlProviderArn }).strict().optional(),
          })
          .strict(),
        sessionTimeoutHours: z
          .union(VPN_SESSION_TIMEOUT_HOURS.map((h) => z.literal(h)) as unknown as [z.ZodLiteral<8>, z.ZodLiteral<10>, z.ZodLiteral<12>, z.ZodLiteral<24>])
          .default(8),
        loginBanner: z.string().max(1400).optional(),
      })
      .strict(),
    database: z
      .object({
        minCapacity: z.number().min(0).max(256).multipleOf(0.5).default(DATABASE_DEFAULTS.minCapacity),
        maxCapacity: z.number().min(1).max(256).multipleOf(0.5).default(DATABASE_DEFAULTS.maxCapacity),
        backupRetentionDays: z.number().int().min(1).max(35).default(DATABASE_DEFAULTS.backupRetentionDays),
      })
      .strict()
      .default({ ...DATABASE_DEFAULTS }),
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
    /** Art. 30(1)(c): the categories of people whose data the database holds. */
    dataSubjects: z.array(z.string().min(1)).min(1).default(['prospects', 'customers', 'business contacts']),
    retention: retentionSchema.default({ ...RETENTION_DEFAULTS }),
    notesCheck: notesCheckSchema.default({ extraTerms: {}, excludedTerms: [], allowedPhrases: [] }),
    breach: breachSchema.default({ ...BREACH_DEFAULTS, exportAlarm: { ...BREACH_DEFAULTS.exportAlarm } }),
    consentPurposes: z.array(consentPurposeSchema).default([]),
    categories: z.array(categorySchema).min(1),
    roles: z.array(roleSchema).min(1),
    subcontractors: z.array(subcontractorSchema).default([]),
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
const list = (v: unknown): any[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/**
 * Checks that relate several fields. They run even when other fields are
 * invalid, so a user sees every problem at once: the input may be partly
 * malformed, hence the defensive reads.
 */
function crossFieldChecks(value: unknown, ctx: z.RefinementCtx, now: (() => Date) | undefined): void {
  const cfg = (value ?? {}) as any;
  const problem = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });

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
  const retentions = [...categories.values()].map((c) => c.retentionDays).filter((d): d is number => typeof d === 'number');
  const longest = retentions.length > 0 ? Math.max(...retentions) : undefined;
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
}

/** Who may assume a role: listed principals of the account, or an explicit opt-in to any MFA principal. */
function trustChecks(cfg: any, role: any, at: (string | number)[], problem: (path: (string | number)[], message: string) => void): void {
  const field = at[0] === 'access' ? 'operatorTrustedPrincipalArns' : 'trustedPrincipalArns';
  const arns = list(role?.trustedPrincipalArns);
  const account = str(cfg.environment?.account);
  arns.forEach((arn, j) => {
    const why = typeof arn === 'string' ? principalArnProblem(arn, account) : undefined;
    if (why) problem([...at, field, j], why);
  });
  if (arns.length === 0 && cfg.access?.trustAnyMfaPrincipal !== true) {
    problem(
      [...at, field],
      `say who may assume ${str(role?.name) ? `the ${str(role?.name)} role` : 'this role'}, such as arn:aws:iam::${account ?? '<account>'}:role/aws-reserved/sso.amazonaws.com/<region>/AWSReservedSSO_<PermissionSet>_*; or set access.trustAnyMfaPrincipal: true, which lets IAM, not the catalog, decide who holds it`,
    );
  }
}

const DAY_MS = 86_400_000;
const utcDay = (date: string): number | undefined => {
  const t = Date.parse(`${date}T00:00:00Z`);
  return /^\d{4}-\d{2}-\d{2}$/.test(date) && !Number.isNaN(t) ? t : undefined;
};

/** Processors (art. 28) and transfers (art. 44-46): every grant is bounded, justified and minimal. */
function subcontractorChecks(
  cfg: any,
  categories: ReadonlyMap<string, any>,
  roleNames: ReadonlySet<string>,
  now: Date | undefined,
  problem: (path: (string | number)[], message: string) => void,
): void {
  const names = new Set<string>();
  const purposes = list(cfg.consentPurposes).map((p) => p?.name);
  const today = now ? Math.floor(now.getTime() / DAY_MS) * DAY_MS : undefined;
  list(cfg.subcontractors).forEach((sub, i) => {
    const at = (...path: (string | number)[]) => ['subcontractors', i, ...path];
    const name = str(sub?.name);
    if (name && names.has(name)) problem(at('name'), 'duplicate subcontractor; each processor is declared once');
    if (name) names.add(name);
    if (name && roleNames.has(`extract_${name}`)) {
      problem(at('name'), `its extract database user extract_${name} would be the role of the same name; rename the role or the subcontractor`);
    }

    const pseudonymised = sub?.pseudonymised !== false;
    let special = false;
    const retentions: number[] = [];
    list(sub?.categories).forEach((catName, j) => {
      if (typeof catName !== 'string') return;
      const cat = categories.get(catName);
      if (!cat) {
        problem(at('categories', j), `unknown category; declared categories: ${[...categories.keys()].join(', ')}`);
        return;
      }
      if (typeof cat.retentionDays === 'number') retentions.push(cat.retentionDays);
      if (cat.sensitivity === 'special') {
        special = true;
        if (!sub.specialCategoryJustification) {
          problem(at('categories', j), `${catName} is a special category (art. 9); a processor receives it only with a specialCategoryJustification that says why, or remove it`);
        }
      }
    });
    if (!special && sub?.specialCategoryJustification) {
      problem(at('specialCategoryJustification'), 'the processor receives no special category; remove the justification');
    }
    if (!pseudonymised && !sub?.identifiedReason) {
      problem(at('pseudonymised'), 'an extract that names people needs identifiedReason: why the processor must know who each person is (art. 25(1), 32(1)(a) favour pseudonymised data)');
    }
    if (pseudonymised && sub?.identifiedReason) {
      problem(at('identifiedReason'), 'only an identified extract (pseudonymised: false) takes a reason; remove it');
    }
    if (typeof sub?.consentPurpose === 'string' && !purposes.includes(sub.consentPurpose)) {
      problem(at('consentPurpose'), `unknown consent purpose; declared consentPurposes: ${purposes.join(', ') || '(none)'}`);
    }
    const shortest = retentions.length > 0 ? Math.min(...retentions) : undefined;
    if (shortest !== undefined && typeof sub?.extractRetentionDays === 'number' && sub.extractRetentionDays > shortest) {
      problem(at('extractRetentionDays'), `an extract must not outlive the shortest retention of its categories (${shortest} days)`);
    }

    const start = typeof sub?.startDate === 'string' ? utcDay(sub.startDate) : undefined;
    const expiry = typeof sub?.expiryDate === 'string' ? utcDay(sub.expiryDate) : undefined;
    if (start !== undefined && expiry !== undefined && expiry <= start) {
      problem(at('expiryDate'), `the grant must end after it starts (startDate ${sub.startDate})`);
    } else if (expiry !== undefined && today !== undefined && expiry <= today) {
      problem(
        at('expiryDate'),
        `the grant expired (access ends at 00:00 UTC on its expiry date; today is ${new Date(today).toISOString().slice(0, 10)}); renew the contract and move the date, or remove the subcontractor`,
      );
    }

    const location = str(sub?.location);
    if (location && !isEuMemberStateRegion(location) && !sub?.transferMechanism) {
      const where = isAdequacyRegion(location) ? `${location} is ${ADEQUACY_REGIONS[location]}` : `${location} is not an EU member-state region`;
      problem(
        at('transferMechanism'),
        `${where}: a transfer outside the EU needs its mechanism (art. 44-46): { type: ${TRANSFER_MECHANISMS.join(' | ')}, reference }`,
      );
    }
    if (location && isEuMemberStateRegion(location) && sub?.transferMechanism) {
      problem(at('transferMechanism'), `${location} (${EU_MEMBER_STATE_REGIONS[location]}) is in the EU: no transfer takes place; remove the mechanism`);
    }
  });
}
/* eslint-enable @typescript-eslint/no-explicit-any */

/* eslint-disable @typescript-eslint/no-explicit-any */
/** Retention, recontact and the notes check. */
function lifecycleChecks(cfg: any, problem: (path: (string | number)[], message: string) => void): void {
  const shipped = new Map(defaultNoteTerms().map((t) => [t.toLowerCase(), t]));
  list(cfg.notesCheck?.excludedTerms).forEach((term, i) => {
    if (typeof term === 'string' && !shipped.has(term.toLowerCase())) {
      problem(['notesCheck', 'excludedTerms', i], 'not a shipped term; name it exactly as lib/config/note-terms.ts writes it (a term you added yourself is removed from extraTerms instead)');
    }
  });
}
/* eslint-enable @typescript-eslint/no-explicit-any */

/* eslint-disable @typescript-eslint/no-explicit-any */
/**
 * Backups (art. 5(1)(e), 32(1)(c), 44): they must not outlive the storage
 * limitation bound nor the erasure journal, their copy target must be
 * another account in an allowed region, and the lock must admit every
 * recovery point the plan makes.
 */
function backupChecks(
  cfg: any,
  permitted: readonly string[],
  longest: number | undefined,
  problem: (path: (string | number)[], message: string) => void,
): void {
  const backup = cfg.backup ?? {};
  const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
  const retention = num(backup.retentionDays) ?? BACKUP_DEFAULTS.retentionDays;
  const lock = backup.lock ?? {};
  const minRetention = num(lock.minRetentionDays) ?? BACKUP_DEFAULTS.lock.minRetentionDays;
  const maxRetention = num(lock.maxRetentionDays);
  const continuous = backup.continuousBackup !== false;
  const pitrDays = num(cfg.database?.backupRetentionDays) ?? 7;
  const bound = longest === undefined ? ERASURE_JOURNAL_RETENTION_DAYS : Math.min(longest, ERASURE_JOURNAL_RETENTION_DAYS);
  const why = longest !== undefined && longest <= ERASURE_JOURNAL_RETENTION_DAYS
    ? `the longest category retention (${longest} days)`
    : `the erasure journal (the PostgreSQL log group keeps it ${ERASURE_JOURNAL_RETENTION_DAYS} days)`;

  if (retention > bound) {
    problem(['backup', 'retentionDays'], `backups must not outlive ${why}; set at most ${bound}`);
  }
  if (maxRetention !== undefined) {
    if (maxRetention > bound) {
      problem(['backup', 'lock', 'maxRetentionDays'], `the lock's maximum retention is the erasure deadline and must not exceed ${why}; set at most ${bound}`);
    }
    if (maxRetention < retention) {
      problem(['backup', 'lock', 'maxRetentionDays'], `the lock would refuse every snapshot kept backup.retentionDays (${retention}); set at least ${retention}`);
    }
    if (maxRetention < minRetention) {
      problem(['backup', 'lock', 'maxRetentionDays'], `must be at least backup.lock.minRetentionDays (${minRetention})`);
    }
  }
  if (minRetention > retention) {
    problem(['backup', 'lock', 'minRetentionDays'], `the lock would refuse every snapshot kept backup.retentionDays (${retention}); set at most ${retention}`);
  }
  if (continuous && minRetention > pitrDays) {
    problem(['database', 'backupRetentionDays'], `continuous backups are kept this long and the vault lock refuses less than backup.lock.minRetentionDays (${minRetention}); set at least ${minRetention}, or set backup.continuousBackup to false`);
  }
  const effectiveMax = maxRetention ?? retention;
  if (continuous && pitrDays > effectiveMax) {
    problem(['database', 'backupRetentionDays'], `continuous backups are kept this long and the vault lock refuses more than its maximum retention (${effectiveMax} days); set at most ${effectiveMax}, or set backup.continuousBackup to false`);
  }
  if (!backup.copyTarget && minRetention < AIR_GAPPED_MIN_RETENTION_DAYS) {
    problem(['backup', 'lock', 'minRetentionDays'], `without backup.copyTarget, copies go to a logically air-gapped vault, whose lock keeps recovery points at least ${AIR_GAPPED_MIN_RETENTION_DAYS} days; set at least ${AIR_GAPPED_MIN_RETENTION_DAYS}, or name a backup account in backup.copyTarget`);
  }

  const target = backup.copyTarget;
  if (target && typeof target === 'object') {
    const account = str(target.account);
    const region = str(target.region);
    const envAccount = str(cfg.environment?.account);
    const envRegion = str(cfg.environment?.region);
    if (account && envAccount && account === envAccount) {
      problem(['backup', 'copyTarget', 'account'], 'copies in the production account are within its reach; name a separate backup account, or remove backup.copyTarget to use a logically air-gapped vault');
    }
    if (region && !permitted.includes(region)) {
      problem(['backup', 'copyTarget', 'region'], `a copy of the contact data must stay in an allowed region: ${permitted.join(', ')}`);
    } else if (region && envRegion && region !== envRegion) {
      problem(['backup', 'copyTarget', 'region'], `AWS Backup cannot copy Aurora recovery points to another account and another region in one copy; use the environment region ${envRegion}`);
    }
  }
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
export type TransferMechanism = (typeof TRANSFER_MECHANISMS)[number];

/** Every region the configuration lets data live in. */
export function permittedRegions(cfg: Pick<BaselineConfig, 'residency'>): string[] {
  return [...cfg.residency.allowedRegions, ...cfg.residency.adequacyRegions.map((a) => a.region)];
}
