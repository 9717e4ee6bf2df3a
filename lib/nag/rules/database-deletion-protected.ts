import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import type { GdprRule } from '../rule';
import { isDatabase, isTrue, resolved } from '../resolve';
import { decide } from '../unknown';

export const DatabaseDeletionProtected: GdprRule = {
  id: 'Art5-DatabaseDeletionProtected',
  article: 'Art. 5(1)(f), Art. 32(1)(c)',
  level: NagMessageLevel.ERROR,
  info: 'The database does not have deletion protection.',
  explanation:
    'Art. 5(1)(f) requires protection against accidental loss or destruction; art. 32(1)(c) the ability to restore availability. Deletion protection stops a console click, a script or a stack update from deleting the single source of truth.',
  trigger: '`AWS::RDS::DBCluster`, and `AWS::RDS::DBInstance` outside a cluster, without `DeletionProtection: true` (`CannotEvaluate::DeletionProtection` when it is a parameter or an `Fn::If` with another branch).',
  fix: 'Set `deletionProtection: true` on the cluster.',
  check(node: CfnResource): NagRuleResult {
    const db = resolved(node);
    if (!isDatabase(db)) return NagRuleCompliance.NOT_APPLICABLE;
    const { properties } = db;
    // A parameter or an Fn::If with a false branch is CannotEvaluate::DeletionProtection, never a pass.
    return decide(node, properties, ['DeletionProtection'], (p) => isTrue(p.DeletionProtection));
  },
};
