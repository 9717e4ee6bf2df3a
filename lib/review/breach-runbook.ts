import { authorityFrAfterA, authorityShortName, authorityShortNameFr, supervisoryAuthority } from '../config/authorities';
import { DETECTIONS, EXPORT_VOLUME_DETECTION, GUARDDUTY_DETECTION, INVOCATION_DETECTION } from '../breach/detections';
import type { Catalog, DataCategory } from '../catalog/catalog';
import type { BaselineConfig } from '../config/schema';
import { BREACH_DEFAULTS } from '../config/defaults';
import { loadMigrations, Migration } from '../database/migrations';
import { relationOf, schemaColumns } from '../database/schema-columns';

/**
 * The personal data breach runbook (art. 33, 34), generated from the
 * configuration into policies/breach-runbook.md: who is told, the clock,
 * which facts to gather (categories, where they are, who can reach them,
 * how to count the people and records), likely consequences, the steps of
 * art. 33 and 34 and a message to the people concerned in French and
 * English. Planned in advance, so that the 72 hours go to the facts.
 */

const cell = (text: string) => text.replace(/\r?\n\s*/g, ' ').replace(/\|/g, '\\|');

/**
 * Likely consequences for the people if a category leaks, from what the
 * category is; `identifying`: one of its columns is marked identifying in the schema.
 */
export function likelyConsequences(category: DataCategory, identifying: boolean): string {
  if (category.special) {
    return `Reveals ${category.description.toLowerCase()} (art. 9): discrimination, exclusion, distress. Likely a high risk: tell the people (art. 34) unless the data was unintelligible to whoever got it.`;
  }
  if (identifying) {
    return 'Identifies the person or says something about them: phishing, scams and identity fraud in the organisation\'s name, embarrassment, unwanted contact.';
  }
  return 'Loss of confidentiality of the relationship; combined with identifying data, profiling or fraud.';
}

/** The same consequences in French, for the documents sent in French (the notification form, the letter). */
export function likelyConsequencesFr(category: DataCategory, identifying: boolean): string {
  if (category.special) {
    return `Révèle une donnée sensible (art. 9) : ${descriptionFr(category).toLowerCase()} ; risques de discrimination, d’exclusion, de détresse. Risque probablement élevé : informer les personnes (art. 34), sauf si les données étaient incompréhensibles pour qui les a obtenues.`;
  }
  if (identifying) {
    return 'Identifie la personne ou la décrit : hameçonnage, escroqueries et usurpation d’identité au nom de l’organisme, gêne, sollicitations non désirées.';
  }
  return 'Perte de confidentialité de la relation ; croisée avec des données d’identification, profilage ou fraude.';
}

/**
 * A category's description in French: categories[].descriptionFr when the
 * configuration gives it; otherwise a bracket the DPO must fill before sending,
 * never the English text (a French letter is in French, art. 12(1)).
 */
export function descriptionFr(category: DataCategory): string {
  return category.descriptionFr ?? `[description en français à compléter : catégorie « ${category.name} » (categories[].descriptionFr)]`;
}

/** Whether a category has a column marked identifying in the schema. */
export function identifyingCategory(category: DataCategory, migrations: readonly Migration[]): boolean {
  return schemaColumns(migrations).some((col) => col.kind === 'category' && col.category === category.name && col.identifying);
}

function categoryRows(catalog: Catalog, migrations: readonly Migration[]): string[] {
  const columns = schemaColumns(migrations);
  return catalog.categories.map((c) => {
    const where = [...new Set(columns.filter((col) => col.kind === 'category' && col.category === c.name).map(relationOf))].map((r) => `\`${r}\``);
    const roles = catalog.roles.filter((r) => r.reads.some((x) => x.name === c.name)).map((r) => r.name);
    const processors = catalog.subcontractors.filter((s) => s.categories.some((x) => x.name === c.name)).map((s) => `${s.name} (${s.pseudonymised ? 'pseudonymised' : 'identified'})`);
    return `| ${[
      `\`${c.name}\``,
      cell(c.description),
      c.special ? '**special (art. 9)**' : 'standard',
      where.join(', ') || '—',
      `${c.retentionDays} days`,
      roles.join(', ') || '—',
      processors.join(', ') || '—',
      cell(likelyConsequences(c, columns.some((col) => col.kind === 'category' && col.category === c.name && col.identifying))),
    ].join(' | ')} |`;
  });
}

export function renderBreachRunbook(config: BaselineConfig, catalog: Catalog, migrations: readonly Migration[] = loadMigrations()): string {
  const authority = supervisoryAuthority(config.organisation.country);
  const authorityName = authorityShortName(config.organisation.country);
  const dpo = config.dpo;
  const detections = [...DETECTIONS, INVOCATION_DETECTION, ...(config.breach.guardDuty ? [GUARDDUTY_DETECTION] : []), EXPORT_VOLUME_DETECTION];
  const special = catalog.specialCategories.map((c) => `\`${c.name}\``);
  const categoryList = (lang: 'fr' | 'en') =>
    catalog.categories.map((c) => `  - [ ] ${lang === 'fr' ? descriptionFr(c) : c.description}${c.special ? (lang === 'fr' ? ' (donnée sensible)' : ' (special category)') : ''}`);
  const authorityFr = authorityFrAfterA(config.organisation.country);
  const dpoLine = `${dpo.name}, ${dpo.email}${dpo.phone ? `, ${dpo.phone}` : ''}`;
  const dsr = catalog.roles.filter((r) => r.dataSubjectRights).map((r) => r.name);

  const lines = [
    '<!-- Generated from the configuration by lib/review/breach-runbook.ts. Do not edit: run npm run policies. -->',
    '',
    `# Personal data breach runbook — ${config.organisation.name}`,
    '',
    'What to do when the kit reports a possible breach of the contact database, planned in advance so that the 72 hours go to the facts',
    `(GDPR art. 33 and 34). A breach is any breach of security leading to the accidental or unlawful destruction, loss, alteration,`,
    'unauthorised disclosure of, or access to, personal data (art. 4(12)): a leak, but also data made unreadable or lost.',
    '',
    '## 1. Who is notified',
    '',
    `- **The DPO**, ${dpo.name}, <${dpo.email}>${dpo.phone ? `, ${dpo.phone}` : ''}: every detection below is e-mailed to this address`,
    '  by the encrypted SNS topic of the stack, with what happened, when it was detected and the deadline.',
    `- **The supervisory authority**: ${authority.name}${authority.notificationUrl ? `, online at <${authority.notificationUrl}>` : ''},`,
    '  by the DPO, within 72 hours (section 4), unless the breach is unlikely to result in a risk to people.',
    '- **The people concerned**, when the risk to them is high (section 5), with the message of section 6.',
    '- **Processors** tell the controller without undue delay when they suffer a breach (art. 33(2)); their contracts say how.',
    '',
    'Detections that start the clock:',
    '',
    '| Detection | What to do first |',
    '| --- | --- |',
    ...detections.map((d) => `| ${cell(d.description)} | ${cell(d.containment)} |`),
    '',
    `${config.breach.guardDuty ? 'GuardDuty findings on the database are routed (breach.guardDuty: true).' : 'GuardDuty findings are not routed (breach.guardDuty: false); set it to true where GuardDuty RDS Protection is enabled.'}`,
    `Unusual export volume means more than ${config.breach.exportAlarm.megabytesPerHour} MB sent by the database to its clients in one hour.`,
    '',
    '## 2. The clock',
    '',
    '- **Hour 0** is the detection time in the e-mail. The deadline printed next to it is hour 0 + 72 hours, in UTC and in',
    `  ${config.breach.timeZone} time. It does not stop for weekends or holidays.`,
    '- Within the first hours: contain (table above), then decide whether personal data was concerned. A detection that turns out',
    '  not to be a breach is still written in the breach register with why (art. 33(5)).',
    '- Before hour 72: notify the authority with what is known; complete it later if facts are missing (art. 33(4)).',
    '- A notification after hour 72 states the reasons for the delay (art. 33(1)).',
    '',
    '## 3. Facts to gather (art. 33(3))',
    '',
    '### a. Nature of the breach: categories, people and records concerned',
    '',
    'The categories the database holds, where, who can reach them, and what a leak would mean for the people:',
    '',
    '| Category | What | Sensitivity | Tables | Retention | Roles that read it | Processors that receive it | Likely consequences |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...categoryRows(catalog, migrations),
    '',
    `Approximate number of people and records, per category and table, counted by the database itself (as a role that answers`,
    `data-subject requests: ${dsr.join(', ') || 'the DPO'}), with no personal data in the answer:`,
    '',
    '```sql',
    'SELECT category, relation, people, records FROM gdpr.breach_scope() ORDER BY category, relation;',
    '```',
    '',
    'Narrow it to what the breach reached: the tables a leaked snapshot or export contained (all of them for a snapshot), the',
    'columns a role can read for a misused login (`policies/access-matrix.md`), the time window from CloudTrail and the',
    'PostgreSQL connection logs. Backups: recovery points taken before an erasure still hold the erased contact until they',
    'expire (`backup.retentionDays`).',
    '',
    '### b. The DPO contact to give the authority',
    '',
    `${dpo.name}, ${dpo.email}${dpo.phone ? `, ${dpo.phone}` : ''}.`,
    '',
    '### c. Likely consequences',
    '',
    'Start from the table above. The risk is higher when special categories are concerned' +
      (special.length > 0 ? ` (here: ${special.join(', ')})` : '') +
      ', when people can be identified directly, when many people are concerned, and when the data reached someone malicious.',
    '',
    '**Encryption at rest does not lower the risk of every breach.** Every store of the kit is encrypted with a customer-managed',
    'key, but the database decrypts for whoever logs in: data read through an authorised login (a stolen or misused role, an',
    'operator, a processor\'s extract job), an export, an extract file downloaded with its key, or a snapshot restored where the',
    'key can be used, reached the recipient **in clear**. For those breaches, count the data as fully readable (section 5, 2).',
    'The risk is lower only for a copy that left **still encrypted** (a snapshot shared with, or copied to, an account that the',
    'key policy does not admit; a stolen backup) and only while the key is not compromised: CloudTrail shows no `kms:Decrypt`,',
    '`kms:CreateGrant` or key-policy change for that account, and the key was never disabled and re-enabled by an intruder.',
    'Pseudonymised extracts lower the risk (no direct identifiers) but are still personal data: they are not "unintelligible".',
    '',
    '### d. Measures taken or proposed',
    '',
    'What was done to contain the breach (section 1, "What to do first"), to mitigate its effects for the people (password',
    'resets, warnings about phishing in the organisation\'s name), and to prevent it from happening again (a rule of the GDPR',
    'pack, a configuration change reviewed in a pull request).',
    '',
    '## 4. Article 33: notify the supervisory authority',
    '',
    `1. Decide, with the facts of section 3, whether the breach is unlikely to result in a risk to people. If it is unlikely, do not notify ${authorityName}, and write why in the register.`,
    `2. Otherwise notify ${authorityName} before the deadline${authority.notificationUrl ? ` (${authority.notificationUrl})` : ''}: nature of the breach, categories and approximate numbers of people and records, the DPO contact, likely consequences, measures taken or proposed (art. 33(3)).`,
    '3. Missing facts: notify with what is known and send the rest in phases, without undue delay (art. 33(4)).',
    '4. Record the breach in the breach register in every case: facts, effects, remedial action, and the decision taken (art. 33(5)).',
    config.landingZone.organisationTrail
      ? `   The organisation trail (${config.landingZone.organisationTrail.trailArn}, bucket ${config.landingZone.organisationTrail.bucketName} of the log archive account ${config.landingZone.organisationTrail.account}) is the evidence: ask its owner for the log files.`
      : `   The trail (CloudTrail, encrypted and validated, locked for ${config.breach.trailRetentionDays ?? BREACH_DEFAULTS.trailRetentionDays} days, \`breach.trailRetentionDays\`) is the evidence.`,
    '',
    `The breach register is in the database (\`gdpr.breaches\`, \`gdpr.breach_events\`, append-only: nobody, the DPO included, rewrites`,
    `or deletes a line). Signed in as ${dsr.join(', ') || 'the DPO'}, start the entry with the detection time of the e-mail; the database`,
    'computes the deadline (detection + 72 hours) and stamps every later step with its own clock:',
    '',
    '```sql',
    "-- detected_at: the detection time of the e-mail, such as timestamptz '2026-12-01 09:14:00+00'",
    "SELECT * FROM gdpr.record_breach(now() - interval '3 hours', 'SnapshotSharedOrPublic', 'Snapshot of the contact database shared with account 999988887777');",
    "SELECT gdpr.record_breach_event(1, 'assessment', 'Identity and contact of about 1,200 people (gdpr.breach_scope); snapshot encrypted, key not shared');",
    "-- Either: not notified, with the reason (at least 20 characters)",
    "SELECT gdpr.record_breach_event(1, 'not-notified', 'Unlikely to result in a risk: the copy stayed encrypted, the key policy does not admit the account, no kms:Decrypt in CloudTrail');",
    "-- Or (also after a first decision not to notify, when new facts show a risk): notified, with the authority's receipt",
    "-- number; later phases (art. 33(4)) as authority-supplement",
    "SELECT gdpr.record_breach_event(1, 'authority-notified', 'Initial notification: nature, categories, DPO contact; numbers to follow', 'receipt number');",
    "SELECT gdpr.record_breach_event(1, 'authority-supplement', 'Numbers of people and records now known', 'receipt number');",
    "SELECT * FROM gdpr.breach_register ORDER BY id;",
    '```',
    '',
    'Kinds of step: `assessment`, `not-a-breach` and `not-notified` (both need their reason), `authority-notified` (after the',
    'deadline it needs the reasons for the delay, fifth argument, art. 33(1)), `authority-supplement`, `people-informed`,',
    '`people-not-informed` (needs its reason: which art. 34(3) condition, or why the risk is not high), `public-communication`,',
    '`remedial-action`, `closed`. The pre-filled notification to the authority is',
    '[`breach-notification.md`](breach-notification.md).',
    '',
    '## 5. Article 34: tell the people concerned',
    '',
    '1. When the breach is likely to result in a high risk to their rights and freedoms, tell the people concerned without undue',
    '   delay, in clear and plain language (art. 34(1), (2)), with the message of section 6.',
    '2. Not needed when one of the conditions of art. 34(3) holds; write which in the register (`people-not-informed`):',
    '   - (a) the data **concerned by the breach** was unintelligible to anyone not authorised to access it, such as by encryption.',
    '     This holds only for a copy that left still encrypted, with a key it cannot use (section 3 c). It **never** holds when the',
    '     breach went through an authorised login, a role, an export, an extract or a restored snapshot: the database or the job',
    '     decrypted the data for the recipient, and encryption at rest protected nothing;',
    '   - (b) measures taken afterwards make the high risk no longer likely to materialise (for example a leaked password reset',
    '     before use, with proof it was not used);',
    '   - (c) telling each person would involve disproportionate effort (no contact details left, say): then a public',
    '     communication informs them as effectively (section 7).',
    `3. ${authorityName} may require it (art. 34(4)).`,
    '4. Find the people from the contact ids concerned (the DPO role reads every category); keep the list in the register, not in',
    '   e-mails.',
    '',
    '## 6. Message to the people concerned',
    '',
    'Keep the categories that were concerned, remove the others, fill in the brackets.',
    '',
    '### Français',
    '',
    '> Objet : Information sur un incident concernant vos données personnelles',
    '>',
    `> Madame, Monsieur,`,
    '>',
    `> Le [date], ${config.organisation.name} a constaté [description claire de l'incident]. Les données vous concernant qui ont pu être touchées sont :`,
    ...categoryList('fr').map((l) => `> ${l}`),
    '>',
    '> Conséquences possibles pour vous : [par exemple, tentatives d\'hameçonnage en notre nom]. Nous vous recommandons de [mesures : se méfier des messages demandant des informations personnelles, changer un mot de passe...].',
    '>',
    '> Ce que nous avons fait : [mesures prises pour mettre fin à l\'incident et en limiter les effets].',
    '>',
    `> Pour toute question, notre délégué à la protection des données : ${dpoLine}. Vous pouvez aussi adresser une réclamation ${authorityFr}.`,
    '>',
    `> ${config.organisation.name}`,
    '',
    '### English',
    '',
    '> Subject: About an incident involving your personal data',
    '>',
    '> Dear [name],',
    '>',
    `> On [date], ${config.organisation.name} found that [clear description of the incident]. The data about you that may have been concerned:`,
    ...categoryList('en').map((l) => `> ${l}`),
    '>',
    '> Possible consequences for you: [for example, phishing attempts in our name]. We recommend that you [measures: be wary of messages asking for personal information, change a password...].',
    '>',
    '> What we have done: [measures taken to end the incident and limit its effects].',
    '>',
    `> If you have questions, our data protection officer: ${dpoLine}. You may also lodge a complaint with ${authority.name}.`,
    '>',
    `> ${config.organisation.name}`,
    '',
    'A category without a French description in the configuration (`categories[].descriptionFr`) appears in the French letter as',
    'a bracket to complete, never in English.',
    '',
    '## 7. Public communication (art. 34(3)(c))',
    '',
    'When telling each person would involve disproportionate effort, publish this where the people concerned will see it (the',
    'home page of the website, the hotels\' reception, a press release), for as long as needed to inform them as effectively.',
    '',
    '### Français',
    '',
    `> **Information sur un incident de sécurité concernant des données personnelles — ${config.organisation.name}**`,
    '>',
    `> Le [date], ${config.organisation.name} a constaté [description claire de l'incident]. Il concerne [les personnes concernées : par exemple, les clients ayant séjourné entre le [date] et le [date]] et les données suivantes : [catégories de données concernées].`,
    '>',
    '> Conséquences possibles : [par exemple, tentatives d\'hameçonnage en notre nom]. Nous vous recommandons de [mesures à prendre par les personnes].',
    '>',
    `> Ce que nous avons fait : [mesures prises pour mettre fin à l'incident et en limiter les effets]. Nous avons informé ${authorityShortNameFr(config.organisation.country)}.`,
    '>',
    `> Pour savoir si vous êtes concerné(e) ou pour toute question : notre délégué à la protection des données, ${dpoLine}.`,
    '',
    '### English',
    '',
    `> **About a security incident involving personal data — ${config.organisation.name}**`,
    '>',
    `> On [date], ${config.organisation.name} found that [clear description of the incident]. It concerns [the people concerned: for example, guests who stayed between [date] and [date]] and the following data: [categories of data concerned].`,
    '>',
    '> Possible consequences: [for example, phishing attempts in our name]. We recommend that you [measures the people can take].',
    '>',
    `> What we have done: [measures taken to end the incident and limit its effects]. We have informed ${authority.name}.`,
    '>',
    `> To find out whether you are concerned, or for any question: our data protection officer, ${dpoLine}.`,
    '',
  ];
  return lines.join('\n');
}
