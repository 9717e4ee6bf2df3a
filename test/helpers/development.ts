import { defaultConfigInput } from './reference';

/** The reference company's development account and its backup account (neither is a production account). */
export const DEVELOPMENT_ACCOUNT = '222233334444';
export const DEVELOPMENT_BACKUP_ACCOUNT = '777788889999';

/**
 * The reference configuration as its development copy, as a company would
 * write it: profile development, every ARN of the production account moved to
 * the development account, backups copied to a development backup account,
 * productionAccounts kept so the copy refuses them.
 */
export function developmentConfigInput(): Record<string, any> {
  const input = defaultConfigInput();
  const { productionAccounts } = input.environment;
  const moved = JSON.parse(JSON.stringify(input).replaceAll('111122223333', DEVELOPMENT_ACCOUNT).replaceAll('555566667777', DEVELOPMENT_BACKUP_ACCOUNT));
  moved.environment = { ...moved.environment, profile: 'development', productionAccounts };
  return moved;
}
