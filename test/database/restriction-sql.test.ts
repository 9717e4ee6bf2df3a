import { Catalog } from '../../lib/catalog/catalog';
import { nationalCallingCode } from '../../lib/config/calling-codes';
import { databaseSql } from '../../lib/database/database-sql';
import { loadMigrations } from '../../lib/database/migrations';
import { defaultConfig } from '../helpers/reference';

/** The catalog SQL of restriction and objection, read as text (the behaviour is tested on PostgreSQL in test/security). */
const catalogOf = (change: (c: any) => void = () => undefined, migrations = loadMigrations()) => {
  const config = defaultConfig() as any;
  change(config);
  return databaseSql(Catalog.fromConfig(config), migrations).catalogSql;
};
const policy = (sql: string, name: string, table: string) => new RegExp(`CREATE POLICY "${name}" ON "crm"\\."${table}" ([^;]*);`).exec(sql)?.[1];

describe('row security of restriction and objection, as generated', () => {
  const sql = catalogOf();

  test('a consent-bound role: its consent, not restricted, not objecting on the record; crm.may_process on the tables about a contact', () => {
    expect(policy(sql, 'marketing_select', 'contacts')).toBe('FOR SELECT TO "marketing" USING ("crm"."has_consent_newsletter"("id") AND NOT "restricted" AND NOT "objecting" AND "crm"."in_active_use"(\'crm.contacts\', "id", NULL))');
    expect(policy(sql, 'marketing_select', 'consents')).toBe('FOR SELECT TO "marketing" USING (("crm"."has_consent_newsletter"("contact_id") AND "crm"."may_process"(current_user, "contact_id") AND "crm"."in_active_use"(\'crm.consents\', "contact_id", NULL)) AND "purpose" NOT IN (\'special_diet\', \'accessibility\'))');
  });

  test('sales serves objecting customers but no restricted one; the extract job sees neither', () => {
    expect(policy(sql, 'sales_select', 'contacts')).toBe('FOR SELECT TO "sales" USING (NOT "restricted" AND "crm"."in_active_use"(\'crm.contacts\', "id", NULL))');
    expect(policy(sql, 'sales_update', 'contacts')).toBe('FOR UPDATE TO "sales" USING (NOT "restricted" AND "crm"."in_active_use"(\'crm.contacts\', "id", NULL)) WITH CHECK (true)');
    expect(policy(sql, 'sales_select', 'notes')).toBe('FOR SELECT TO "sales" USING (NOT "held_for_review" AND "crm"."may_process"(current_user, "contact_id") AND "crm"."in_active_use"(\'crm.notes\', "contact_id", NULL))');
    expect(policy(sql, 'extract_statlab_select', 'contacts')).toBe('FOR SELECT TO "extract_statlab" USING (NOT "restricted" AND NOT "objecting" AND "crm"."in_active_use"(\'crm.contacts\', "id", NULL))');
  });

  test('the DPO sees every contact, and alone runs the restriction and objection functions', () => {
    expect(policy(sql, 'dpo_select', 'contacts')).toBe('FOR SELECT TO "dpo" USING (true)');
    expect(sql).toContain('GRANT EXECUTE ON FUNCTION "gdpr"."is_restricted"(uuid), "gdpr"."restrict_contact"(uuid, text, text), "gdpr"."lift_restriction"(uuid, text), "gdpr"."is_objecting"(uuid), "gdpr"."object_contact"(uuid, text, text), "gdpr"."object_identifiers"(text, text, text, text) TO "dpo";');
    expect(sql.match(/"gdpr"\."restrict_contact"\(uuid, text, text\)[^;]* TO "(\w+)";/g)).toHaveLength(1);
    expect(sql).not.toMatch(/identifier_hash|suppression_key|contact_identifiers/);
  });

  test('the rules of each processing role are written for crm.may_process', () => {
    expect(sql).toContain(`INSERT INTO "gdpr"."processing_roles" ("role_name", "consent_purpose", "honours_objection") VALUES
  ('marketing', 'newsletter', true),
  ('sales', NULL, false),
  ('accounting', NULL, false),
  ('extract_statlab', NULL, true);`);
  });

  test('national phone numbers are read in the organisation\'s country, or compared as written where numbers have no trunk 0', () => {
    expect(sql).toMatch(/SET "calling_code" = '33' WHERE/);
    expect(catalogOf((c) => (c.organisation.country = 'IT'))).toMatch(/SET "calling_code" = NULL WHERE/);
    expect([nationalCallingCode('DE'), nationalCallingCode('ES'), nationalCallingCode('HU')]).toEqual(['49', undefined, undefined]);
  });

  test('a schema without the restriction migration gets none of it', () => {
    const older = catalogOf(undefined, loadMigrations().filter((m) => m.name !== 'restriction_objection'));
    expect(older).not.toMatch(/restricted|may_process|processing_roles|calling_code/);
  });
});
