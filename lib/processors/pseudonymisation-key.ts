import { DecryptCommand, GenerateDataKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import { PSEUDONYM_KEY_BYTES } from './pseudonym';
import { PROCESSOR_TAG, PSEUDONYMISATION_PURPOSE, PURPOSE_TAG } from '../marks/tags';

/**
 * Where a processor's wrapped (KMS-encrypted) pseudonymisation secret is
 * kept between runs: a Secrets Manager secret in the deployed job.
 */
export interface WrappedSecretStore {
  /** The stored text. */
  read(): Promise<string>;
  write(text: string): Promise<void>;
}

/** What the store holds once the secret exists. */
interface WrappedSecret {
  readonly version: 1;
  readonly processor: string;
  /** The KMS key that wraps the secret. */
  readonly keyId: string;
  /** KMS ciphertext of the 32-byte secret, base64. */
  readonly ciphertext: string;
}

/** What the store holds before the first run: written by CloudFormation, no secret yet. */
export const EMPTY_STATE = 'empty';

/**
 * Binds the wrapped secret to its processor: KMS refuses to decrypt it under
 * any other processor's name, and IAM can scope each job to its own name
 * (`kms:EncryptionContext:gdpr:processor`).
 */
export function encryptionContext(processor: string): Record<string, string> {
  return { [PURPOSE_TAG]: PSEUDONYMISATION_PURPOSE, [PROCESSOR_TAG]: processor };
}

export interface LoadSecretOptions {
  readonly kms: KMSClient;
  /** ARN of the customer-managed key that wraps the secret. */
  readonly keyId: string;
  readonly processor: string;
  readonly store: WrappedSecretStore;
}

/**
 * The processor's 32-byte pseudonymisation secret, with exactly one KMS call
 * per run whatever the number of contacts: Decrypt of the stored ciphertext,
 * or, on the very first run, GenerateDataKey, whose ciphertext is stored for
 * every later run (envelope encryption: the plaintext never leaves the job's
 * memory, the stored copy is useless without kms:Decrypt on the key, with
 * the processor's encryption context).
 *
 * The store must hold either the empty state CloudFormation writes or a
 * wrapped secret; anything else is an error, never a reason to create a new
 * secret (which would change every pseudonym).
 */
export async function loadPseudonymisationSecret(options: LoadSecretOptions): Promise<Buffer> {
  const { kms, keyId, processor, store } = options;
  const context = encryptionContext(processor);
  const stored = parse(await store.read());
  if (stored.state === EMPTY_STATE) {
    const generated = await kms.send(
      new GenerateDataKeyCommand({ KeyId: keyId, NumberOfBytes: PSEUDONYM_KEY_BYTES, EncryptionContext: context }),
    );
    if (!generated.Plaintext || !generated.CiphertextBlob) throw new Error('KMS GenerateDataKey returned no key');
    const wrapped: WrappedSecret = {
      version: 1,
      processor,
      keyId: generated.KeyId ?? keyId,
      ciphertext: Buffer.from(generated.CiphertextBlob).toString('base64'),
    };
    await store.write(JSON.stringify(wrapped));
    return checked(generated.Plaintext);
  }
  const wrapped = stored as Partial<WrappedSecret>;
  if (wrapped.version !== 1 || typeof wrapped.ciphertext !== 'string') {
    throw new Error(`the pseudonymisation secret of ${processor} holds neither the empty state nor a wrapped secret; refusing to replace it (every pseudonym would change)`);
  }
  if (wrapped.processor !== processor) {
    throw new Error(`the pseudonymisation secret of ${processor} belongs to ${String(wrapped.processor)}; refusing to use it`);
  }
  const decrypted = await kms.send(
    new DecryptCommand({ KeyId: keyId, CiphertextBlob: Buffer.from(wrapped.ciphertext, 'base64'), EncryptionContext: context }),
  );
  if (!decrypted.Plaintext) throw new Error('KMS Decrypt returned no plaintext');
  return checked(decrypted.Plaintext);
}

function parse(text: string): Record<string, unknown> {
  try {
    const value = JSON.parse(text) as unknown;
    if (value && typeof value === 'object') return value as Record<string, unknown>;
  } catch {
    // fall through
  }
  return {};
}

function checked(plaintext: Uint8Array): Buffer {
  if (plaintext.length !== PSEUDONYM_KEY_BYTES) {
    throw new Error(`the pseudonymisation secret must be ${PSEUDONYM_KEY_BYTES} bytes; KMS returned ${plaintext.length}`);
  }
  return Buffer.from(plaintext);
}
