// Attacks on the grants the constructs hand out: grantConnect must sign in as exactly one database
// user (no wildcard, no second user smuggled into the ARN), and a grant to an InVpcFunction must land
// in its reviewed customer-managed policy, never in an inline policy beside it.
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { ContactDatabase, CONTACT_DATABASE_PORT, type IContactDatabase } from '../../lib/database/contact-database';
import { InVpcFunction } from '../../lib/network/in-vpc-function';

function logicalId(c: { node: { defaultChild?: unknown } }): string {
  return stack.getLogicalId(c.node.defaultChild as never);
}

let stack: Stack;
let database: IContactDatabase;
let fn: InVpcFunction;
let human: iam.Role;
let template: Template;
let resources: Record<string, any>;

beforeAll(() => {
  stack = new Stack(new App(), 'Grants', { env: { account: '111122223333', region: 'eu-west-3' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', {
    availabilityZones: ['eu-west-3a', 'eu-west-3b'],
    natGateways: 0,
    subnetConfiguration: [{ name: 'Isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
  });
  const logsKey = new kms.Key(stack, 'LogsKey');
  database = new ContactDatabase(stack, 'Db', { vpc, subnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED }, logsKey });
  fn = new InVpcFunction(stack, 'Fn', {
    vpc,
    subnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    code: lambda.Code.fromInline('exports.handler = async () => {}'),
    handler: 'index.handler',
    description: 'A function of the user',
    logsKey,
    // A VPC of the user's own: the function's HTTPS egress is named (endpoints' group, S3 prefix list of eu-west-3).
    egress: { endpointSecurityGroup: new ec2.SecurityGroup(stack, 'Endpoints', { vpc }), s3PrefixListId: 'pl-23ad484a' },
  });
  human = new iam.Role(stack, 'Human', { assumedBy: new iam.AccountRootPrincipal() });
  database.grantConnect(fn, 'reporting');
  database.grantConnect(human, 'marketing');
  new s3.Bucket(stack, 'Reports').grantRead(fn);
  database.allowConnectionsFrom(fn, 'PostgreSQL from the function');
  template = Template.fromStack(stack);
  resources = template.toJSON().Resources;
});

/** The statements of a policy resource granting an action. */
function statementsWith(action: string): { policy: string; type: string; statement: any }[] {
  return Object.entries(resources).flatMap(([policy, r]) =>
    ['AWS::IAM::ManagedPolicy', 'AWS::IAM::Policy'].includes(r.Type)
      ? (r.Properties.PolicyDocument.Statement as any[])
          .filter((s) => [s.Action].flat().includes(action))
          .map((statement) => ({ policy, type: r.Type as string, statement }))
      : [],
  );
}

describe('grantConnect', () => {
  test.each(['*', 'market*', 'a?', 'marketing/*', 'marketing/../sales', 'Marketing', '', 'x'.repeat(64)])('refuses %j: one PostgreSQL user, no wildcard', (user) => {
    expect(() => database.grantConnect(human, user)).toThrow(/database user must be one PostgreSQL user name .*got/);
    expect(() => database.databaseUserArn(user)).toThrow(/no wildcard/);
  });

  test('grants rds-db:connect on exactly the named user of this cluster, nothing else', () => {
    const grants = statementsWith('rds-db:connect');
    expect(grants).toHaveLength(2);
    const resourcesOf = grants.map((g) => JSON.stringify(g.statement.Resource));
    expect(resourcesOf.filter((r) => r.endsWith('/reporting"]]}'))).toHaveLength(1);
    expect(resourcesOf.filter((r) => r.endsWith('/marketing"]]}'))).toHaveLength(1);
    for (const g of grants) {
      expect(g.statement.Effect).toBe('Allow');
      expect([g.statement.Action].flat()).toEqual(['rds-db:connect']);
      expect(JSON.stringify(g.statement.Resource)).toContain(`"${logicalId((database as ContactDatabase).cluster)}","DBClusterResourceId"`);
      expect(JSON.stringify(g.statement.Resource)).not.toMatch(/\*/);
    }
  });
});

describe('InVpcFunction as a grantee (IGrantable) and a peer (IConnectable)', () => {
  test("grants to the function land in its customer-managed policy", () => {
    const policy = logicalId(fn.policy);
    expect(statementsWith('rds-db:connect').find((g) => JSON.stringify(g.statement.Resource).includes('/reporting'))?.policy).toBe(policy);
    expect(statementsWith('s3:GetObject*').map((g) => g.policy)).toEqual([policy]);
  });

  test('no inline policy is attached to the function role', () => {
    const inline = Object.values(resources).filter((r: any) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles).includes(logicalId(fn.role)));
    expect(inline).toEqual([]);
    expect(resources[logicalId(fn.role)].Properties.Policies).toBeUndefined();
  });

  test('the database admits the function on the PostgreSQL port only', () => {
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: { 'Fn::GetAtt': [logicalId((database as ContactDatabase).securityGroup), 'GroupId'] },
      SourceSecurityGroupId: { 'Fn::GetAtt': [logicalId(fn.securityGroup), 'GroupId'] },
      FromPort: CONTACT_DATABASE_PORT,
      ToPort: CONTACT_DATABASE_PORT,
      IpProtocol: 'tcp',
    });
    const fromFn = Object.values(resources).filter(
      (r: any) => r.Type === 'AWS::EC2::SecurityGroupIngress' && JSON.stringify(r.Properties.SourceSecurityGroupId ?? '').includes(logicalId(fn.securityGroup)),
    );
    expect(fromFn.map((r: any) => [r.Properties.FromPort, r.Properties.ToPort])).toEqual([[CONTACT_DATABASE_PORT, CONTACT_DATABASE_PORT]]);
  });
});
