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

/** Where the person's own contacts are recorded (migration 0012_retention_clocks): a reply, a request, a visit. */
export const PERSON_CONTACTS = 'crm.person_contacts';
/** The archive term of row security (migration 0012_retention_clocks). */
const IN_ACTIVE_USE = '"crm"."in_active_use"';

/**
 * The dates a row of each table holds, by the countFrom that counts from them
 * (the same as gdpr.retention_clocks, migration 0012_retention_clocks; a test
 * holds them equal). `last-contact-from-person` and `end-of-relationship` are
 * the contact's and fit every table.
 */
export const ROW_CLOCKS: Readonly<Record<string, Readonly<Partial<Record<'transaction' | 'creation' | 'withdrawal', string>>>>> = {
  'crm.contacts': { creation: 'created_at' },
  'crm.consents': { creation: 'given_at', withdrawal: 'withdrawn_at' },
  'crm.notes': { creation: 'written_at' },
  'crm.bookings': { transaction: 'departure' },
};

/** True when the schema has the clocks of migration 0012_retention_clocks (countFrom, holds, archive). */
export function hasRetentionClocks(columns: readonly SchemaColumn[]): boolean {
  return columns.some((c) => relationOf(c) === PERSON_CONTACTS);
}

/**
 * The roles that keep the held records and so read the archive: those that
 * answer data-subject requests (the DPO), and those that write a category under
 * a legal hold without being bound to a consent or owning the relationship
 * (accounting). Marketing, sales and every processor's extract never see an
 * archived row.
 */
export function readsArchive(role: AccessRole): boolean {
  return role.dataSubjectRights || (!role.consentPurpose && !role.recontact && role.writes.some((c) => c.legalHold !== undefined));
}

/**
 * One line per category whose countFrom its table cannot count from (a
 * `transaction` where the row has no transaction date, a `withdrawal` outside
 * the consent ledger, ...) and per legal hold that keeps a category not on the
 * contact record: field, value, fix.
 */
export function retentionClockProblems(catalog: Catalog, columns: readonly SchemaColumn[]): string[] {
  if (!hasRetentionClocks(columns)) return [];
  const onRecord = contactRecordCategories(columns);
  const problems: string[] = [];
  catalog.categories.forEach((category, i) => {
    const relations = [...new Set(columns.filter((c) => c.kind === 'category' && c.category === category.name).map(relationOf))];
    for (const relation of relations) {
      if (category.countFrom !== 'transaction' && category.countFrom !== 'creation' && category.countFrom !== 'withdrawal') continue;
      if (ROW_CLOCKS[relation]?.[category.countFrom]) continue;
      const fits = ['last-contact-from-person', 'end-of-relationship', ...Object.keys(ROW_CLOCKS[relation] ?? {})];
      problems.push(
        `categories[${i}].countFrom: category ${category.name} is stored in ${relation}, which has no ${category.countFrom} date, so its retention cannot count from it; got "${category.countFrom}"; use one of ${fits.join(', ')}`,
      );
    }
    (category.legalHold?.keeps ?? []).forEach((kept, j) => {
      if (onRecord.includes(kept)) return;
      problems.push(
        `categories[${i}].legalHold.keeps[${j}]: a legal hold keeps categories of the contact record (${onRecord.join(', ')}) with the held rows; got "${kept}"; remove it`,
      );
    });
  });
  return problems;
}

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
  visible = and(visible, archiveTerm(role, relation, columns));
  const holds = columns.some((c) => relationOf(c) === relation && c.column === HOLD_COLUMN);
  if (!holds || role.dataSubjectRights) return visible;
  return visible === 'true' ? `NOT ${q(HOLD_COLUMN)}` : `NOT ${q(HOLD_COLUMN)} AND ${visible}`;
}

const and = (a: string, b: string | undefined) => (b === undefined ? a : a === 'true' ? b : `${a} AND ${b}`);

/**
 * The archive's term of a role's row security on a relation: archived rows
 * (crm.in_active_use, migration 0012_retention_clocks) are hidden from every
 * role but those that keep the held records (readsArchive).
 */
export function archiveTerm(role: AccessRole, relation: string, columns: readonly SchemaColumn[]): string | undefined {
  if (!hasRetentionClocks(columns) || readsArchive(role)) return undefined;
  const key = relation === CONTACTS ? 'id' : columns.find((c) => relationOf(c) === relation && c.kind === 'key')?.column;
  if (key === undefined) return undefined;
  const clock = ROW_CLOCKS[relation]?.transaction;
  return `${IN_ACTIVE_USE}(${lit(relation)}, ${q(key)}, ${clock ? `${q(clock)}::timestamptz` : 'NULL'})`;
}

/** Retention periods, note terms and allowed phrases, as the configuration says; notes checked again. */
export function lifecycleDataSql(catalog: Catalog, columns: readonly SchemaColumn[]): string[] {
  if (!hasLifecycleSchema(columns)) return [];
  const onRecord = new Set(contactRecordCategories(columns));
  const { recontactDays, noteTerms, allowedPhrases } = catalog.lifecycle;
  const values = (rows: string[]) => rows.join(',\n  ');
  const clocks = hasRetentionClocks(columns);
  const holdKeeps = (keeps: readonly string[]) => `ARRAY[${keeps.map(lit).join(', ')}]::text[]`;
  const out = [
    '',
    '-- Retention of each category (art. 5(1)(e)), from the configuration: from what it counts, and any legal hold.',
    'DELETE FROM "crm"."retention_periods";',
    `INSERT INTO "crm"."retention_periods" ("category", "retention_days", "recontact_days", "contact_record"${clocks ? ', "count_from", "hold_days", "hold_keeps"' : ''}) VALUES\n  ${values(
      catalog.categories.map(
        (c) =>
          `(${lit(c.name)}, ${c.retentionDays}, ${recontactDays}, ${onRecord.has(c.name)}${
            clocks ? `, ${lit(c.countFrom)}, ${c.legalHold ? c.legalHold.retentionDays : 'NULL'}, ${holdKeeps(c.legalHold?.keeps ?? [])}` : ''
          })`,
      ),
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
  if (hasRetentionClocks(columns)) out.push(...retentionClockRoleSql(role));
  return out;
}

/**
 * The clocks and the archive of a role (migration 0012_retention_clocks): the
 * roles that own the relationship record the person's own contacts, for the
 * contacts they see (row security of crm.contacts applies to the check), and
 * the DPO reads them; the
 * roles whose row security hides the archive may run its term; the DPO reads
 * each category's retention end for a contact.
 */
function retentionClockRoleSql(role: AccessRole): string[] {
  const r = q(role.name);
  const out: string[] = [];
  const policy = q(`${role.name}_record`);
  const reads = q(`${role.name}_select`);
  out.push(`DROP POLICY IF EXISTS ${policy} ON ${rel(PERSON_CONTACTS)};`, `DROP POLICY IF EXISTS ${reads} ON ${rel(PERSON_CONTACTS)};`);
  if (role.dataSubjectRights) {
    // The DPO reads them for an access request (art. 15) and to check what restarted a clock.
    out.push(`GRANT USAGE ON SCHEMA "crm" TO ${r};`);
    out.push(`GRANT SELECT ON ${rel(PERSON_CONTACTS)} TO ${r};`);
    out.push(`CREATE POLICY ${reads} ON ${rel(PERSON_CONTACTS)} FOR SELECT TO ${r} USING (true);`);
  }
  if (role.recontact) {
    out.push(`GRANT USAGE ON SCHEMA "crm" TO ${r};`);
    out.push(`GRANT INSERT ("contact_id", "kind") ON ${rel(PERSON_CONTACTS)} TO ${r};`);
    out.push(
      `CREATE POLICY ${policy} ON ${rel(PERSON_CONTACTS)} FOR INSERT TO ${r} WITH CHECK (EXISTS (SELECT 1 FROM ${rel(CONTACTS)} c WHERE c."id" = "contact_id"));`,
    );
  }
  if (!readsArchive(role)) out.push(`GRANT EXECUTE ON FUNCTION ${IN_ACTIVE_USE}(text, uuid, timestamptz) TO ${r};`);
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
