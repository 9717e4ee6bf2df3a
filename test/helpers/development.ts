import { developmentCopy } from '../../bin/bench-cost';
import { defaultConfigInput } from './reference';

/** The reference company's development account and its backup account (neither is a production account). */
export const DEVELOPMENT_ACCOUNT = '222233334444';
export const DEVELOPMENT_BACKUP_ACCOUNT = '777788889999';

/** The reference configuration as its development copy (bin/bench-cost.ts developmentCopy), as plain JSON input. */
export function developmentConfigInput(): Record<string, any> {
  return developmentCopy(defaultConfigInput(), { account: DEVELOPMENT_ACCOUNT, backupAccount: DEVELOPMENT_BACKUP_ACCOUNT });
}
