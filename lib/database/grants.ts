import type { AccessRole, Catalog, Subcontractor } from '../catalog/catalog';
import { ConfigError } from '../config/errors';
import { auditSql } from './audit-sql';
import { consentDataSql, consentRoleSql } from './consent-sql';
import { lifecycleDataSql, lifecycleRoleSql, hasRetentionClocks, purgeUserSql, retentionClockProblems, rowVisibility } from './lifecycle-sql';
import { hasRestrictionSchema, isProcessingRole, processingCondition, restrictionDataSql, restrictionRoleSql } from './restriction-sql';
import { doBlock, loginRoleSql } from './login-role';
import { rightsDataSql, rightsRoleSql } from './rights-sql';
import { CONTACT_ID_COLUMN, CONTACTS_RELATION } from './contact-table';
import { relationOf, SchemaColumn } from './schema-columns';

/** The role Aurora grants to users that log in with IAM database authentication. */
export const RDS_IAM_ROLE = 'rds_iam';
/** Marks the database roles the kit manages, so roles removed from the configuration lose their access. */
export const MANAGED_ROLE_MARK = 'gdpr-contact-baseline';

const q = (identifier: string) => `"${identifier.replace(/"/g, '""')}"`;
const lit = (text: string) => `'${text.replace(/'/g, "''")}'`;
const rel = (relation: string) => relation.split('.').map(q).join('.');

const CONSENTS_RELATION = 'crm.consents';
/** Ledgers that prove something: rows are recorded, never updated by a role (a withdrawal goes through crm.withdraw_consent). */
export const APPEND_ONLY_RELATIONS: readonly string[] = ['crm.consents'];
/** Whether a processing role may write a row about a contact (migration 0012): the WITH CHECK of its insert and update policies. */
export const MAY_RECORD_ABOUT = '"crm"."may_record_about"';
/** Records a withdrawal (migration 0004): granted to the roles that own the relationship and to the DPO. */
export const WITHDRAW_CONSENT_FUNCTION = '"crm"."withdraw_consent"(uuid, text)';

/**
 * The function row security asks for a purpose: whether a contact has a consent
 * in force for that one purpose. One per purpose, executable only by the roles
 * bound to it, so it tells a role nothing its row security does not already
 * show it (the old crm.has_active_consent answered for any purpose).
 */
export function consentFunctionName(purpose: string): string {
  const name = `has_consent_${purpose}`;
  if (Buffer.byteLength(name) > 63) {
    throw new Error(`consent purpose ${purpose}: the function ${name} would exceed PostgreSQL's 63-byte names; choose a shorter purpose name`);
  }
  return name;
}
/** The breach register (art. 33(5)): what the roles that answer data-subject requests (the DPO) read and record into. */
export const BREACH_REGISTER_RELATIONS = ['gdpr.breaches', 'gdpr.breach_events', 'gdpr.breach_register'] as const;
export const BREACH_REGISTER_FUNCTIONS = ['"gdpr"."record_breach"(timestamptz, text, text)', '"gdpr"."record_breach_event"(bigint, text, text, text, text)'] as const;
const consentFunction = (purpose: string) => `${q('crm')}.${q(consentFunctionName(purpose))}`;


export interface DatabaseCatalogInput {
  readonly catalog: Catalog;
  /** Tagged columns of the schema (schemaColumns(migrations)). */
  readonly columns: readonly SchemaColumn[];
  /** Tables with row-level security (rowSecurityTables(migrations)). */
  readonly rowSecurityTables: readonly string[];
  /** Tables the migrations create (createdTables(migrations)): which objects of the kit exist. */
  readonly tables?: readonly string[];
}

interface RelationPrivileges {
  readonly select: string[];
  readonly insert: string[];
  readonly update: string[];
}

/** Checks that the schema and the catalog agree: every category of a column is declared. */
export function checkSchemaAgainstCatalog(catalog: Catalog, columns: readonly SchemaColumn[]): void {
  const declared = new Set(catalog.categories.map((c) => c.name));
  const problems = columns
    .filter((c) => c.category !== undefined && !declared.has(c.category))
    .map((c) => `column ${relationOf(c)}.${c.column} holds category "${c.category}", which the configuration does not declare; add it to categories (or drop the column in a migration)`);
  if (problems.length > 0) throw new Error(problems.join('\n'));
  // The configuration's countFrom and legal holds against where each category is stored: one line per problem.
  const clocks = retentionClockProblems(catalog, columns);
  if (clocks.length > 0) throw new ConfigError('configuration', clocks);
}

/** Column privileges of one role on every relation, exactly as the catalog says. */
export function rolePrivileges(role: AccessRole, columns: readonly SchemaColumn[]): Map<string, RelationPrivileges> {
  const reads = new Set(role.reads.map((c) => c.name));
  const writes = new Set(role.writes.map((c) => c.name));
  const flags = new Set(role.flags.map((c) => c.name));
  const byRelation = new Map<string, SchemaColumn[]>();
  for (const c of columns) byRelation.set(relationOf(c), [...(byRelation.get(relationOf(c)) ?? []), c]);

  const result = new Map<string, RelationPrivileges>();
  for (const [relation, cols] of byRelation) {
    const personal = cols.filter((c) => c.kind === 'category' || c.kind === 'flag');
    const readable = cols.filter(
      (c) => (c.kind === 'category' && reads.has(c.category as string)) || (c.kind === 'flag' && flags.has(c.category as string)),
    );
    const writable = cols.filter((c) => c.kind === 'category' && writes.has(c.category as string));
    // Reference data (no personal data, no reference to a contact) is readable by every role.
    const reference = personal.length === 0 && !cols.some((c) => c.kind === 'key');
    // A flag is computed with the role's own rights (security_invoker, so row
    // security applies): it reads whether a row of the flagged table exists
    // (its contact reference), and the contact ids, never the detail.
    const flagged = cols.some((c) => c.kind === 'category' && flags.has(c.category as string));
    const flagKeys =
      readable.length > 0 ? [] : flagged ? cols.filter((c) => c.kind === 'key') : flags.size > 0 && relation === CONTACTS_RELATION ? cols.filter((c) => c.column === CONTACT_ID_COLUMN) : [];
    const select =
      reference ? cols : readable.length > 0 ? [...cols.filter((c) => c.kind === 'structural' || c.kind === 'key'), ...readable] : flagKeys;
    const insert = writable.length > 0 ? [...cols.filter((c) => c.kind === 'key'), ...writable] : [];
    // Ledgers are append-only: a role records rows, never rewrites them.
    const update = APPEND_ONLY_RELATIONS.includes(relation) ? [] : writable;
    const privileges = { select: select.map((c) => c.column), insert: insert.map((c) => c.column), update: update.map((c) => c.column) };
    if (privileges.select.length + privileges.insert.length > 0) result.set(relation, privileges);
  }
  return result;
}

function contactIdColumn(relation: string, columns: readonly SchemaColumn[]): string {
  return columns.find((c) => relationOf(c) === relation && c.kind === 'key')?.column ?? 'id';
}

/** The database role of a processor's extract job: reads the granted categories, writes nothing. */
export function extractRole(sub: Subcontractor): AccessRole {
  return {
    name: sub.databaseUser,
    description: `extract job of processor ${sub.name}, contract ${sub.contractReference}`,
    reads: sub.categories,
    writes: [],
    flags: [],
    consentPurpose: sub.consentPurpose,
    dataSubjectRights: false,
  };
}

/**
 * What an extract job may read: the contact id (to compute the pseudonym),
 * the contact reference of each table it reads, and the columns of the
 * granted categories. Nothing else: no timestamps, no authors, no other
 * category, no write.
 */
export function extractPrivileges(sub: Subcontractor, columns: readonly SchemaColumn[]): Map<string, RelationPrivileges> {
  const granted = new Set(sub.categories.map((c) => c.name));
  const byRelation = new Map<string, SchemaColumn[]>();
  for (const c of columns) byRelation.set(relationOf(c), [...(byRelation.get(relationOf(c)) ?? []), c]);
  const result = new Map<string, RelationPrivileges>();
  for (const [relation, cols] of byRelation) {
    const readable = cols.filter((c) => c.kind === 'category' && granted.has(c.category as string));
    const isContacts = relation === CONTACTS_RELATION;
    if (readable.length === 0 && !isContacts) continue;
    const keys = isContacts ? cols.filter((c) => c.column === CONTACT_ID_COLUMN) : cols.filter((c) => c.kind === 'key');
    result.set(relation, { select: [...keys, ...readable].map((c) => c.column), insert: [], update: [] });
  }
  return result;
}

function roleSql(role: AccessRole, input: DatabaseCatalogInput, privileges = rolePrivileges(role, input.columns), extract = false): string[] {
  const r = q(role.name);
  const restriction = hasRestrictionSchema(input.tables);
  // Rows about a contact are written only about a contact the role may still process (crm.may_record_about,
  // migration 0012: needs the restriction marks and the archive).
  const guardsWrites = restriction && hasRetentionClocks(input.columns) && isProcessingRole(role);
  const out: string[] = [];
  const describe = [
    `reads ${role.reads.map((c) => c.name).join(', ') || 'nothing'}`,
    `writes ${role.writes.map((c) => c.name).join(', ') || 'nothing'}`,
    ...(role.flags.length > 0 ? [`knows whether ${role.flags.map((c) => c.name).join(', ')} exist, not the detail`] : []),
    role.consentPurpose ? `sees only contacts with an active consent for ${role.consentPurpose}` : 'sees every contact',
    ...(role.dataSubjectRights ? ['answers data-subject requests (access, rectification, erasure, portability) and keeps their register'] : []),
  ];
  out.push(`-- Role ${role.name}: ${describe.join('; ')}.`);
  out.push(...loginRoleSql(role.name, `${MANAGED_ROLE_MARK}: ${role.description}`, RDS_IAM_ROLE));
  for (const schema of ['crm', 'gdpr']) {
    out.push(`REVOKE ALL ON ALL TABLES IN SCHEMA ${q(schema)} FROM ${r};`);
    out.push(`REVOKE ALL ON ALL FUNCTIONS IN SCHEMA ${q(schema)} FROM ${r};`);
    out.push(`REVOKE ALL ON SCHEMA ${q(schema)} FROM ${r};`);
  }
  if (privileges.size > 0) out.push(`GRANT USAGE ON SCHEMA "crm" TO ${r};`);
  for (const [relation, p] of privileges) {
    const cols = (list: string[]) => list.map(q).join(', ');
    if (p.select.length > 0) out.push(`GRANT SELECT (${cols(p.select)}) ON ${rel(relation)} TO ${r};`);
    if (p.insert.length > 0) out.push(`GRANT INSERT (${cols(p.insert)}) ON ${rel(relation)} TO ${r};`);
    if (p.update.length > 0) out.push(`GRANT UPDATE (${cols(p.update)}) ON ${rel(relation)} TO ${r};`);
    if (!input.rowSecurityTables.includes(relation)) continue;
    const key = q(contactIdColumn(relation, input.columns));
    const consent = role.consentPurpose ? `${consentFunction(role.consentPurpose)}(${key})` : 'true';
    // Restriction (art. 18) and objection (art. 21): a processing role sees only the contacts it may process.
    const processing = rowVisibility(role, relation, input.columns, restriction ? processingCondition(role, relation, key, consent, extract) : consent);
    // The consent a special category rests on tells that the person has that need (a diet, a disability):
    // a role that does not read the category does not see those consents either.
    const secret = relation === CONSENTS_RELATION ? input.catalog.categories.filter((c) => c.consentPurpose && !role.reads.some((x) => x.name === c.name)).map((c) => c.consentPurpose as string) : [];
    const visible = secret.length > 0 ? `(${processing}) AND "purpose" NOT IN (${[...new Set(secret)].map(lit).join(', ')})` : processing;
    // A row about a contact is written only about a contact the role may still process (not restricted,
    // not objecting where it honours objections, not archived): no new processing of a hidden contact, and
    // no retention clock restarted through it. A new contact record itself is always allowed.
    const recordable = guardsWrites && relation !== CONTACTS_RELATION ? `${MAY_RECORD_ABOUT}(current_user, ${key})` : 'true';
    const policies: [string, string][] = [
      ['select', `FOR SELECT TO ${r} USING (${visible})`],
      ['insert', `FOR INSERT TO ${r} WITH CHECK (${recordable})`],
      ['update', `FOR UPDATE TO ${r} USING (${visible}) WITH CHECK (${recordable})`],
    ];
    for (const [command, body] of policies) {
      const name = q(`${role.name}_${command}`);
      out.push(`DROP POLICY IF EXISTS ${name} ON ${rel(relation)};`);
      if ((command === 'select' && p.select.length > 0) || (command === 'insert' && p.insert.length > 0) || (command === 'update' && p.update.length > 0)) {
        out.push(`CREATE POLICY ${name} ON ${rel(relation)} ${body};`);
      }
    }
  }
  if (guardsWrites && [...privileges].some(([relation, p]) => relation !== CONTACTS_RELATION && p.insert.length + p.update.length > 0)) {
    out.push(`GRANT EXECUTE ON FUNCTION ${MAY_RECORD_ABOUT}(name, uuid) TO ${r};`);
  }
  if (role.consentPurpose) out.push(`GRANT EXECUTE ON FUNCTION ${consentFunction(role.consentPurpose)}(uuid) TO ${r};`);
  if (role.recontact || role.dataSubjectRights) out.push(`GRANT EXECUTE ON FUNCTION ${WITHDRAW_CONSENT_FUNCTION} TO ${r};`);
  if (role.dataSubjectRights) {
    out.push(`GRANT USAGE ON SCHEMA "gdpr" TO ${r};`);
    out.push(`GRANT SELECT ON "gdpr"."audit_log", "gdpr"."erasure_log" TO ${r};`);
    out.push(`GRANT EXECUTE ON FUNCTION "gdpr"."export_contact"(uuid), "gdpr"."erase_contact"(uuid, text) TO ${r};`);
    // The breach register: read it, record into it through its functions only (no INSERT: the deadline and the clock are the database's).
    // Only where the schema has it: the catalog SQL may meet a database whose migrations stop before the register's.
    if (input.tables?.includes('gdpr.breaches') ?? true) {
      out.push(`GRANT SELECT ON ${BREACH_REGISTER_RELATIONS.map(rel).join(', ')} TO ${r};`);
      out.push(`GRANT EXECUTE ON FUNCTION ${BREACH_REGISTER_FUNCTIONS.join(', ')} TO ${r};`);
    }
    // Access report, rectification, portability and the register of requests (art. 12-20).
    out.push(...rightsRoleSql(role));
  }
  out.push(...lifecycleRoleSql(role, input.columns, (relation) => (privileges.get(relation)?.insert.length ?? 0) > 0));
  out.push(...consentRoleSql(role, input.columns));
  if (restriction) out.push(...restrictionRoleSql(role, privileges.size > 0));
  return out;
}

/**
 * Every view of crm runs with the invoker's rights (security_invoker), so row
 * security (the consent) applies through it: a view with its owner's rights
 * would show a consent-bound role every contact. Refused before any grant.
 */
export function ownerRightsViewGuard(): string[] {
  return [
    '-- Every view of crm honours row security: one with its owner\'s rights would bypass the consent.',
    doBlock(`DECLARE
  views text;
BEGIN
  SELECT string_agg(n.nspname || '.' || c.relname, ', ' ORDER BY c.relname) INTO views
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = 'crm' AND c.relkind IN ('v', 'm')
    AND NOT EXISTS (SELECT 1 FROM unnest(c.reloptions) o WHERE lower(o) IN ('security_invoker=true', 'security_invoker=on', 'security_invoker=1', 'security_invoker=yes'));
  IF views IS NOT NULL THEN
    RAISE EXCEPTION 'view(s) % run with their owner''s rights and would bypass row security (the consent); create them WITH (security_invoker = true) in a migration', views;
  END IF;
END`),
  ];
}

/** One consent function per purpose (see consentFunctionName), owned by the kit, executable by nobody until granted. */
export function consentFunctionsSql(catalog: Catalog, restriction = false): string[] {
  const out = ['-- Row security asks, per purpose, whether a contact consents: one function per purpose, granted to the roles bound to it.'];
  // A consent is not acted on for a restricted (art. 18) or objecting (art. 21) contact: the function says no, as row security does.
  const processable = restriction ? '\n    AND NOT EXISTS (SELECT 1 FROM crm.contacts c WHERE c.id = p_contact AND (c.restricted OR c.objecting))' : '';
  for (const { name } of catalog.consentPurposes) {
    const fn = consentFunction(name);
    out.push(
      `CREATE OR REPLACE FUNCTION ${fn}(p_contact uuid) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS ${dollar(`
  SELECT EXISTS (
    SELECT 1 FROM crm.consents
    WHERE contact_id = p_contact AND purpose = ${lit(name)} AND withdrawn_at IS NULL AND given_at <= now()
  )${processable}
`)};`,
      `REVOKE ALL ON FUNCTION ${fn}(uuid) FROM PUBLIC;`,
    );
  }
  return out;
}

/** A dollar-quoted string whose tag the text does not contain. */
function dollar(text: string): string {
  let tag = '$fn$';
  for (let i = 1; text.includes(tag); i++) tag = `$fn${i}$`;
  return `${tag}${text}${tag}`;
}

/**
 * The SQL that makes the database enforce the catalog: consent purposes,
 * one login role per catalog role (granted rds_iam), column privileges for
 * exactly the categories it reads and writes, row-level security policies
 * (consent-bound roles see consenting contacts only), the flag view for
 * special categories, and the data-subject request functions. Idempotent:
 * every run resets each role's privileges to the catalog; a role removed
 * from the configuration loses every privilege and its login.
 */
export function catalogSql(input: DatabaseCatalogInput): string {
  const { catalog } = input;
  checkSchemaAgainstCatalog(catalog, input.columns);
  const out: string[] = [
    '-- Generated by gdpr-contact-baseline from the configuration. Do not edit: change the configuration.',
    "DO $$ BEGIN EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database()); END $$;",
  ];
  for (const purpose of catalog.consentPurposes) {
    out.push(
      `INSERT INTO "crm"."purposes" ("name", "description") VALUES (${lit(purpose.name)}, ${lit(purpose.description)}) ON CONFLICT ("name") DO UPDATE SET "description" = EXCLUDED."description";`,
    );
  }
  out.push(...lifecycleDataSql(catalog, input.columns));
  out.push(...rightsDataSql(catalog));
  out.push(...consentDataSql(catalog, input.columns));
  if (hasRestrictionSchema(input.tables)) out.push(...restrictionDataSql(catalog, catalog.subcontractors.map(extractRole)));
  out.push('', ...ownerRightsViewGuard(), '', ...consentFunctionsSql(catalog, hasRestrictionSchema(input.tables)));
  for (const role of catalog.roles) out.push('', ...roleSql(role, input));
  for (const sub of catalog.subcontractors) out.push('', ...roleSql(extractRole(sub), input, extractPrivileges(sub, input.columns), true));
  const names = [...catalog.roles.map((r) => r.name), ...catalog.subcontractors.map((s) => s.databaseUser)].map(lit).join(', ');
  out.push(
    '',
    '-- Roles the kit created earlier and the configuration no longer lists: no privilege, no login.',
    doBlock(`DECLARE
  retired text;
BEGIN
  FOR retired IN
    SELECT r.rolname FROM pg_catalog.pg_roles r
    JOIN pg_catalog.pg_shdescription d ON d.objoid = r.oid AND d.classoid = 'pg_catalog.pg_authid'::regclass
    WHERE d.description LIKE ${lit(`${MANAGED_ROLE_MARK}:%`)} AND r.rolname NOT IN (${names})
  LOOP
    EXECUTE format('REVOKE ALL ON ALL TABLES IN SCHEMA crm, gdpr FROM %I', retired);
    EXECUTE format('REVOKE ALL ON ALL FUNCTIONS IN SCHEMA crm, gdpr FROM %I', retired);
    EXECUTE format('REVOKE ALL ON SCHEMA crm, gdpr FROM %I', retired);
    EXECUTE format('REVOKE CONNECT ON DATABASE %I FROM %I', current_database(), retired);
    EXECUTE format('ALTER ROLE %I NOLOGIN', retired);
  END LOOP;
END`),
  );
  out.push(...purgeUserSql(input.columns, RDS_IAM_ROLE));
  out.push(...auditSql(catalog));
  return `${out.join('\n')}\n`;
}
