/** IPv4 and IPv6 CIDR ranges ("10.0.0.0/8", "fd00::/8", or a single address) and matching. */
import { isIP } from 'node:net';
import type { ParseResult } from './units.js';

export interface Cidr {
  readonly family: 4 | 6;
  /** The network address as 4 or 16 bytes. */
  readonly bytes: Uint8Array;
  readonly prefix: number;
}

function v4Bytes(ip: string): Uint8Array {
  return Uint8Array.from(ip.split('.').map(Number));
}

function v6Bytes(ip: string): Uint8Array | undefined {
  let text = ip;
  // An embedded IPv4 tail ("::ffff:1.2.3.4") becomes two hex groups.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4?.[1]) {
    const b = v4Bytes(v4[1]);
    text = text.slice(0, -v4[1].length) + `${(((b[0] ?? 0) << 8) | (b[1] ?? 0)).toString(16)}:${(((b[2] ?? 0) << 8) | (b[3] ?? 0)).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const h = head === '' ? [] : head.split(':');
  const t = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  if (groups.length !== 8) return undefined;
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    const n = parseInt(g, 16);
    out[i * 2] = n >> 8;
    out[i * 2 + 1] = n & 0xff;
  });
  return out;
}

/** The bytes of an IP address; IPv4-mapped IPv6 ("::ffff:10.0.0.1") is returned as IPv4. */
export function ipBytes(ip: string): Uint8Array | undefined {
  const fam = isIP(ip);
  if (fam === 4) return v4Bytes(ip);
  if (fam !== 6) return undefined;
  const b = v6Bytes(ip);
  if (b && b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff) return b.subarray(12);
  return b;
}

export function parseCidr(text: string): ParseResult<Cidr> {
  const [addr = '', prefixText] = text.trim().split('/');
  const fam = isIP(addr);
  if (fam === 0) return { ok: false, reason: `must be an IP address or range like "10.0.0.0/8" or "fd00::/8", got "${text}"` };
  const max = fam === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (!/^\d+$/.test(prefixText ?? String(max)) || prefix > max) return { ok: false, reason: `prefix length must be 0–${max}, got "${prefixText ?? ''}"` };
  const bytes = fam === 4 ? v4Bytes(addr) : (v6Bytes(addr) as Uint8Array);
  return { ok: true, value: { family: fam === 4 ? 4 : 6, bytes, prefix } };
}

export function cidrContains(c: Cidr, ip: string): boolean {
  const b = ipBytes(ip);
  if (!b || b.length !== c.bytes.length) return false;
  let bits = c.prefix;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if (((b[i] ?? 0) & mask) !== ((c.bytes[i] ?? 0) & mask)) return false;
  }
  return true;
}

/** A set of ranges; `contains` is true when any range holds the address. */
export class CidrSet {
  private readonly ranges: readonly Cidr[];
  constructor(ranges: readonly Cidr[]) {
    this.ranges = ranges;
  }
  get size(): number {
    return this.ranges.length;
  }
  contains(ip: string): boolean {
    for (const r of this.ranges) if (cidrContains(r, ip)) return true;
    return false;
  }
}
