import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { KMSClient } from '@aws-sdk/client-kms';

/**
 * A faithful local stand-in for AWS KMS, for the real @aws-sdk/client-kms:
 * an HTTP server on 127.0.0.1 speaking the KMS JSON 1.1 protocol
 * (`X-Amz-Target: TrentService.<Operation>`, base64 blobs) for
 * GenerateDataKey and Decrypt. Keys are AES-256-GCM keys held in memory; the
 * encryption context is the authenticated data, so a ciphertext decrypts
 * only with the context it was made with, as in KMS. Requests must be signed
 * (SigV4 Authorization header), and every call is counted.
 */
export interface KmsStandIn {
  /** The endpoint to give the client (`endpoint` option). */
  readonly endpoint: string;
  /** Creates a key and returns its ARN. */
  createKey(): string;
  /** Calls received, by operation (GenerateDataKey, Decrypt, ...). */
  readonly calls: Record<string, number>;
  /** Total calls received. */
  totalCalls(): number;
  /** A real KMS client pointed at the stand-in. */
  client(): KMSClient;
  stop(): Promise<void>;
}

const REGION = 'eu-west-3';
const ACCOUNT = '111122223333';

class KmsError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/** Canonical encryption context: keys sorted, so the same context always authenticates. */
function aad(context: unknown): Buffer {
  const entries = Object.entries((context ?? {}) as Record<string, string>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Buffer.from(JSON.stringify(entries));
}

export async function startKmsStandIn(): Promise<KmsStandIn> {
  const keys = new Map<string, Buffer>();
  const calls: Record<string, number> = {};

  const keyArn = (id: string) => `arn:aws:kms:${REGION}:${ACCOUNT}:key/${id}`;
  const resolveKey = (keyId: unknown): [string, Buffer] => {
    if (typeof keyId !== 'string' || keyId === '') throw new KmsError('ValidationException', 'KeyId is required');
    const arn = keyId.startsWith('arn:') ? keyId : keyArn(keyId);
    const material = keys.get(arn);
    if (!material) throw new KmsError('NotFoundException', `Key '${arn}' does not exist`);
    return [arn, material];
  };

  // Ciphertext blob: [arn length (2 bytes)][arn][iv (12)][tag (16)][encrypted plaintext].
  const encrypt = (arn: string, material: Buffer, plaintext: Buffer, context: unknown): Buffer => {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', material, iv);
    cipher.setAAD(aad(context));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    const id = Buffer.from(arn);
    const length = Buffer.alloc(2);
    length.writeUInt16BE(id.length);
    return Buffer.concat([length, id, iv, cipher.getAuthTag(), body]);
  };
  const decrypt = (blob: Buffer, context: unknown, keyId: unknown): [string, Buffer] => {
    if (blob.length < 2) throw new KmsError('InvalidCiphertextException', 'ciphertext too short');
    const idLength = blob.readUInt16BE(0);
    const arn = blob.subarray(2, 2 + idLength).toString();
    const material = keys.get(arn);
    if (!material) throw new KmsError('InvalidCiphertextException', 'ciphertext names no key of this account');
    if (keyId !== undefined && resolveKey(keyId)[0] !== arn) throw new KmsError('IncorrectKeyException', 'the ciphertext was made under another key');
    const rest = blob.subarray(2 + idLength);
    const decipher = createDecipheriv('aes-256-gcm', material, rest.subarray(0, 12));
    decipher.setAAD(aad(context));
    decipher.setAuthTag(rest.subarray(12, 28));
    try {
      return [arn, Buffer.concat([decipher.update(rest.subarray(28)), decipher.final()])];
    } catch {
      throw new KmsError('InvalidCiphertextException', 'the ciphertext or its encryption context does not match');
    }
  };

  const operations: Record<string, (body: Record<string, unknown>) => Record<string, unknown>> = {
    GenerateDataKey(body) {
      const [arn, material] = resolveKey(body.KeyId);
      const bytes = body.NumberOfBytes ?? (body.KeySpec === 'AES_128' ? 16 : body.KeySpec === 'AES_256' ? 32 : undefined);
      if (typeof bytes !== 'number' || bytes < 1 || bytes > 1024) throw new KmsError('ValidationException', 'NumberOfBytes or KeySpec is required');
      const plaintext = randomBytes(bytes);
      return {
        KeyId: arn,
        Plaintext: plaintext.toString('base64'),
        CiphertextBlob: encrypt(arn, material, plaintext, body.EncryptionContext).toString('base64'),
      };
    },
    Decrypt(body) {
      if (typeof body.CiphertextBlob !== 'string') throw new KmsError('ValidationException', 'CiphertextBlob is required');
      const [arn, plaintext] = decrypt(Buffer.from(body.CiphertextBlob, 'base64'), body.EncryptionContext, body.KeyId);
      return { KeyId: arn, Plaintext: plaintext.toString('base64'), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
    },
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const reply = (status: number, payload: unknown) => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID() });
        res.end(JSON.stringify(payload));
      };
      try {
        const target = String(req.headers['x-amz-target'] ?? '');
        const operation = target.startsWith('TrentService.') ? target.slice('TrentService.'.length) : '';
        calls[operation || '(none)'] = (calls[operation || '(none)'] ?? 0) + 1;
        if (req.method !== 'POST') throw new KmsError('UnsupportedOperationException', `${req.method} is not supported`);
        if (!String(req.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256 ')) {
          throw new KmsError('MissingAuthenticationTokenException', 'Request is missing Authentication Token', 400);
        }
        const run = operations[operation];
        if (!run) throw new KmsError('UnsupportedOperationException', `${target || 'no X-Amz-Target'} is not implemented by the stand-in`);
        reply(200, run(JSON.parse(Buffer.concat(chunks).toString() || '{}') as Record<string, unknown>));
      } catch (err) {
        if (err instanceof KmsError) reply(err.status, { __type: err.type, message: err.message });
        else reply(500, { __type: 'KMSInternalException', message: (err as Error).message });
      }
    });
  };

  const server: Server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const endpoint = `http://127.0.0.1:${port}`;
  const clients: KMSClient[] = [];

  return {
    endpoint,
    calls,
    createKey() {
      const arn = keyArn(randomUUID());
      keys.set(arn, randomBytes(32));
      return arn;
    },
    totalCalls: () => Object.values(calls).reduce((a, b) => a + b, 0),
    client() {
      const client = new KMSClient({
        region: REGION,
        endpoint,
        credentials: { accessKeyId: 'AKIDSTANDIN', secretAccessKey: 'stand-in-secret' },
        maxAttempts: 1,
      });
      clients.push(client);
      return client;
    },
    async stop() {
      for (const c of clients) c.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
