/** The read-only view of pools and backends that snapshots, status pages and the admin surfaces show. */
import { formatEndpoint } from '../core/address.js';
import type { PolicyName } from '../config/policy-names.js';
import type { AdminState, BackendTotals, Health, TransitionCounts } from './backend.js';
import type { Pool } from './pool.js';
import type { RequestStatsSnapshot } from '../observability/request-stats.js';

export interface ProbeSnapshot {
  readonly type: 'tcp' | 'http';
  /** The last probe: whether it passed and what it saw; null before the first. */
  readonly last: { readonly ok: boolean; readonly detail: string; readonly latencyMs: number; readonly agoMs: number } | null;
  /** Consecutive successes (while down) or failures (while up) so far, towards rise or fall. */
  readonly streak: number;
  /** Latency of successful probes in ms (`sum` of all of them); null before the first. */
  readonly latencyMs: { readonly p50: number; readonly p99: number; readonly max: number; readonly count: number; readonly sum: number } | null;
}

export interface BackendSnapshot {
  readonly id: string;
  readonly name: string;
  readonly address: string;
  /** Configured weight. */
  readonly weight: number;
  /** The weight policies see now (lower during slow start). */
  readonly effectiveWeight: number;
  readonly adminState: AdminState;
  /** What active probes say (always up when not probed). */
  readonly health: Health;
  readonly ejected: boolean;
  /** Milliseconds until an ejection ends; null when not ejected. */
  readonly ejectedForMs: number | null;
  /** With worker processes: the workers whose traffic ejected it (each worker detects outliers in its own traffic). */
  readonly ejectedIn?: readonly number[];
  readonly eligible: boolean;
  readonly downCause: string | null;
  readonly activeConnections: number;
  readonly totals: Readonly<BackendTotals>;
  readonly transitions: Readonly<TransitionCounts>;
  /** null when the backend is not probed. */
  readonly probe: ProbeSnapshot | null;
  /** HTTP requests that ended on this backend (as a listener counts them); absent before the first. */
  readonly requests?: RequestStatsSnapshot;
}

export interface PoolSnapshot {
  readonly name: string;
  readonly policy: PolicyName;
  readonly eligibleBackends: number;
  /** Too few backends eligible: traffic goes to every ready backend. */
  readonly panic: boolean;
  readonly backends: readonly BackendSnapshot[];
}

export function poolSnapshot(p: Pool, now: number): PoolSnapshot {
  return {
    name: p.name,
    policy: p.spec.policy,
    eligibleBackends: p.eligibleCount(),
    panic: p.inPanic,
    backends: p.backends.map((b) => {
      const probe = b.spec.probe;
      const h = b.probeLatency;
      return {
        id: b.id,
        name: b.spec.name,
        address: formatEndpoint({ host: b.spec.host, port: b.spec.port }),
        weight: b.spec.weight,
        effectiveWeight: b.effectiveWeight,
        adminState: b.adminState,
        health: b.health,
        ejected: b.ejected,
        ejectedForMs: b.ejected ? Math.max(0, Math.round(b.ejectedUntil - now)) : null,
        eligible: b.eligible,
        downCause: b.downCause ?? null,
        activeConnections: b.active,
        totals: { ...b.totals },
        transitions: { ...b.transitions },
        probe: probe
          ? {
              type: probe.type,
              last: b.lastProbe ? { ok: b.lastProbe.ok, detail: b.lastProbe.detail, latencyMs: b.lastProbe.latencyMs, agoMs: Math.max(0, Math.round(now - b.lastProbe.at)) } : null,
              streak: b.health === 'up' ? b.healthCounter.failures : b.healthCounter.successes,
              latencyMs: h !== undefined && h.count > 0 ? { p50: h.percentile(50) / 1000, p99: h.percentile(99) / 1000, max: h.max / 1000, count: h.count, sum: h.total / 1000 } : null,
            }
          : null,
        ...(b.requestStats ? { requests: b.requestStats.snapshot(now) } : {}),
      };
    }),
  };
}
