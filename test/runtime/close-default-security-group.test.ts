import { createCloseDefaultSecurityGroupHandler } from '../../lib/runtime/close-default-security-group';
import { httpSender, ResponseServer, startResponseServer } from './response-server';

const REGION = 'eu-west-3';
const STACK_ID = 'arn:aws:cloudformation:eu-west-3:111122223333:stack/GdprContactBaseline/1f2e3d4c-0000-1111-2222-333344445555';
const CFN_URL = 'https://cloudformation-custom-resource-response-euwest3.s3.eu-west-3.amazonaws.com/key?X-Amz-Signature=abc';
const GROUP = 'sg-0123456789abcdef0';

let server: ResponseServer;
let calls: { name: string; input: any }[];
let failWith: Error | undefined;
const ec2 = {
  send: async (command: any) => {
    calls.push({ name: command.constructor.name, input: command.input });
    if (failWith) throw failWith;
    return {};
  },
};
const handler = () =>
  createCloseDefaultSecurityGroupHandler({
    expected: { stackId: STACK_ID, logicalResourceId: 'NetworkDefaultSecurityGroupClosed1234', region: REGION },
    groupId: GROUP,
    accountId: '111122223333',
    ec2: ec2 as never,
    send: httpSender(server.url),
    log: () => undefined,
  });
const event = (overrides: Record<string, unknown> = {}, properties: Record<string, unknown> = {}) => ({
  RequestType: 'Create',
  ResponseURL: CFN_URL,
  StackId: STACK_ID,
  RequestId: '8c1d0e2f-1111-2222-3333-444455556666',
  LogicalResourceId: 'NetworkDefaultSecurityGroupClosed1234',
  ResourceProperties: { ServiceToken: 'arn:aws:lambda:eu-west-3:111122223333:function:closer', GroupId: GROUP, AccountId: '111122223333', ...properties },
  ...overrides,
});

beforeAll(async () => {
  server = await startResponseServer();
});
afterAll(() => server?.close());
beforeEach(() => {
  calls = [];
  failWith = undefined;
  server.requests.length = 0;
});
const bodies = () => server.requests.map((r) => JSON.parse(r.body));

describe('the default security group closer acts only for CloudFormation, on its own group', () => {
  test('a genuine event revokes the default rules of the group named in its environment', async () => {
    await handler()(event());
    expect(calls.map((c) => [c.name, c.input.GroupId])).toEqual([
      ['RevokeSecurityGroupIngressCommand', GROUP],
      ['RevokeSecurityGroupEgressCommand', GROUP],
    ]);
    expect(bodies()).toEqual([expect.objectContaining({ Status: 'SUCCESS', PhysicalResourceId: `${GROUP}-closed` })]);
  });

  test('a forged invocation (another response URL or stack) calls nothing and answers nobody', async () => {
    await handler()(event({ ResponseURL: server.url }));
    await handler()(event({ StackId: STACK_ID.replace('111122223333', '999999999999') }));
    expect(calls).toEqual([]);
    expect(server.requests).toEqual([]);
  });

  test('an event naming another group changes nothing and fails', async () => {
    await handler()(event({}, { GroupId: 'sg-0fedcba9876543210' }));
    expect(calls).toEqual([]);
    expect(bodies()).toEqual([expect.objectContaining({ Status: 'FAILED', Reason: expect.stringMatching(/another group .*nothing was done/) })]);
  });

  test('a service error is reported by its name, not its message', async () => {
    failWith = Object.assign(new Error('You are not authorized to perform this operation. Encoded authorization failure message: secret-detail'), { name: 'UnauthorizedOperation' });
    await handler()(event());
    expect(bodies()).toEqual([expect.objectContaining({ Status: 'FAILED', Reason: 'the function failed (UnauthorizedOperation)' })]);
    expect(JSON.stringify(bodies())).not.toMatch(/secret-detail|not authorized/);
  });
});
