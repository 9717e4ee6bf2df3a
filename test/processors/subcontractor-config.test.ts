import { ConfigError } from '../../lib/config/errors';
import { parseConfig } from '../../lib/config/load';
import { defaultConfigInput } from '../helpers/reference';

/** Every check runs at a fixed date, so expiry checks do not depend on the day the tests run. */
const NOW = new Date('2026-11-29T10:00:00Z');

function problems(input: unknown, now = NOW): string[] {
  try {
    parseConfig(input, 'test.json', { now });
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
}

function withProcessor(change: (sub: Record<string, any>, cfg: Record<string, any>) => void, now = NOW): string[] {
  const cfg = defaultConfigInput();
  change(cfg.subcontractors[0], cfg);
  return problems(cfg, now);
}

describe('a subcontractor in the configuration', () => {
  test('the reference processor is valid and gets the documented defaults', () => {
    const cfg = parseConfig(defaultConfigInput(), 'default.json', { now: NOW });
    expect(cfg.subcontractors).toEqual([
      expect.objectContaining({ name: 'statlab', location: 'eu-west-1', pseudonymised: true, extractRetentionDays: 30, expiryDate: '2027-12-31' }),
    ]);
  });

  test('a configuration without subcontractors is valid', () => {
    expect(withProcessor((_s, cfg) => delete cfg.subcontractors)).toEqual([]);
  });

  test('an identified extract with its reason, and a non-EU processor with its mechanism, are accepted', () => {
    expect(
      withProcessor((s) => {
        s.categories = ['identity', 'contact'];
        s.pseudonymised = false;
        s.identifiedReason = 'The mailing house prints and posts the yearly paper catalogue';
        s.location = 'us-east-1';
        s.transferMechanism = { type: 'standard-contractual-clauses', reference: 'SCC module 3 (2021/914), annex 2 of DPA-2026-020' };
      }),
    ).toEqual([]);
  });
});

describe('an invalid grant is refused with one line per problem naming field, value and fix', () => {
  test('no expiry date', () => {
    expect(withProcessor((s) => delete s.expiryDate)).toEqual([
      'subcontractors[0].expiryDate: a grant without an expiry date is refused: give the last day of the contract; write it YYYY-MM-DD',
    ]);
  });

  test('an expiry date in the past (judged against the injected clock)', () => {
    expect(withProcessor(() => undefined, new Date('2028-01-15T08:00:00Z'))).toEqual([
      'subcontractors[0].expiryDate: the grant expired (access ends at 00:00 UTC on its expiry date; today is 2028-01-15); renew the contract and move the date, or remove the subcontractor; got "2027-12-31"',
    ]);
  });

  test('an expiry date of today has already ended', () => {
    expect(withProcessor((s) => (s.expiryDate = '2026-11-29'))).toContainEqual(expect.stringMatching(/^subcontractors\[0\]\.expiryDate: the grant expired .*; got "2026-11-29"$/));
  });

  test('an expiry date before the start date', () => {
    expect(withProcessor((s) => (s.expiryDate = '2026-09-30'))).toEqual([
      'subcontractors[0].expiryDate: the grant must end after it starts (startDate 2026-10-01); got "2026-09-30"',
    ]);
  });

  test('a date that is not a calendar date', () => {
    expect(withProcessor((s) => (s.expiryDate = '31/12/2027'))).toEqual([
      'subcontractors[0].expiryDate: a date is written YYYY-MM-DD, such as 2027-12-31; got "31/12/2027"',
    ]);
    expect(withProcessor((s) => (s.expiryDate = '2027-02-30'))).toEqual(['subcontractors[0].expiryDate: not a calendar date; got "2027-02-30"']);
  });

  test('no contract reference', () => {
    expect(withProcessor((s) => delete s.contractReference)).toEqual([
      'subcontractors[0].contractReference: a processor needs a data processing agreement (art. 28(3)); give its reference',
    ]);
    expect(withProcessor((s) => (s.contractReference = ''))).toEqual([
      'subcontractors[0].contractReference: a processor needs a data processing agreement (art. 28(3)); give its reference; got ""',
    ]);
  });

  test('a special category without justification', () => {
    expect(withProcessor((s) => s.categories.push('special_diet'))).toEqual([
      'subcontractors[0].categories[2]: special_diet is a special category (art. 9); a processor receives it only with a specialCategoryJustification that says why, or remove it; got "special_diet"',
    ]);
  });

  test('a special category with its justification is accepted; a justification without one is refused', () => {
    expect(
      withProcessor((s) => {
        s.categories.push('accessibility');
        s.specialCategoryJustification = 'The accessibility audit counts adapted rooms booked per hotel';
      }),
    ).toEqual([]);
    expect(withProcessor((s) => (s.specialCategoryJustification = 'The processor needs nothing special at all'))).toEqual([
      'subcontractors[0].specialCategoryJustification: the processor receives no special category; remove the justification; got "The processor needs nothing special at all"',
    ]);
  });

  test('a location outside the EU without transfer mechanism', () => {
    expect(withProcessor((s) => (s.location = 'us-east-1'))).toEqual([
      'subcontractors[0].transferMechanism: us-east-1 is not an EU member-state region: a transfer outside the EU needs its mechanism (art. 44-46): { type: adequacy-decision | standard-contractual-clauses | binding-corporate-rules, reference }',
    ]);
    expect(withProcessor((s) => (s.location = 'eu-west-2'))).toEqual([
      'subcontractors[0].transferMechanism: eu-west-2 is London (United Kingdom): a transfer outside the EU needs its mechanism (art. 44-46): { type: adequacy-decision | standard-contractual-clauses | binding-corporate-rules, reference }',
    ]);
  });

  test('a transfer mechanism for a location inside the EU', () => {
    expect(withProcessor((s) => (s.transferMechanism = { type: 'standard-contractual-clauses', reference: 'SCC 2021/914' }))).toEqual([
      'subcontractors[0].transferMechanism: eu-west-1 (Ireland) is in the EU: no transfer takes place; remove the mechanism; got {"type":"standard-contractual-clauses","reference":"SCC 2021/914"}',
    ]);
  });

  test('an unknown transfer mechanism', () => {
    expect(
      withProcessor((s) => {
        s.location = 'us-east-1';
        s.transferMechanism = { type: 'trust-us', reference: 'a handshake' };
      }),
    ).toEqual(['subcontractors[0].transferMechanism.type: must be one of "adequacy-decision", "standard-contractual-clauses", "binding-corporate-rules"; got "trust-us"']);
  });

  test('an unknown category', () => {
    expect(withProcessor((s) => (s.categories = ['professional', 'loyalty']))).toEqual([
      'subcontractors[0].categories[1]: unknown category; declared categories: identity, contact, professional, commercial, consent, notes, special_diet, accessibility; got "loyalty"',
    ]);
  });

  test('a category that still says whether it identifies people is refused with where that moved', () => {
    // Which columns identify a person is the schema's to say (category:<name>;identifying); an
    // identifying category in a pseudonymised extract is refused at synth (test/security/identifiers.test.ts).
    expect(withProcessor((_s, cfg) => (cfg.categories.find((c: any) => c.name === 'contact').directIdentifier = false))).toEqual([
      "categories[1].directIdentifier: removed: which columns identify a person is now marked in the database schema, next to each column ('category:<name>;identifying' in lib/database/sql), and a pseudonymised extract refuses a category with such a column; delete directIdentifier; got false",
    ]);
  });

  test('an identified extract without a reason, and a reason for a pseudonymised one', () => {
    expect(withProcessor((s) => (s.pseudonymised = false))).toEqual([
      'subcontractors[0].pseudonymised: an extract that names people needs identifiedReason: why the processor must know who each person is (art. 25(1), 32(1)(a) favour pseudonymised data); got false',
    ]);
    expect(withProcessor((s) => (s.identifiedReason = 'The processor would like to know who they are'))).toEqual([
      'subcontractors[0].identifiedReason: only an identified extract (pseudonymised: false) takes a reason; remove it; got "The processor would like to know who they are"',
    ]);
  });

  test('a short external id, a malformed account, an unknown consent purpose, a retention longer than the data', () => {
    expect(
      withProcessor((s, cfg) => {
        s.externalId = 'short';
        s.accountId = '4444-5555-6666';
        s.consentPurpose = 'surveys';
        s.extractRetentionDays = 400;
        cfg.categories.find((c: any) => c.name === 'professional').retentionDays = 200;
      }),
    ).toEqual([
      'subcontractors[0].accountId: an AWS account id is exactly 12 digits; got "4444-5555-6666"',
      'subcontractors[0].externalId: the external id the processor passes to sts:AssumeRole must be at least 16 characters (agree a random value with the processor); got "short"',
      'subcontractors[0].extractRetentionDays: Too big: expected number to be <=365; got 400',
      'subcontractors[0].consentPurpose: unknown consent purpose; declared consentPurposes: newsletter, events, special_diet, accessibility; got "surveys"',
      'subcontractors[0].extractRetentionDays: an extract must not outlive the shortest retention of its categories (200 days); got 400',
    ]);
  });

  test('the same processor twice', () => {
    expect(withProcessor((s, cfg) => cfg.subcontractors.push({ ...s }))).toEqual([
      'subcontractors[1].name: duplicate subcontractor; each processor is declared once; got "statlab"',
    ]);
  });

  test('every problem at once', () => {
    const lines = withProcessor((s) => {
      delete s.expiryDate;
      delete s.contractReference;
      s.location = 'ap-south-1';
      s.categories = ['identity', 'special_diet', 'ghost'];
    });
    expect(lines.map((l) => l.split(':')[0])).toEqual([
      'subcontractors[0].contractReference',
      'subcontractors[0].expiryDate',
      'subcontractors[0].categories[1]',
      'subcontractors[0].categories[2]',
      'subcontractors[0].transferMechanism',
    ]);
  });
});
