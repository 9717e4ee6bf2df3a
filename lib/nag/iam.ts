import { asArray, type ResolvedResource } from './resolve';

/*
 * Reading IAM policies as synthesized (tokens resolved to CloudFormation
 * intrinsics), shared by the rules and the review outputs: the one wildcard
 * matcher, the identity policies a resource holds, the actions a statement
 * grants.
 */

/* eslint-disable @typescript-eslint/no-explicit-any */

/**
 * IAM wildcard matching, the one matcher of the kit, for actions and ARNs
 * alike: `*` any run of characters (none included), `?` exactly one
 * character, every other character literal, case-insensitive (as IAM matches
 * actions; an ARN that differs only in case is treated as the same, the side
 * that reports more). A pattern that is not text (a token, an object) matches
 * nothing: the caller decides what an unknown pattern means.
 *
 * Before issue 14 four matchers disagreed on `?`: two read it as a literal
 * question mark, so a vault policy denying `backup:DeleteRecoveryPoin?` was
 * reported as not denying the deletion, and a backup selection of
 * `arn:aws:rds:eu-west-?:...` as selecting nothing. IAM reads it as one
 * character, and so does this.
 */
export function iamWildcardMatch(pattern: unknown, text: string): boolean {
  if (typeof pattern !== 'string') return false;
  let compiled = COMPILED.get(pattern);
  if (compiled === undefined) {
    const regex = pattern
      .split('')
      .map((c) => (c === '*' ? '[\\s\\S]*' : c === '?' ? '[\\s\\S]' : c.replace(/[.+^${}()|[\]\\/-]/g, '\\$&')))
      .join('');
    compiled = new RegExp(`^${regex}$`, 'i');
    // Patterns repeat across a template (the same actions and ARNs in every policy): compile each once.
    if (COMPILED.size >= 10_000) COMPILED.clear();
    COMPILED.set(pattern, compiled);
  }
  return compiled.test(text);
}

/** Compiled patterns of iamWildcardMatch (no `g` flag: `test` keeps no state between calls). */
const COMPILED = new Map<string, RegExp>();

/** The identity policy documents a resource holds, or undefined when it holds none by nature. */
export function identityPolicyDocuments(resource: ResolvedResource): any[] | undefined {
  switch (resource.type) {
    case 'AWS::IAM::Policy':
    case 'AWS::IAM::ManagedPolicy':
      return [resource.properties.PolicyDocument];
    case 'AWS::IAM::Role':
    case 'AWS::IAM::User':
    case 'AWS::IAM::Group':
      return asArray(resource.properties.Policies).map((p: any) => p?.PolicyDocument);
    default:
      return undefined;
  }
}

/** The `Allow` statements of identity policy documents. */
export function allowStatements(documents: readonly any[]): any[] {
  return documents.flatMap((d) => asArray(d?.Statement)).filter((s: any) => s?.Effect === 'Allow');
}

/** Whether an `Allow` statement grants the action (through `Action`, or a `NotAction` that leaves it out). */
export function grantsAction(statement: any, action: string): boolean {
  if (statement?.Action !== undefined) {
    return asArray(statement.Action).some((a) => iamWildcardMatch(a, action));
  }
  if (statement?.NotAction !== undefined) {
    return !asArray(statement.NotAction).some((a) => iamWildcardMatch(a, action));
  }
  return false;
}
/* eslint-enable @typescript-eslint/no-explicit-any */
