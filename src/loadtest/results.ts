/**
 * What a load test counts while it runs (ResultCollector: a few counters and an HDR histogram,
 * nothing allocated per response) and the result it reports at the end (LoadtestResult: plain
 * JSON, the shape written by -o and printed by --json).
 */
import { build, type Histogram } from 'hdr-histogram-js';
import { ERROR_KINDS, type ErrorKind } from './error-kinds.js';
import type { LoadtestSettings } from './settings.js';

/** The percentiles of the result's latency table. */
export const PERCENTILES = [0, 10, 25, 50, 75, 90, 95, 97.5, 99, 99.9, 99.99, 100] as const;

/** Latency in milliseconds, to the microsecond. */
export interface LatencySummary {
  readonly min: number;
  readonly mean: number;
  readonly stdev: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p99_9: number;
  readonly max: number;
}

export interface LoadtestResult {
  readonly settings: {
    readonly url: string;
    readonly method: string;
    readonly connections: number;
    readonly requests: number | null;
    readonly durationMs: number | null;
    readonly rate: number | null;
    readonly keepAlive: boolean;
    readonly timeoutMs: number;
    readonly headers: readonly string[];
    readonly bodyBytes: number;
    readonly backendHeader: string;
  };
  readonly startedAt: string;
  readonly elapsedMs: number;
  readonly summary: {
    /** Requests that ended: with a response or with an error. */
    readonly requests: number;
    readonly responses: number;
    /** Responses with a status outside 200–299 (not errors). */
    readonly non2xx: number;
    readonly errors: number;
    /** Responses per second (errors are not counted). */
    readonly requestsPerSecond: number;
    readonly bytesRead: number;
    readonly bytesPerSecond: number;
    readonly bytesWritten: number;
    readonly connectionsOpened: number;
    /** Open model only: requests that fell due but were never sent before the run ended. */
    readonly unsent: number;
    readonly latencyMs: LatencySummary;
  };
  readonly statuses: Readonly<Record<string, number>>;
  readonly backends: Readonly<Record<string, number>>;
  /** Responses without the backend header. */
  readonly withoutBackendHeader: number;
  readonly errors: Readonly<Record<ErrorKind, number>>;
  /** Socket error codes behind the `socket` kind (and the others), with counts. */
  readonly errorCodes: Readonly<Record<string, number>>;
  readonly latencyPercentilesMs: readonly { readonly percentile: number; readonly ms: number }[];
}

/** Microseconds → milliseconds with three decimals. */
function ms(us: number): number {
  return Math.round(us) / 1000;
}

export class ResultCollector {
  responses = 0;
  failures = 0;
  /** Responses counted by status code (index = status, 100–599). */
  private readonly statusCounts = new Float64Array(600);
  private readonly backendCounts = new Map<string, number>();
  private noBackend = 0;
  private readonly errorCounts = new Map<ErrorKind, number>();
  private readonly codeCounts = new Map<string, number>();
  private readonly histogram: Histogram = build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3, autoResize: true });
  private minUs = Infinity;
  private maxUs = 0;
  private sumUs = 0;

  /** A response arrived `latencyUs` microseconds after its origin. */
  response(status: number, backend: string | undefined, latencyUs: number): void {
    this.responses++;
    this.statusCounts[status] = (this.statusCounts[status] ?? 0) + 1;
    if (backend === undefined) this.noBackend++;
    else this.backendCounts.set(backend, (this.backendCounts.get(backend) ?? 0) + 1);
    const us = latencyUs > 0 ? Math.round(latencyUs) : 0;
    this.histogram.recordValue(us);
    if (us < this.minUs) this.minUs = us;
    if (us > this.maxUs) this.maxUs = us;
    this.sumUs += us;
  }

  /** A request ended without a response. */
  failure(kind: ErrorKind, code: string | undefined): void {
    this.failures++;
    this.errorCounts.set(kind, (this.errorCounts.get(kind) ?? 0) + 1);
    if (code !== undefined) this.codeCounts.set(code, (this.codeCounts.get(code) ?? 0) + 1);
  }

  /** Requests ended so far. */
  get done(): number {
    return this.responses + this.failures;
  }

  /** The result of the run. */
  result(settings: LoadtestSettings, info: { startedAt: Date; elapsedMs: number; bytesRead: number; bytesWritten: number; connectionsOpened: number; unsent: number }): LoadtestResult {
    const seconds = info.elapsedMs / 1000;
    const statuses: Record<string, number> = {};
    let non2xx = 0;
    for (let s = 100; s < 600; s++) {
      const n = this.statusCounts[s] ?? 0;
      if (n === 0) continue;
      statuses[String(s)] = n;
      if (s < 200 || s > 299) non2xx += n;
    }
    const errors = Object.fromEntries(ERROR_KINDS.map((k) => [k, this.errorCounts.get(k) ?? 0])) as Record<ErrorKind, number>;
    const h = this.histogram;
    const empty = this.responses === 0;
    // The histogram reports a bucket's highest equivalent value; keep it within what was seen.
    const at = (p: number): number => (empty ? 0 : ms(Math.min(this.maxUs, Math.max(this.minUs, p === 0 ? this.minUs : p === 100 ? this.maxUs : h.getValueAtPercentile(p)))));
    return {
      settings: {
        url: settings.url,
        method: settings.method,
        connections: settings.connections,
        requests: settings.requests ?? null,
        durationMs: settings.durationMs ?? null,
        rate: settings.rate ?? null,
        keepAlive: settings.keepAlive,
        timeoutMs: settings.timeoutMs,
        headers: settings.headers.map(([n, v]) => `${n}: ${v}`),
        bodyBytes: settings.body?.length ?? 0,
        backendHeader: settings.backendHeader,
      },
      startedAt: info.startedAt.toISOString(),
      elapsedMs: Math.round(info.elapsedMs * 1000) / 1000,
      summary: {
        requests: this.done,
        responses: this.responses,
        non2xx,
        errors: this.failures,
        requestsPerSecond: seconds > 0 ? Math.round((this.responses / seconds) * 100) / 100 : 0,
        bytesRead: info.bytesRead,
        bytesPerSecond: seconds > 0 ? Math.round(info.bytesRead / seconds) : 0,
        bytesWritten: info.bytesWritten,
        connectionsOpened: info.connectionsOpened,
        unsent: info.unsent,
        latencyMs: {
          min: at(0),
          mean: empty ? 0 : ms(this.sumUs / this.responses),
          stdev: empty ? 0 : ms(h.stdDeviation),
          p50: at(50),
          p90: at(90),
          p99: at(99),
          p99_9: at(99.9),
          max: at(100),
        },
      },
      statuses,
      backends: Object.fromEntries([...this.backendCounts].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))),
      withoutBackendHeader: this.noBackend,
      errors,
      errorCodes: Object.fromEntries(this.codeCounts),
      latencyPercentilesMs: PERCENTILES.map((p) => ({ percentile: p, ms: at(p) })),
    };
  }

  /** Frees the histogram's memory. */
  destroy(): void {
    this.histogram.destroy();
  }
}
