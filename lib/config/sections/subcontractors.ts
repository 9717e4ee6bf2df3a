/** Processors (art. 28) and transfers (art. 44-46). */
import { z } from 'zod';
import { ADEQUACY_REGIONS, EU_MEMBER_STATE_REGIONS, isAdequacyRegion, isEuMemberStateRegion } from '../../residency/regions';
import { accountId, identifier, isoDate, list, regionName, str, type Problem } from './common';

/** Art. 46 and 45: how personal data may leave the EU. */
export const TRANSFER_MECHANISMS = ['adequacy-decision', 'standard-contractual-clauses', 'binding-corporate-rules'] as const;

export const subcontractorSchema = z
  .object({
    name: identifier('a subcontractor name'),
    accountId,
    externalId: z
      .string()
      .min(16, { message: 'the external id the processor passes to sts:AssumeRole must be at least 16 characters (agree a random value with the processor)' })
      .max(1224)
      .regex(/^[\w+=,.@:/-]+$/, { message: 'an external id uses letters, digits and + = , . @ : / - _ only' }),
    purpose: z.string().min(1, { message: 'a processor processes for one stated purpose, which its contract sets out with the subject-matter, duration and nature of the processing (art. 28(3), first subparagraph); say which' }),
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

/* eslint-disable @typescript-eslint/no-explicit-any */
export const DAY_MS = 86_400_000;
export const utcDay = (date: string): number | undefined => {
  const t = Date.parse(`${date}T00:00:00Z`);
  return /^\d{4}-\d{2}-\d{2}$/.test(date) && !Number.isNaN(t) ? t : undefined;
};

/** Processors (art. 28) and transfers (art. 44-46): every grant is bounded, justified and minimal. */
export function subcontractorChecks(
  cfg: any,
  categories: ReadonlyMap<string, any>,
  roleNames: ReadonlySet<string>,
  now: Date | undefined,
  problem: Problem,
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
