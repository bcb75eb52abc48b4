/**
 * The live state of one backend: admin state × health × ejection × in-flight count, plus
 * totals. This is the only mutable state that outlives a config snapshot; it is keyed by the
 * backend's stable id so a reload can carry it over. Eligibility is computed here, once.
 */
import type { AdminState, BackendSpec } from '../config/model.js';
import type { Candidate } from '../balancing/types.js';
import { initialHealth, type HealthCounter } from '../health/state.js';
import { Histogram } from '../observability/histogram.js';
import type { RequestStats } from '../observability/request-stats.js';

export type { AdminState };
export type Health = 'up' | 'down';

export interface BackendTotals {
  /** Connections opened to this backend (connect succeeded): per client connection for TCP, per upstream connection for HTTP (reused by many requests). */
  connections: number;
  /** Connect attempts that failed (refused, reset, timed out). */
  connectFailures: number;
  /** Bytes received from the backend (HTTP: the bytes of the responses sent to clients). */
  bytesIn: number;
  /** Bytes sent to the backend (HTTP: the bytes of the requests received from clients). */
  bytesOut: number;
}

/** Counts of state transitions, by kind, for metrics and the snapshot. */
export interface TransitionCounts {
  up: number;
  down: number;
  ejected: number;
  returned: number;
  drain: number;
  maint: number;
  ready: number;
}

export interface LastProbe {
  readonly ok: boolean;
  /** "HTTP 200 in 2.1 ms" or the failure cause. */
  readonly detail: string;
  readonly latencyMs: number;
  readonly at: number;
}

export class Backend implements Candidate {
  spec: BackendSpec;
  /** Address to connect to: the resolved IP when names resolve once, else spec.host. */
  connectHost: string;
  adminState: AdminState;
  /** What active probes say; always up when the backend is not probed. */
  healthCounter: HealthCounter;
  /** Why the backend is down or ejected, for logs and the snapshot. */
  downCause: string | undefined;
  /** Ejected by passive health (outlier detection) until `ejectedUntil`. */
  ejected = false;
  ejectedUntil = 0;
  /** True while the outlier detector holds a failure streak for it (successes must be reported). */
  failureStreak = false;
  /** When it last became eligible, while its slow-start ramp lasts; undefined when not ramping. */
  rampSince: number | undefined;
  /** The weight policies see: the configured weight, scaled down during slow start. */
  effectiveWeight: number;
  active = 0;
  readonly totals: BackendTotals = { connections: 0, connectFailures: 0, bytesIn: 0, bytesOut: 0 };
  readonly transitions: TransitionCounts = { up: 0, down: 0, ejected: 0, returned: 0, drain: 0, maint: 0, ready: 0 };
  lastProbe: LastProbe | undefined;
  /** Latency of successful probes (µs), made at the first one. */
  probeLatency: Histogram | undefined;
  /** HTTP requests that ended on this backend, made at the first one (see runtime/http-listener.ts). */
  requestStats: RequestStats | undefined;

  constructor(spec: BackendSpec) {
    this.spec = spec;
    this.connectHost = spec.host;
    this.adminState = spec.initialAdminState;
    this.healthCounter = initialHealth(spec.probe?.initialState ?? 'up');
    this.effectiveWeight = spec.weight;
  }

  /** Records the latency of a successful probe. */
  recordProbeLatency(ms: number): void {
    this.probeLatency ??= new Histogram();
    this.probeLatency.record(Math.round(ms * 1000));
  }

  get id(): string {
    return this.spec.id;
  }

  get weight(): number {
    return this.effectiveWeight;
  }

  get health(): Health {
    return this.healthCounter.status;
  }

  /** May receive new connections and requests: the single place eligibility is computed. */
  get eligible(): boolean {
    return this.adminState === 'ready' && this.healthCounter.status === 'up' && !this.ejected && this.spec.weight > 0;
  }

  /** May receive traffic when the pool panics: everything an operator has not taken out. */
  get panicEligible(): boolean {
    return this.adminState === 'ready' && this.spec.weight > 0;
  }

  /** At its connection limit right now. */
  get full(): boolean {
    return this.spec.maxConnections > 0 && this.active >= this.spec.maxConnections;
  }
}
