/**
 * EventBridge's event pattern matching, for the subset the kit's rules use: exact values, `prefix`,
 * `anything-but` (a value, a list, or a prefix), `exists`, `$or`, nested objects, and arrays in the
 * event (a leaf matches when any element does; a nested pattern applies to every element of an array
 * of objects, as EventBridge flattens them). A field the event lacks matches only `exists: false`;
 * `anything-but` needs the field to be present. An unknown matcher throws, so nothing is guessed.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function leafMatches(matcher: Json, value: Json | undefined): boolean {
  if (matcher === null || typeof matcher !== 'object') return value !== undefined && value === matcher;
  if (Array.isArray(matcher)) throw new Error(`nested array in a pattern: ${JSON.stringify(matcher)}`);
  const keys = Object.keys(matcher);
  if (keys.length !== 1) throw new Error(`a matcher has one key: ${JSON.stringify(matcher)}`);
  const [key] = keys;
  const arg = matcher[key];
  switch (key) {
    case 'exists':
      return arg === (value !== undefined);
    case 'prefix':
      return typeof value === 'string' && typeof arg === 'string' && value.startsWith(arg);
    case 'anything-but': {
      if (value === undefined) return false;
      if (Array.isArray(arg)) return !arg.some((a) => a === value);
      if (arg !== null && typeof arg === 'object') {
        if (typeof arg.prefix !== 'string') throw new Error(`unsupported anything-but: ${JSON.stringify(arg)}`);
        return typeof value === 'string' && !value.startsWith(arg.prefix);
      }
      return value !== arg;
    }
    default:
      throw new Error(`unsupported matcher ${key}`);
  }
}

function valuesAt(event: Json | undefined): (Json | undefined)[] {
  if (Array.isArray(event)) return event.length === 0 ? [undefined] : event;
  return [event];
}

/** Whether the pattern (as CloudFormation's EventPattern, with `detail-type`) matches the event. */
export function matches(pattern: Record<string, Json>, event: Json | undefined): boolean {
  return Object.entries(pattern).every(([key, sub]) => {
    if (key === '$or') {
      if (!Array.isArray(sub)) throw new Error('$or takes a list');
      return sub.some((branch) => matches(branch as Record<string, Json>, event));
    }
    const field = event !== null && typeof event === 'object' && !Array.isArray(event) ? event[key] : undefined;
    if (Array.isArray(sub)) {
      return valuesAt(field).some((v) => sub.some((m) => leafMatches(m, v)));
    }
    if (sub === null || typeof sub !== 'object') throw new Error(`a pattern field holds a list or an object: ${key}`);
    // A nested pattern: against the object, or any object of an array.
    return valuesAt(field).some((v) => matches(sub as Record<string, Json>, v));
  });
}
