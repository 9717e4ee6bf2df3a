import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import type { GdprRule } from '../rule';
import { isDatabase, referencedResource, resolved } from '../resolve';

const ON = ['1', 1, true, 'ON', 'on', 'true'];

export const DatabaseTlsForced: GdprRule = {
  id: 'Art32-DatabaseTlsForced',
  article: 'Art. 32(1)(a)',
  level: NagMessageLevel.ERROR,
  info: 'The database accepts connections without TLS: its parameter group does not force SSL.',
  explanation:
    'Art. 32(1)(a): personal data must be encrypted in transit as well as at rest. Only a parameter that the server enforces (rds.force_ssl for PostgreSQL, require_secure_transport for MySQL) guarantees that no client sends contact data in clear.',
  trigger:
    '`AWS::RDS::DBCluster` (and `AWS::RDS::DBInstance` outside a cluster) whose parameter group is not in the stack or does not set `rds.force_ssl` (PostgreSQL) or `require_secure_transport` (MySQL) to 1/ON.',
  fix: "Give the cluster a parameter group with `'rds.force_ssl': '1'`.",
  check(node: CfnResource): NagRuleResult {
    const db = resolved(node);
    if (!isDatabase(db)) return NagRuleCompliance.NOT_APPLICABLE;
    const { type, properties } = db;
    const group = referencedResource(node, type === 'AWS::RDS::DBCluster' ? properties.DBClusterParameterGroupName : properties.DBParameterGroupName);
    const parameters = (group?.properties.Parameters ?? {}) as Record<string, unknown>;
    const forced = ON.includes(parameters['rds.force_ssl'] as never) || ON.includes(parameters.require_secure_transport as never);
    return forced ? NagRuleCompliance.COMPLIANT : NagRuleCompliance.NON_COMPLIANT;
  },
};
