import type { AccessRole, Catalog } from '../catalog/catalog';
import { nationalCallingCode } from '../config/calling-codes';
import { CONTACTS_RELATION } from './contact-table';
import { doBlock } from './login-role';

/**
 * The catalog's side of restriction (art. 18) and objection (art. 21),
 * migration restriction_objection: the rules crm.may_process applies to each
 * processing role, the row-security condition that asks it, and what each
 * role may run.
 */

/** The table whose presence says the schema has restriction and objection. */
export const RESTRICTIONS_TABLE = 'gdpr.restrictions';
/** Row security of every processing role asks it (with current_user) on the tables about a contact. */
export const MAY_PROCESS_FUNCTION = '"crm"."may_process"(name, uuid)';
/** What the roles with dataSubjectRights (the DPO) run. */
export const DPO_RESTRICTION_FUNCTIONS = [
  '"gdpr"."is_restricted"(uuid)',
  '"gdpr"."restrict_contact"(uuid, text, text)',
  '"gdpr"."lift_restriction"(uuid, text)',
  '"gdpr"."is_objecting"(uuid)',
  '"gdpr"."object_contact"(uuid, text, text)',
  '"gdpr"."object_identifiers"(text, text, text, text)',
] as const;

const q = (identifier: string) => `"${identifier.replace(/"/g, '""')}"`;
const lit = (text: string) => `'${text.replace(/'/g, "''")}'`;

/** True when the migrations create the restriction log (older schemas: no restriction SQL). */
export function hasRestrictionSchema(tables: readonly string[] | undefined): boolean {
  return tables?.includes(RESTRICTIONS_TABLE) ?? false;
}

/** A processing role: every catalog role without dataSubjectRights, every extract role. */
export function isProcessingRole(role: AccessRole): boolean {
  return !role.dataSubjectRights;
}

/**
 * The row-security condition of a role on a table about a contact (`key`):
 * the DPO's roles see every contact (restricted and objecting ones too); a
 * processing role sees a contact only when it is not restricted and, for the
 * consent-bound and extract roles, not objecting, besides its consent. On the
 * contact record the condition reads the row's own marks (so that a writer's
 * INSERT ... RETURNING sees the row it writes); on the tables about a contact
 * it asks crm.may_process, which answers for the caller alone.
 */
export function processingCondition(role: AccessRole, relation: string, key: string, consent: string, extract: boolean): string {
  if (!isProcessingRole(role)) return consent;
  const may =
    relation === CONTACTS_RELATION
      ? `NOT "restricted"${honoursObjection(role, extract) ? ' AND NOT "objecting"' : ''}`
      : `"crm"."may_process"(current_user, ${key})`;
  return consent === 'true' ? may : `${consent} AND ${may}`;
}

/**
 * Objections hide contacts from the consent-bound roles (direct marketing)
 * and from every processor's extract; the other processing roles (sales,
 * accounting) keep serving the contract and the accounts of a person who
 * objected to marketing, and never recontact them (crm.recontact_due).
 */
export function honoursObjection(role: AccessRole, extract: boolean): boolean {
  return extract || role.consentPurpose !== undefined;
}

/** The rules of every processing role, the country national phone numbers are read in. */
export function restrictionDataSql(catalog: Catalog, extracts: readonly AccessRole[]): string[] {
  const extractNames = new Set(extracts.map((e) => e.name));
  const rows = [...catalog.roles, ...extracts]
    .filter(isProcessingRole)
    .map((r) => `(${lit(r.name)}, ${r.consentPurpose ? lit(r.consentPurpose) : 'NULL'}, ${honoursObjection(r, extractNames.has(r.name))})`);
  const code = nationalCallingCode(catalog.country);
  const out = [
    '',
    '-- Restriction (art. 18) and objection (art. 21): how crm.may_process sees contacts for each processing role.',
    'DELETE FROM "gdpr"."processing_roles";',
  ];
  if (rows.length > 0) {
    out.push(`INSERT INTO "gdpr"."processing_roles" ("role_name", "consent_purpose", "honours_objection") VALUES\n  ${rows.join(',\n  ')};`);
  }
  const value = code ? lit(code) : 'NULL';
  out.push(
    `-- National phone numbers are read in ${catalog.country}${code ? ` (+${code})` : ' (no trunk prefix 0: numbers compared as written)'}; the contacts' hashes follow a change.`,
    doBlock(`BEGIN
  UPDATE "gdpr"."identifier_settings" SET "calling_code" = ${value} WHERE "calling_code" IS DISTINCT FROM ${value};
  IF FOUND THEN
    PERFORM "gdpr"."rehash_identifiers"();
  END IF;
END`),
  );
  return out;
}

/** What a role may run: processing roles ask crm.may_process; the DPO restricts, lifts and records objections. */
export function restrictionRoleSql(role: AccessRole, readsCrm: boolean): string[] {
  const r = q(role.name);
  const out: string[] = [];
  if (isProcessingRole(role) && readsCrm) out.push(`GRANT EXECUTE ON FUNCTION ${MAY_PROCESS_FUNCTION} TO ${r};`);
  if (role.dataSubjectRights) {
    out.push(`GRANT SELECT ON "gdpr"."restrictions", "gdpr"."objections" TO ${r};`);
    out.push(`GRANT EXECUTE ON FUNCTION ${DPO_RESTRICTION_FUNCTIONS.join(', ')} TO ${r};`);
  }
  return out;
}
