import type { AccessRole, Catalog } from '../catalog/catalog';
import { PURGE_DATABASE_USER } from '../config/schema';
import { loginRoleSql } from './login-role';
import { relationOf, SchemaColumn } from './schema-columns';

/**
 * The lifecycle part of the catalog SQL (migration 0002_lifecycle.sql):
 * retention periods and note terms from the configuration, the row-security
 * condition that hides held notes, the recontact view's grants, the DPO's
 * review functions and the retention purge's own database user.
 */

/** The view of contacts approaching the end of their retention. */
export const RECONTACT_VIEW = 'crm.recontact_due';
/** The table with one row per person. */
const CONTACTS = 'crm.contacts';
/** Filled from the configuration: how long each category is kept. */
const RETENTION_PERIODS = 'crm.retention_periods';
/** A table of personal data whose rows can be held for the DPO's review has this boolean column. */
export const HOLD_COLUMN = 'held_for_review';

const q = (identifier: string) => `"${identifier.replace(/"/g, '""')}"`;
const lit = (text: string) => `'${text.replace(/'/g, "''")}'`;
const rel = (relation: string) => relation.split('.').map(q).join('.');

/** True when the schema has the lifecycle migration (its tagged columns are known). */
export function hasLifecycleSchema(columns: readonly SchemaColumn[]): boolean {
  return columns.some((c) => relationOf(c) === RETENTION_PERIODS);
}

/** The categories held on the contact record (crm.contacts): their end is the end of the record. */
export function contactRecordCategories(columns: readonly SchemaColumn[]): string[] {
  return [...new Set(columns.filter((c) => relationOf(c) === CONTACTS && c.kind === 'category').map((c) => c.category as string))];
}

/**
 * The row-security condition of a role on a relation: held rows are visible
 * only to the roles that answer data-subject requests (the DPO), until released.
 */
export function rowVisibility(role: AccessRole, relation: string, columns: readonly SchemaColumn[], visible: string): string {
  const holds = columns.some((c) => relationOf(c) === relation && c.column === HOLD_COLUMN);
  if (!holds || role.dataSubjectRights) return visible;
  return visible === 'true' ? `NOT ${q(HOLD_COLUMN)}` : `NOT ${q(HOLD_COLUMN)} AND ${visible}`;
}

/** Retention periods, note terms and allowed phrases, as the configuration says; notes checked again. */
export function lifecycleDataSql(catalog: Catalog, columns: readonly SchemaColumn[]): string[] {
  if (!hasLifecycleSchema(columns)) return [];
  const onRecord = new Set(contactRecordCategories(columns));
  const { recontactDays, noteTerms, allowedPhrases } = catalog.lifecycle;
  const values = (rows: string[]) => rows.join(',\n  ');
  const out = [
    '',
    '-- Retention of each category (art. 5(1)(e)), from the configuration.',
    'DELETE FROM "crm"."retention_periods";',
    `INSERT INTO "crm"."retention_periods" ("category", "retention_days", "recontact_days", "contact_record") VALUES\n  ${values(
      catalog.categories.map((c) => `(${lit(c.name)}, ${c.retentionDays}, ${recontactDays}, ${onRecord.has(c.name)})`),
    )};`,
    '',
    '-- The notes check: terms that hold a note for the DPO, phrases never flagged.',
    'DELETE FROM "gdpr"."note_terms";',
    'DELETE FROM "gdpr"."note_allowed_phrases";',
  ];
  if (noteTerms.length > 0) {
    out.push(
      `INSERT INTO "gdpr"."note_terms" ("category", "language", "term") VALUES\n  ${values(
        noteTerms.map((t) => `(${lit(t.category)}, ${lit(t.language)}, ${lit(t.term)})`),
      )}\nON CONFLICT DO NOTHING;`,
    );
  }
  if (allowedPhrases.length > 0) {
    out.push(`INSERT INTO "gdpr"."note_allowed_phrases" ("phrase") VALUES\n  ${values(allowedPhrases.map((p) => `(${lit(p)})`))}\nON CONFLICT DO NOTHING;`);
  }
  out.push('SELECT "gdpr"."recheck_notes"();');
  return out;
}

/** What a role may do with the lifecycle: the recontact view, checking a note, reviewing held notes. */
export function lifecycleRoleSql(role: AccessRole, columns: readonly SchemaColumn[], canInsert: (relation: string) => boolean): string[] {
  if (!hasLifecycleSchema(columns)) return [];
  const r = q(role.name);
  const out: string[] = [];
  if (role.recontact) {
    const readsRecord = role.reads.some((c) => contactRecordCategories(columns).includes(c.name));
    if (!readsRecord) {
      throw new Error(
        `role ${role.name} has recontact: true but reads no category of the contact record (${contactRecordCategories(columns).join(', ')}); it could not tell whom to recontact: add one to its reads, or remove recontact`,
      );
    }
    out.push(`GRANT SELECT ON ${rel(RECONTACT_VIEW)} TO ${r};`);
  }
  const notes = [...new Set(columns.filter((c) => c.column === HOLD_COLUMN).map(relationOf))];
  if (notes.some(canInsert)) out.push(`GRANT EXECUTE ON FUNCTION "crm"."note_check"(text) TO ${r};`);
  if (role.dataSubjectRights) {
    out.push(`GRANT SELECT ON "gdpr"."purge_log", "gdpr"."retention_clocks", "gdpr"."note_terms", "gdpr"."note_allowed_phrases" TO ${r};`);
    out.push(`GRANT EXECUTE ON FUNCTION "gdpr"."release_note"(bigint), "gdpr"."reject_note"(bigint), "gdpr"."breach_scope"() TO ${r};`);
  }
  return out;
}

/**
 * The database user of the retention purge: signs in with IAM, may run
 * gdpr.purge_expired() and nothing else (the function does the work with its
 * owner's rights, as of the database's own clock: the variant that takes a
 * clock is the owner's alone). Not a catalog role: no read, no write of its own.
 */
export function purgeUserSql(columns: readonly SchemaColumn[], rdsIamRole: string): string[] {
  if (!hasLifecycleSchema(columns)) return [];
  const r = q(PURGE_DATABASE_USER);
  return [
    '',
    `-- ${PURGE_DATABASE_USER}: the scheduled retention purge; runs gdpr.purge_expired, reads and writes nothing itself.`,
    ...loginRoleSql(PURGE_DATABASE_USER, 'gdpr-contact-baseline service: scheduled retention purge (art. 5(1)(e))', rdsIamRole),
    `REVOKE ALL ON ALL TABLES IN SCHEMA "crm", "gdpr" FROM ${r};`,
    `REVOKE ALL ON ALL FUNCTIONS IN SCHEMA "crm", "gdpr" FROM ${r};`,
    `REVOKE ALL ON SCHEMA "crm" FROM ${r};`,
    `GRANT USAGE ON SCHEMA "gdpr" TO ${r};`,
    // The database's own clock: no argument a caller could move (the clock variant is the owner's).
    `GRANT EXECUTE ON FUNCTION "gdpr"."purge_expired"() TO ${r};`,
  ];
}
