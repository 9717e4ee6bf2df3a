/**
 * Who may be trusted to assume a catalog role: an IAM role or user of the
 * stack's own account, named exactly, or the IAM Identity Center roles of one
 * permission set (`.../AWSReservedSSO_<PermissionSet>_*`: Identity Center adds
 * a random suffix to the role it creates for a permission set, so that suffix
 * is the only wildcard allowed: `_*`, or `_` and sixteen `?`, which also
 * refuses a permission set whose own name extends this one's with `_...`). Compared with `aws:PrincipalArn`, which for
 * an assumed-role session is the role's ARN, never the session's.
 */

const PARTITION = 'aws(?:-[a-z]+)*';
const NAME = '[\\w+=,.@-]+';
const PATH = `(?:${NAME}/)*`;
const EXACT = new RegExp(`^arn:${PARTITION}:iam::(\\d{12}):(?:role|user)/${PATH}${NAME}$`);
const PERMISSION_SET = new RegExp(
  `^arn:${PARTITION}:iam::(\\d{12}):role/aws-reserved/sso\\.amazonaws\\.com/(?:[a-z]{2}(?:-[a-z]+)+-\\d/)?AWSReservedSSO_[A-Za-z0-9][\\w+=,.@-]*_(?:\\*|\\?{16})$`,
);

export const PRINCIPAL_ARN_EXAMPLE =
  'arn:aws:iam::<account>:role/<name>, arn:aws:iam::<account>:user/<name>, or arn:aws:iam::<account>:role/aws-reserved/sso.amazonaws.com/<region>/AWSReservedSSO_<PermissionSet>_*';

/** What is wrong with a trusted principal ARN for a role of `account`, or undefined when it is acceptable. */
export function principalArnProblem(arn: string, account: string | undefined): string | undefined {
  const match = EXACT.exec(arn) ?? PERMISSION_SET.exec(arn);
  if (!match) {
    if (/^arn:[^:]+:sts::/.test(arn)) {
      return `an assumed-role session ARN never matches aws:PrincipalArn (it is the role's ARN); name the role instead: ${PRINCIPAL_ARN_EXAMPLE}`;
    }
    return `must be an IAM role or user, named exactly, or the Identity Center roles of one permission set (the only wildcard is the trailing _* of AWSReservedSSO_<PermissionSet>_*): ${PRINCIPAL_ARN_EXAMPLE}`;
  }
  if (account !== undefined && /^\d{12}$/.test(account) && match[1] !== account) {
    return `must be a principal of the stack's account ${account}, not ${match[1]} (another account's people never assume a catalog role)`;
  }
  return undefined;
}

/**
 * Whether an ARN (or `aws:PrincipalArn` pattern) names the IAM Identity Center roles of one permission set,
 * `.../aws-reserved/sso.amazonaws.com/[<region>/]AWSReservedSSO_<PermissionSet>_*` (or `_` and sixteen `?`):
 * roles under the reserved path, which only Identity Center creates, whose sessions carry no
 * aws:MultiFactorAuthPresent (MFA is enforced at the Identity Center sign-in).
 */
export function isPermissionSetPattern(arn: string): boolean {
  return PERMISSION_SET.test(arn);
}
