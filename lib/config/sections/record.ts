/** The record of processing (art. 30(1)): the controller's contact details, its representative and joint controllers, processors without an AWS account, the record's version. */
import { z } from 'zod';
import { DIGITAL_CONSENT_AGE } from '../consent-age';
import { RECORD_DEFAULTS } from '../defaults';
import { isoDate, list, str, type Problem } from './common';
import { TRANSFER_MECHANISMS } from './subcontractors';

const contact = {
  /** Postal address. */
  address: z.string().min(5, { message: 'a postal address, such as 12 rue de la Paix, 75002 Paris, France' }).optional(),
  email: z.email({ message: 'must be an e-mail address' }).optional(),
  phone: z.string().min(1).optional(),
};

/** The controller's contact details (art. 30(1)(a)), beside organisation.name and organisation.country. */
export const organisationContact = contact;

/** A representative in the Union of a controller established outside it (art. 27). */
export const representativeSchema = z.object({ name: z.string().min(1), ...contact }).strict();

/** A joint controller (art. 26): who, and the arrangement that sets each one's responsibilities. */
export const jointControllerSchema = z
  .object({
    name: z.string().min(1),
    ...contact,
    arrangement: z.string().min(5, { message: 'name the arrangement between the joint controllers (art. 26(1)), such as its title and date' }),
  })
  .strict();

/**
 * A processor with no AWS account of its own (an e-mailing service, a printer):
 * declared for the record of processing (art. 30(1)(d), (e)); the kit grants it nothing.
 */
export const externalProcessorSchema = z
  .object({
    name: z.string().min(1),
    purpose: z.string().min(1, { message: 'say what the processor does for the controller (art. 28(3))' }),
    categories: z.array(z.string()).min(1, { message: 'name the data categories the processor receives' }),
    /** ISO 3166 country where it processes the data. */
    country: z.string().regex(/^[A-Z]{2}$/, { message: 'an ISO 3166 two-letter country code such as FR' }),
    contractReference: z.string().min(1, { message: 'a processor needs a data processing agreement (art. 28(3)); give its reference' }),
    transferMechanism: z
      .object({
        type: z.enum(TRANSFER_MECHANISMS),
        reference: z.string().min(5, { message: 'name the decision, the clauses or the rules (with their date or version)' }),
      })
      .strict()
      .optional(),
  })
  .strict();

/** The record's own version and date, and what it says of the hosting and the organisational measures. */
export const recordSchema = z
  .object({
    /** The record's version, such as 2026.1: a version, never the date of generation. */
    version: z.string().min(1).optional(),
    /** The date of this version, YYYY-MM-DD: an input, never the wall clock. */
    date: isoDate('the date of this version of the record').optional(),
    /** The reference of AWS's data processing addendum (AWS as the hosting processor, art. 28). */
    awsDataProcessingAddendum: z.string().min(5).default(RECORD_DEFAULTS.awsDataProcessingAddendum),
    /** Organisational measures (art. 32(1)): when left out, the record lists a fixed set marked "to confirm by the DPO". */
    organisationalMeasures: z.array(z.string().min(5)).min(1).optional(),
  })
  .strict();

/* eslint-disable @typescript-eslint/no-explicit-any */
/** EU and EEA states (the kit's list of member states' ages of digital consent): a processor elsewhere needs a transfer mechanism (art. 44-46). */
export const isEeaCountry = (country: string) => DIGITAL_CONSENT_AGE[country] !== undefined;

/** Cross-field checks of the record: processors' categories and transfers, the representative, the LIA references. */
export function recordChecks(cfg: any, categories: ReadonlyMap<string, any>, problem: Problem): void {
  list(cfg.externalProcessors).forEach((p, i) => {
    list(p?.categories).forEach((name, j) => {
      if (typeof name === 'string' && !categories.has(name)) {
        problem(['externalProcessors', i, 'categories', j], `unknown category; declared categories: ${[...categories.keys()].join(', ')}`);
      }
    });
    const country = str(p?.country);
    if (country && /^[A-Z]{2}$/.test(country) && !isEeaCountry(country) && p?.transferMechanism === undefined) {
      problem(['externalProcessors', i, 'transferMechanism'], `${country} is outside the EU and the EEA: a transfer there needs its mechanism (art. 45-46): ${TRANSFER_MECHANISMS.join(', ')}, with its reference`);
    }
  });
  const country = str(cfg.organisation?.country);
  if (cfg.organisation?.representative !== undefined && country && isEeaCountry(country)) {
    problem(['organisation', 'representative'], `a representative (art. 27) is for a controller established outside the Union; ${country} is in it: remove the representative`);
  }
  list(cfg.categories).forEach((cat, i) => {
    if (cat?.legitimateInterestAssessment !== undefined && cat?.legalBasis !== 'legitimate-interests') {
      problem(['categories', i, 'legitimateInterestAssessment'], `only a category whose legal basis is legitimate-interests has a legitimate-interest assessment; its basis is ${String(cat?.legalBasis)}: remove it`);
    }
  });
}
/* eslint-enable @typescript-eslint/no-explicit-any */
