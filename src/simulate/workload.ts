/**
 * The synthetic workload, drawn once per run and replayed through every policy, so policies
 * are compared on the very same arrivals, clients, job sizes and fault draws.
 *
 * Each quantity comes from its own seeded stream (derived from the run's seed and a label), so
 * changing one knob (say, the number of clients) leaves the other draws as they were.
 * Job sizes have mean 1; the runner multiplies them by the chosen backend's mean service time.
 */
import { seededRandom } from '../core/random.js';
import type { Random } from '../core/random.js';
import { hashKey } from '../balancing/source-hash.js';
import { LOGNORMAL_SIGMA, MAX_REQUESTS } from './model.js';
import type { ArrivalShape, LatencyShape, SimulationSpec } from './model.js';

export interface Workload {
  readonly count: number;
  /** Arrival time of request i, in milliseconds, non-decreasing. */
  readonly arrivalMs: Float64Array;
  /** Client address of request i (the stickiness key), one of `clients` distinct addresses. */
  readonly key: readonly string[];
  /** Job size of the first attempt and of the retry (mean 1). */
  readonly size: readonly [Float64Array, Float64Array];
  /** Uniform draw in [0, 1) deciding whether the first attempt and the retry fail. */
  readonly failDraw: readonly [Float64Array, Float64Array];
}

/** An independent stream for `label` under `seed`. */
export function streamFor(seed: number, label: string): Random {
  return seededRandom(hashKey(`${seed}/${label}`));
}

export function buildWorkload(spec: SimulationSpec): Workload {
  const arrivalMs = arrivals(spec);
  const count = arrivalMs.length;
  const clientRandom = streamFor(spec.seed, 'clients');
  // Addresses are made only for the clients drawn, each once (there may be more clients than requests).
  const addresses = new Map<number, string>();
  const key: string[] = [];
  for (let i = 0; i < count; i++) {
    const c = Math.floor(clientRandom.next() * spec.clients);
    let address = addresses.get(c);
    if (address === undefined) {
      address = clientAddress(c);
      addresses.set(c, address);
    }
    key.push(address);
  }
  return {
    count,
    arrivalMs,
    key,
    size: [sizes(spec.shape, count, streamFor(spec.seed, 'size-1')), sizes(spec.shape, count, streamFor(spec.seed, 'size-2'))],
    failDraw: [uniforms(count, streamFor(spec.seed, 'fail-1')), uniforms(count, streamFor(spec.seed, 'fail-2'))],
  };
}

/** A stable, distinct IPv4 address for client `c` (10.0.0.1, 10.0.0.2, …). */
export function clientAddress(c: number): string {
  const n = c + 1;
  return `10.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

function arrivals(spec: SimulationSpec): Float64Array {
  const random = streamFor(spec.seed, 'arrivals');
  const gapMs = 1000 / spec.ratePerSec;
  const limit = spec.stop.type === 'requests' ? Math.min(spec.stop.count, MAX_REQUESTS) : MAX_REQUESTS;
  const endMs = spec.stop.type === 'duration' ? spec.stop.ms : Number.POSITIVE_INFINITY;
  const out: number[] = [];
  let t = 0;
  for (let i = 0; i < limit; i++) {
    t += nextGap(spec.arrival, gapMs, random);
    if (t >= endMs) break;
    out.push(t);
  }
  return Float64Array.from(out);
}

function nextGap(shape: ArrivalShape, meanMs: number, random: Random): number {
  return shape === 'poisson' ? meanMs * exponential(random) : meanMs;
}

function sizes(shape: LatencyShape, count: number, random: Random): Float64Array {
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) out[i] = jobSize(shape, random);
  return out;
}

function uniforms(count: number, random: Random): Float64Array {
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) out[i] = random.next();
  return out;
}

/** One job size with mean 1 in the given shape. */
export function jobSize(shape: LatencyShape, random: Random): number {
  switch (shape) {
    case 'exponential':
      return exponential(random);
    case 'lognormal':
      return Math.exp(-(LOGNORMAL_SIGMA * LOGNORMAL_SIGMA) / 2 + LOGNORMAL_SIGMA * standardNormal(random));
    case 'constant':
      return 1;
  }
}

function exponential(random: Random): number {
  return -Math.log(1 - random.next());
}

/** Box–Muller (one of the pair is used, which keeps the stream position simple). */
function standardNormal(random: Random): number {
  const u1 = 1 - random.next();
  const u2 = random.next();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}
