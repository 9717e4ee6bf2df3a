import { databaseMinCapacity } from '../../lib/config/schema';
import { parseConfig } from '../../lib/config/load';
import { problems } from '../helpers/config';
import { DEVELOPMENT_ACCOUNT, developmentConfigInput } from '../helpers/development';
import { defaultConfigInput } from '../helpers/reference';

/** The development copy of the reference with one change, and its problem lines. */
function developmentWith(change: (cfg: Record<string, any>) => void): string[] {
  const cfg = developmentConfigInput();
  change(cfg);
  return problems(cfg);
}

describe('environment.profile', () => {
  test('defaults to production, with 0.5 ACU minimum', () => {
    const input = defaultConfigInput();
    delete input.environment.profile;
    const cfg = parseConfig(input);
    expect(cfg.environment.profile).toBe('production');
    expect(databaseMinCapacity(cfg)).toBe(0.5);
  });

  test('development lets the database pause (0 ACU) unless database.minCapacity says otherwise', () => {
    expect(databaseMinCapacity(parseConfig(developmentConfigInput()))).toBe(0);
    const input = developmentConfigInput();
    input.database.minCapacity = 1;
    expect(databaseMinCapacity(parseConfig(input))).toBe(1);
  });

  test('the development copy of the reference is valid', () => {
    expect(problems(developmentConfigInput())).toEqual([]);
  });

  test('an unknown profile is refused, naming the choices', () => {
    expect(developmentWith((c) => (c.environment.profile = 'staging'))).toContainEqual(expect.stringMatching(/^environment\.profile: .*"production".*"development".*; got "staging"$/));
  });
});

describe('a development configuration never names a production account', () => {
  test('deploying into a production account is refused in one line', () => {
    expect(developmentWith((c) => (c.environment.account = '111122223333'))).toContainEqual(
      expect.stringMatching(/^environment\.account: 111122223333 is listed in environment\.productionAccounts; a development deployment may not use a production account as the account it deploys to: use a development account; got "111122223333"$/),
    );
  });

  test('copying backups to a production backup account is refused', () => {
    expect(developmentWith((c) => (c.backup.copyTarget.account = '555566667777'))).toContainEqual(
      expect.stringMatching(/^backup\.copyTarget\.account: 555566667777 is listed in environment\.productionAccounts; .* as its backup account/),
    );
  });

  test('a processor account listed as production is refused', () => {
    const lines = developmentWith((c) => {
      c.subcontractors = defaultConfigInput().subcontractors ?? [];
      if (c.subcontractors.length === 0) throw new Error('the reference declares a processor');
      c.environment.productionAccounts.push(c.subcontractors[0].accountId);
    });
    expect(lines).toContainEqual(expect.stringMatching(/^subcontractors\[0\]\.accountId: \d{12} is listed in environment\.productionAccounts; .* as a processor account/));
  });

  test('a development configuration that lists no production account is refused: it could not refuse one', () => {
    expect(developmentWith((c) => delete c.environment.productionAccounts)).toContainEqual(
      expect.stringMatching(/^environment\.productionAccounts: a development configuration lists the accounts that hold real contacts/),
    );
    expect(developmentWith((c) => (c.environment.productionAccounts = []))).toHaveLength(1);
  });

  test('production configurations are not held to it', () => {
    const input = defaultConfigInput();
    input.environment.productionAccounts = [];
    expect(problems(input)).toEqual([]);
    expect(problems(defaultConfigInput())).toEqual([]);
  });

  test('the development account itself is accepted', () => {
    expect(parseConfig(developmentConfigInput()).environment.account).toBe(DEVELOPMENT_ACCOUNT);
  });
});
