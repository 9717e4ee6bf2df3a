/** The data catalog's sections: categories (art. 9 special ones apart), roles and consent purposes, and who may assume a role. */
import { z } from 'zod';
import { principalArnProblem } from '../principal-arn';
import { identifier, list, roleName, str, type Problem } from './common';

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

/**
 * From what a category's retention counts, as the CNIL counts it (référentiel « gestion commerciale »):
 * - `last-contact-from-person`: the last contact that came from the person (a reply, a purchase, a
 *   request, a renewed consent); staff actions without an answer do not restart it (a prospect: 3 years);
 * - `end-of-relationship`: the end of the commercial relationship (a customer's last stay or purchase);
 * - `transaction`: each record's own transaction (an invoice, a booking: accounting obligations);
 * - `withdrawal`: the withdrawal of a consent (its proof), or the end of the relationship while it is in force;
 * - `creation`: each record from the day it was written (a note).
 */
export const COUNT_FROM = ['last-contact-from-person', 'end-of-relationship', 'transaction', 'withdrawal', 'creation'] as const;

/** A legal obligation to keep a category after an erasure request (art. 17(3)(b)), such as invoices under the Code de commerce. */
export const legalHoldSchema = z
  .object({
    obligation: z.string().min(1, { message: 'say what the law requires to be kept, such as: invoices and accounting records' }),
    legalReference: z.string().min(1, { message: 'name the legal text, such as: Code de commerce, art. L123-22' }),
    retentionDays: z
      .number()
      .int({ message: 'a legal hold is a whole number of days' })
      .min(1, { message: 'a legal hold lasts at least 1 day' })
      .max(3650, { message: 'a legal hold longer than 10 years is beyond what the kit supports; at most 3650 days' }),
    /**
     * Categories of the contact record (crm.contacts) the held records need and that an erasure
     * therefore keeps with them, such as the name an invoice is made out to; every other category goes.
     */
    keeps: z.array(identifier('a category name')).default([]),
  })
  .strict();

export const categorySchema = z
  .object({
    name: identifier('a category name'),
    description: z.string().min(1),
    /** The description in French, for the documents sent in French (the letter to the people concerned, art. 34(2)). */
    descriptionFr: z.string().min(1).optional(),
    purpose: z.string().min(1, { message: 'every category needs a purpose (art. 5(1)(b))' }),
    legalBasis: z.enum(LEGAL_BASES),
    /** The reference of the legitimate-interest assessment (art. 6(1)(f)) of a category on that basis; the record says when it is missing. */
    legitimateInterestAssessment: z.string().min(1).optional(),
    retentionDays: z
      .number()
      .int({ message: 'retention is a whole number of days' })
      .min(1, { message: 'retention must be at least 1 day; data kept 0 days should not be collected' })
      .max(3650, { message: 'retention longer than 10 years needs a legal obligation the kit cannot check; at most 3650 days' }),
    /** From what the retention counts (see COUNT_FROM); the database applies it. */
    countFrom: z.enum(COUNT_FROM).default('last-contact-from-person'),
    /** The text the retention or the processing rests on (a law, a CNIL référentiel, a contract clause); shown in the record of processing. */
    legalReference: z.string().min(1).optional(),
    /** A legal obligation to keep this category after an erasure request: erasure minimises it and keeps it until the hold ends. */
    legalHold: legalHoldSchema.optional(),
    sensitivity: z.enum(['standard', 'special']).default('standard'),
    specialCategoryCondition: z.enum(SPECIAL_CATEGORY_CONDITIONS).optional(),
    /**
     * The consent purpose a special category on explicit consent (art. 9(2)(a)) rests on: required when
     * specialCategoryCondition is explicit-consent, names an explicit consentPurposes[] entry. The database
     * refuses the category's rows without an explicit consent in force for it, and removes them when it is withdrawn.
     */
    consentPurpose: identifier('a consent purpose').optional(),
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

export const roleSchema = z
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

export const consentPurposeSchema = z
  .object({
    name: identifier('a consent purpose name'),
    description: z.string().min(1),
    /**
     * The purpose needs an explicit consent (art. 9(2)(a)): an express statement for this purpose alone
     * (a signed form, a box ticked for it). Every consent recorded for it says so (crm.consents.explicit).
     */
    explicit: z.boolean().default(false),
  })
  .strict();


/* eslint-disable @typescript-eslint/no-explicit-any */
/**
 * Art. 9(2)(a): a special category on explicit consent names the explicit consent purpose it rests on
 * (categories[].consentPurpose); no other category names one.
 */
export function explicitConsentChecks(cfg: any, problem: Problem): void {
  const purposes = list(cfg.consentPurposes);
  const names = purposes.map((p) => str(p?.name)).filter((n): n is string => n !== undefined);
  list(cfg.categories).forEach((cat, i) => {
    const purpose = cat?.consentPurpose;
    const onConsent = cat?.specialCategoryCondition === 'explicit-consent';
    if (onConsent && purpose === undefined) {
      problem(
        ['categories', i, 'consentPurpose'],
        `${str(cat?.name) ?? 'this category'} rests on explicit consent (art. 9(2)(a)): name the consent purpose it rests on, one of consentPurposes: ${names.join(', ') || '(none; declare one with explicit: true)'}`,
      );
      return;
    }
    if (purpose === undefined) return;
    if (!onConsent) {
      problem(['categories', i, 'consentPurpose'], 'only a special category whose specialCategoryCondition is explicit-consent rests on a consent purpose: remove it, or set specialCategoryCondition to explicit-consent');
      return;
    }
    const j = purposes.findIndex((p) => p?.name === purpose);
    if (j < 0) {
      problem(['categories', i, 'consentPurpose'], `unknown consent purpose; declared consentPurposes: ${names.join(', ') || '(none)'}`);
    } else if (purposes[j]?.explicit !== true) {
      problem(['categories', i, 'consentPurpose'], `the purpose is not explicit; a special category needs an explicit consent (art. 9(2)(a)): set consentPurposes[${j}].explicit to true`);
    }
  });
}

/** Who may assume a role: listed principals of the account, or an explicit opt-in to any MFA principal. */
export function trustChecks(cfg: any, role: any, at: (string | number)[], problem: Problem): void {
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

/* eslint-enable @typescript-eslint/no-explicit-any */
