import { ConfigError } from '../../lib/config/errors';
import { parseConfig } from '../../lib/config/load';
import { defaultConfigInput } from './reference';

/** The problem lines of a configuration (empty when it is valid). */
export function problems(input: unknown, options?: Parameters<typeof parseConfig>[2]): string[] {
  try {
    parseConfig(input, 'test.json', options);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
}

/** The default configuration with one change, and its problem lines. */
export function withChange(change: (cfg: Record<string, any>) => void): string[] {
  const cfg = defaultConfigInput();
  change(cfg);
  return problems(cfg);
}
