import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import type { GdprRule } from '../rule';
import { asArray, resolved } from '../resolve';
import { allowStatements, iamWildcardMatch, identityPolicyDocuments } from '../iam';

/* eslint-disable @typescript-eslint/no-explicit-any */

/** The actions that reveal personal data: sign in to the database, decrypt its key, read its secrets. */
export const DATA_ACCESS_ACTIONS = ['rds-db:connect', 'kms:Decrypt', 'secretsmanager:GetSecretValue'] as const;

/** The data actions an `Allow` statement grants, each named as the statement writes it. */
function grantedDataActions(statement: any): string[] {
  if (statement?.Action !== undefined) {
    return asArray(statement.Action).filter(
      (a): a is string => typeof a === 'string' && DATA_ACCESS_ACTIONS.some((data) => iamWildcardMatch(a, data)),
    );
  }
  if (statement?.NotAction !== undefined) {
    const excluded = asArray(statement.NotAction).filter((a): a is string => typeof a === 'string');
    return DATA_ACCESS_ACTIONS.filter((data) => !excluded.some((a) => iamWildcardMatch(a, data)));
  }
  return [];
}

/** `Resource: *` (alone or in a list), or a `NotResource`, which grants on every other resource. */
function onEveryResource(statement: any): boolean {
  return statement?.NotResource !== undefined || asArray(statement?.Resource).includes('*');
}

export const NoWildcardDataAccess: GdprRule = {
  id: 'Art32-NoWildcardDataAccess',
  article: 'Art. 25(2), Art. 32(1)(b)',
  level: NagMessageLevel.ERROR,
  info: 'An identity policy grants a data-access action (database login, key decryption, secret read) on every resource.',
  explanation:
    'Art. 25(2): by default, personal data must not be accessible to more people than the purpose needs. rds-db:connect, kms:Decrypt and secretsmanager:GetSecretValue on Resource "*" reach the contact database, its key and its master secret, and every future one, whatever the role catalog says; a condition does not make the grant reviewable against the catalog.',
  trigger:
    '`AWS::IAM::Policy`, `AWS::IAM::ManagedPolicy` and the inline policies of `AWS::IAM::Role`, `User` and `Group` with an `Allow` statement on `Resource: *` (or with `NotResource`) whose actions match `rds-db:connect`, `kms:Decrypt` or `secretsmanager:GetSecretValue` (`kms:*`, `secretsmanager:*`, `*`, `kms:Decrypt*` included, or a `NotAction` that leaves one of them out). One finding per action, `Action::<action>`.',
  fix: 'Name the resources: the database user ARN for rds-db:connect, the key ARN for kms:Decrypt, the secret ARN for secretsmanager:GetSecretValue (`grantDecrypt`, `grantRead` and `AccessRoles` do).',
  check(node: CfnResource): NagRuleResult {
    const documents = identityPolicyDocuments(resolved(node));
    if (documents === undefined) return NagRuleCompliance.NOT_APPLICABLE;
    const findings = new Set<string>();
    for (const statement of allowStatements(documents)) {
      if (!onEveryResource(statement)) continue;
      for (const action of grantedDataActions(statement)) findings.add(`Action::${action}`);
    }
    return findings.size === 0 ? NagRuleCompliance.COMPLIANT : [...findings].sort();
  },
};
/* eslint-enable @typescript-eslint/no-explicit-any */
