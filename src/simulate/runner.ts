/**
 * The discrete-event run of one policy over a workload. No real time, no sockets: the clock is
 * the time of the event being handled. Each pick goes through the same picker the proxy builds
 * (`createPicker` over candidates `{id, weight, active}`), and `active` is kept live as the
 * proxy's backend state is: incremented when a request is sent, decremented when it is answered
 * or fails. A failed attempt is retried at most once, with the failed backend in `exclude`,
 * as the proxy's failover does. Backends of weight 0 are not candidates, as in a pool.
 *
 * Ties: an answer due at the same instant as an arrival is handled first (its slot is free).
 */
import { createPicker } from '../balancing/registry.js';
import type { Candidate, Picker } from '../balancing/types.js';
import type { PolicyName } from '../config/policy-names.js';
import { EventQueue } from './event-queue.js';
import { backendId, FAIL_FAST_MS, nominalCapacityPerSec } from './model.js';
import type { BackendModel, PolicyResult, SimulationReport, SimulationSpec } from './model.js';
import { summarize } from './stats.js';
import { buildWorkload, streamFor } from './workload.js';
import type { Workload } from './workload.js';

/** One backend's live state during a run; the picker reads `active`. */
class SimBackend implements Candidate {
  active = 0;
  busy = 0;
  picks = 0;
  failed = 0;
  maxInFlight = 0;
  /** Waiting attempts (tokens), FIFO from `head`. */
  private readonly waiting: number[] = [];
  private head = 0;

  constructor(
    readonly index: number,
    readonly id: string,
    readonly weight: number,
    readonly capacity: number,
    readonly serviceMeanMs: number,
    readonly failRate: number,
  ) {}

  enqueue(token: number): void {
    this.waiting.push(token);
  }

  dequeue(): number | undefined {
    if (this.head >= this.waiting.length) return undefined;
    const token = this.waiting[this.head++];
    if (this.head > 1024 && this.head * 2 > this.waiting.length) {
      this.waiting.splice(0, this.head);
      this.head = 0;
    }
    return token;
  }
}

/** An attempt is `request * 2 + attempt` (attempt 0 is the first try, 1 the retry). */
type Token = number;
type SimEvent = { readonly type: 'answered' | 'failed'; readonly backend: SimBackend; readonly token: Token };

/** Runs every policy of `spec` over one shared workload. */
export function simulate(spec: SimulationSpec): SimulationReport {
  const workload = buildWorkload(spec);
  return {
    spec,
    nominalCapacityPerSec: nominalCapacityPerSec(spec.latencyMs, spec.backends),
    results: spec.policies.map((policy) => simulatePolicy(spec, workload, policy)),
  };
}

export function simulatePolicy(spec: SimulationSpec, workload: Workload, policy: PolicyName): PolicyResult {
  const backends = spec.backends.map((b: BackendModel, i) => new SimBackend(i, backendId(i), b.weight, b.capacity, spec.latencyMs * b.slow, b.failRate));
  const candidates = backends.filter((b) => b.weight > 0);
  const picker: Picker<SimBackend> = createPicker(policy, candidates, { random: streamFor(spec.seed, `policy/${policy}`) });
  const events = new EventQueue<SimEvent>();
  const { arrivalMs, key, size, failDraw, count } = workload;
  const latencies = new Float64Array(count);
  let completed = 0;
  let errors = 0;
  let failedAttempts = 0;
  let retries = 0;
  let endMs = 0;

  const start = (b: SimBackend, token: Token, now: number): void => {
    b.busy++;
    const sizes = (token & 1) === 0 ? size[0] : size[1];
    events.push(now + (sizes[token >>> 1] ?? 1) * b.serviceMeanMs, { type: 'answered', backend: b, token });
  };

  const send = (request: number, attempt: 0 | 1, now: number, exclude: ReadonlySet<string> | undefined): void => {
    const b = picker.pick({ key: key[request], exclude });
    if (b === undefined) {
      errors++;
      return;
    }
    b.picks++;
    b.active++;
    if (b.active > b.maxInFlight) b.maxInFlight = b.active;
    const token = request * 2 + attempt;
    if ((failDraw[attempt][request] ?? 1) < b.failRate) events.push(now + FAIL_FAST_MS, { type: 'failed', backend: b, token });
    else if (b.busy < b.capacity) start(b, token, now);
    else b.enqueue(token);
  };

  let next = 0;
  // Bounded: each request is sent at most twice and each send schedules exactly one event.
  while (next < count || events.size > 0) {
    const arrival = next < count ? (arrivalMs[next] ?? 0) : Number.POSITIVE_INFINITY;
    if (events.peekTime() > arrival) {
      send(next, 0, arrival, undefined);
      next++;
      continue;
    }
    const item = events.pop();
    if (item === undefined) break;
    const now = item.atMs;
    const { backend: b, token } = item.event;
    const request = token >>> 1;
    b.active--;
    endMs = now;
    if (item.event.type === 'answered') {
      b.busy--;
      latencies[completed++] = now - (arrivalMs[request] ?? now);
      const waiting = b.dequeue();
      if (waiting !== undefined) start(b, waiting, now);
      continue;
    }
    b.failed++;
    failedAttempts++;
    if (spec.retry && (token & 1) === 0) {
      retries++;
      send(request, 1, now, new Set([b.id]));
    } else {
      errors++;
    }
  }

  let totalPicks = 0;
  let maxInFlight = 0;
  for (const b of backends) {
    totalPicks += b.picks;
    if (b.maxInFlight > maxInFlight) maxInFlight = b.maxInFlight;
  }
  return {
    policy,
    requests: count,
    completed,
    errors,
    failedAttempts,
    retries,
    latencyMs: summarize(latencies, completed),
    maxInFlight,
    endMs,
    backends: backends.map((b) => ({
      id: b.id,
      weight: b.weight,
      picks: b.picks,
      sharePct: totalPicks === 0 ? 0 : (b.picks * 100) / totalPicks,
      failed: b.failed,
      maxInFlight: b.maxInFlight,
    })),
  };
}
