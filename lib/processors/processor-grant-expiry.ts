import { Annotations, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';

/**
 * When a processor grant has ended. Nothing here reads the wall clock: "today"
 * is always an input (`cdk synth -c today=YYYY-MM-DD`, `gdpr-baseline check
 * --today YYYY-MM-DD`), so the same commit synthesizes the same template on
 * any date. An ended grant is reported, never a reason to refuse the whole
 * baseline: the role's trust (`DateLessThan aws:CurrentTime`) already ends
 * it on its expiry date.
 */

/** A day given as input that is not YYYY-MM-DD or not a calendar date. */
export class DateInputError extends Error {}

/**
 * 00:00 UTC of a day written YYYY-MM-DD, as milliseconds since the epoch.
 * Throws DateInputError naming `field`, the value and the fix.
 */
export function parseDay(value: unknown, field: string): number {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  const fix = 'give the day as YYYY-MM-DD, such as 2026-12-01';
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) throw new DateInputError(`${field}: not a date; ${fix}; got ${text}`);
  const t = Date.parse(`${value}T00:00:00Z`);
  if (Number.isNaN(t) || new Date(t).toISOString().slice(0, 10) !== value) throw new DateInputError(`${field}: not a calendar date; ${fix}; got ${text}`);
  return t;
}

/** An Allow statement of a trust policy that stops granting at a time which has passed. */
export interface EndedTrust {
  /** The `aws:CurrentTime` bound as written (`2027-12-31T00:00:00Z`). */
  readonly endsAt: string;
  /** Who the statement let in (account ids or ARNs as written). */
  readonly principals: readonly string[];
}

/* eslint-disable @typescript-eslint/no-explicit-any */
const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);

/** A principal as people read it: `arn:${AWS::Partition}:iam::444455556666:root`. */
function render(value: unknown): string {
  if (typeof value === 'string') return value;
  const v = value as any;
  if (typeof v?.Ref === 'string') return `\${${v.Ref}}`;
  if (Array.isArray(v?.['Fn::Join']) && Array.isArray(v['Fn::Join'][1])) return v['Fn::Join'][1].map(render).join(String(v['Fn::Join'][0]));
  return JSON.stringify(value);
}

/**
 * The Allow statements of a role's trust policy (template JSON) that are
 * bounded by `DateLessThan`/`DateLessThanEquals` on `aws:CurrentTime` and
 * ended at or before 00:00 UTC of `today` (ms). A bound that is not a literal
 * date (a token, a parameter) is not judged.
 */
export function endedTrust(trustPolicy: unknown, today: number): EndedTrust[] {
  return asArray((trustPolicy as any)?.Statement).flatMap((statement: any) => {
    if (statement?.Effect !== 'Allow') return [];
    const bounds: { at: number; written: string }[] = [];
    for (const [operator, block] of Object.entries((statement.Condition ?? {}) as Record<string, unknown>)) {
      if (!/^DateLessThan(Equals)?$/.test(operator) || typeof block !== 'object' || block === null) continue;
      for (const [key, value] of Object.entries(block as Record<string, unknown>)) {
        if (key.toLowerCase() !== 'aws:currenttime') continue;
        // Several values: the condition holds while the time is before any of them.
        const values = asArray(value);
        const times = values.map((v) => (typeof v === 'string' ? Date.parse(v) : NaN));
        if (times.length === 0 || times.some((t) => Number.isNaN(t))) return [];
        bounds.push({ at: Math.max(...times), written: values.join(', ') });
      }
    }
    // Every bound must hold: the statement ends at the earliest.
    const end = bounds.sort((a, b) => a.at - b.at)[0];
    if (!end || end.at > today) return [];
    const principal = statement.Principal;
    const principals = typeof principal === 'string' ? [principal] : Object.values(principal ?? {}).flatMap((p) => asArray(p).map(render));
    return [{ endsAt: end.written, principals }];
  });
}
/* eslint-enable @typescript-eslint/no-explicit-any */

/** The message of an ended grant, the same at synth and in `check`. */
export function endedTrustMessage(ended: EndedTrust, today: number): string {
  return (
    `the role's trust ended at ${ended.endsAt} (aws:CurrentTime), before today ${new Date(today).toISOString().slice(0, 10)}: ` +
    `${ended.principals.join(', ') || 'no one'} can no longer assume it; renew the contract and move the expiry date, or remove the subcontractor`
  );
}

/** Id of the synth warning, so it can be acknowledged like any annotation. */
export const GRANT_EXPIRED_WARNING = 'gdpr-baseline:processorGrantExpired';

/**
 * Adds a warning annotation (never an error) to every IAM role under `scope`
 * whose trust has ended by `today` (YYYY-MM-DD). The template is unchanged:
 * annotations go to the cloud assembly manifest; `cdk synth --strict` turns
 * them into a failure. Call before synthesis.
 */
export function warnEndedGrants(scope: IConstruct, today: string): number {
  const day = parseDay(today, 'today');
  let count = 0;
  for (const node of scope.node.findAll()) {
    if (!(node instanceof iam.CfnRole)) continue;
    const document = Stack.of(node).resolve(node.assumeRolePolicyDocument);
    for (const ended of endedTrust(document, day)) {
      Annotations.of(node.node.scope ?? node).addWarningV2(GRANT_EXPIRED_WARNING, `Processor grant expired (art. 28(3)): ${endedTrustMessage(ended, day)}.`);
      count += 1;
    }
  }
  return count;
}
