import { Catalog } from '../../lib/catalog/catalog';
import type { BaselineConfig } from '../../lib/config/schema';
import { loadMigrations, migration, type Migration } from '../../lib/database/migrations';
import { dpiaDraft, renderDpiaDraft } from '../../lib/review/dpia';
import { dpiaScreening } from '../../lib/review/dpia-screening';
import type { SynthesizedStack } from '../../lib/review/policies';
import { defaultConfig, referenceSynthesizedStacks } from '../helpers/reference';

let config: BaselineConfig;
let catalog: Catalog;
let stacks: SynthesizedStack[];
let migrations: Migration[];

beforeAll(() => {
  config = defaultConfig();
  catalog = Catalog.fromConfig(config);
  // synthesizeBaseline(config), as synthesized once for the run (test/stacks/reference-assembly.test.ts proves they are the same)
  stacks = referenceSynthesizedStacks();
  migrations = loadMigrations();
});

const draft = (s: readonly SynthesizedStack[] = stacks, m: readonly Migration[] = migrations) => dpiaDraft(config, catalog, s, m, dpiaScreening(config, catalog));
const copy = (s: readonly SynthesizedStack[]): SynthesizedStack[] => JSON.parse(JSON.stringify(s));
const resourceOf = (s: SynthesizedStack[], type: string) => Object.values(s[0].template.Resources).find((r: any) => r.Type === type) as any;
const measure = (list: readonly { measure: string; where: readonly string[] }[], start: string) => list.find((x) => x.measure.startsWith(start));

describe('the DPIA draft names the measures the templates actually contain', () => {
  test('each of the three risks lists measures with the logical ids of their resources', () => {
    const { risks } = draft();
    const cluster = Object.entries(stacks[0].template.Resources).find(([, r]) => r.Type === 'AWS::RDS::DBCluster')?.[0];
    expect(measure(risks.illegitimateAccess, 'sign-in with IAM database authentication')?.where).toEqual([cluster]);
    expect(measure(risks.disappearance, 'deletion protection')?.where).toEqual([cluster]);
    expect(measure(risks.unwantedChange, 'the audit trail')?.where).toEqual([expect.stringMatching(/^BreachAuditTrail/)]);
    expect(measure(risks.disappearance, 'backup vaults locked')?.where).toEqual([expect.stringMatching(/^BackupVault/), expect.stringMatching(/^GdprContactBaselineBackupAccount\/CopyVault/)]);
    for (const list of [risks.illegitimateAccess, risks.unwantedChange, risks.disappearance]) {
      expect(list.filter((x) => x.where.length === 0).map((x) => x.measure)).toEqual([]);
    }
  });

  test('a measure weakened in the templates is shown NOT FOUND, and the public summary stops claiming it', () => {
    const weakened = copy(stacks);
    const cluster = resourceOf(weakened, 'AWS::RDS::DBCluster');
    cluster.Properties.DeletionProtection = false;
    delete cluster.Properties.KmsKeyId;
    const d = draft(weakened);
    expect(measure(d.risks.disappearance, 'deletion protection')?.where).toEqual([]);
    const text = renderDpiaDraft(d);
    expect(text).toMatch(/\| deletion protection on the database \| \*\*NOT FOUND in the templates/);
    expect(text).toMatch(/\| the database is encrypted at rest .* \| \*\*NOT FOUND/);
    expect(text).not.toMatch(/the European Union, encrypted/);
    expect(text).not.toMatch(/chiffrées/);
  });

  test('without a scheduled purge the draft says so, and the summary stops promising deletion at the end of retention', () => {
    const weakened = copy(stacks);
    const resources = weakened[0].template.Resources;
    for (const [id, r] of Object.entries(resources)) if (r.Type === 'AWS::Events::Rule' && /retention purge/i.test(r.Properties?.Description ?? '')) delete resources[id];
    const text = renderDpiaDraft(draft(weakened));
    expect(text).toMatch(/- End of life: \*\*NOT FOUND in the templates: no scheduled retention purge\*\*/);
    expect(text).not.toMatch(/data is deleted when its retention period ends/);
    expect(text).not.toMatch(/les données sont supprimées/);
  });

  test('with an identified processor the summary does not say that processors receive only pseudonymised data', () => {
    expect(renderDpiaDraft(draft())).toMatch(/service providers receive only pseudonymised data/);
    const identified = Object.assign(Object.create(Object.getPrototypeOf(catalog)), catalog, { subcontractors: catalog.subcontractors.map((p) => ({ ...p, pseudonymised: false })) });
    const text = renderDpiaDraft(dpiaDraft(config, identified, stacks, migrations, dpiaScreening(config, identified)));
    expect(text).not.toMatch(/only pseudonymised|ne reçoivent que des données pseudonymisées/);
    expect(text).toMatch(/\| statlab \| .* \| no, identified \|/);
  });

  test('a role that assumes without MFA makes the MFA measure NOT FOUND', () => {
    const weakened = copy(stacks);
    const role = Object.values(weakened[0].template.Resources).find((r: any) => r.Type === 'AWS::IAM::Role' && (r.Properties.Tags ?? []).some((t: any) => t.Key === 'gdpr:role')) as any;
    role.Properties.AssumeRolePolicyDocument = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { AWS: 'arn:aws:iam::111122223333:root' } }] };
    expect(measure(draft(weakened).risks.illegitimateAccess, 'every role people assume requires MFA')?.where).toEqual([]);
  });

  test('a permission-set role counts only with the acknowledgment that says where Identity Center enforces MFA, and only for reserved SSO roles', () => {
    expect(measure(draft().risks.illegitimateAccess, 'every role people assume requires MFA')?.where).toHaveLength(5);
    const isHuman = (r: any) => r.Type === 'AWS::IAM::Role' && (r.Properties.Tags ?? []).some((t: any) => t.Key === 'gdpr:role');
    const unacknowledged = copy(stacks);
    const role = Object.values(unacknowledged[0].template.Resources).find(isHuman) as any;
    role.Metadata.cdk_nag.rules_to_suppress = role.Metadata.cdk_nag.rules_to_suppress.filter((a: any) => !a.id.endsWith('[MfaAtIdentityProvider]'));
    expect(measure(draft(unacknowledged).risks.illegitimateAccess, 'every role people assume requires MFA')?.where).toEqual([]);
    const widened = copy(stacks);
    const other = Object.values(widened[0].template.Resources).find(isHuman) as any;
    const sso = other.Properties.AssumeRolePolicyDocument.Statement.find((st: any) => !JSON.stringify(st).includes('MultiFactorAuthPresent'));
    sso.Condition.ArnLike['aws:PrincipalArn'] = [sso.Condition.ArnLike['aws:PrincipalArn']].flat().concat('arn:aws:iam::111122223333:role/Anyone');
    expect(measure(draft(widened).risks.illegitimateAccess, 'every role people assume requires MFA')?.where).toEqual([]);
  });

  test('the append-only ledgers are read from the migrations', () => {
    const { risks } = draft();
    expect(measure(risks.unwantedChange, 'ledgers no one may rewrite')?.where).toEqual(expect.arrayContaining(['crm.consents', 'gdpr.erasure_log', 'gdpr.audit_log']));
  });
});

describe('the rights functions come from the migrations and the catalog SQL, not from a list', () => {
  test('access and erasure are the DPO role\'s, withdrawal every role that may withdraw', () => {
    const rights = draft().necessity.rights;
    const fn = (name: string) => rights.flatMap((r) => r.functions).find((f) => f.name === name);
    expect(fn('gdpr.restrict_contact')?.roles).toEqual(['dpo']);
    expect(fn('gdpr.export_contact')?.roles).toEqual(['dpo']);
    expect(fn('gdpr.erase_contact')?.roles).toEqual(['dpo']);
    expect(fn('crm.withdraw_consent')?.roles).toEqual(['dpo', 'marketing', 'sales']);
  });

  // The schema without its restriction migration: a right no migration serves.
  const withoutRestriction = () => migrations.filter((m) => m.name !== 'restriction_objection');

  test('a right no function serves is a point for the DPO', () => {
    expect(withoutRestriction().length).toBe(migrations.length - 1);
    const restriction = draft(stacks, withoutRestriction()).necessity.rights.find((r) => r.right.startsWith('Restriction'));
    expect(restriction).toEqual(expect.objectContaining({ functions: [], otherwise: expect.stringMatching(/no restriction function/) }));
    expect(renderDpiaDraft(draft(stacks, withoutRestriction()))).toMatch(/\| Restriction \(art\. 18\) \| — \| — \| \*\*DPO:\*\* no restriction function/);
  });

  test('a new function of a later migration, granted to a role, shows under its right with its comment', () => {
    const later = migration(
      `${String(withoutRestriction().length + 1).padStart(4, '0')}_restriction.sql`,
      "CREATE FUNCTION gdpr.restrict_contact(p_contact uuid) RETURNS void LANGUAGE sql AS $$ SELECT 1 $$;\nCOMMENT ON FUNCTION gdpr.restrict_contact(uuid) IS 'Restriction of processing (art. 18): the contact is left out of every purpose';",
    );
    const granted = copy(stacks).map((s) => (s.catalogSql ? { ...s, catalogSql: `${s.catalogSql}\nGRANT EXECUTE ON FUNCTION "gdpr"."restrict_contact"(uuid) TO "dpo";\n` } : s));
    const restriction = draft(granted, [...withoutRestriction(), later]).necessity.rights.find((r) => r.right.startsWith('Restriction'));
    expect(restriction?.functions).toEqual([{ name: 'gdpr.restrict_contact', roles: ['dpo'], purpose: 'Restriction of processing (art. 18): the contact is left out of every purpose' }]);
  });

  test('a function granted by the catalog SQL but created by no migration is not claimed as a right', () => {
    const granted = copy(stacks).map((s) => (s.catalogSql ? { ...s, catalogSql: `${s.catalogSql}\nGRANT EXECUTE ON FUNCTION "gdpr"."restrict_contact"(uuid) TO "dpo";\n` } : s));
    expect(draft(granted, withoutRestriction()).necessity.rights.find((r) => r.right.startsWith('Restriction'))?.functions).toEqual([]);
  });
});

describe('the draft follows art. 35(7) and says what the configuration cannot know', () => {
  test('the four parts, the publishable summary in English and French, and the open points marked for the DPO', () => {
    const text = renderDpiaDraft(draft());
    for (const heading of ['(art. 35(7)(a))', '(art. 35(7)(b))', '(art. 35(7)(c))', '(art. 35(7)(d))', '## Summary that can be published', 'Résumé publiable', '## Open points for the DPO']) {
      expect(text).toContain(heading);
    }
    expect(text.match(/\*\*DPO:\*\*/g)?.length).toBeGreaterThan(8);
    expect(text).toMatch(/- \[ \] The legitimate-interest assessment \(balancing test\) for each category on that basis: identity, professional, notes\./);
  });

  test('each category is described with its retention, what it counts from and the text it rests on', () => {
    const text = renderDpiaDraft(draft());
    expect(text).toMatch(/\| commercial \| .* \| 10 years \(3650 days\) \| each record's own transaction \| Code de commerce, art\. L123-22/);
    expect(text).toMatch(/\| special_diet \| .* \| explicit-consent \| 1 year \(365 days\) \| the end of the commercial relationship \|/);
  });

  test('a category without a legal reference asks the DPO for one', () => {
    const input = JSON.parse(JSON.stringify(config));
    delete input.categories[5].legalReference;
    const cat = Catalog.fromConfig(input);
    expect(renderDpiaDraft(dpiaDraft(input, cat, stacks, migrations, dpiaScreening(input, cat)))).toMatch(/\| notes \| .* \| \*\*DPO:\*\* the text or référentiel the retention rests on \|/);
  });
});
