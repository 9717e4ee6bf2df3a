// What every custom resource handler of the kit does with its event before and
// after its work: it checks that the event is CloudFormation's request for its
// own resource of its own stack, answers only CloudFormation's pre-signed
// response URL, and lets no error text (values, rows, service messages) out,
// neither in the response nor in its logs.
import { request as httpsRequest } from 'node:https';

/** The fields of a CloudFormation custom resource event the handlers use. */
export interface CustomResourceEvent {
  readonly RequestType: 'Create' | 'Update' | 'Delete';
  readonly ResponseURL: string;
  readonly StackId: string;
  readonly RequestId: string;
  readonly LogicalResourceId: string;
  readonly PhysicalResourceId?: string;
  readonly ResourceType?: string;
  readonly ResourceProperties: Record<string, unknown>;
}

export interface CustomResourceResult {
  readonly physicalResourceId: string;
  readonly data?: Record<string, string>;
}

/** Who may ask the function to work: CloudFormation, for one resource of one stack, in the function's region. */
export interface ExpectedRequester {
  /** `AWS::StackId` of the stack that holds the resource. */
  readonly stackId: string;
  /** Logical id of the custom resource in that stack. */
  readonly logicalResourceId: string;
  /** Region of the function (and of the stack): the response URL must be CloudFormation's response bucket there. */
  readonly region: string;
}

/** PUTs a response body to the (already checked) response URL. */
export type ResponseSender = (responseUrl: string, body: string) => Promise<void>;

export interface CustomResourceOptions {
  readonly expected: ExpectedRequester;
  /** @default isCloudFormationResponseUrl(url, expected.region) */
  readonly isAllowedResponseUrl?: (url: string) => boolean;
  /** @default putResponse: an HTTPS PUT */
  readonly send?: ResponseSender;
  /** Where the function's log lines go. @default console.log */
  readonly log?: (line: string) => void;
  /**
   * The reason a failure gives CloudFormation and the log. Must never carry a
   * message of the database or of a service (they hold values).
   * @default the reason of a ReportableError, else the error's class name
   */
  readonly describeFailure?: (err: unknown) => string | undefined;
}

/** An error whose message is written by the kit from fixed text only, so it may be reported as is. */
export class ReportableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReportableError';
  }
}

const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

/**
 * Whether a URL is a pre-signed URL of CloudFormation's custom resource
 * response bucket of `region` (`cloudformation-custom-resource-response-<region
 * without dashes>`), in any form S3 serves it: virtual-hosted
 * (`<bucket>.s3.<region>.amazonaws.com`, `<bucket>.s3-<region>.amazonaws.com`,
 * `<bucket>.s3.amazonaws.com`) or path-style (`s3.<region>.amazonaws.com/<bucket>/...`,
 * `s3-<region>.amazonaws.com/<bucket>/...`, `s3.amazonaws.com/<bucket>/...`).
 * HTTPS on the default port only, no credentials in the URL.
 */
export function isCloudFormationResponseUrl(raw: string, region: string): boolean {
  if (typeof raw !== 'string' || !REGION.test(region)) return false;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  if (url.protocol !== 'https:' || url.username !== '' || url.password !== '' || url.port !== '') return false;
  const bucket = `cloudformation-custom-resource-response-${region.replace(/-/g, '')}`;
  const endpoints = [`s3.${region}.amazonaws.com`, `s3-${region}.amazonaws.com`, 's3.amazonaws.com'];
  const host = url.hostname;
  if (endpoints.some((endpoint) => host === `${bucket}.${endpoint}`)) return true;
  return endpoints.includes(host) && url.pathname.startsWith(`/${bucket}/`);
}

const REQUEST_TYPES = new Set(['Create', 'Update', 'Delete']);
const TOKEN = /^[A-Za-z0-9._:/|-]{1,1024}$/;

/**
 * Checks that an event is CloudFormation's request for the expected resource:
 * its type, its response URL, its stack, its resource. Returns the name of the
 * first check that failed (never the event's content), or the typed event.
 */
export function checkEvent(
  event: unknown,
  expected: ExpectedRequester,
  isAllowedResponseUrl: (url: string) => boolean,
): { readonly event: CustomResourceEvent } | { readonly refused: string } {
  const e = event as Partial<Record<keyof CustomResourceEvent, unknown>> | null;
  if (typeof e !== 'object' || e === null) return { refused: 'event' };
  if (typeof e.RequestType !== 'string' || !REQUEST_TYPES.has(e.RequestType)) return { refused: 'RequestType' };
  if (typeof e.ResponseURL !== 'string' || !isAllowedResponseUrl(e.ResponseURL)) return { refused: 'ResponseURL' };
  if (!expected.stackId || e.StackId !== expected.stackId) return { refused: 'StackId' };
  if (!expected.logicalResourceId || e.LogicalResourceId !== expected.logicalResourceId) return { refused: 'LogicalResourceId' };
  if (typeof e.RequestId !== 'string' || !/^[A-Za-z0-9-]{1,128}$/.test(e.RequestId)) return { refused: 'RequestId' };
  if (e.PhysicalResourceId !== undefined && (typeof e.PhysicalResourceId !== 'string' || !TOKEN.test(e.PhysicalResourceId))) return { refused: 'PhysicalResourceId' };
  if (e.RequestType !== 'Create' && e.PhysicalResourceId === undefined) return { refused: 'PhysicalResourceId' };
  const properties = e.ResourceProperties;
  if (typeof properties !== 'object' || properties === null || Array.isArray(properties)) return { refused: 'ResourceProperties' };
  return { event: e as unknown as CustomResourceEvent };
}

/** Sends a response to CloudFormation's pre-signed S3 URL (reached through the VPC's S3 gateway endpoint): HTTPS only, no redirect followed. */
export const putResponse: ResponseSender = (responseUrl, body) =>
  new Promise((resolve, reject) => {
    const url = new URL(responseUrl);
    if (url.protocol !== 'https:') {
      reject(new ReportableError('the response URL is not HTTPS'));
      return;
    }
    const req = httpsRequest(
      url,
      { method: 'PUT', headers: { 'content-type': '', 'content-length': Buffer.byteLength(body) }, timeout: 30_000 },
      (res) => {
        res.resume();
        res.on('end', () =>
          res.statusCode && res.statusCode < 300 ? resolve() : reject(new ReportableError(`the response URL answered HTTP ${Number(res.statusCode)}`)),
        );
      },
    );
    req.on('timeout', () => req.destroy(new ReportableError('the response URL did not answer within 30 s')));
    req.on('error', reject);
    req.end(body);
  });

/** An error's class name, if it is a plain identifier (never its message). */
export function errorName(err: unknown): string {
  const name = (err as { name?: unknown } | null)?.name;
  return typeof name === 'string' && /^[A-Za-z][A-Za-z0-9.]{0,63}$/.test(name) ? name : 'Error';
}

/** A code that carries no value: a SQLSTATE (5 characters) or a Node.js system error code (ECONNREFUSED). */
export function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return undefined;
  if (/^[0-9A-Z]{5}$/.test(code)) return `SQLSTATE ${code}`;
  return /^E[A-Z_]{2,30}$/.test(code) ? code : undefined;
}

const defaultDescribeFailure = (err: unknown): string =>
  err instanceof ReportableError ? err.message : `the function failed (${errorName(err)}${errorCode(err) ? `, ${errorCode(err)}` : ''})`;

/**
 * Runs a custom resource's work for an event that passed `checkEvent`, and
 * always answers CloudFormation, so that a failure fails the deployment with
 * its reason instead of hanging. An event that fails the check gets no
 * response anywhere and one fixed log line naming the check, nothing of the
 * event. Never throws: the Lambda runtime would log the error's message.
 */
export async function runCustomResource(
  input: unknown,
  options: CustomResourceOptions,
  work: (event: CustomResourceEvent) => Promise<CustomResourceResult>,
): Promise<void> {
  const log = options.log ?? ((line: string) => console.log(line));
  const send = options.send ?? putResponse;
  const isAllowed = options.isAllowedResponseUrl ?? ((url: string) => isCloudFormationResponseUrl(url, options.expected.region));
  try {
    const checked = checkEvent(input, options.expected, isAllowed);
    if ('refused' in checked) {
      log(JSON.stringify({ refused: 'not a CloudFormation request for this resource of this stack; nothing was done or sent', check: checked.refused }));
      return;
    }
    const { event } = checked;
    let status: 'SUCCESS' | 'FAILED' = 'SUCCESS';
    let reason = 'done';
    let result: CustomResourceResult = { physicalResourceId: event.PhysicalResourceId ?? event.LogicalResourceId };
    try {
      result = await work(event);
    } catch (err) {
      status = 'FAILED';
      reason = (options.describeFailure ?? defaultDescribeFailure)(err) ?? defaultDescribeFailure(err);
    }
    log(JSON.stringify({ requestType: event.RequestType, requestId: event.RequestId, status, reason }));
    const body = JSON.stringify({
      Status: status,
      // CloudFormation shows at most 4 KB of reason.
      Reason: reason.slice(0, 3500),
      PhysicalResourceId: result.physicalResourceId,
      StackId: event.StackId,
      RequestId: event.RequestId,
      LogicalResourceId: event.LogicalResourceId,
      Data: result.data,
    });
    try {
      await send(event.ResponseURL, body);
    } catch (err) {
      log(JSON.stringify({ response: 'not delivered to CloudFormation', reason: defaultDescribeFailure(err) }));
    }
  } catch (err) {
    log(JSON.stringify({ error: `the handler failed (${errorName(err)})` }));
  }
}

/** The expected requester from the function's environment (STACK_ID, LOGICAL_RESOURCE_ID written by the construct; AWS_REGION set by Lambda). */
export function expectedFromEnvironment(env: NodeJS.ProcessEnv = process.env): ExpectedRequester {
  return { stackId: env.STACK_ID ?? '', logicalResourceId: env.LOGICAL_RESOURCE_ID ?? '', region: env.AWS_REGION ?? '' };
}
