import { Catalog } from '../../lib/catalog/catalog';
import { digitalConsentAge } from '../../lib/config/consent-age';
import { consentDataSql, explicitConsentTables, freetextColumns } from '../../lib/database/consent-sql';
import { databaseSql } from '../../lib/database/database-sql';
import { loadMigrations, migration } from '../../lib/database/migrations';
import { schemaColumns } from '../../lib/database/schema-columns';
import { defaultConfig } from '../helpers/reference';

/** The consent part of the catalog SQL, generated from the configuration and the schema (no database needed). */

const migrations = loadMigrations();
const columns = schemaColumns(migrations);

describe('the age of digital consent comes from organisation.country', () => {
  test.each([
    ['FR', 15],
    ['DE', 16],
    ['IE', 16],
    ['ES', 14],
    ['BE', 13],
    ['US', 16],
  ])('%s: %i', (country, age) => {
    expect(digitalConsentAge(country)).toBe(age);
    const cfg = defaultConfig();
    cfg.organisation.country = country;
    const sql = consentDataSql(Catalog.fromConfig(cfg), columns).join('\n');
    expect(sql).toContain(`VALUES (true, '${country}', ${age})`);
  });
});

describe('triggers follow the schema and the catalog', () => {
  const catalog = Catalog.fromConfig(defaultConfig());

  test('the explicit-consent trigger goes on the tables of the categories that rest on explicit consent, and nowhere else', () => {
    expect([...explicitConsentTables(catalog, columns)]).toEqual([
      ['crm.special_diet', ['special_diet']],
      ['crm.accessibility', ['accessibility']],
    ]);
    const sql = databaseSql(catalog).catalogSql;
    expect(sql.match(/CREATE TRIGGER "require_explicit_consent" BEFORE INSERT OR UPDATE ON "crm"\."\w+"/g)).toEqual([
      'CREATE TRIGGER "require_explicit_consent" BEFORE INSERT OR UPDATE ON "crm"."special_diet"',
      'CREATE TRIGGER "require_explicit_consent" BEFORE INSERT OR UPDATE ON "crm"."accessibility"',
    ]);
  });

  test('a category that no longer rests on explicit consent loses the trigger on the next deployment', () => {
    const cfg = defaultConfig();
    const diet = cfg.categories.find((c) => c.name === 'special_diet')!;
    diet.specialCategoryCondition = 'health-or-social-care';
    delete diet.consentPurpose;
    const sql = consentDataSql(Catalog.fromConfig(cfg), columns).join('\n');
    expect(sql).toContain('DROP TRIGGER IF EXISTS "require_explicit_consent" ON "crm"."special_diet";');
    expect(sql).not.toContain('ON "crm"."special_diet" FOR EACH ROW EXECUTE FUNCTION "gdpr"."require_explicit_consent"');
    expect(sql).not.toMatch(/\('special_diet', 'special_diet'\)/);
  });

  test('a category on explicit consent held on crm.contacts is refused: a withdrawal could not remove it as a row', () => {
    const moved = migration('0099_moved.sql', "COMMENT ON COLUMN crm.contacts.civility IS 'category:special_diet';");
    expect(() => explicitConsentTables(catalog, schemaColumns([...migrations, moved]))).toThrow(
      /category special_diet rests on explicit consent \(consentPurpose special_diet\) but is held on crm\.contacts/,
    );
  });

  test('a new free-text column needs only its comment: the next catalog SQL checks it', () => {
    const added = migration('0099_memo.sql', "COMMENT ON COLUMN crm.contacts.company IS 'category:professional;freetext';");
    expect(freetextColumns(schemaColumns([...migrations, added])).get('crm.contacts')).toEqual(['company', 'job_title']);
    expect(freetextColumns(columns).has('crm.notes')).toBe(false);
  });

  test('a schema without the consent rules gets none of this SQL', () => {
    const before = migrations.filter((m) => !m.sql.includes('gdpr.consent_settings'));
    expect(consentDataSql(catalog, schemaColumns(before))).toEqual([]);
  });
});
