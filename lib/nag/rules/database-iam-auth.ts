import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import type { GdprRule } from '../rule';
import { isDatabase, isTrue, resolved } from '../resolve';
import { decide } from '../unknown';

export const DatabaseIamAuth: GdprRule = {
  id: 'Art32-DatabaseIamAuth',
  article: 'Art. 32(1)(b), Art. 32(4)',
  level: NagMessageLevel.ERROR,
  info: 'The database does not enable IAM database authentication.',
  explanation:
    'Art. 32(4) requires that anyone with access to personal data processes it only on instructions. IAM authentication ties every database login to an IAM role with MFA and short-lived tokens, so access follows the role catalog and is revoked with the role, instead of shared long-lived passwords.',
  trigger: '`AWS::RDS::DBCluster`, and `AWS::RDS::DBInstance` outside a cluster, without `EnableIAMDatabaseAuthentication: true` (`CannotEvaluate::EnableIAMDatabaseAuthentication` when it is a parameter or an `Fn::If` with another branch).',
  fix: 'Set `iamAuthentication: true` on the cluster.',
  check(node: CfnResource): NagRuleResult {
    const db = resolved(node);
    if (!isDatabase(db)) return NagRuleCompliance.NOT_APPLICABLE;
    const { properties } = db;
    // A parameter or an Fn::If with a false branch is CannotEvaluate::EnableIAMDatabaseAuthentication, never a pass.
    return decide(node, properties, ['EnableIAMDatabaseAuthentication'], (p) => isTrue(p.EnableIAMDatabaseAuthentication));
  },
};
