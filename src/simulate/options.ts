/**
 * `switchyard simulate` options: from flag values (as parsed by the CLI) to a SimulationSpec.
 * Every mistake throws SY_CLI_USAGE with one line naming the flag and the value given.
 */
import { SwitchyardError } from '../core/errors.js';
import { POLICY_NAMES } from '../config/policy-names.js';
import type { PolicyName } from '../config/policy-names.js';
import { MAX_REQUESTS, nominalCapacityPerSec } from './model.js';
import type { ArrivalShape, BackendModel, LatencyShape, SimulationSpec, StopRule } from './model.js';

export const SIMULATE_USAGE = `Usage: switchyard simulate [options]

Replays one synthetic workload through every balancing policy (no sockets, simulated time)
and prints tail latency, errors and load share per policy.

Workload:
  --requests N        requests to simulate (default 50000)
  --duration D        or: simulated time to send requests for, e.g. 60s
  --load F            arrival rate as a share of the backends' nominal capacity (default 0.7)
  --rate N            or: arrivals per second
  --arrival SHAPE     poisson (default) or uniform (evenly spaced)
  --clients N         distinct client addresses, the key of source-hash (default 1000)
  --seed N            same seed, same run (default 1)
Backends (numbered from 1):
  --backends N        how many (default 5, or as many as --weights lists)
  --weights LIST      weights, e.g. 1,1,2 (default 1 each)
  --capacity K        requests each backend serves in parallel; more queue (default 4; or a list)
  --latency D         mean service time, e.g. 20ms (default 20ms)
  --shape SHAPE       service-time shape: exponential (default), lognormal (σ=1) or constant
  --slow I:F          backend I is F times slower (repeat or list: 1:4,3:2)
  --failing I:R       backend I fails a share R (0..1) of requests within 1 ms
  --retry             retry a failed request once on another backend
Output:
  --policies LIST     policies to run (default all)
  --json              print every result as JSON
  --svg FILE          write a chart as a self-contained SVG file
  --html FILE         write the table and chart as a self-contained HTML page
  --chart             draw the terminal chart even when stdout is not a terminal
`;

/** Flag values as the CLI parsed them: strings, booleans, or lists for repeatable flags. */
export type FlagValues = Readonly<Record<string, string | boolean | readonly string[] | undefined>>;

const DEFAULTS = { requests: 50_000, load: 0.7, clients: 1000, seed: 1, backends: 5, capacity: 4, latencyMs: 20 } as const;
const MAX_BACKENDS = 1000;
const MAX_CLIENTS = 10_000_000;

export function specFromFlags(values: FlagValues): SimulationSpec {
  const requests = optional(values, 'requests', (v) => integer('--requests', v, 1, MAX_REQUESTS));
  const durationMs = optional(values, 'duration', (v) => milliseconds('--duration', v));
  if (requests !== undefined && durationMs !== undefined) usage('--requests and --duration: give one of them, not both');
  if (durationMs !== undefined && durationMs <= 0) usage(`--duration: must be above 0, got "${text(values, 'duration')}"`);

  const weights = optional(values, 'weights', (v) => list('--weights', v).map((w) => number('--weights', w, 0, 1e6)));
  if (weights !== undefined && !weights.some((w) => w > 0)) usage(`--weights: at least one weight must be above 0, got "${text(values, 'weights')}"`);
  const count = optional(values, 'backends', (v) => integer('--backends', v, 1, MAX_BACKENDS)) ?? weights?.length ?? DEFAULTS.backends;
  if (weights !== undefined && weights.length !== count) usage(`--weights: lists ${weights.length} weights for ${count} backends`);
  const capacities = optional(values, 'capacity', (v) => list('--capacity', v).map((c) => integer('--capacity', c, 1, 100_000)));
  if (capacities !== undefined && capacities.length !== 1 && capacities.length !== count) usage(`--capacity: lists ${capacities.length} values for ${count} backends (give one, or one per backend)`);
  const slow = pairs(values, 'slow', count, (f) => number('--slow', f, 1e-6, 1e6), 'I:F, e.g. 1:4 (backend 1 is 4 times slower)');
  const failing = pairs(values, 'failing', count, (r) => number('--failing', r, 0, 1), 'I:R, e.g. 2:0.5 (backend 2 fails half its requests)');

  const backends: BackendModel[] = [];
  for (let i = 0; i < count; i++) {
    backends.push({
      weight: weights?.[i] ?? 1,
      capacity: (capacities?.length === 1 ? capacities[0] : capacities?.[i]) ?? DEFAULTS.capacity,
      slow: slow.get(i) ?? 1,
      failRate: failing.get(i) ?? 0,
    });
  }

  const latencyMs = optional(values, 'latency', (v) => milliseconds('--latency', v)) ?? DEFAULTS.latencyMs;
  if (latencyMs <= 0) usage(`--latency: must be above 0, got "${text(values, 'latency')}"`);
  const rate = optional(values, 'rate', (v) => number('--rate', v, 1e-6, 1e9));
  const load = optional(values, 'load', (v) => number('--load', v, 1e-6, 100));
  if (rate !== undefined && load !== undefined) usage('--rate and --load: give one of them, not both');
  const ratePerSec = rate ?? (load ?? DEFAULTS.load) * nominalCapacityPerSec(latencyMs, backends);

  const stop: StopRule = durationMs !== undefined ? { type: 'duration', ms: durationMs } : { type: 'requests', count: requests ?? DEFAULTS.requests };
  if (stop.type === 'duration' && (ratePerSec * stop.ms) / 1000 > MAX_REQUESTS) {
    usage(`--duration: ${stop.ms} ms at ${round(ratePerSec)}/s is more than ${MAX_REQUESTS} requests; shorten it`);
  }

  return {
    seed: optional(values, 'seed', (v) => integer('--seed', v, 0, 2 ** 32 - 1)) ?? DEFAULTS.seed,
    arrival: optional(values, 'arrival', (v) => oneOf<ArrivalShape>('--arrival', v, ['poisson', 'uniform'])) ?? 'poisson',
    ratePerSec,
    stop,
    clients: optional(values, 'clients', (v) => integer('--clients', v, 1, MAX_CLIENTS)) ?? DEFAULTS.clients,
    latencyMs,
    shape: optional(values, 'shape', (v) => oneOf<LatencyShape>('--shape', v, ['exponential', 'lognormal', 'constant'])) ?? 'exponential',
    backends,
    retry: values.retry === true,
    policies: optional(values, 'policies', policies) ?? POLICY_NAMES,
  };
}

function policies(value: string): PolicyName[] {
  const out: PolicyName[] = [];
  for (const name of list('--policies', value)) {
    const p = POLICY_NAMES.find((n) => n === name);
    if (p === undefined) usage(`--policies: unknown policy "${name}" (one of ${POLICY_NAMES.join(', ')})`);
    if (!out.includes(p)) out.push(p);
  }
  return out;
}

/** `I:V` pairs from a repeatable flag, each entry possibly a comma list; backend I is 1-based. */
function pairs(values: FlagValues, name: string, count: number, parse: (v: string) => number, form: string): Map<number, number> {
  const raw = values[name];
  const given = raw === undefined || typeof raw === 'boolean' ? [] : typeof raw === 'string' ? [raw] : raw;
  const out = new Map<number, number>();
  for (const entry of given) {
    for (const item of list(`--${name}`, entry)) {
      const m = /^(\d+):(.+)$/.exec(item);
      if (m === null) usage(`--${name}: must be ${form}, got "${item}"`);
      const index = Number(m[1]);
      if (index < 1 || index > count) usage(`--${name}: backend ${m[1]} does not exist (backends are numbered 1 to ${count}), got "${item}"`);
      out.set(index - 1, parse(m[2] ?? ''));
    }
  }
  return out;
}

function optional<T>(values: FlagValues, name: string, parse: (v: string) => T): T | undefined {
  const v = values[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') return parse(typeof v === 'boolean' ? '' : (v[v.length - 1] ?? ''));
  return parse(v);
}

function text(values: FlagValues, name: string): string {
  const v = values[name];
  return typeof v === 'string' ? v : '';
}

function list(flag: string, value: string): string[] {
  const items = value.split(',').map((s) => s.trim());
  if (items.some((s) => s === '')) usage(`${flag}: must be a comma-separated list without empty items, got "${value}"`);
  return items;
}

const NUMBER_RE = /^(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?$/i;

function number(flag: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!NUMBER_RE.test(value) || n < min || n > max) usage(`${flag}: must be a number from ${min === 1e-6 ? 'above 0' : min} to ${max}, got "${value}"`);
  return n;
}

function integer(flag: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) usage(`${flag}: must be a whole number from ${min} to ${max}, got "${value}"`);
  return n;
}

/** A plain number of milliseconds ("20", "2.5") or with a unit ("20ms", "1.5s", "2m"). */
function milliseconds(flag: string, value: string): number {
  const m = /^((?:\d+(?:\.\d*)?|\.\d+))\s*(ms|s|m|h)?$/.exec(value.trim());
  const scale: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  if (m === null) usage(`${flag}: must be a duration like "20ms", "1.5s" or a number of milliseconds, got "${value}"`);
  return Number(m[1]) * (scale[m[2] ?? 'ms'] ?? 1);
}

function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  const found = allowed.find((a) => a === value);
  if (found === undefined) usage(`${flag}: must be one of ${allowed.join(', ')}, got "${value}"`);
  return found;
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

function usage(message: string): never {
  throw new SwitchyardError('SY_CLI_USAGE', `simulate: ${message}`);
}
