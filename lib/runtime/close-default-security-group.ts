// Custom resource handler: strips every rule from a VPC's default security
// group. Runs inside the VPC and reaches EC2 through its interface endpoint.
// Like every custom resource handler of the kit, it acts only on
// CloudFormation's request for its own resource (see cfn-response), on the
// group its template names in its environment, and reports no service message.
import { EC2Client, RevokeSecurityGroupEgressCommand, RevokeSecurityGroupIngressCommand } from '@aws-sdk/client-ec2';
import { CustomResourceEvent, CustomResourceOptions, expectedFromEnvironment, ReportableError, runCustomResource } from './cfn-response';

async function ignoreMissing(call: Promise<unknown>): Promise<void> {
  try {
    await call;
  } catch (err) {
    if ((err as { name?: string }).name !== 'InvalidPermission.NotFound') throw err;
  }
}

export interface CloseDefaultSecurityGroupOptions extends Omit<CustomResourceOptions, 'describeFailure'> {
  /** The default security group the template names, and its account. */
  readonly groupId: string;
  readonly accountId: string;
  /** @default a client of the function's region */
  readonly ec2?: Pick<EC2Client, 'send'>;
}

export function createCloseDefaultSecurityGroupHandler(options: CloseDefaultSecurityGroupOptions) {
  return (event: unknown) =>
    runCustomResource(event, options, async ({ RequestType, ResourceProperties }: CustomResourceEvent) => {
      const { groupId: GroupId, accountId: AccountId } = options;
      if (RequestType !== 'Delete') {
        if (!/^sg-[0-9a-f]{8,17}$/.test(GroupId) || ResourceProperties.GroupId !== GroupId || ResourceProperties.AccountId !== AccountId) {
          throw new ReportableError('the request names another group than the one this function closes: nothing was done');
        }
        const ec2 = options.ec2 ?? new EC2Client({});
        await ignoreMissing(
          ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId, IpPermissions: [{ IpProtocol: '-1', UserIdGroupPairs: [{ GroupId, UserId: AccountId }] }] })),
        );
        await ignoreMissing(ec2.send(new RevokeSecurityGroupEgressCommand({ GroupId, IpPermissions: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] })));
      }
      return { physicalResourceId: `${GroupId}-closed` };
    });
}

export const handler = (event: unknown) =>
  createCloseDefaultSecurityGroupHandler({
    expected: expectedFromEnvironment(),
    groupId: process.env.GROUP_ID ?? '',
    accountId: process.env.ACCOUNT_ID ?? '',
  })(event);
