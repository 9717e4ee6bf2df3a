import { checkEvent, CustomResourceEvent, isCloudFormationResponseUrl, putResponse, ReportableError, runCustomResource } from '../../lib/runtime/cfn-response';
import { captureConsole, httpSender } from './response-server';

const REGION = 'eu-west-3';
const STACK_ID = 'arn:aws:cloudformation:eu-west-3:111122223333:stack/GdprContactBaseline/1f2e3d4c-0000-1111-2222-333344445555';
const KEY = 'arn%3Aaws%3Acloudformation%3Aeu-west-3%3A111122223333%3Astack/GdprContactBaseline/1f2e%7CSchema42171392%7C8c1d?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=abc';
const expected = { stackId: STACK_ID, logicalResourceId: 'Schema42171392', region: REGION };

describe("CloudFormation's response URL of the function's region, and nothing else", () => {
  test.each([
    // The forms CloudFormation sends (regional virtual-hosted, legacy dash-region, global endpoint) and their path-style equivalents.
    `https://cloudformation-custom-resource-response-euwest3.s3.eu-west-3.amazonaws.com/${KEY}`,
    `https://cloudformation-custom-resource-response-euwest3.s3-eu-west-3.amazonaws.com/${KEY}`,
    `https://cloudformation-custom-resource-response-euwest3.s3.amazonaws.com/${KEY}`,
    `https://s3.eu-west-3.amazonaws.com/cloudformation-custom-resource-response-euwest3/${KEY}`,
    `https://s3-eu-west-3.amazonaws.com/cloudformation-custom-resource-response-euwest3/${KEY}`,
    `https://s3.amazonaws.com/cloudformation-custom-resource-response-euwest3/${KEY}`,
    `https://CloudFormation-Custom-Resource-Response-EUWest3.S3.EU-West-3.AmazonAWS.com/${KEY}`,
  ])('accepted: %s', (url) => {
    expect(isCloudFormationResponseUrl(url, REGION)).toBe(true);
  });

  test.each([
    ['plain HTTP', `http://cloudformation-custom-resource-response-euwest3.s3.eu-west-3.amazonaws.com/${KEY}`],
    ['another region’s bucket', `https://cloudformation-custom-resource-response-euwest1.s3.eu-west-1.amazonaws.com/${KEY}`],
    ['another region’s bucket on this region’s endpoint', `https://s3.eu-west-3.amazonaws.com/cloudformation-custom-resource-response-euwest1/${KEY}`],
    ['a look-alike host', `https://cloudformation-custom-resource-response-euwest3.s3.eu-west-3.amazonaws.com.evil.example/${KEY}`],
    ['a look-alike bucket', `https://cloudformation-custom-resource-response-euwest3-attacker.s3.eu-west-3.amazonaws.com/${KEY}`],
    ['a prefix of the bucket in path style', `https://s3.eu-west-3.amazonaws.com/cloudformation-custom-resource-response-euwest3-attacker/${KEY}`],
    ['path style escaping the bucket with dot segments', `https://s3.eu-west-3.amazonaws.com/cloudformation-custom-resource-response-euwest3/../attacker-bucket/x`],
    ['path style escaping with encoded dot segments', `https://s3.eu-west-3.amazonaws.com/cloudformation-custom-resource-response-euwest3/%2e%2e/attacker-bucket/x`],
    ['path style without the bucket', `https://s3.eu-west-3.amazonaws.com/attacker-bucket/${KEY}`],
    ['credentials before the host', `https://cloudformation-custom-resource-response-euwest3.s3.eu-west-3.amazonaws.com@evil.example/${KEY}`],
    ['user info on the right host', `https://user:pass@cloudformation-custom-resource-response-euwest3.s3.eu-west-3.amazonaws.com/${KEY}`],
    ['another port', `https://cloudformation-custom-resource-response-euwest3.s3.eu-west-3.amazonaws.com:8443/${KEY}`],
    ['an S3 website or another service', `https://cloudformation-custom-resource-response-euwest3.s3-website.eu-west-3.amazonaws.com/${KEY}`],
    ['a local server', 'http://127.0.0.1:8080/response'],
    ['an IP address', 'https://52.95.154.1/cloudformation-custom-resource-response-euwest3/x'],
    ['not a URL', 'cloudformation-custom-resource-response-euwest3'],
  ])('refused: %s', (_what, url) => {
    expect(isCloudFormationResponseUrl(url, REGION)).toBe(false);
  });

  test('an unknown or empty region accepts nothing', () => {
    expect(isCloudFormationResponseUrl(`https://cloudformation-custom-resource-response-.s3.amazonaws.com/${KEY}`, '')).toBe(false);
    expect(isCloudFormationResponseUrl(`https://cloudformation-custom-resource-response-euwest3.s3.amazonaws.com/${KEY}`, 'eu-west-3.evil')).toBe(false);
  });

  test('the production sender refuses plain HTTP before any connection', async () => {
    await expect(putResponse('http://127.0.0.1:9/response', '{}')).rejects.toThrow(/not HTTPS/);
  });
});

const genuine = (overrides: Partial<Record<keyof CustomResourceEvent, unknown>> = {}) => ({
  RequestType: 'Create',
  ResponseURL: `https://cloudformation-custom-resource-response-euwest3.s3.eu-west-3.amazonaws.com/${KEY}`,
  StackId: STACK_ID,
  RequestId: '8c1d0e2f-1111-2222-3333-444455556666',
  LogicalResourceId: 'Schema42171392',
  ResourceType: 'Custom::ContactSchema',
  ResourceProperties: { ServiceToken: 'arn:aws:lambda:eu-west-3:111122223333:function:x' },
  ...overrides,
});

describe('the event is checked before anything else', () => {
  const allowed = (url: string) => isCloudFormationResponseUrl(url, REGION);

  test('a genuine event passes', () => {
    expect(checkEvent(genuine(), expected, allowed)).toEqual({ event: genuine() });
  });

  test.each<[string, Partial<Record<keyof CustomResourceEvent, unknown>> | null]>([
    ['RequestType', { RequestType: 'Drop' }],
    ['ResponseURL', { ResponseURL: 'https://attacker.example/collect' }],
    ['StackId', { StackId: STACK_ID.replace('111122223333', '999999999999') }],
    ['LogicalResourceId', { LogicalResourceId: 'SomethingElse' }],
    ['RequestId', { RequestId: 'x"}, "Status": "SUCCESS' }],
    ['PhysicalResourceId', { RequestType: 'Update', PhysicalResourceId: undefined }],
    ['ResourceProperties', { ResourceProperties: 'DROP SCHEMA crm CASCADE' }],
  ])('refused on %s, named without the event’s content', (check, overrides) => {
    expect(checkEvent(genuine(overrides ?? {}), expected, allowed)).toEqual({ refused: check });
  });

  test('an expected requester with no stack id (a function deployed without its environment) refuses every event', () => {
    expect(checkEvent(genuine({ StackId: '' }), { ...expected, stackId: '' }, allowed)).toEqual({ refused: 'StackId' });
  });

  test('a refused event gets no response anywhere and one fixed log line', async () => {
    const send = httpSender();
    const forged = genuine({ ResponseURL: 'http://127.0.0.1:9/collect?contacts=alice@example.fr', StackId: 'alice@example.fr' });
    const work = jest.fn(async () => ({ physicalResourceId: 'x' }));
    const { output } = await captureConsole(() => runCustomResource(forged, { expected, send }, work));
    expect(work).not.toHaveBeenCalled();
    expect(send.sentTo).toEqual([]);
    expect(output).toBe(JSON.stringify({ refused: 'not a CloudFormation request for this resource of this stack; nothing was done or sent', check: 'ResponseURL' }));
  });

  test('a failure reports the reason of a ReportableError, and only the class name of any other error', async () => {
    const send = jest.fn(async () => undefined);
    const log: string[] = [];
    await runCustomResource(genuine(), { expected, send, log: (l) => log.push(l) }, async () => {
      throw Object.assign(new Error('duplicate key value: Key (email)=(alice@example.fr) already exists'), { name: 'DatabaseError', code: '23505' });
    });
    await runCustomResource(genuine(), { expected, send, log: (l) => log.push(l) }, async () => {
      throw new ReportableError('nothing was run');
    });
    const bodies = send.mock.calls.map((c: unknown[]) => JSON.parse(c[1] as string));
    expect(bodies.map((b) => [b.Status, b.Reason])).toEqual([
      ['FAILED', 'the function failed (DatabaseError, SQLSTATE 23505)'],
      ['FAILED', 'nothing was run'],
    ]);
    expect(`${JSON.stringify(bodies)}${log.join('\n')}`).not.toMatch(/alice|email/);
  });

  test('a response that cannot be delivered is logged without its content, and the handler does not throw', async () => {
    const log: string[] = [];
    const send = async () => {
      throw new Error('connect ECONNREFUSED https://cloudformation-custom-resource-response-euwest3.s3.eu-west-3.amazonaws.com/secret-signature');
    };
    await expect(runCustomResource(genuine(), { expected, send, log: (l) => log.push(l) }, async () => ({ physicalResourceId: 'x' }))).resolves.toBeUndefined();
    expect(log.join('\n')).not.toMatch(/signature|amazonaws/);
    expect(log.at(-1)).toMatch(/not delivered to CloudFormation/);
  });
});
