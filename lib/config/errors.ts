import type { z } from 'zod';

/**
 * A configuration that cannot be used. `problems` holds one line per problem:
 * `<field path>: <what is wrong>; got <value>`.
 */
export class ConfigError extends Error {
  constructor(
    public readonly source: string,
    public readonly problems: readonly string[],
  ) {
    super(`${source}: ${problems.length} configuration problem${problems.length === 1 ? '' : 's'}\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Renders a path the way a user would write it: roles[2].reads[0]. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? '(root)' : out;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): { found: boolean; value?: unknown } {
  let current: unknown = input;
  for (const key of path) {
    if (current === null || typeof current !== 'object' || !(key in (current as object))) {
      return { found: false };
    }
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return { found: true, value: current };
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function describe(issue: z.core.$ZodIssue, found: boolean): string {
  switch (issue.code) {
    case 'invalid_type':
      if (found) return `expected ${issue.expected}`;
      // A field may say why it is required (its own message); zod's default starts with "Invalid input".
      return issue.message && !issue.message.startsWith('Invalid input') ? issue.message : `required (${issue.expected}) but missing`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_union':
      return issue.message;
    default:
      return issue.message;
  }
}

/** Turns zod's issues into one line each, naming field, value and the fix. */
export function renderIssues(input: unknown, issues: readonly z.core.$ZodIssue[]): string[] {
  const lines: string[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        lines.push(`${formatPath([...issue.path, key])}: unknown field; remove it or check its spelling (see lib/config/config.schema.json)`);
      }
      continue;
    }
    const { found, value } = valueAt(input, issue.path);
    const got = found ? `; got ${show(value)}` : '';
    lines.push(`${formatPath(issue.path)}: ${describe(issue, found)}${got}`);
  }
  return lines;
}
