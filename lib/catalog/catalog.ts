import type { BaselineConfig, TransferMechanism } from '../config/schema';
import { permittedRegions } from '../config/schema';
import { KIT_EXTRACT_USER_PREFIX } from '../config/database-names';
import { digitalConsentAge } from '../config/consent-age';
import { DEFAULT_ALLOWED_PHRASES, DEFAULT_NOTE_TERMS, NOTE_CATEGORIES, NOTE_LANGUAGES, NoteCategory, NoteLanguage } from '../config/note-terms';

/**
 * The data catalog: the pure, typed model every layer is derived from
 * (IAM, database privileges, VPN rules, backups, review outputs).
 * No CDK here, so it can be used and tested anywhere.
 */

export type LegalBasis = BaselineConfig['categories'][number]['legalBasis'];
export type CountFrom = BaselineConfig['categories'][number]['countFrom'];

export interface DataCategory {
  readonly name: string;
  readonly description: string;
  /** The description in French, when the configuration gives it (documents sent in French). */
  readonly descriptionFr?: string;
  readonly purpose: string;
  readonly legalBasis: LegalBasis;
  /** The reference of the legitimate-interest assessment, for a category on that basis. */
  readonly legitimateInterestAssessment?: string;
  readonly retentionDays: number;
  /** From what the retention counts (lib/config/sections/catalog.ts, COUNT_FROM). */
  readonly countFrom: CountFrom;
  /** The legal text the category's processing or retention rests on. */
  readonly legalReference?: string;
  /** A legal obligation to keep the category after an erasure request (art. 17(3)(b)). */
  readonly legalHold?: {
    readonly obligation: string;
    readonly legalReference: string;
    readonly retentionDays: number;
    /** Categories of the contact record an erasure keeps with the held rows (who they name). */
    readonly keeps: readonly string[];
  };
  /** True for art. 9 special categories. */
  readonly special: boolean;
  readonly specialCategoryCondition?: string;
  /** The explicit consent purpose a special category on explicit consent rests on (art. 9(2)(a)). */
  readonly consentPurpose?: string;
}

export interface AccessRole {
  readonly name: string;
  readonly description: string;
  readonly reads: readonly DataCategory[];
  readonly writes: readonly DataCategory[];
  /** Identity-provider group granted VPN access for this role (SAML only). */
  readonly vpnGroupId?: string;
  readonly specialCategoryJustification?: string;
  /** When set, the role sees only contacts with an active consent for this purpose. */
  readonly consentPurpose?: string;
  /** Special categories whose existence (not detail) the role may know. */
  readonly flags: readonly DataCategory[];
  /** May run the data-subject access export and erasure (art. 15, 17). */
  readonly dataSubjectRights: boolean;
  /** Owns the relationship: reads the contacts approaching the end of their retention (crm.recontact_due). */
  readonly recontact?: boolean;
  /** Who may assume the role (ArnLike aws:PrincipalArn); empty only with access.trustAnyMfaPrincipal. */
  readonly trustedPrincipalArns?: readonly string[];
}

/** One term of the notes check: a note that contains it is held for the DPO. */
export interface NoteTerm {
  readonly category: NoteCategory;
  readonly language: NoteLanguage;
  readonly term: string;
}

/** Storage limitation (art. 5(1)(e)) and the notes check (art. 9, 10), as the database applies them. */
export interface LifecycleSettings {
  /** Contacts are listed for recontact this many days before the end of their retention. */
  readonly recontactDays: number;
  /** EventBridge schedule of the retention purge. */
  readonly purgeSchedule: string;
  /** Shipped terms minus the excluded ones, plus the configured ones, each once per category and language. */
  readonly noteTerms: readonly NoteTerm[];
  /** Phrases never flagged. */
  readonly allowedPhrases: readonly string[];
}

/** The terms the notes check uses for a configuration. */
export function noteTermsOf(config: Pick<BaselineConfig, 'notesCheck'>): NoteTerm[] {
  const excluded = new Set(config.notesCheck.excludedTerms.map((t) => t.toLowerCase()));
  const out: NoteTerm[] = [];
  const seen = new Set<string>();
  for (const category of Object.keys(NOTE_CATEGORIES) as NoteCategory[]) {
    for (const language of NOTE_LANGUAGES) {
      const shipped = DEFAULT_NOTE_TERMS[category][language].filter((t) => !excluded.has(t.toLowerCase()));
      for (const term of [...shipped, ...(config.notesCheck.extraTerms[category]?.[language] ?? [])]) {
        const key = `${category}:${language}:${term.toLowerCase()}`;
        if (!seen.has(key)) out.push({ category, language, term });
        seen.add(key);
      }
    }
  }
  return out;
}

export interface ConsentPurpose {
  readonly name: string;
  readonly description: string;
  /** Needs an explicit consent (art. 9(2)(a)): every consent for it is recorded as explicit. */
  readonly explicit: boolean;
}

/** Art. 8: consent of children, as the organisation's member state sets it. */
export interface ConsentAgeSettings {
  /** organisation.country (ISO 3166 two-letter code). */
  readonly country: string;
  /** Below this age a consent needs the holder of parental responsibility (lib/config/consent-age.ts). */
  readonly digitalConsentAge: number;
}

/** Prefix of the database user a processor's extract job signs in as. */
export const EXTRACT_USER_PREFIX = KIT_EXTRACT_USER_PREFIX;

/** A processor (art. 28) and what it receives. */
export interface Subcontractor {
  readonly name: string;
  /** The processor's AWS account, the only one that may assume its role. */
  readonly accountId: string;
  /** Agreed with the processor; required by the role's trust policy (sts:ExternalId). */
  readonly externalId: string;
  readonly purpose: string;
  readonly categories: readonly DataCategory[];
  /** The data processing agreement (art. 28(3)). */
  readonly contractReference: string;
  /** Region where the processor processes the data. */
  readonly location: string;
  /** First day of access, YYYY-MM-DD (access starts at 00:00 UTC). */
  readonly startDate: string;
  /** Access ends at 00:00 UTC on this day, YYYY-MM-DD; extracts expire the same day. */
  readonly expiryDate: string;
  /** Required when the location is outside the EU (art. 44-46). */
  readonly transferMechanism?: { readonly type: TransferMechanism; readonly reference: string };
  readonly specialCategoryJustification?: string;
  /** True (the default): the contact id replaced by a keyed pseudonym; a category with a column marked identifying in the schema is refused. */
  readonly pseudonymised: boolean;
  readonly identifiedReason?: string;
  /** When set, only contacts with an active consent for this purpose are extracted. */
  readonly consentPurpose?: string;
  /** How long one extract is kept before it expires (never after expiryDate). */
  readonly extractRetentionDays: number;
  /** The PostgreSQL user its extract job signs in as: `extract_<name>`. */
  readonly databaseUser: string;
}

export interface AccessSettings {
  readonly maxSessionHours: number;
  readonly mfaMaxAgeSeconds: number;
  /** Who may assume the operator role; empty only with trustAnyMfaPrincipal. */
  readonly operatorTrustedPrincipalArns: readonly string[];
  /** A role that lists no principal may be assumed by any IAM principal of the account with MFA. */
  readonly trustAnyMfaPrincipal: boolean;
  /**
   * Where MFA is enforced for IAM Identity Center sign-ins (landingZone.identityCenter.mfaEnforcement): the
   * sessions of permission-set roles carry no aws:MultiFactorAuthPresent, so their trust cannot test it.
   */
  readonly identityCenterMfaEnforcement?: string;
}

/** The controller as the data subject is told of it (art. 13-15). */
export interface ControllerFacts {
  readonly organisation: string;
  /** ISO 3166 country of the main establishment: the lead supervisory authority's (art. 56). */
  readonly country: string;
  readonly dpo: { readonly name: string; readonly email: string; readonly phone?: string };
  /** Decisions based solely on automated processing, profiling included (art. 22); empty when none is made. */
  readonly automatedDecisions: readonly { readonly name: string; readonly logic: string; readonly consequences: string }[];
}

export class Catalog {
  static fromConfig(config: BaselineConfig): Catalog {
    return new Catalog(config);
  }

  readonly categories: readonly DataCategory[];
  readonly roles: readonly AccessRole[];
  readonly consentPurposes: readonly ConsentPurpose[];
  readonly consentAge: ConsentAgeSettings;
  readonly access: AccessSettings;
  readonly subcontractors: readonly Subcontractor[];
  readonly lifecycle: LifecycleSettings;
  readonly controller: ControllerFacts;
  /** Every region personal data may be stored or processed in. */
  readonly permittedRegions: readonly string[];
  /** The organisation's country (ISO 3166 two-letter code): national phone numbers are read in it (suppression list). */
  readonly country: string;
  private readonly byName: ReadonlyMap<string, DataCategory>;

  private constructor(config: BaselineConfig) {
    this.categories = config.categories.map((c) => ({
      name: c.name,
      description: c.description,
      purpose: c.purpose,
      legalBasis: c.legalBasis,
      retentionDays: c.retentionDays,
      countFrom: c.countFrom,
      legalReference: c.legalReference,
      descriptionFr: c.descriptionFr,
      legitimateInterestAssessment: c.legitimateInterestAssessment,
      legalHold: c.legalHold,
      special: c.sensitivity === 'special',
      specialCategoryCondition: c.specialCategoryCondition,
      consentPurpose: c.consentPurpose,
    }));
    this.byName = new Map(this.categories.map((c) => [c.name, c]));
    this.roles = config.roles.map((r) => ({
      name: r.name,
      description: r.description,
      reads: r.reads.map((n) => this.category(n)),
      writes: r.writes.map((n) => this.category(n)),
      vpnGroupId: r.vpnGroupId,
      specialCategoryJustification: r.specialCategoryJustification,
      consentPurpose: r.consentPurpose,
      flags: r.flags.map((n) => this.category(n)),
      dataSubjectRights: r.dataSubjectRights,
      recontact: r.recontact,
      trustedPrincipalArns: [...r.trustedPrincipalArns],
    }));
    this.consentPurposes = config.consentPurposes.map((p) => ({ name: p.name, description: p.description, explicit: p.explicit }));
    this.consentAge = { country: config.organisation.country, digitalConsentAge: digitalConsentAge(config.organisation.country) };
    this.access = {
      maxSessionHours: config.access.maxSessionHours,
      mfaMaxAgeSeconds: config.access.mfaMaxAgeSeconds,
      operatorTrustedPrincipalArns: [...config.access.operatorTrustedPrincipalArns],
      trustAnyMfaPrincipal: config.access.trustAnyMfaPrincipal,
      identityCenterMfaEnforcement: config.landingZone.identityCenter?.mfaEnforcement,
    };
    this.subcontractors = config.subcontractors.map((s) => ({
      name: s.name,
      accountId: s.accountId,
      externalId: s.externalId,
      purpose: s.purpose,
      categories: s.categories.map((n) => this.category(n)),
      contractReference: s.contractReference,
      location: s.location,
      startDate: s.startDate,
      expiryDate: s.expiryDate,
      transferMechanism: s.transferMechanism,
      specialCategoryJustification: s.specialCategoryJustification,
      pseudonymised: s.pseudonymised,
      identifiedReason: s.identifiedReason,
      consentPurpose: s.consentPurpose,
      extractRetentionDays: s.extractRetentionDays,
      databaseUser: `${EXTRACT_USER_PREFIX}${s.name}`,
    }));
    this.lifecycle = {
      recontactDays: config.retention.recontactDays,
      purgeSchedule: config.retention.purgeSchedule,
      noteTerms: noteTermsOf(config),
      allowedPhrases: [...new Set([...DEFAULT_ALLOWED_PHRASES, ...config.notesCheck.allowedPhrases])],
    };
    this.controller = {
      organisation: config.organisation.name,
      country: config.organisation.country,
      dpo: { name: config.dpo.name, email: config.dpo.email, phone: config.dpo.phone },
      automatedDecisions: (config.automatedDecisions ?? []).map((d) => ({ name: d.name, logic: d.logic, consequences: d.consequences })),
    };
    this.permittedRegions = permittedRegions(config);
    this.country = config.organisation.country;
  }

  category(name: string): DataCategory {
    const found = this.byName.get(name);
    if (!found) {
      throw new Error(`unknown data category "${name}"; declared: ${[...this.byName.keys()].join(', ')}`);
    }
    return found;
  }

  role(name: string): AccessRole {
    const found = this.roles.find((r) => r.name === name);
    if (!found) throw new Error(`unknown role "${name}"; declared: ${this.roles.map((r) => r.name).join(', ')}`);
    return found;
  }

  subcontractor(name: string): Subcontractor {
    const found = this.subcontractors.find((s) => s.name === name);
    if (!found) throw new Error(`unknown subcontractor "${name}"; declared: ${this.subcontractors.map((s) => s.name).join(', ') || '(none)'}`);
    return found;
  }

  get specialCategories(): DataCategory[] {
    return this.categories.filter((c) => c.special);
  }

  /** The longest retention declared: backups must not outlive it. */
  get longestRetentionDays(): number {
    return Math.max(...this.categories.map((c) => c.retentionDays));
  }
}
