import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import { PSEUDONYM_KEY_BYTES, pseudonymiser } from '../../lib/processors/pseudonym';

const ids = Array.from({ length: 2000 }, () => randomUUID());
const secretA = randomBytes(PSEUDONYM_KEY_BYTES);
const secretB = randomBytes(PSEUDONYM_KEY_BYTES);
const processorA = pseudonymiser(secretA);
const processorB = pseudonymiser(secretB);

describe('the pseudonym of a contact', () => {
  test('is stable for one processor: the same id always gives the same code, also from a new instance of the same secret', () => {
    const again = pseudonymiser(Buffer.from(secretA));
    for (const id of ids.slice(0, 100)) {
      expect(processorA(id)).toBe(processorA(id));
      expect(again(id)).toBe(processorA(id));
    }
  });

  test('is a 256-bit code in lower-case hex, distinct for every contact', () => {
    const codes = ids.map(processorA);
    expect(codes.every((c) => /^[0-9a-f]{64}$/.test(c))).toBe(true);
    expect(new Set(codes).size).toBe(ids.length);
  });

  test('differs across processors: two processors cannot join their extracts', () => {
    const a = new Set(ids.map(processorA));
    const shared = ids.map(processorB).filter((code) => a.has(code));
    expect(shared).toEqual([]);
  });

  test('contains nothing of the id', () => {
    for (const id of ids) {
      const code = processorA(id);
      expect(code).not.toBe(id);
      expect(code.includes(id.replace(/-/g, ''))).toBe(false);
      for (const part of id.split('-').filter((p) => p.length >= 8)) expect(code.includes(part)).toBe(false);
    }
  });

  test('cannot be recomputed from the ids without the secret: a brute force over every known id with guessed keys finds no match', () => {
    const codes = new Set(ids.map(processorA));
    const guesses: ((id: string) => string)[] = [
      (id) => createHash('sha256').update(id).digest('hex'),
      (id) => createHash('sha256').update(id.replace(/-/g, '')).digest('hex'),
      (id) => createHmac('sha256', Buffer.alloc(PSEUDONYM_KEY_BYTES)).update(id).digest('hex'),
      (id) => createHmac('sha256', '').update(id).digest('hex'),
      (id) => createHmac('sha256', 'statlab').update(id).digest('hex'),
      processorB,
      pseudonymiser(Buffer.from(secretA.map((b, i) => (i === 0 ? b ^ 1 : b)))), // one bit off
    ];
    for (const guess of guesses) {
      expect(ids.filter((id) => codes.has(guess(id)))).toEqual([]);
    }
  });

  test('a secret of the wrong length is refused', () => {
    expect(() => pseudonymiser(randomBytes(16))).toThrow(/a pseudonymisation secret is 32 bytes; got 16/);
  });
});
