/** Retention, recontact and the notes check (art. 5(1)(c), 5(1)(e)). */
import { z } from 'zod';
import { KIT_DATABASE_USERS } from '../database-names';
import { RETENTION_DEFAULTS } from '../defaults';
import { defaultNoteTerms, NOTE_CATEGORIES, NOTE_TERM_PATTERN, NoteCategory } from '../note-terms';
import { list, scheduleExpression, type Problem } from './common';

/** The database user the retention purge signs in as: no catalog role may take the name. */
export const PURGE_DATABASE_USER = KIT_DATABASE_USERS.purge;

export const retentionSchema = z
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

export const noteTerm = z.string().max(60).regex(NOTE_TERM_PATTERN, {
  message: "a term is letters, digits, spaces, hyphens or apostrophes, optionally ending with * (any ending), such as musulman* or trade union",
});
export const noteTermLists = z
  .object({ fr: z.array(noteTerm).default([]), en: z.array(noteTerm).default([]) })
  .strict();

export const notesCheckSchema = z
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

/* eslint-disable @typescript-eslint/no-explicit-any */
/** Retention, recontact and the notes check. */
export function lifecycleChecks(cfg: any, problem: Problem): void {
  const shipped = new Map(defaultNoteTerms().map((t) => [t.toLowerCase(), t]));
  list(cfg.notesCheck?.excludedTerms).forEach((term, i) => {
    if (typeof term === 'string' && !shipped.has(term.toLowerCase())) {
      problem(['notesCheck', 'excludedTerms', i], 'not a shipped term; name it exactly as lib/config/note-terms.ts writes it (a term you added yourself is removed from extraTerms instead)');
    }
  });
}
/* eslint-enable @typescript-eslint/no-explicit-any */
