// Custom resource handler: strips every rule from a VPC's default security group.
// Runs inside the VPC and reaches EC2 and S3 (for the CloudFormation response)
// through the VPC endpoints. Kept under 4 KB: it is inlined into the template.
const { EC2Client, RevokeSecurityGroupIngressCommand, RevokeSecurityGroupEgressCommand } = require('@aws-sdk/client-ec2');
const https = require('https');

async function revoke(send, what) {
  try {
    await send(what);
  } catch (err) {
    if (err.name !== 'InvalidPermission.NotFound') throw err;
  }
}

function respond(event, status, reason, physicalId) {
  const body = JSON.stringify({
    Status: status,
    Reason: reason,
    PhysicalResourceId: physicalId,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
  });
  return new Promise((resolve, reject) => {
    const req = https.request(event.ResponseURL, {
      method: 'PUT',
      headers: { 'content-type': '', 'content-length': Buffer.byteLength(body) },
    }, (res) => { res.resume(); res.on('end', resolve); });
    req.on('error', reject);
    req.end(body);
  });
}

exports.handler = async (event) => {
  const { GroupId, AccountId } = event.ResourceProperties;
  let status = 'SUCCESS';
  let reason = 'default security group closed';
  try {
    if (event.RequestType !== 'Delete') {
      const ec2 = new EC2Client({});
      const send = (command) => ec2.send(command);
      await revoke(send, new RevokeSecurityGroupIngressCommand({
        GroupId,
        IpPermissions: [{ IpProtocol: '-1', UserIdGroupPairs: [{ GroupId, UserId: AccountId }] }],
      }));
      await revoke(send, new RevokeSecurityGroupEgressCommand({
        GroupId,
        IpPermissions: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
      }));
    }
  } catch (err) {
    status = 'FAILED';
    reason = `${err.name}: ${err.message}`;
  }
  await respond(event, status, reason, `${GroupId}-closed`);
};
