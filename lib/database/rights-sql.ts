import { supervisoryAuthority } from '../config/authorities';
import type { AccessRole, Catalog } from '../catalog/catalog';
import { doBlock, lit, q } from './login-role';

/**
 * The data-subject rights part of the catalog SQL (migration `NNNN_rights.sql`):
 * the facts the access report tells a person (the controller, its DPO and
 * supervisory authority, automated decisions, each category's purpose and
 * legal basis, who receives which category) are filled from the
 * configuration on every deployment, and the rights functions are granted to
 * the roles with dataSubjectRights. Both run only where the migration is
 * applied (a database upgraded step by step receives the catalog SQL of the
 * newest schema).
 */

/** Present once the rights migration is applied. */
const RIGHTS_SCHEMA = "to_regclass('gdpr.request_events') IS NOT NULL";

/** The rights functions a role with dataSubjectRights may execute, with their argument types. */
export const RIGHTS_FUNCTIONS: readonly string[] = [
  'gdpr.access_report(uuid, bigint)',
  'gdpr.retention_ends(uuid)',
  'gdpr.rectify(uuid, text, text, text, bigint, bigint)',
  'gdpr.portable_data(uuid, bigint)',
  'gdpr.portable_csv(uuid, bigint)',
  'gdpr.open_request(text, uuid, timestamptz)',
  'gdpr.extend_request(bigint, integer, text)',
  'gdpr.close_request(bigint, text, text)',
];

/** What the DPO reads of the register and the facts. */
export const RIGHTS_RELATIONS: readonly string[] = [
  'gdpr.requests',
  'gdpr.request_events',
  'gdpr.request_register',
  'gdpr.requests_due',
  'gdpr.rectification_log',
  'gdpr.controller',
  'gdpr.category_facts',
  'gdpr.recipients',
];

const rel = (relation: string) => relation.split('.').map(q).join('.');
const fn = (signature: string) => {
  const [name, args] = signature.split('(');
  return `${rel(name)}(${args}`;
};
const orNull = (text: string | undefined) => (text === undefined ? 'NULL' : lit(text));
const bool = (value: boolean | undefined) => (value === undefined ? 'NULL' : String(value));

/** Fills gdpr.controller, gdpr.category_facts and gdpr.recipients from the configuration. */
export function rightsDataSql(catalog: Catalog): string[] {
  const { controller } = catalog;
  const authority = supervisoryAuthority(controller.country);
  const decisions = JSON.stringify(controller.automatedDecisions);
  const facts = catalog.categories.map(
    (c) =>
      `(${lit(c.name)}, ${lit(c.description)}, ${lit(c.purpose)}, ${lit(c.legalBasis)}, ${orNull(c.legalReference)}, ${lit(c.countFrom)}, ${c.special}, ${orNull(
        c.specialCategoryCondition,
      )}, ${c.legalHold ? `${lit(JSON.stringify(c.legalHold))}::jsonb` : 'NULL'})`,
  );
  const recipients: string[] = [];
  for (const role of catalog.roles) {
    for (const c of role.reads) {
      recipients.push(
        `(${lit(c.name)}, 'role', ${lit(role.name)}, ${lit(role.description)}, NULL, ${orNull(role.consentPurpose)}, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`,
      );
    }
  }
  for (const sub of catalog.subcontractors) {
    for (const c of sub.categories) {
      recipients.push(
        `(${lit(c.name)}, 'processor', ${lit(sub.name)}, ${lit(`processor (art. 28), contract ${sub.contractReference}`)}, ${lit(sub.purpose)}, ${orNull(
          sub.consentPurpose,
        )}, ${lit(sub.location)}, ${orNull(sub.transferMechanism?.type)}, ${orNull(sub.transferMechanism?.reference)}, ${lit(sub.contractReference)}, ${bool(
          sub.pseudonymised,
        )}, ${lit(sub.startDate)}, ${lit(sub.expiryDate)})`,
      );
    }
  }
  const body = [
    'BEGIN',
    `  IF ${RIGHTS_SCHEMA} THEN`,
    '    DELETE FROM "gdpr"."controller";',
    `    INSERT INTO "gdpr"."controller" ("organisation", "country", "dpo_name", "dpo_email", "dpo_phone", "authority", "authority_url", "automated_decisions")
    VALUES (${lit(controller.organisation)}, ${lit(controller.country)}, ${lit(controller.dpo.name)}, ${lit(controller.dpo.email)}, ${orNull(controller.dpo.phone)}, ${lit(
      authority.name,
    )}, ${orNull(authority.notificationUrl)}, ${lit(decisions)}::jsonb);`,
    '    DELETE FROM "gdpr"."category_facts";',
    `    INSERT INTO "gdpr"."category_facts" ("category", "description", "purpose", "legal_basis", "legal_reference", "count_from", "special", "special_condition", "legal_hold") VALUES
      ${facts.join(',\n      ')};`,
    '    DELETE FROM "gdpr"."recipients";',
    ...(recipients.length > 0
      ? [
          `    INSERT INTO "gdpr"."recipients" ("category", "kind", "name", "description", "purpose", "consent_purpose", "location", "transfer_mechanism", "transfer_reference", "contract_reference", "pseudonymised", "start_date", "expiry_date") VALUES
      ${recipients.join(',\n      ')};`,
        ]
      : []),
    '  END IF;',
    'END',
  ];
  return ['', '-- Data-subject rights (art. 12-20): what the access report tells a person, from the configuration.', doBlock(body.join('\n'))];
}

/** The rights functions and the register, for a role with dataSubjectRights; nothing for any other role. */
export function rightsRoleSql(role: AccessRole): string[] {
  if (!role.dataSubjectRights) return [];
  const r = q(role.name);
  return [
    doBlock(`BEGIN
  IF ${RIGHTS_SCHEMA} THEN
    GRANT SELECT ON ${RIGHTS_RELATIONS.map(rel).join(', ')} TO ${r};
    GRANT EXECUTE ON FUNCTION ${RIGHTS_FUNCTIONS.map(fn).join(', ')} TO ${r};
  END IF;
END`),
  ];
}
