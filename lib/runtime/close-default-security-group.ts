// Custom resource handler: strips every rule from a VPC's default security
// group. Runs inside the VPC and reaches EC2 through its interface endpoint.
import { EC2Client, RevokeSecurityGroupEgressCommand, RevokeSecurityGroupIngressCommand } from '@aws-sdk/client-ec2';
import { CustomResourceEvent, runCustomResource } from './cfn-response';

async function ignoreMissing(call: Promise<unknown>): Promise<void> {
  try {
    await call;
  } catch (err) {
    if ((err as { name?: string }).name !== 'InvalidPermission.NotFound') throw err;
  }
}

export async function handler(event: CustomResourceEvent): Promise<void> {
  await runCustomResource(event, async ({ RequestType, ResourceProperties }) => {
    const { GroupId, AccountId } = ResourceProperties;
    if (RequestType !== 'Delete') {
      const ec2 = new EC2Client({});
      await ignoreMissing(
        ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId, IpPermissions: [{ IpProtocol: '-1', UserIdGroupPairs: [{ GroupId, UserId: AccountId }] }] })),
      );
      await ignoreMissing(ec2.send(new RevokeSecurityGroupEgressCommand({ GroupId, IpPermissions: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] })));
    }
    return { physicalResourceId: `${GroupId}-closed` };
  });
}
