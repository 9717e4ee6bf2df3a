import { readFileSync } from 'node:fs';
import { ConfigError, renderIssues } from './errors';
import { BaselineConfig, configSchema, configSchemaAt } from './schema';

export interface ParseOptions {
  /**
   * Refuse a processor grant that has expired at this time (access ends at
   * 00:00 UTC on its expiry date).
   * @default - no check depends on the date: the role's trust ends on the expiry
   *   date by itself; `cdk synth -c today=YYYY-MM-DD` warns and
   *   `gdpr-baseline check --today YYYY-MM-DD` reports an expired grant
   */
  readonly now?: Date;
}

/** Validates an already-parsed configuration object. Throws ConfigError listing every problem. */
export function parseConfig(input: unknown, source = 'config', options: ParseOptions = {}): BaselineConfig {
  const { now } = options;
  const result = (now ? configSchemaAt(() => now) : configSchema).safeParse(input);
  if (!result.success) {
    throw new ConfigError(source, renderIssues(input, result.error.issues));
  }
  return result.data;
}

/** Reads and validates a JSON configuration file. Throws ConfigError on any problem. */
export function loadConfigFile(path: string, options: ParseOptions = {}): BaselineConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ConfigError(path, [`(file): cannot read ${path} (${code}); give the path of an existing configuration file (cdk synth -c config=FILE, gdpr-baseline --config FILE)`]);
  }
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(path, [`(file): not valid JSON: ${(err as Error).message}`]);
  }
  return parseConfig(input, path, options);
}
