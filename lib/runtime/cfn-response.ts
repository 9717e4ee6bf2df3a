import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** The fields of a CloudFormation custom resource event the handlers use. */
export interface CustomResourceEvent {
  readonly RequestType: 'Create' | 'Update' | 'Delete';
  readonly ResponseURL: string;
  readonly StackId: string;
  readonly RequestId: string;
  readonly LogicalResourceId: string;
  readonly PhysicalResourceId?: string;
  readonly ResourceProperties: Record<string, string>;
}

export interface CustomResourceResult {
  readonly physicalResourceId: string;
  readonly data?: Record<string, string>;
}

/** Sends the outcome to CloudFormation's pre-signed S3 URL (reached through the VPC's S3 gateway endpoint). */
export function sendResponse(
  event: CustomResourceEvent,
  status: 'SUCCESS' | 'FAILED',
  reason: string,
  result: CustomResourceResult,
): Promise<void> {
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
  const url = new URL(event.ResponseURL);
  const send = url.protocol === 'http:' ? httpRequest : httpsRequest;
  return new Promise((resolve, reject) => {
    const req = send(url, { method: 'PUT', headers: { 'content-type': '', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode && res.statusCode < 300 ? resolve() : reject(new Error(`response URL answered ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Runs a custom resource's work and always answers CloudFormation, so that a
 * failure fails the deployment with its reason instead of hanging for an hour.
 */
export async function runCustomResource(
  event: CustomResourceEvent,
  work: (event: CustomResourceEvent) => Promise<CustomResourceResult>,
): Promise<void> {
  const fallbackId = event.PhysicalResourceId ?? event.LogicalResourceId;
  try {
    const result = await work(event);
    await sendResponse(event, 'SUCCESS', 'done', result);
  } catch (err) {
    const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    console.error(message);
    await sendResponse(event, 'FAILED', message, { physicalResourceId: fallbackId });
  }
}
