/* eslint-disable @typescript-eslint/no-explicit-any */
const ref = (id: string) => ({ Ref: id });
const arn = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });

/**
 * One cell of the synthetic template: a database in its own subnet, with the
 * resources around it that the GDPR rules read across (key and key policy,
 * subnet group, route table and route, security group, bucket and bucket
 * policy, an in-VPC function, a VPC endpoint, a role and its policy, a log
 * group, a queue). Rules that look from one resource at others (a database's
 * subnets and their routes, a bucket's policy, a function's VPC) meet as many
 * of those as of the resources they start from, so a rule that scans the
 * whole template once per resource shows up as quadratic time.
 */
function cell(i: number): Record<string, any> {
  const p = (name: string) => `${name}${i}`;
  return {
    [p('Key')]: {
      Type: 'AWS::KMS::Key',
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        EnableKeyRotation: true,
        KeyPolicy: {
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'kms:*', Resource: '*' },
            { Effect: 'Allow', Principal: { AWS: '*' }, Action: ['kms:Decrypt'], Resource: '*', Condition: { StringEquals: { 'kms:CallerAccount': '111122223333', 'kms:ViaService': 'rds.eu-west-3.amazonaws.com' } } },
          ],
        },
      },
    },
    [p('Subnet')]: { Type: 'AWS::EC2::Subnet', Properties: { VpcId: ref('Vpc'), CidrBlock: `10.${Math.floor(i / 250) % 250}.${i % 250}.0/24`, AvailabilityZone: 'eu-west-3a' } },
    [p('RouteTable')]: { Type: 'AWS::EC2::RouteTable', Properties: { VpcId: ref('Vpc') } },
    [p('Association')]: { Type: 'AWS::EC2::SubnetRouteTableAssociation', Properties: { SubnetId: ref(p('Subnet')), RouteTableId: ref(p('RouteTable')) } },
    [p('Route')]: { Type: 'AWS::EC2::Route', Properties: { RouteTableId: ref(p('RouteTable')), DestinationCidrBlock: '10.200.0.0/16', TransitGatewayId: 'tgw-0123456789abcdef0' } },
    [p('SubnetGroup')]: { Type: 'AWS::RDS::DBSubnetGroup', Properties: { DBSubnetGroupDescription: 'synthetic', SubnetIds: [ref(p('Subnet'))] } },
    [p('SecurityGroup')]: {
      Type: 'AWS::EC2::SecurityGroup',
      Properties: { GroupDescription: 'synthetic', VpcId: ref('Vpc'), SecurityGroupIngress: [{ IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, CidrIp: '10.0.0.0/8' }] },
    },
    [p('Database')]: {
      Type: 'AWS::RDS::DBCluster',
      DeletionPolicy: 'Snapshot',
      UpdateReplacePolicy: 'Snapshot',
      Properties: {
        Engine: 'aurora-postgresql',
        StorageEncrypted: true,
        KmsKeyId: arn(p('Key')),
        DBSubnetGroupName: ref(p('SubnetGroup')),
        VpcSecurityGroupIds: [{ 'Fn::GetAtt': [p('SecurityGroup'), 'GroupId'] }],
        EnableIAMDatabaseAuthentication: true,
        DeletionProtection: true,
      },
    },
    [p('Bucket')]: { Type: 'AWS::S3::Bucket', Properties: { BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] } } },
    [p('BucketPolicy')]: {
      Type: 'AWS::S3::BucketPolicy',
      Properties: {
        Bucket: ref(p('Bucket')),
        PolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: { 'Fn::Join': ['', [arn(p('Bucket')), '/*']] } }] },
      },
    },
    [p('Role')]: {
      Type: 'AWS::IAM::Role',
      Properties: {
        AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] },
        Policies: [{ PolicyName: 'data', PolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:GetObject', 'rds:CopyDBClusterSnapshot'], Resource: 'arn:aws:s3:::*' }] } }],
      },
    },
    [p('Function')]: {
      Type: 'AWS::Lambda::Function',
      Properties: {
        Role: arn(p('Role')),
        Runtime: 'nodejs20.x',
        Handler: 'index.handler',
        Code: { ZipFile: 'exports.handler = async () => undefined;' },
        VpcConfig: { SubnetIds: [ref(p('Subnet'))], SecurityGroupIds: [{ 'Fn::GetAtt': [p('SecurityGroup'), 'GroupId'] }] },
      },
    },
    [p('Endpoint')]: { Type: 'AWS::EC2::VPCEndpoint', Properties: { VpcId: ref('Vpc'), ServiceName: 'com.amazonaws.eu-west-3.s3', VpcEndpointType: 'Gateway', RouteTableIds: [ref(p('RouteTable'))] } },
    [p('Logs')]: { Type: 'AWS::Logs::LogGroup', Properties: { RetentionInDays: 30, KmsKeyId: arn(p('Key')) } },
    [p('Queue')]: { Type: 'AWS::SQS::Queue', Properties: { KmsMasterKeyId: 'alias/aws/sqs' } },
  };
}

/**
 * A synthetic CloudFormation template of `size` resources (to within one
 * cell), built of cells that mix the types the GDPR rules look at and the
 * references between them, for measuring how `check` scales (`npm run bench`).
 * It carries findings on purpose: a rule does its full work on a failing
 * resource.
 */
export function syntheticTemplate(size: number): { Resources: Record<string, unknown> } {
  const resources: Record<string, unknown> = { Vpc: { Type: 'AWS::EC2::VPC', Properties: { CidrBlock: '10.0.0.0/8' } } };
  const cellSize = Object.keys(cell(0)).length;
  for (let i = 0; Object.keys(resources).length + cellSize <= Math.max(size, cellSize + 1); i++) Object.assign(resources, cell(i));
  return { Resources: resources };
}
