/**
 * The simulator's model: what a run is made of (workload, backends, faults) and what it
 * reports per policy. Plain data only; the runner and the report read these shapes.
 *
 * The queueing model, per backend: `capacity` parallel slots; a request that finds every slot
 * busy waits in the backend's own FIFO queue. Service times are drawn from one distribution
 * (mean `latencyMs`, scaled by the backend's `slow` factor), so with Poisson arrivals and
 * exponential service each backend is an M/M/k queue. A request's latency is its queueing plus
 * its service. A backend's `active` (what least-conn style policies read) counts requests
 * queued and in service, as the proxy counts requests sent and not yet answered.
 */
import type { PolicyName } from '../config/policy-names.js';

export type ArrivalShape = 'poisson' | 'uniform';
export type LatencyShape = 'exponential' | 'lognormal' | 'constant';

/** When the workload ends: after a number of requests, or once simulated time passes a limit. */
export type StopRule = { readonly type: 'requests'; readonly count: number } | { readonly type: 'duration'; readonly ms: number };

export interface BackendModel {
  /** The candidate weight the policies see. */
  readonly weight: number;
  /** Requests served in parallel; the rest queue. */
  readonly capacity: number;
  /** Service-time multiplier (1 = nominal). */
  readonly slow: number;
  /** Share of requests that fail fast, 0..1. */
  readonly failRate: number;
}

export interface SimulationSpec {
  readonly seed: number;
  readonly arrival: ArrivalShape;
  /** Arrivals per simulated second. */
  readonly ratePerSec: number;
  readonly stop: StopRule;
  /** Distinct client addresses (the key of hashing policies). */
  readonly clients: number;
  /** Mean service time of a nominal backend, in milliseconds. */
  readonly latencyMs: number;
  readonly shape: LatencyShape;
  readonly backends: readonly BackendModel[];
  /** Retry a failed request once on another backend (excluding the one that failed). */
  readonly retry: boolean;
  readonly policies: readonly PolicyName[];
}

/** σ of the lognormal service-time shape (the mean stays `latencyMs`). */
export const LOGNORMAL_SIGMA = 1;
/** How long a failing backend takes to fail a request, in milliseconds (it never queues). */
export const FAIL_FAST_MS = 1;
/** The most requests one run may simulate (bounds memory and time). */
export const MAX_REQUESTS = 2_000_000;

/** Requests per second the backends can serve at nominal speed: Σ capacity / mean latency. */
export function nominalCapacityPerSec(latencyMs: number, backends: readonly BackendModel[]): number {
  let slots = 0;
  for (const b of backends) slots += b.capacity;
  return (slots * 1000) / latencyMs;
}

/** The id of backend `index` (0-based) as policies and reports see it: b1, b2, … */
export function backendId(index: number): string {
  return `b${index + 1}`;
}

export interface LatencySummary {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
  readonly mean: number;
  readonly max: number;
}

export interface BackendResult {
  readonly id: string;
  readonly weight: number;
  /** Attempts sent to this backend (first tries and retries). */
  readonly picks: number;
  /** picks as a percentage of all attempts. */
  readonly sharePct: number;
  /** Attempts this backend failed. */
  readonly failed: number;
  /** The most requests in flight on this backend at once. */
  readonly maxInFlight: number;
}

export interface PolicyResult {
  readonly policy: PolicyName;
  /** Client requests that arrived. */
  readonly requests: number;
  /** Client requests answered successfully (the latency summary covers these). */
  readonly completed: number;
  /** Client requests that ended in a failure (after the retry, when retries are on). */
  readonly errors: number;
  /** Attempts that failed, retried or not. */
  readonly failedAttempts: number;
  readonly retries: number;
  /** Latency of answered requests in milliseconds, from arrival to answer (a failed first try included). */
  readonly latencyMs: LatencySummary;
  /** The most requests in flight on any one backend at once. */
  readonly maxInFlight: number;
  /** Simulated time when the last request finished, in milliseconds. */
  readonly endMs: number;
  readonly backends: readonly BackendResult[];
}

export interface SimulationReport {
  readonly spec: SimulationSpec;
  readonly nominalCapacityPerSec: number;
  readonly results: readonly PolicyResult[];
}
