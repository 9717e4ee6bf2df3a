import { parseConfig } from '../../lib/config/load';
import { RECORD_DEFAULTS } from '../../lib/config/schema';
import { withChange } from '../helpers/config';
import { defaultConfigInput } from '../helpers/reference';

describe('the record of processing configuration', () => {
  test('the reference company gives its contact details, its processors without an AWS account and the record version', () => {
    const cfg = parseConfig(defaultConfigInput());
    expect(cfg.organisation).toMatchObject({ address: expect.stringContaining('Paris'), email: 'contact@hotels-exemple.fr', jointControllers: [] });
    expect(cfg.externalProcessors.map((p) => p.country)).toEqual(['FR', 'FR']);
    expect(cfg.record).toMatchObject({ version: '2026.1', date: '2026-11-30' });
    expect(cfg.categories.every((c) => c.descriptionFr)).toBe(true);
    expect(cfg.categories.filter((c) => c.legalBasis === 'legitimate-interests').every((c) => c.legitimateInterestAssessment)).toBe(true);
  });

  test('is optional: without record and externalProcessors, the defaults apply', () => {
    const input = defaultConfigInput();
    delete input.record;
    delete input.externalProcessors;
    const cfg = parseConfig(input);
    expect(cfg.record).toEqual({ awsDataProcessingAddendum: RECORD_DEFAULTS.awsDataProcessingAddendum });
    expect(cfg.externalProcessors).toEqual([]);
  });

  test('an external processor names declared categories', () => {
    expect(withChange((c) => (c.externalProcessors[0].categories = ['identity', 'halal_menu']))).toEqual([
      'externalProcessors[0].categories[1]: unknown category; declared categories: identity, contact, professional, commercial, consent, notes, special_diet, accessibility; got "halal_menu"',
    ]);
  });

  test('an external processor outside the EU and the EEA needs its transfer mechanism', () => {
    expect(withChange((c) => (c.externalProcessors[0].country = 'US'))).toEqual([
      'externalProcessors[0].transferMechanism: US is outside the EU and the EEA: a transfer there needs its mechanism (art. 45-46): adequacy-decision, standard-contractual-clauses, binding-corporate-rules, with its reference',
    ]);
    expect(withChange((c) => Object.assign(c.externalProcessors[0], { country: 'US', transferMechanism: { type: 'standard-contractual-clauses', reference: 'SCC 2021/914, module 2' } }))).toEqual([]);
    expect(withChange((c) => (c.externalProcessors[0].country = 'NO'))).toEqual([]);
  });

  test('a representative (art. 27) is refused for a controller established in the Union', () => {
    expect(withChange((c) => (c.organisation.representative = { name: 'EU Rep Ltd' }))).toEqual([
      'organisation.representative: a representative (art. 27) is for a controller established outside the Union; FR is in it: remove the representative; got {"name":"EU Rep Ltd"}',
    ]);
  });

  test('a legitimate-interest assessment only on a category of that basis; the e-mail and date checked', () => {
    const lines = withChange((c) => {
      c.categories[1].legitimateInterestAssessment = 'LIA-1';
      c.organisation.email = 'not-an-address';
      c.record.date = '2026-13-01';
      c.organisation.jointControllers = [{ name: 'Partner SA' }];
    });
    expect(lines).toEqual(expect.arrayContaining([
      expect.stringMatching(/^categories\[1\]\.legitimateInterestAssessment: only a category whose legal basis is legitimate-interests has a legitimate-interest assessment; its basis is consent: remove it/),
      expect.stringMatching(/^organisation\.email: must be an e-mail address/),
      expect.stringMatching(/^record\.date: not a calendar date/),
      expect.stringMatching(/^organisation\.jointControllers\[0\]\.arrangement: /),
    ]));
    expect(lines).toHaveLength(4);
  });
});
