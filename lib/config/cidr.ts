/** Minimal IPv4 CIDR arithmetic for configuration checks. */
export interface Cidr {
  readonly start: number;
  readonly prefix: number;
}

export function parseCidr(value: string): Cidr | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(value);
  if (!match) return undefined;
  const octets = match.slice(1, 5).map(Number);
  const prefix = Number(match[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return undefined;
  const address = ((octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]) >>> 0;
  const size = 2 ** (32 - prefix);
  if (address % size !== 0) return undefined; // host bits set: 10.0.0.1/16 is not a network
  return { start: address, prefix };
}

function range(c: Cidr): [number, number] {
  return [c.start, c.start + 2 ** (32 - c.prefix) - 1];
}

export function cidrsOverlap(a: string, b: string): boolean {
  const ca = parseCidr(a);
  const cb = parseCidr(b);
  if (!ca || !cb) return false;
  const [a0, a1] = range(ca);
  const [b0, b1] = range(cb);
  return a0 <= b1 && b0 <= a1;
}

export function cidrContains(outer: string, inner: string): boolean {
  const co = parseCidr(outer);
  const ci = parseCidr(inner);
  if (!co || !ci) return false;
  const [o0, o1] = range(co);
  const [i0, i1] = range(ci);
  return o0 <= i0 && i1 <= o1;
}

const PRIVATE_RANGES = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'];

export function isPrivateCidr(value: string): boolean {
  return PRIVATE_RANGES.some((r) => cidrContains(r, value));
}
