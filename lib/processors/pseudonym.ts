import { createHmac, createSecretKey } from 'node:crypto';

/** Length of a processor's pseudonymisation secret: HMAC-SHA256 takes a 256-bit key. */
export const PSEUDONYM_KEY_BYTES = 32;

/** Maps a contact id to its pseudonym for one processor. */
export type Pseudonymiser = (contactId: string) => string;

/**
 * The pseudonym of a contact for one processor: HMAC-SHA256 of the contact id
 * under the processor's own secret, in lower-case hex. The same contact gets
 * the same pseudonym in every extract of that processor (longitudinal
 * statistics work), a different one for every other processor (two
 * processors cannot join their extracts), and nobody without the secret can
 * compute it from an id or go back from it to an id (art. 4(5)).
 *
 * The secret becomes a KeyObject once; the caller may wipe its copy.
 */
export function pseudonymiser(secret: Uint8Array): Pseudonymiser {
  if (secret.length !== PSEUDONYM_KEY_BYTES) {
    throw new Error(`a pseudonymisation secret is ${PSEUDONYM_KEY_BYTES} bytes; got ${secret.length}`);
  }
  const key = createSecretKey(Buffer.from(secret));
  return (contactId) => createHmac('sha256', key).update(contactId).digest('hex');
}
