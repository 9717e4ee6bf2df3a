import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Catalog } from '../../lib/catalog/catalog';
import { renderBreachRunbook } from '../../lib/review/breach-runbook';
import { defaultConfig, REPO_ROOT } from '../helpers/reference';

const config = defaultConfig();
const catalog = Catalog.fromConfig(config);
const runbook = renderBreachRunbook(config, catalog);
/** The text of a runbook between two headings, after a section heading. */
const section = (text: string, after: string, from: string, to: string) => {
  const start = text.indexOf(from, text.indexOf(after));
  return text.slice(start, text.indexOf(to, start + from.length));
};

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
    const fr = section(runbook, '## 6.', '### Français', '### English');
    const en = section(runbook, '## 6.', '### English', '## 7.');
    expect(fr).toContain('Objet : Information sur un incident concernant vos données personnelles');
    expect(en).toContain('Subject: About an incident involving your personal data');
    for (const category of catalog.categories) {
      expect(fr).toContain(`- [ ] ${category.descriptionFr}`);
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

describe('the letter to the people concerned (art. 34(2)) is French in French', () => {
  const fr = section(runbook, '## 6.', '### Français', '### English');

  test('every category in French, the authority by its French name: no English left in the French letter', () => {
    for (const category of catalog.categories) expect(fr).not.toContain(category.description);
    expect(fr).toContain('Vous pouvez aussi adresser une réclamation à la CNIL (Commission nationale de l’informatique et des libertés).');
    expect(fr).not.toMatch(/\b(the|with|and|of)\b/);
  });

  test('a category with no French description is a bracket to complete, never its English text', () => {
    const other = defaultConfig();
    delete (other.categories[0] as { descriptionFr?: string }).descriptionFr;
    const text = section(renderBreachRunbook(other, Catalog.fromConfig(other)), '## 6.', '### Français', '### English');
    expect(text).toContain(`[description en français à compléter : catégorie « ${other.categories[0].name} » (categories[].descriptionFr)]`);
    expect(text).not.toContain(other.categories[0].description);
  });

  test('another authority takes the right French article: au Garante, à l’AEPD', () => {
    for (const [country, expected] of [['IT', 'réclamation au Garante per la protezione dei dati personali.'], ['ES', 'réclamation à l’AEPD (Agencia Española de Protección de Datos).']]) {
      const other = defaultConfig();
      other.organisation.country = country;
      expect(renderBreachRunbook(other, Catalog.fromConfig(other))).toContain(expected);
    }
  });
});

describe('encryption and the art. 34(3)(a) exemption', () => {
  test('the runbook no longer says that encryption lowers the risk of any breach', () => {
    expect(runbook).not.toContain('The risk is lower when the data was encrypted and the key was not compromised');
    expect(runbook).toContain('**Encryption at rest does not lower the risk of every breach.**');
  });

  test('says the exemption never holds for a breach through an authorised login or an export, and when it may hold', () => {
    const art34 = section(runbook, '## 5.', '## 5.', '## 6.');
    expect(art34).toMatch(/\*\*never\*\* holds when the\s+breach went through an authorised login, a role, an export, an extract or a restored snapshot/);
    expect(art34).toContain('This holds only for a copy that left still encrypted, with a key it cannot use');
    expect(runbook).toMatch(/CloudTrail shows no `kms:Decrypt`,\s+`kms:CreateGrant` or key-policy change/);
  });
});

describe('the breach register and the public communication', () => {
  test('the runbook shows how to record a breach and each decision in the database register', () => {
    for (const text of ['gdpr.record_breach(', "gdpr.record_breach_event(1, 'not-notified',", "'authority-supplement'", 'gdpr.breach_register', '[`breach-notification.md`](breach-notification.md)']) {
      expect(runbook).toContain(text);
    }
  });

  test('has a public communication (art. 34(3)(c)) in French and English with the DPO contact', () => {
    const fr = section(runbook, '## 7.', '### Français', '### English');
    const en = runbook.slice(runbook.indexOf('### English', runbook.indexOf('## 7.')));
    expect(fr).toContain(`Information sur un incident de sécurité concernant des données personnelles — ${config.organisation.name}`);
    expect(fr).toContain('Nous avons informé la CNIL.');
    expect(en).toContain('We have informed the CNIL (Commission nationale de l’informatique et des libertés).');
    for (const text of [fr, en]) expect(text).toContain(config.dpo.email);
  });
});
