import { z } from 'zod';
import { configSchema } from './schema';

/** The JSON Schema of the configuration file, for editors (generated from the zod schema). */
export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return {
    ...schema,
    title: 'gdpr-contact-baseline configuration',
    description:
      'Configuration of the GDPR contact database baseline. Generated from lib/config/schema.ts by `npm run schema`; cross-field rules (regions, CIDR overlaps, unknown categories) are checked at synth.',
  };
}

export function renderConfigJsonSchema(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}
