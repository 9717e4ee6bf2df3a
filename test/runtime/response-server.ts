import { createServer, request } from 'node:http';
import { AddressInfo } from 'node:net';
import type { ResponseSender } from '../../lib/runtime/cfn-response';

/** A local HTTP server standing in for a response URL: records every request it receives. */
export interface ResponseServer {
  readonly url: string;
  readonly requests: { method?: string; url?: string; body: string }[];
  close(): Promise<void>;
}

export async function startResponseServer(): Promise<ResponseServer> {
  const requests: ResponseServer['requests'] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      requests.push({ method: req.method, url: req.url, body });
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/response`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * A sender that PUTs to whatever URL it is given, over plain HTTP: it stands
 * in for the HTTPS sender so a test can see whether the handler would have
 * sent anything, and where. Pair it with `redirectTo` to deliver responses
 * addressed to CloudFormation's bucket to a local server.
 */
export function httpSender(redirectTo?: string): ResponseSender & { sentTo: string[] } {
  const sentTo: string[] = [];
  const send = (responseUrl: string, body: string) =>
    new Promise<void>((resolve, reject) => {
      sentTo.push(responseUrl);
      const req = request(redirectTo ?? responseUrl, { method: 'PUT', headers: { 'content-length': Buffer.byteLength(body) } }, (res) => {
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', reject);
      req.end(body);
    });
  return Object.assign(send, { sentTo });
}

/** Everything a test captures from console.* while `work` runs, joined. */
export async function captureConsole<T>(work: () => Promise<T>): Promise<{ result: T; output: string }> {
  const lines: string[] = [];
  const methods = ['log', 'error', 'warn', 'info', 'debug'] as const;
  const spies = methods.map((m) => jest.spyOn(console, m).mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(' '))));
  try {
    const result = await work();
    return { result, output: lines.join('\n') };
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}
