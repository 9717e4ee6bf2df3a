import { Catalog, noteTermsOf } from '../../lib/catalog/catalog';
import { ConfigError } from '../../lib/config/errors';
import { parseConfig } from '../../lib/config/load';
import { DEFAULT_NOTE_TERMS, NOTE_CATEGORIES, NOTE_TERM_PATTERN } from '../../lib/config/note-terms';
import { BREACH_DEFAULTS, PURGE_DATABASE_USER, RETENTION_DEFAULTS } from '../../lib/config/schema';
import { defaultConfigInput } from '../helpers/reference';

function problems(change: (cfg: Record<string, any>) => void): string[] {
  const cfg = defaultConfigInput();
  change(cfg);
  try {
    parseConfig(cfg, 'test.json');
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
}

describe('defaults when the sections are left out', () => {
  const cfg = defaultConfigInput();
  delete cfg.retention;
  delete cfg.notesCheck;
  delete cfg.breach;
  cfg.roles.forEach((r: any) => delete r.recontact);
  const parsed = parseConfig(cfg);

  test('retention: recontact 60 days before the end, purge every night at 02:30 UTC', () => {
    expect(parsed.retention).toEqual({ recontactDays: 60, purgeSchedule: 'cron(30 2 * * ? *)' });
    expect(RETENTION_DEFAULTS).toEqual(parsed.retention);
  });

  test('breach: GuardDuty not routed, Paris time, 512 MB per hour, trail kept a year', () => {
    expect(parsed.breach).toEqual({ guardDuty: false, timeZone: 'Europe/Paris', exportAlarm: { megabytesPerHour: 512 }, trailRetentionDays: 365 });
    expect(BREACH_DEFAULTS).toEqual(parsed.breach);
  });

  test('notes check: the shipped lists, nothing added or removed; no role recontacts', () => {
    expect(parsed.notesCheck).toEqual({ extraTerms: {}, excludedTerms: [], allowedPhrases: [] });
    expect(parsed.roles.map((r) => r.recontact)).toEqual([false, false, false, false]);
  });
});

describe('a bad lifecycle or breach configuration is refused with one line per problem', () => {
  test('a recontact window out of bounds', () => {
    expect(problems((c) => (c.retention.recontactDays = 0))).toContainEqual('retention.recontactDays: list contacts at least 1 day before the end of their retention; got 0');
  });

  test('a schedule that is not an EventBridge expression', () => {
    expect(problems((c) => (c.retention.purgeSchedule = '30 2 * * *'))).toContainEqual(
      'retention.purgeSchedule: an EventBridge schedule is cron(minutes hours day-of-month month day-of-week year), such as cron(30 2 * * ? *), or rate(1 day); got "30 2 * * *"',
    );
    expect(problems((c) => (c.retention.purgeSchedule = 'rate(1 day)'))).toEqual([]);
  });

  test('a term with characters the check cannot match', () => {
    expect(problems((c) => (c.notesCheck.extraTerms = { health: { fr: ['mal.*'] } }))).toContainEqual(
      expect.stringMatching(/^notesCheck\.extraTerms\.health\.fr\[0\]: a term is letters, digits, spaces, hyphens or apostrophes.*; got "mal\.\*"$/),
    );
  });

  test('an unknown note category', () => {
    expect(problems((c) => (c.notesCheck.extraTerms = { gossip: { en: ['rumour'] } }))).toContainEqual(expect.stringMatching(/^notesCheck\.extraTerms/));
  });

  test('excluding a term the kit does not ship', () => {
    expect(problems((c) => (c.notesCheck.excludedTerms = ['prison', 'pétanque']))).toEqual([
      'notesCheck.excludedTerms[1]: not a shipped term; name it exactly as lib/config/note-terms.ts writes it (a term you added yourself is removed from extraTerms instead); got "pétanque"',
    ]);
  });

  test(`a role named like the purge's database user (${PURGE_DATABASE_USER})`, () => {
    expect(problems((c) => (c.roles[2].name = PURGE_DATABASE_USER))).toContainEqual(
      `roles[2].name: ${PURGE_DATABASE_USER} is the database user of the retention purge; choose another role name; got "${PURGE_DATABASE_USER}"`,
    );
  });

  test('a time zone that does not exist', () => {
    expect(problems((c) => (c.breach.timeZone = 'Europe/Lutece'))).toContainEqual('breach.timeZone: an IANA time zone such as Europe/Paris; got "Europe/Lutece"');
  });

  test('a trail kept less than a year', () => {
    expect(problems((c) => (c.breach.trailRetentionDays = 90))).toContainEqual(
      'breach.trailRetentionDays: keep the trail at least 365 days: it documents breaches (art. 33(5)); got 90',
    );
  });
});

describe('the shipped term lists', () => {
  test('cover every category in both languages, each term well-formed', () => {
    for (const category of Object.keys(NOTE_CATEGORIES) as (keyof typeof NOTE_CATEGORIES)[]) {
      for (const language of ['fr', 'en'] as const) {
        const terms = DEFAULT_NOTE_TERMS[category][language];
        expect([category, language, terms.length > 3]).toEqual([category, language, true]);
        expect(terms.filter((t) => !NOTE_TERM_PATTERN.test(t))).toEqual([]);
      }
    }
  });

  test('the catalog adds the configured terms and drops the excluded ones', () => {
    const cfg = defaultConfigInput();
    cfg.notesCheck = { extraTerms: { insult: { fr: ['gros naze'] } }, excludedTerms: ['Prison'], allowedPhrases: ['Musée de la prison'] };
    const parsed = parseConfig(cfg);
    const terms = noteTermsOf(parsed);
    expect(terms).toContainEqual({ category: 'insult', language: 'fr', term: 'gros naze' });
    expect(terms.filter((t) => t.term === 'prison')).toEqual([]);
    expect(Catalog.fromConfig(parsed).lifecycle.allowedPhrases).toContain('Musée de la prison');
  });
});
