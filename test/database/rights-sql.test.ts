import { Catalog } from '../../lib/catalog/catalog';
import { catalogSql } from '../../lib/database/grants';
import { loadMigrations } from '../../lib/database/migrations';
import { RIGHTS_FUNCTIONS, rightsDataSql, rightsRoleSql } from '../../lib/database/rights-sql';
import { rowSecurityTables, schemaColumns } from '../../lib/database/schema-columns';
import { defaultConfig } from '../helpers/reference';

/** The facts the access report tells a person come from the configuration, through the catalog SQL. */
describe('the rights part of the catalog SQL', () => {
  const config = defaultConfig() as any;
  config.automatedDecisions = [{ name: 'prospect scoring', logic: "points for each stay; l'ancienneté compte", consequences: 'a high score brings an invitation' }];
  config.residency.adequacyRegions = [{ region: 'eu-west-2', transferBasis: 'UK adequacy decision of 28 June 2021' }];
  config.subcontractors[0].location = 'eu-west-2';
  config.subcontractors[0].transferMechanism = { type: 'adequacy-decision', reference: 'Commission Implementing Decision (EU) 2021/1772' };
  const catalog = Catalog.fromConfig(config);
  const data = rightsDataSql(catalog).join('\n');

  test('fills the controller with its DPO, its supervisory authority and its automated decisions, quoted', () => {
    expect(data).toContain("'Hôtels Exemple SAS', 'FR', 'Délégué à la protection des données', 'dpo@hotels-exemple.fr'");
    expect(data).toContain('the CNIL (Commission nationale');
    expect(data).toContain(`'${JSON.stringify(config.automatedDecisions).replace(/'/g, "''")}'::jsonb`);
  });

  test('fills every category with its purpose, legal basis and legal reference', () => {
    for (const c of catalog.categories) expect(data).toContain(`('${c.name}', `);
    expect(data).toContain("'Code de commerce, art. L123-22 (accounting records and supporting documents kept 10 years)', 'transaction'");
  });

  test('lists each processor per category with its location and transfer mechanism', () => {
    expect(data).toContain("('commercial', 'processor', 'statlab'");
    expect(data).toMatch(/'eu-west-2', 'adequacy-decision', 'Commission Implementing Decision \(EU\) 2021\/1772'/);
  });

  test('runs only where the rights migration is applied', () => {
    expect(data).toMatch(/IF to_regclass\('gdpr\.request_events'\) IS NOT NULL THEN/);
  });

  test('grants the rights functions to the roles with dataSubjectRights, and to no other', () => {
    expect(rightsRoleSql(catalog.role('dpo')).join('\n')).toContain('"gdpr"."access_report"(uuid, bigint)');
    for (const role of catalog.roles.filter((r) => !r.dataSubjectRights)) expect(rightsRoleSql(role)).toEqual([]);
    const migrations = loadMigrations();
    const sql = catalogSql({ catalog, columns: schemaColumns(migrations), rowSecurityTables: rowSecurityTables(migrations) });
    for (const f of RIGHTS_FUNCTIONS) {
      const name = f.split('(')[0].split('.')[1];
      expect(sql.match(new RegExp(`"${name}"\\(`, 'g'))?.length).toBe(1);
    }
  });
});
