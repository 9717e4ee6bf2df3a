/**
 * A synthetic CloudFormation template of `size` resources mixing the types the
 * GDPR rules look at (log groups, keys, buckets, roles, security groups,
 * databases), for measuring how `check` scales.
 */
export function syntheticTemplate(size: number): { Resources: Record<string, unknown> } {
  const resources: Record<string, unknown> = {};
  const kinds = [
    (i: number) => ({ Type: 'AWS::Logs::LogGroup', Properties: { RetentionInDays: 30, KmsKeyId: { 'Fn::GetAtt': [`Key${i - (i % 6)}`, 'Arn'] } } }),
    () => ({ Type: 'AWS::KMS::Key', DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain', Properties: { EnableKeyRotation: true } }),
    () => ({ Type: 'AWS::S3::Bucket', Properties: { BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] } } }),
    () => ({
      Type: 'AWS::IAM::Role',
      Properties: {
        AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] },
      },
    }),
    () => ({
      Type: 'AWS::EC2::SecurityGroup',
      Properties: { GroupDescription: 'synthetic', SecurityGroupIngress: [{ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, CidrIp: '10.0.0.0/8' }] },
    }),
    () => ({ Type: 'AWS::SQS::Queue', Properties: { KmsMasterKeyId: 'alias/aws/sqs' } }),
  ];
  for (let i = 0; i < size; i++) {
    const kind = kinds[i % kinds.length](i);
    const id = (kind as { Type: string }).Type === 'AWS::KMS::Key' ? `Key${i - 1}` : `Resource${i}`;
    resources[id] = kind;
  }
  return { Resources: resources };
}
