import { CfnResource, Stack, Token } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import type { GdprRule } from '../rule';
import { asArray, isTrue, resolved } from '../resolve';
import { allowStatements, grantsAction } from '../iam';
import { identityPolicies } from '../identity-policies';
import { conditionValues, otherAccounts } from './processor-trust-bounded';
import { DATABASE_ACCESS_ACTIONS } from './processor-no-database-access';

/* eslint-disable @typescript-eslint/no-explicit-any */

/** A principal that is an IAM identity (account, user, role, or anyone), not a service or a federation. */
function hasAwsPrincipal(statement: any): boolean {
  const principal = statement?.Principal;
  if (principal === '*') return true;
  return principal !== undefined && typeof principal === 'object' && principal.AWS !== undefined;
}

/** Whether any operator of the condition tests the key (IAM compares keys without regard to case). */
function testsKey(condition: any, key: string): boolean {
  if (!condition || typeof condition !== 'object') return false;
  return Object.values(condition).some((block) => block && typeof block === 'object' && Object.keys(block).some((k) => k.toLowerCase() === key.toLowerCase()));
}

/** Only `Bool` counts: `BoolIfExists` lets a session without the key (an access key) through. */
function requiresMfa(statement: any): boolean {
  const values = conditionValues(statement?.Condition, ['Bool'], 'aws:MultiFactorAuthPresent');
  return values.length > 0 && values.every(isTrue);
}

export const DatabaseRoleRequiresMfa: GdprRule = {
  id: 'Art32-DatabaseRoleRequiresMfa',
  article: 'Art. 32(1)(b), Art. 32(4)',
  level: NagMessageLevel.ERROR,
  info: 'An IAM role that can sign in to a database is trusted with an external id instead of multi-factor authentication.',
  explanation:
    'Art. 32(1)(b) and 32(4): a database login reaches the rows of personal data. An sts:ExternalId condition is a shared string written in a configuration, not a second factor: whoever holds the caller\'s access key and reads the id (same account, or another) signs in to the database. A role that may connect must be assumed with aws:MultiFactorAuthPresent, as the catalog roles of `AccessRoles` are; a processor receives extracts, never a login.',
  trigger:
    '`AWS::IAM::Role` whose trust policy has an `Allow` statement granting `sts:AssumeRole` to an `AWS` principal with an `sts:ExternalId` condition and without `Bool` `aws:MultiFactorAuthPresent` = `true`, and whose inline policies, or the `AWS::IAM::ManagedPolicy` and `AWS::IAM::Policy` of the stack attached to it, grant `rds-db:connect`, `rds-data:ExecuteStatement` or `rds-data:BatchExecuteStatement` (also through wildcards or a `NotAction`). Finding `ExternalIdWithoutMfa::<accounts>` (`own` for the stack\'s account).',
  fix: 'Trust the role with `Bool: { "aws:MultiFactorAuthPresent": "true" }` instead (a catalog role of `AccessRoles`), or remove the database permission (a processor gets its data through `ProcessorGrant` extracts).',
  check(node: CfnResource): NagRuleResult {
    const { type, properties } = resolved(node);
    if (type !== 'AWS::IAM::Role') return NagRuleCompliance.NOT_APPLICABLE;
    const account = Stack.of(node).account;
    const own = Token.isUnresolved(account) ? undefined : account;
    const withoutMfa = asArray(properties.AssumeRolePolicyDocument?.Statement).filter(
      (s: any) =>
        s?.Effect === 'Allow' && grantsAction(s, 'sts:AssumeRole') && hasAwsPrincipal(s) && testsKey(s.Condition, 'sts:ExternalId') && !requiresMfa(s),
    );
    if (withoutMfa.length === 0) return NagRuleCompliance.NOT_APPLICABLE;
    const statements = allowStatements(identityPolicies(node)?.documents ?? []);
    const connects = statements.some((s) => DATABASE_ACCESS_ACTIONS.some((action) => grantsAction(s, action)));
    if (!connects) return NagRuleCompliance.COMPLIANT;
    return [
      ...new Set(
        withoutMfa.map((s) => {
          const accounts = otherAccounts(s, own);
          return `ExternalIdWithoutMfa::${accounts.length === 0 ? 'own' : accounts.join(',')}`;
        }),
      ),
    ].sort();
  },
};
/* eslint-enable @typescript-eslint/no-explicit-any */
