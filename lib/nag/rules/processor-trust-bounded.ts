import { CfnResource, Stack, Token } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import type { GdprRule } from '../rule';
import { asArray, resolved } from '../resolve';
import { grantsAction } from '../iam';
import { cannotEvaluate, evaluability } from '../unknown';

/* eslint-disable @typescript-eslint/no-explicit-any */

const OWN_ACCOUNT = '<own account>';

/** A principal value as text: literal parts kept, `Ref: AWS::AccountId` as this account, other tokens as `<?>`. */
function principalText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const v = value as Record<string, any>;
    if (v.Ref === 'AWS::AccountId') return OWN_ACCOUNT;
    const join = v['Fn::Join'];
    if (Array.isArray(join) && typeof join[0] === 'string' && Array.isArray(join[1])) return join[1].map(principalText).join(join[0]);
    // Fn::Sub with only pseudo parameters: its literal account is read (a `${Param}` stays `<?>`).
    const sub = v['Fn::Sub'];
    if (typeof sub === 'string') {
      return sub.replace(/\$\{([^!}][^}]*)\}/g, (_m, name: string) =>
        name.trim() === 'AWS::AccountId' ? OWN_ACCOUNT : ['AWS::Partition', 'AWS::URLSuffix', 'AWS::Region'].includes(name.trim()) ? 'aws' : '<?>',
      );
    }
  }
  return '<?>';
}

/**
 * The accounts an `AWS` principal names that are not the stack's own: a
 * 12-digit account id, an `arn:...:iam::<account>:...` ARN, or `*`. A
 * reference to a resource of the stack (a role's ARN) is this account.
 */
export function otherAccounts(statement: any, ownAccount: string | undefined): string[] {
  const principal = statement?.Principal;
  const values = principal === '*' ? ['*'] : asArray(principal?.AWS);
  const found = new Set<string>();
  for (const value of values) {
    const text = principalText(value);
    if (text === '*') {
      found.add('*');
      continue;
    }
    const account = /^\d{12}$/.test(text) ? text : /:iam::(\d{12}|\*):/.exec(text)?.[1];
    if (account && account !== ownAccount) found.add(account);
  }
  return [...found].sort();
}

/** The value of a condition key under one of the operators, keys compared case-insensitively as IAM does. */
export function conditionValues(condition: any, operators: readonly string[], key: string): unknown[] {
  const values: unknown[] = [];
  for (const operator of operators) {
    const block = condition?.[operator];
    if (!block || typeof block !== 'object') continue;
    for (const [k, v] of Object.entries(block)) if (k.toLowerCase() === key.toLowerCase()) values.push(...asArray(v));
  }
  return values;
}

function requiresExternalId(statement: any): boolean {
  const ids = conditionValues(statement?.Condition, ['StringEquals'], 'sts:ExternalId');
  return ids.length > 0 && ids.every((id) => (typeof id === 'string' && id.length > 0 && !id.includes('*')) || (typeof id === 'object' && id !== null));
}

function expires(statement: any): boolean {
  const dates = conditionValues(statement?.Condition, ['DateLessThan', 'DateLessThanEquals'], 'aws:CurrentTime');
  return dates.length > 0 && dates.every((d) => (typeof d === 'string' && !Number.isNaN(Date.parse(d))) || (typeof d === 'object' && d !== null));
}

export const ProcessorTrustBounded: GdprRule = {
  id: 'Art28-ProcessorTrustBounded',
  article: 'Art. 28(1), Art. 28(3), Art. 32(1)(b)',
  level: NagMessageLevel.ERROR,
  info: 'An IAM role that another AWS account can assume does not require an external id, or has no expiry date.',
  explanation:
    'Art. 28: the controller answers for its processors, which act only on documented instructions and for the duration of their contract. A role trusted by another account is a processor\'s (or a partner\'s) access: an sts:ExternalId condition stops a third party from using the processor as a confused deputy, and a DateLessThan aws:CurrentTime condition ends the access on the day the contract does, whether or not someone remembers to remove the role.',
  trigger:
    '`AWS::IAM::Role` whose trust policy has an `Allow` statement granting `sts:AssumeRole` to an `AWS` principal of another account (a 12-digit account id or `arn:...:iam::<account>:...` other than the stack\'s, or `*`) without `StringEquals` `sts:ExternalId` (finding `ExternalId::<accounts>`), or without `DateLessThan` (or `DateLessThanEquals`) `aws:CurrentTime` set to a date (finding `Expiry::<accounts>`); a principal whose account cannot be evaluated offline (a parameter, an `Fn::Sub` or `Fn::Join` over one) is `CannotEvaluate::Principal`.',
  fix: 'Use `ProcessorGrant` (the `subcontractors` of the configuration), or add `StringEquals: { "sts:ExternalId": <agreed id> }` and `DateLessThan: { "aws:CurrentTime": "<contract end>T00:00:00Z" }` to the trust statement (`new iam.AccountPrincipal(id).withConditions(...)`).',
  check(node: CfnResource): NagRuleResult {
    const { type, properties } = resolved(node);
    if (type !== 'AWS::IAM::Role') return NagRuleCompliance.NOT_APPLICABLE;
    const account = Stack.of(node).account;
    const own = Token.isUnresolved(account) ? undefined : account;
    const findings = new Set<string>();
    let crossAccount = false;
    for (const statement of asArray(properties.AssumeRolePolicyDocument?.Statement) as any[]) {
      if (statement?.Effect !== 'Allow' || !grantsAction(statement, 'sts:AssumeRole')) continue;
      const accounts = otherAccounts(statement, own);
      // An account nothing offline can tell (a parameter, an Fn::Sub or Fn::Join over one, an unknown import)
      // may be any account: unknown is not compliant.
      const principal = statement?.Principal;
      const unknown = (principal === '*' ? [] : asArray(principal?.AWS)).some(
        (value) => principalText(value).includes('<?>') && evaluability(node, value) === 'unknown',
      );
      if (unknown) {
        crossAccount = true;
        findings.add(cannotEvaluate('Principal'));
      }
      if (accounts.length === 0) continue;
      crossAccount = true;
      if (!requiresExternalId(statement)) findings.add(`ExternalId::${accounts.join(',')}`);
      if (!expires(statement)) findings.add(`Expiry::${accounts.join(',')}`);
    }
    if (!crossAccount) return NagRuleCompliance.NOT_APPLICABLE;
    return findings.size === 0 ? NagRuleCompliance.COMPLIANT : [...findings].sort();
  },
};
/* eslint-enable @typescript-eslint/no-explicit-any */
