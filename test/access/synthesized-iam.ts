/**
 * Reads IAM policies out of a synthesized CloudFormation template and turns
 * them into the plain JSON policies an IAM simulator evaluates: every
 * intrinsic (Ref, Fn::GetAtt, Fn::Join, ...) is replaced by the value it would
 * have once deployed, with fixed fake values for what only AWS knows
 * (the cluster resource id, key ids, secret suffixes).
 */

type Template = { Resources: Record<string, { Type: string; Properties?: Record<string, any> }> };

export interface DeployedValues {
  readonly account: string;
  readonly region: string;
  readonly partition?: string;
  /** The DBClusterResourceId AWS assigns (`cluster-` and 26 characters in reality). */
  readonly clusterResourceId?: string;
}

export const FAKE_CLUSTER_RESOURCE_ID = 'cluster-ABCDEFGHIJKL';

export class SynthesizedIam {
  private readonly resources: Template['Resources'];
  private readonly partition: string;
  private readonly clusterResourceId: string;

  constructor(
    template: Template,
    private readonly values: DeployedValues,
  ) {
    this.resources = template.Resources;
    this.partition = values.partition ?? 'aws';
    this.clusterResourceId = values.clusterResourceId ?? FAKE_CLUSTER_RESOURCE_ID;
  }

  /** The value an intrinsic would take once deployed. Throws on what it cannot evaluate, so nothing is guessed. */
  materialize(value: any): any {
    if (Array.isArray(value)) return value.map((v) => this.materialize(v));
    if (value === null || typeof value !== 'object') return value;
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === 'Ref') return this.ref(value.Ref);
    if (keys.length === 1 && keys[0] === 'Fn::GetAtt') {
      const [id, attribute] = Array.isArray(value['Fn::GetAtt']) ? value['Fn::GetAtt'] : String(value['Fn::GetAtt']).split(/\.(.+)/);
      return this.getAtt(id, attribute);
    }
    if (keys.length === 1 && keys[0] === 'Fn::Join') {
      const [separator, parts] = value['Fn::Join'];
      return (this.materialize(parts) as unknown[]).join(separator);
    }
    if (keys.length === 1 && keys[0] === 'Fn::Select') {
      const [index, list] = value['Fn::Select'];
      return (this.materialize(list) as unknown[])[Number(this.materialize(index))];
    }
    if (keys.length === 1 && keys[0] === 'Fn::Split') {
      const [separator, text] = value['Fn::Split'];
      return String(this.materialize(text)).split(separator);
    }
    if (keys.length === 1 && keys[0].startsWith('Fn::')) {
      throw new Error(`cannot evaluate ${keys[0]} in a policy: ${JSON.stringify(value)}`);
    }
    return Object.fromEntries(keys.map((k) => [k, this.materialize(value[k])]));
  }

  /** The ARN a role has once deployed (named after its logical id: the template gives it no name). */
  roleArn(roleLogicalId: string): string {
    this.resource(roleLogicalId, 'AWS::IAM::Role');
    return `arn:${this.partition}:iam::${this.values.account}:role/${roleLogicalId}`;
  }

  /** The ARN of a session of the role, as the caller of a data action. */
  sessionArn(roleLogicalId: string, session = 'alice@example.org'): string {
    this.resource(roleLogicalId, 'AWS::IAM::Role');
    return `arn:${this.partition}:sts::${this.values.account}:assumed-role/${roleLogicalId}/${session}`;
  }

  /**
   * Every identity policy of a role, materialized: its inline policies, the
   * managed policies it lists, and the policies of the template that list it in
   * `Roles` (how the region guard and AccessRoles attach theirs).
   */
  identityPolicies(roleLogicalId: string): { name: string; policy: any }[] {
    const role = this.resource(roleLogicalId, 'AWS::IAM::Role');
    const policies: { name: string; policy: any }[] = [];
    for (const inline of role.Properties?.Policies ?? []) {
      policies.push({ name: `${roleLogicalId}/${inline.PolicyName}`, policy: this.materialize(inline.PolicyDocument) });
    }
    const attached = new Set<string>();
    for (const arn of role.Properties?.ManagedPolicyArns ?? []) {
      if (typeof arn === 'object' && typeof arn.Ref === 'string') attached.add(arn.Ref);
      else throw new Error(`${roleLogicalId} has a managed policy this template does not hold: ${JSON.stringify(arn)}`);
    }
    for (const [id, resource] of Object.entries(this.resources)) {
      if (resource.Type !== 'AWS::IAM::ManagedPolicy' && resource.Type !== 'AWS::IAM::Policy') continue;
      const listsRole = (resource.Properties?.Roles ?? []).some((r: any) => r?.Ref === roleLogicalId);
      if (listsRole || attached.has(id)) policies.push({ name: id, policy: this.materialize(resource.Properties?.PolicyDocument) });
    }
    return policies;
  }

  /** A role's trust policy, materialized. */
  trustPolicy(roleLogicalId: string): any {
    return this.materialize(this.resource(roleLogicalId, 'AWS::IAM::Role').Properties?.AssumeRolePolicyDocument);
  }

  /** A key's key policy, materialized. */
  keyPolicy(keyLogicalId: string): any {
    return this.materialize(this.resource(keyLogicalId, 'AWS::KMS::Key').Properties?.KeyPolicy);
  }

  private resource(logicalId: string, type: string) {
    const resource = this.resources[logicalId];
    if (!resource) throw new Error(`no resource ${logicalId} in the template`);
    if (resource.Type !== type) throw new Error(`${logicalId} is a ${resource.Type}, not a ${type}`);
    return resource;
  }

  private ref(id: string): string {
    const { account, region } = this.values;
    switch (id) {
      case 'AWS::Partition':
        return this.partition;
      case 'AWS::Region':
        return region;
      case 'AWS::AccountId':
        return account;
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
    }
    const resource = this.resources[id];
    if (!resource) throw new Error(`cannot evaluate Ref ${id}: not in the template`);
    switch (resource.Type) {
      case 'AWS::RDS::DBCluster':
        if (typeof resource.Properties?.DBClusterIdentifier !== 'string') throw new Error(`cluster ${id} has no fixed identifier`);
        return resource.Properties.DBClusterIdentifier;
      case 'AWS::RDS::DBInstance':
      case 'AWS::IAM::Role':
        return id.toLowerCase();
      case 'AWS::KMS::Key':
        return this.keyId(id);
      default:
        throw new Error(`cannot evaluate Ref ${id} (${resource.Type}) in a policy`);
    }
  }

  private getAtt(id: string, attribute: string): string {
    const { account, region } = this.values;
    const resource = this.resources[id];
    if (!resource) throw new Error(`cannot evaluate Fn::GetAtt ${id}.${attribute}: not in the template`);
    const key = `${resource.Type}.${attribute}`;
    switch (key) {
      case 'AWS::RDS::DBCluster.DBClusterResourceId':
        return this.clusterResourceId;
      case 'AWS::RDS::DBCluster.MasterUserSecret.SecretArn':
        return this.masterSecretArn(id);
      case 'AWS::KMS::Key.Arn':
        return `arn:${this.partition}:kms:${region}:${account}:key/${this.keyId(id)}`;
      case 'AWS::IAM::Role.Arn':
        return this.roleArn(id);
      case 'AWS::Logs::LogGroup.Arn':
        return `arn:${this.partition}:logs:${region}:${account}:log-group:${resource.Properties?.LogGroupName ?? id}:*`;
      default:
        throw new Error(`cannot evaluate Fn::GetAtt ${id}.${attribute} (${resource.Type}) in a policy`);
    }
  }

  /** The RDS-managed master secret's ARN (RDS names it `rds!cluster-<uuid>`, Secrets Manager adds 6 characters). */
  masterSecretArn(clusterLogicalId: string): string {
    this.resource(clusterLogicalId, 'AWS::RDS::DBCluster');
    return `arn:${this.partition}:secretsmanager:${this.values.region}:${this.values.account}:secret:rds!cluster-0a1b2c3d-4e5f-4a7b-8c9d-0e1f2a3b4c5d-AbCdEf`;
  }

  /** A stable UUID-shaped key id per key. */
  private keyId(logicalId: string): string {
    const hex = Buffer.from(logicalId).toString('hex').padEnd(32, '0').slice(0, 32);
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
  }
}
