import type { AccessRole, Catalog } from '../catalog/catalog';
import { doBlock, lit, q } from './login-role';
import { HOLD_COLUMN } from './lifecycle-sql';
import { relationOf, SchemaColumn } from './schema-columns';

/**
 * The consent and free-text part of the catalog SQL (migration
 * 0010_consent_notes.sql): the member state's age of digital consent (art. 8),
 * which special category rests on which explicit consent purpose (art. 9(2)(a))
 * and the triggers that enforce it, and the notes check on every free-text
 * column. Nothing here runs on a schema without that migration.
 */

/** The trigger that refuses special-category rows without an explicit consent in force. */
export const EXPLICIT_CONSENT_TRIGGER = 'require_explicit_consent';
/** The trigger that runs the notes check on a table's free-text columns. */
export const FREETEXT_TRIGGER = 'check_freetext';

const rel = (relation: string) => relation.split('.').map(q).join('.');

/**
 * True when the schema has the consent rules of migration 0010 (crm.consents.explicit is tagged).
 * The SQL below also checks the database itself: the catalog SQL of a newer
 * kit may meet a database whose migrations stop before 0010.
 */
export function hasConsentRulesSchema(columns: readonly SchemaColumn[]): boolean {
  return columns.some((c) => relationOf(c) === 'crm.consents' && c.column === 'explicit');
}

/** Tables holding personal data (a category column), each once, in schema order. */
function categoryTables(columns: readonly SchemaColumn[]): string[] {
  return [...new Set(columns.filter((c) => c.kind === 'category').map(relationOf))];
}

/** The free-text columns the notes check runs on through check_freetext: every one outside a table with a review hold (crm.notes). */
export function freetextColumns(columns: readonly SchemaColumn[]): Map<string, string[]> {
  const held = new Set(columns.filter((c) => c.column === HOLD_COLUMN).map(relationOf));
  const out = new Map<string, string[]>();
  for (const c of columns) {
    if (!c.freetext || held.has(relationOf(c))) continue;
    out.set(relationOf(c), [...(out.get(relationOf(c)) ?? []), c.column]);
  }
  return out;
}

/**
 * Art. 9(2)(a): the tables of each category on explicit consent, and the
 * consent purpose it rests on. A category on explicit consent held on the
 * contact record (crm.contacts) is refused: removing it on withdrawal would
 * need a rule of its own.
 */
export function explicitConsentTables(catalog: Catalog, columns: readonly SchemaColumn[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const category of catalog.categories) {
    if (!category.consentPurpose) continue;
    const tables = [...new Set(columns.filter((c) => c.kind === 'category' && c.category === category.name).map(relationOf))];
    if (tables.includes('crm.contacts')) {
      throw new Error(
        `category ${category.name} rests on explicit consent (consentPurpose ${category.consentPurpose}) but is held on crm.contacts; special categories live in tables of their own (a migration that moves it), so that a withdrawal can remove them`,
      );
    }
    for (const t of tables) out.set(t, [...(out.get(t) ?? []), category.name]);
  }
  return out;
}

export function consentDataSql(catalog: Catalog, columns: readonly SchemaColumn[]): string[] {
  if (!hasConsentRulesSchema(columns)) return [];
  const { country, digitalConsentAge } = catalog.consentAge;
  const bound = catalog.categories.filter((c) => c.consentPurpose);
  const body = [
    `-- Consent purposes that need an explicit consent (consentPurposes[].explicit).`,
    ...catalog.consentPurposes.map((p) => `UPDATE "crm"."purposes" SET "explicit" = ${p.explicit} WHERE "name" = ${lit(p.name)};`),
    `-- Art. 8(1): the age of digital consent in ${country} (organisation.country): ${digitalConsentAge}.`,
    `INSERT INTO "gdpr"."consent_settings" ("singleton", "country", "digital_consent_age") VALUES (true, ${lit(country)}, ${digitalConsentAge})`,
    '  ON CONFLICT ("singleton") DO UPDATE SET "country" = EXCLUDED."country", "digital_consent_age" = EXCLUDED."digital_consent_age";',
    '-- Art. 9(2)(a): special categories stored only under an explicit consent in force for their purpose.',
    'DELETE FROM "gdpr"."explicit_consent_categories";',
  ];
  if (bound.length > 0) {
    body.push(
      `INSERT INTO "gdpr"."explicit_consent_categories" ("category", "purpose") VALUES\n  ${bound.map((c) => `(${lit(c.name)}, ${lit(c.consentPurpose as string)})`).join(',\n  ')};`,
    );
  }
  const guarded = explicitConsentTables(catalog, columns);
  const freetext = freetextColumns(columns);
  for (const table of categoryTables(columns)) {
    body.push(`DROP TRIGGER IF EXISTS ${q(EXPLICIT_CONSENT_TRIGGER)} ON ${rel(table)};`);
    if (guarded.has(table)) {
      body.push(`CREATE TRIGGER ${q(EXPLICIT_CONSENT_TRIGGER)} BEFORE INSERT OR UPDATE ON ${rel(table)} FOR EACH ROW EXECUTE FUNCTION "gdpr"."require_explicit_consent"();`);
    }
  }
  body.push('-- The notes check on every free-text column (comment freetext) outside crm.notes, which holds for review instead.');
  for (const table of categoryTables(columns)) {
    body.push(`DROP TRIGGER IF EXISTS ${q(FREETEXT_TRIGGER)} ON ${rel(table)};`);
    const cols = freetext.get(table);
    if (cols) {
      body.push(
        `CREATE TRIGGER ${q(FREETEXT_TRIGGER)} BEFORE INSERT OR UPDATE OF ${cols.map(q).join(', ')} ON ${rel(table)} FOR EACH ROW EXECUTE FUNCTION "gdpr"."check_freetext"(${cols.map(lit).join(', ')});`,
      );
    }
  }
  return [
    '',
    '-- The rules of consent (art. 7, 8, 9(2)(a)) and the notes check on free-text columns, once the schema has them.',
    doBlock(`BEGIN\n  IF to_regclass('gdpr.consent_settings') IS NULL THEN\n    RETURN;\n  END IF;\n  ${body.join('\n  ')}\nEND`),
  ];
}

/**
 * What a role may do with the consent rules: a role that writes a free-text
 * column may check a text first (crm.note_check, the same check as the
 * triggers); the DPO reads the settings and what withdrawals removed, and counts the special-category rows without their explicit consent (stored before the rule).
 */
export function consentRoleSql(role: AccessRole, columns: readonly SchemaColumn[]): string[] {
  if (!hasConsentRulesSchema(columns)) return [];
  const out: string[] = [];
  const writes = new Set(role.writes.map((c) => c.name));
  if (columns.some((c) => c.freetext && writes.has(c.category as string))) out.push(`GRANT EXECUTE ON FUNCTION "crm"."note_check"(text) TO ${q(role.name)};`);
  if (role.dataSubjectRights) {
    out.push(
      doBlock(
        `BEGIN\n  IF to_regclass('gdpr.withdrawal_erasures') IS NOT NULL THEN\n    GRANT SELECT ON "gdpr"."consent_settings", "gdpr"."explicit_consent_categories", "gdpr"."withdrawal_erasures" TO ${q(role.name)};\n    GRANT EXECUTE ON FUNCTION "gdpr"."unconsented_special_data"() TO ${q(role.name)};\n  END IF;\nEND`,
      ),
    );
  }
  return out;
}
