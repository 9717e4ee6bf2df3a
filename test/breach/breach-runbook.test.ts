import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Catalog } from '../../lib/catalog/catalog';
import { renderBreachRunbook } from '../../lib/review/breach-runbook';
import { defaultConfig, REPO_ROOT } from '../helpers/reference';

const config = defaultConfig();
const catalog = Catalog.fromConfig(config);
const runbook = renderBreachRunbook(config, catalog);

test('policies/breach-runbook.md is up to date (run npm run policies when this fails)', () => {
  const committed = readFileSync(join(REPO_ROOT, 'policies', 'breach-runbook.md'), 'utf8');
  if (committed !== runbook) throw new Error('policies/breach-runbook.md is stale: run npm run policies');
});

describe('the breach runbook, generated from the configuration', () => {
  test('says who is notified: the DPO from the configuration and the supervisory authority of the country', () => {
    expect(runbook).toContain(`**The DPO**, ${config.dpo.name}, <${config.dpo.email}>, ${config.dpo.phone}`);
    expect(runbook).toContain('the CNIL (Commission nationale de l’informatique et des libertés), online at <https://notifications.cnil.fr/notifications/index>');
  });

  test('lists every detection with its first containment step', () => {
    for (const text of ['A KMS key is disabled or scheduled for deletion', 'A database snapshot is made restorable', 'aws cloudtrail start-logging', 'more than 512 MB']) {
      expect(runbook).toContain(text);
    }
  });

  test('lists every category with its tables, retention, readers, processors and likely consequences; special categories stand out', () => {
    const row = (name: string) => runbook.split('\n').find((l) => l.startsWith(`| \`${name}\` |`)) ?? '';
    for (const category of catalog.categories) expect(row(category.name)).toContain(`${category.retentionDays} days`);
    expect(row('special_diet')).toMatch(/\*\*special \(art\. 9\)\*\* \| `crm\.special_diet` \| 365 days \| sales, dpo \| — \| Reveals dietary requirement detail.*high risk/);
    expect(row('commercial')).toContain('statlab (pseudonymised)');
    expect(row('identity')).toContain('`crm.contacts`');
  });

  test('gives the query that counts people and records per category', () => {
    expect(runbook).toContain('SELECT category, relation, people, records FROM gdpr.breach_scope()');
  });

  test('walks through art. 33 (authority, phases, register) and art. 34 (people, exceptions)', () => {
    for (const text of ['## 4. Article 33', 'art. 33(4)', 'breach register in every case', 'art. 33(5)', '## 5. Article 34', 'art. 34(3)', 'unintelligible']) {
      expect(runbook).toContain(text);
    }
  });

  test('has a message to the people concerned in French and English, with every category to keep or strike and the DPO contact', () => {
    const fr = runbook.slice(runbook.indexOf('### Français'), runbook.indexOf('### English'));
    const en = runbook.slice(runbook.indexOf('### English'));
    expect(fr).toContain('Objet : Information sur un incident concernant vos données personnelles');
    expect(en).toContain('Subject: About an incident involving your personal data');
    for (const category of catalog.categories) {
      expect(fr).toContain(`- [ ] ${category.description}`);
      expect(en).toContain(`- [ ] ${category.description}`);
    }
    expect(fr).toContain('(donnée sensible)');
    expect(en).toContain('(special category)');
    expect(fr).toContain(config.dpo.email);
    expect(en).toContain(config.dpo.email);
  });

  test('follows the configuration: GuardDuty, another country', () => {
    const other = defaultConfig();
    other.breach.guardDuty = true;
    other.organisation.country = 'IE';
    const text = renderBreachRunbook(other, Catalog.fromConfig(other));
    expect(text).toContain('GuardDuty RDS Protection reports suspicious logins');
    expect(text).toContain('the Data Protection Commission (DPC)');
    expect(text).not.toContain('CNIL');
  });
});
