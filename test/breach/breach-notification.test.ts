import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Catalog } from '../../lib/catalog/catalog';
import { renderBreachNotification } from '../../lib/review/breach-notification';
import { parseConfig } from '../../lib/config/load';
import { defaultConfig, defaultConfigInput, REPO_ROOT } from '../helpers/reference';

const config = defaultConfig();
const catalog = Catalog.fromConfig(config);
const notification = renderBreachNotification(config, catalog);
const fr = notification.slice(notification.indexOf('## Français'), notification.indexOf('## English'));
const en = notification.slice(notification.indexOf('## English'));

test('policies/breach-notification.md is up to date (run npm run policies when this fails)', () => {
  const committed = readFileSync(join(REPO_ROOT, 'policies', 'breach-notification.md'), 'utf8');
  if (committed !== notification) throw new Error('policies/breach-notification.md is stale: run npm run policies');
});

describe('the notification to the supervisory authority (art. 33), pre-filled', () => {
  test('in French, in the sections of the CNIL form', () => {
    expect(fr).toContain('## Français : notification à la CNIL');
    for (const heading of [
      '### Type de notification',
      '### Organisme et délégué à la protection des données (art. 33(3)(b))',
      '### Nature de la violation (art. 33(3)(a))',
      '### Données concernées',
      '### Personnes concernées',
      '### Conséquences probables (art. 33(3)(c))',
      '### Mesures prises ou envisagées (art. 33(3)(d))',
      '### Information des personnes concernées (art. 34)',
      '### Ce qui n’est pas encore connu (notification en plusieurs temps, art. 33(4))',
    ]) {
      expect(fr).toContain(heading);
    }
  });

  test('in English, with the art. 33(3)(a)-(d) fields and the phases of art. 33(4)', () => {
    for (const heading of ['(art. 33(3)(a))', '(art. 33(3)(b))', '(art. 33(3)(c))', '(art. 33(3)(d))', '### Still unknown (notification in phases, art. 33(4))']) {
      expect(en).toContain(heading);
    }
  });

  test('fills in the controller with its contact details and the DPO contact in both languages', () => {
    for (const part of [fr, en]) {
      expect(part).toContain(`${config.organisation.name}, ${config.organisation.address}, ${config.organisation.email}`);
      expect(part).toContain(`${config.dpo.name}, ${config.dpo.email}, ${config.dpo.phone}`);
    }
  });

  test('lists every category (in French in the French part), with its tables, and the processors that may be concerned', () => {
    for (const category of catalog.categories) {
      expect(fr).toContain(`| [ ] | \`${category.name}\` | ${category.descriptionFr} |`);
      expect(fr).not.toContain(category.description);
      expect(en).toContain(`| [ ] | \`${category.name}\` | ${category.description} |`);
    }
    expect(fr).toMatch(/`special_diet` \| .* \| \*\*oui\*\* \| `crm\.special_diet` \|/);
    for (const processor of ['statlab', ...config.externalProcessors.map((p) => p.name)]) expect(notification).toContain(processor);
  });

  test('says how to get the numbers (gdpr.breach_scope), hour 0 and the deadline (the register), and how to record the notification', () => {
    expect(notification).toContain('SELECT category, relation, people, records FROM gdpr.breach_scope()');
    expect(notification).toContain('SELECT id, detected_at, notification_deadline, source, nature, decision, authority_notified_at FROM gdpr.breach_register');
    expect(notification).toContain("gdpr.record_breach_event(<n>, 'authority-notified'");
    expect(fr).toContain('date limite de notification : **[notification_deadline du registre]**');
    expect(fr).toContain('motifs du retard (art. 33(1))');
  });

  test('does not present encryption at rest as lowering the risk of a breach through a login or an export', () => {
    expect(fr).toContain('Le chiffrement au repos ne réduit pas le risque d’une violation passée par une connexion autorisée, un export ou un extrait');
    expect(en).toContain('Encryption at rest does not lower the risk of a breach through an authorised login, an export or an extract');
  });

  test('marks what the configuration cannot know, and a missing address or e-mail, as brackets to fill', () => {
    expect(en).toContain('**[detected_at of the register]**');
    const other = defaultConfig();
    delete other.organisation.address;
    delete other.organisation.email;
    const text = renderBreachNotification(other, Catalog.fromConfig(other));
    expect(text).toContain('[adresse : organisation.address]');
    expect(text).toContain('[e-mail: organisation.email]');
  });

  test('follows the country: another authority, no CNIL', () => {
    const other = defaultConfig();
    other.organisation.country = 'IE';
    const text = renderBreachNotification(other, Catalog.fromConfig(other));
    expect(text).toContain('## Français : notification à la Data Protection Commission');
    expect(text).toContain('## English: notification to the Data Protection Commission');
    expect(text).not.toContain('CNIL');
  });
});

describe('the categories of people in the French part are French', () => {
  test('each entry of dataSubjects appears through its translation, never in English', () => {
    for (const [i, english] of config.dataSubjects.entries()) {
      expect(fr).toContain(`  - [ ] ${config.dataSubjectsFr?.[i]}\n`);
      if (english !== config.dataSubjectsFr?.[i]) expect(fr).not.toContain(`  - [ ] ${english}\n`);
    }
    expect(en).toContain(`  - [ ] ${config.dataSubjects[1]}\n`);
  });

  test('an entry without its translation is a bracket to translate, and a list of another length is refused', () => {
    const untranslated = { ...defaultConfig(), dataSubjectsFr: undefined };
    const text = renderBreachNotification(untranslated, Catalog.fromConfig(untranslated));
    const part = text.slice(text.indexOf('## Français'), text.indexOf('## English'));
    expect(part).toContain(`  - [ ] [à traduire en français : ${config.dataSubjects[1]}]`);
    const input = defaultConfigInput();
    input.dataSubjectsFr = input.dataSubjectsFr.slice(1);
    expect(() => parseConfig(input, 'config')).toThrow(/dataSubjectsFr: translate each entry of dataSubjects, in the same order: dataSubjects has 4 entries and dataSubjectsFr 3/);
  });
});
