/**
 * Source hash: consistent hashing of the stickiness key (`ctx.key`, the client address) onto
 * a hash ring, so a client keeps reaching the same backend. Use it when backends hold
 * per-client state (sessions, caches) and you can live with uneven load.
 *
 * The ring is built once per picker: each candidate gets POINTS_PER_WEIGHT points per unit
 * of weight (at least 1), each point the hash of (id, replica number). A pick hashes the key,
 * binary-searches the first point at or after it and walks clockwise past excluded candidates,
 * so excluding a backend sends its keys exactly where removing it would. Because a backend's
 * points depend only on its own id and weight, removing one of N backends moves only the keys
 * it owned (about 1/N) and adding one moves about 1/(N+1), all to the newcomer.
 *
 * Very large total weights would make a huge ring: above MAX_RING_POINTS the points per unit
 * of weight are scaled down to fit (then membership changes move slightly more keys).
 * Weights are read when the ring is built; a later weight change (slow start) does not move
 * keys until the pool rebuilds the picker. Without a key, a random point is used.
 * Hashing is FNV-1a over UTF-16 code units finished by murmur3's fmix32 (not cryptographic).
 */
import type { Candidate, Picker, PolicyDeps, PolicyInfo } from './types.js';

/** Ring points per unit of weight (as in ketama): a weight-1 backend's share varies by about ±8%. */
export const POINTS_PER_WEIGHT = 160;
/** Ring size above which points per unit of weight are scaled down (1 MiB of typed arrays). */
export const MAX_RING_POINTS = 1 << 17;

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const TWO_POW_32 = 4294967296;

export function createSourceHash<C extends Candidate>(candidates: readonly C[], deps: PolicyDeps): Picker<C> {
  const list = candidates.slice();
  const n = list.length;
  const random = deps.random;
  const { hashes, owners } = buildRing(list);
  const size = hashes.length;

  return {
    pick(ctx) {
      if (size === 0) return undefined;
      const exclude = ctx?.exclude;
      const excluded = exclude !== undefined && exclude.size > 0 ? exclude : undefined;
      if (excluded !== undefined && !anyEligible(list, excluded)) return undefined;
      const key = ctx?.key;
      const point = key === undefined ? Math.floor(random.next() * TWO_POW_32) >>> 0 : hashKey(key);
      // First ring point >= point (wrapping to 0 past the end).
      let lo = 0;
      let hi = size;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if ((hashes[mid] ?? 0) < point) lo = mid + 1;
        else hi = mid;
      }
      let pos = lo === size ? 0 : lo;
      for (let step = 0; step < size; step++) {
        const c = list[owners[pos] ?? n];
        if (c !== undefined && (excluded === undefined || !excluded.has(c.id))) return c;
        pos = pos + 1 === size ? 0 : pos + 1;
      }
      return undefined;
    },
  };
}

function anyEligible(list: readonly Candidate[], exclude: ReadonlySet<string>): boolean {
  for (let i = 0; i < list.length; i++) {
    const c = list[i];
    if (c !== undefined && !exclude.has(c.id)) return true;
  }
  return false;
}

interface Ring {
  /** Point positions, ascending. */
  readonly hashes: Uint32Array;
  /** Candidate index owning each point. */
  readonly owners: Uint32Array;
}

function buildRing(list: readonly Candidate[]): Ring {
  const n = list.length;
  let totalWeight = 0;
  for (const c of list) totalWeight += usableWeight(c.weight);
  const perUnit =
    totalWeight * POINTS_PER_WEIGHT <= MAX_RING_POINTS ? POINTS_PER_WEIGHT : MAX_RING_POINTS / totalWeight;
  const counts = new Uint32Array(n);
  let size = 0;
  for (let i = 0; i < n; i++) {
    const c = list[i];
    const count = c === undefined ? 0 : Math.max(1, Math.round(usableWeight(c.weight) * perUnit));
    counts[i] = count;
    size += count;
  }
  // Pack (hash, index) into one exactly representable double (hash * n + index < 2^53 for
  // n < 2^21) so a native numeric sort orders the points, ties by list position.
  const packed = new Float64Array(size);
  let p = 0;
  for (let i = 0; i < n; i++) {
    const c = list[i];
    if (c === undefined) continue;
    const base = fnv1a(FNV_OFFSET, c.id);
    const count = counts[i] ?? 0;
    for (let k = 0; k < count; k++) packed[p++] = replicaHash(base, k) * n + i;
  }
  packed.sort();
  const hashes = new Uint32Array(size);
  const owners = new Uint32Array(size);
  for (let j = 0; j < size; j++) {
    const v = packed[j] ?? 0;
    const owner = v % n;
    owners[j] = owner;
    hashes[j] = (v - owner) / n;
  }
  return { hashes, owners };
}

/** The ring position of a stickiness key. */
export function hashKey(key: string): number {
  return fmix32(fnv1a(FNV_OFFSET, key));
}

function replicaHash(base: number, replica: number): number {
  let h = base;
  for (let shift = 0; shift < 32; shift += 8) {
    h ^= (replica >>> shift) & 0xff;
    h = Math.imul(h, FNV_PRIME);
  }
  return fmix32(h);
}

function fnv1a(seed: number, s: string): number {
  let h = seed;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, FNV_PRIME);
  }
  return h;
}

/** murmur3's 32-bit finalizer: spreads every input bit over the whole output. */
function fmix32(x: number): number {
  let h = x;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Anything not a positive finite number counts as 0 (such a candidate still gets 1 point). */
function usableWeight(w: number): number {
  return w > 0 && w < Number.POSITIVE_INFINITY ? w : 0;
}

export const sourceHashPolicy = {
  name: 'source-hash',
  weighted: true,
  summary: 'Consistent hashing of the client address: a client sticks to one backend; removing a backend moves only its share.',
  create: createSourceHash,
} satisfies PolicyInfo;
