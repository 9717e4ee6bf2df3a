/* eslint-disable @typescript-eslint/no-explicit-any */
import { PROFILE_SETTINGS, type Profile } from '../defaults';
import { list, type Problem, str } from './common';

/**
 * A development deployment must never hold production contacts: its
 * configuration lists the production accounts (`environment.productionAccounts`)
 * and names none of them as the account it deploys to, the backup account or
 * a processor's account. One line per problem, naming the field and the value.
 */
export function developmentChecks(cfg: any, problem: Problem): void {
  if (cfg.environment?.profile !== 'development') return;
  const production = new Set(list(cfg.environment?.productionAccounts).filter((a): a is string => typeof a === 'string'));
  if (production.size === 0) {
    problem(
      ['environment', 'productionAccounts'],
      'a development configuration lists the accounts that hold real contacts (at least one), so that it can refuse to deploy into them; add them, for example ["111122223333"]',
    );
    return;
  }
  const refuse = (path: (string | number)[], account: unknown, what: string) => {
    const id = str(account);
    if (id && production.has(id)) {
      problem(path, `${id} is listed in environment.productionAccounts; a development deployment may not use a production account as ${what}: use a development account`);
    }
  };
  refuse(['environment', 'account'], cfg.environment?.account, 'the account it deploys to');
  refuse(['backup', 'copyTarget', 'account'], cfg.backup?.copyTarget?.account, 'its backup account');
  list(cfg.subcontractors).forEach((s, i) => refuse(['subcontractors', i, 'accountId'], s?.accountId, 'a processor account'));
}

/** The minimum Aurora capacity: `database.minCapacity`, or the profile's (0.5 in production, 0 in development). */
export function databaseMinCapacity(cfg: { environment: { profile: Profile }; database: { minCapacity?: number } }): number {
  return cfg.database.minCapacity ?? PROFILE_SETTINGS[cfg.environment.profile].minCapacity;
}
/* eslint-enable @typescript-eslint/no-explicit-any */
