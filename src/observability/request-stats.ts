/**
 * Request counters for one listener or one backend: totals, a latency histogram, and a sliding
 * window (10 slots of 1 s by default) for the request rate and the error rate.
 *
 * `record()` is called once per request on the data path: it allocates nothing after the first
 * request with a given termination code or an unusual status. Time comes from an injected clock;
 * there are no timers here.
 */
import { Histogram } from './histogram.js';

/** Epoch (or any monotonic) milliseconds. */
export interface RequestStatsClock {
  nowMs(): number;
}

export type StatusClass = '1xx' | '2xx' | '3xx' | '4xx' | '5xx';

export interface LatencySummaryMs {
  readonly avg: number;
  readonly min: number;
  readonly max: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
}

/** Upper bounds of the latency buckets by default, ms: Prometheus' usual 1 ms … 10 s. */
export const DEFAULT_LATENCY_BOUNDS_MS: readonly number[] = [1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

/** Request durations as cumulative buckets (what a Prometheus histogram shows). */
export interface LatencyBucketsSnapshot {
  /** Upper bounds, ms, ascending; an implicit last bucket (+Inf) holds every request (`count`). */
  readonly le: readonly number[];
  /** Requests that took ≤ each bound, cumulative (to within the histogram's precision, ≤ 1/64 of a bound). */
  readonly counts: readonly number[];
  /** Sum of every duration, ms (exact to the µs). */
  readonly sum: number;
  readonly count: number;
}

export interface RequestStatsSnapshot {
  /** Requests recorded since creation (or the last reset). */
  readonly requests: number;
  /** Requests per second over the sliding window. */
  readonly rps: number;
  /** Total durations since creation, in milliseconds (µs precision, ~1 % for the percentiles). */
  readonly latencyMs: LatencySummaryMs;
  /** The same durations as cumulative buckets. */
  readonly latencyBucketsMs: LatencyBucketsSnapshot;
  /** Failed requests (status ≥ 500, no status, or a failure termination) / requests, over the window; 0 when idle. */
  readonly errorRate: number;
  readonly statusCounts: Record<StatusClass, number>;
  /** Exact status codes seen, e.g. { "200": 10, "404": 1 }. */
  readonly byStatus: Record<string, number>;
  /** Requests per termination code, e.g. { "--": 10, "UF": 1 }. */
  readonly terminations: Record<string, number>;
  readonly bytesIn: number;
  readonly bytesOut: number;
}

/**
 * Termination codes that make a request count as failed even with a status below 500: no healthy
 * backend, upstream connect failure or timeout, upstream closed, idle timeout, local reset, limit.
 * A client that went away (`DC`) is not a failure of the proxy.
 */
export const DEFAULT_FAILURE_TERMINATIONS: readonly string[] = ['UH', 'UF', 'UT', 'UC', 'IT', 'LR', 'LC'];

export interface RequestStatsOptions {
  readonly clock: RequestStatsClock;
  /** Number of window slots (default 10). */
  readonly windowSlots?: number;
  /** Width of one slot in ms (default 1000). */
  readonly slotMs?: number;
  /** Termination codes counted as failures (default DEFAULT_FAILURE_TERMINATIONS). */
  readonly failureTerminations?: readonly string[];
  /** Upper bounds of the latency buckets in the snapshot, ms, ascending (default DEFAULT_LATENCY_BOUNDS_MS). */
  readonly latencyBoundsMs?: readonly number[];
}

/** Status codes below this have a counter slot of their own; others go to a Map. */
const STATUS_TABLE = 600;

export class RequestStats {
  private readonly clock: RequestStatsClock;
  private readonly slots: number;
  private readonly slotMs: number;
  private readonly failures: ReadonlySet<string>;
  private readonly startMs: number;
  private readonly boundsMs: readonly number[];
  private readonly boundsUs: readonly number[];

  private total = 0;
  private inBytes = 0;
  private outBytes = 0;
  private readonly latency = new Histogram();
  /** Index 0..4 = 1xx..5xx. */
  private readonly classes = new Float64Array(5);
  private readonly statusTable = new Float64Array(STATUS_TABLE);
  private readonly otherStatus = new Map<number, number>();
  private readonly terms = new Map<string, number>();

  /** Which absolute slot number (floor(ms / slotMs)) each ring position currently holds. */
  private readonly slotId: Float64Array;
  private readonly slotRequests: Float64Array;
  private readonly slotErrors: Float64Array;

  constructor(opts: RequestStatsOptions) {
    this.clock = opts.clock;
    this.slots = Math.max(1, Math.floor(opts.windowSlots ?? 10));
    this.slotMs = Math.max(1, opts.slotMs ?? 1000);
    this.failures = new Set(opts.failureTerminations ?? DEFAULT_FAILURE_TERMINATIONS);
    this.slotId = new Float64Array(this.slots).fill(-1);
    this.slotRequests = new Float64Array(this.slots);
    this.slotErrors = new Float64Array(this.slots);
    this.startMs = this.clock.nowMs();
    this.boundsMs = [...(opts.latencyBoundsMs ?? DEFAULT_LATENCY_BOUNDS_MS)];
    this.boundsUs = this.boundsMs.map((ms) => Math.round(ms * 1000));
  }

  /** Records one finished request. `totalUs` is its whole duration in microseconds. */
  record(status: number, totalUs: number, termination: string, bytesIn: number, bytesOut: number): void {
    this.total++;
    this.inBytes += bytesIn;
    this.outBytes += bytesOut;
    this.latency.record(totalUs);

    const cls = (status / 100) | 0;
    if (cls >= 1 && cls <= 5) this.classes[cls - 1] = (this.classes[cls - 1] ?? 0) + 1;
    if (status >= 0 && status < STATUS_TABLE && status === (status | 0)) {
      this.statusTable[status] = (this.statusTable[status] ?? 0) + 1;
    } else {
      this.otherStatus.set(status, (this.otherStatus.get(status) ?? 0) + 1);
    }
    this.terms.set(termination, (this.terms.get(termination) ?? 0) + 1);

    const id = Math.floor(this.clock.nowMs() / this.slotMs);
    const s = ((id % this.slots) + this.slots) % this.slots;
    if (this.slotId[s] !== id) {
      this.slotId[s] = id;
      this.slotRequests[s] = 0;
      this.slotErrors[s] = 0;
    }
    this.slotRequests[s] = (this.slotRequests[s] ?? 0) + 1;
    if (status >= 500 || status < 100 || this.failures.has(termination)) {
      this.slotErrors[s] = (this.slotErrors[s] ?? 0) + 1;
    }
  }

  /** A plain-object view at time `nowMs` (same time base as the clock). */
  snapshot(nowMs: number): RequestStatsSnapshot {
    const cur = Math.floor(nowMs / this.slotMs);
    let req = 0;
    let err = 0;
    for (let s = 0; s < this.slots; s++) {
      const id = this.slotId[s] ?? -1;
      if (id <= cur && id > cur - this.slots) {
        req += this.slotRequests[s] ?? 0;
        err += this.slotErrors[s] ?? 0;
      }
    }
    // The window runs from the start of the oldest slot to now, but not before this object existed,
    // and is at least one slot long (so a burst in the first milliseconds does not read as huge).
    const full = (this.slots - 1) * this.slotMs + (nowMs - cur * this.slotMs);
    const span = Math.max(this.slotMs, Math.min(full, nowMs - this.startMs));

    const byStatus: Record<string, number> = {};
    for (let code = 0; code < STATUS_TABLE; code++) {
      const n = this.statusTable[code] ?? 0;
      if (n > 0) byStatus[String(code)] = n;
    }
    for (const [code, n] of this.otherStatus) byStatus[String(code)] = n;

    const h = this.latency;
    return {
      requests: this.total,
      rps: (req * 1000) / span,
      latencyMs: {
        avg: usToMs(h.mean),
        min: usToMs(h.min),
        max: usToMs(h.max),
        p50: usToMs(h.percentile(50)),
        p95: usToMs(h.percentile(95)),
        p99: usToMs(h.percentile(99)),
      },
      latencyBucketsMs: { le: [...this.boundsMs], counts: h.countsAtMost(this.boundsUs), sum: usToMs(h.total), count: h.count },
      errorRate: req === 0 ? 0 : err / req,
      statusCounts: {
        '1xx': this.classes[0] ?? 0,
        '2xx': this.classes[1] ?? 0,
        '3xx': this.classes[2] ?? 0,
        '4xx': this.classes[3] ?? 0,
        '5xx': this.classes[4] ?? 0,
      },
      byStatus,
      terminations: Object.fromEntries(this.terms),
      bytesIn: this.inBytes,
      bytesOut: this.outBytes,
    };
  }

  /** Forgets everything (the window too). */
  reset(): void {
    this.total = 0;
    this.inBytes = 0;
    this.outBytes = 0;
    this.latency.reset();
    this.classes.fill(0);
    this.statusTable.fill(0);
    this.otherStatus.clear();
    this.terms.clear();
    this.slotId.fill(-1);
    this.slotRequests.fill(0);
    this.slotErrors.fill(0);
  }
}

/** Microseconds → milliseconds rounded to the microsecond. */
function usToMs(us: number): number {
  return Math.round(us) / 1000;
}
