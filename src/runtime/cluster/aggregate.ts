/**
 * The cluster's status: the workers' snapshots summed, over the primary's view of pools and
 * health. Nothing is counted twice: traffic counters (connections, requests, bytes, terminations,
 * ejections) come only from workers, health and admin state only from the primary (whose pools
 * carry no traffic). Counters of workers that exited are kept (`retire`), so sums never go back.
 *
 * Request statistics: counts, bytes, rates and latency buckets are summed; the average is exact
 * (sum / count); min is the least and max the greatest; p50/p95/p99 are the greatest of the
 * workers' own percentiles, an upper bound of the cluster's (exact when the workers see the same
 * latencies, as balanced workers do).
 */
import type { BalancerSnapshot, ListenerSnapshot, WorkerSnapshot } from '../balancer.js';
import type { BackendSnapshot, PoolSnapshot } from '../../upstream/snapshot.js';
import type { RequestStatsSnapshot } from '../../observability/request-stats.js';
import type { TerminationCode } from '../../proxy/outcomes.js';

/** One worker's last snapshot. */
export interface WorkerPart {
  readonly id: number;
  readonly snapshot: BalancerSnapshot;
}

export interface ClusterView {
  readonly state: BalancerSnapshot['state'];
  readonly uptimeMs: number;
  readonly workers: readonly WorkerSnapshot[];
  readonly workerCrashes: number;
}

function sumCounts<T extends Readonly<Record<string, number>>>(a: T, b: Readonly<Record<string, number>>): T {
  const out: Record<string, number> = { ...a };
  for (const [k, n] of Object.entries(b)) out[k] = (out[k] ?? 0) + n;
  return out as T;
}

const round3 = (n: number): number => Math.round(n * 1000) / 1000;

export function mergeRequests(a: RequestStatsSnapshot | undefined, b: RequestStatsSnapshot | undefined): RequestStatsSnapshot | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  const count = a.latencyBucketsMs.count + b.latencyBucketsMs.count;
  const sum = a.latencyBucketsMs.sum + b.latencyBucketsMs.sum;
  const rps = a.rps + b.rps;
  const la = a.latencyMs;
  const lb = b.latencyMs;
  const min = a.requests === 0 ? lb.min : b.requests === 0 ? la.min : Math.min(la.min, lb.min);
  return {
    requests: a.requests + b.requests,
    rps,
    latencyMs: { avg: count === 0 ? 0 : round3(sum / count), min, max: Math.max(la.max, lb.max), p50: Math.max(la.p50, lb.p50), p95: Math.max(la.p95, lb.p95), p99: Math.max(la.p99, lb.p99) },
    latencyBucketsMs: { le: a.latencyBucketsMs.le, counts: a.latencyBucketsMs.counts.map((n, i) => n + (b.latencyBucketsMs.counts[i] ?? 0)), sum: round3(sum), count },
    errorRate: rps === 0 ? 0 : (a.errorRate * a.rps + b.errorRate * b.rps) / rps,
    statusCounts: sumCounts(a.statusCounts, b.statusCounts),
    byStatus: sumCounts(a.byStatus, b.byStatus),
    terminations: sumCounts(a.terminations, b.terminations),
    bytesIn: a.bytesIn + b.bytesIn,
    bytesOut: a.bytesOut + b.bytesOut,
  };
}

function mergeListener(a: ListenerSnapshot, b: ListenerSnapshot): ListenerSnapshot {
  const requests = mergeRequests(a.requests, b.requests);
  return {
    ...a,
    addresses: a.addresses.length > 0 ? a.addresses : b.addresses,
    activeConnections: a.activeConnections + b.activeConnections,
    acceptedConnections: a.acceptedConnections + b.acceptedConnections,
    rejectedConnections: a.rejectedConnections + b.rejectedConnections,
    terminations: sumCounts<Readonly<Record<TerminationCode, number>>>(a.terminations, b.terminations),
    ...(requests === undefined ? {} : { requests }),
  };
}

/** Traffic of one backend summed; state fields stay `a`'s. */
function mergeBackendTraffic(a: BackendSnapshot, b: BackendSnapshot): BackendSnapshot {
  const requests = mergeRequests(a.requests, b.requests);
  return {
    ...a,
    activeConnections: a.activeConnections + b.activeConnections,
    totals: sumCounts(a.totals, b.totals),
    transitions: { ...a.transitions, ejected: a.transitions.ejected + b.transitions.ejected, returned: a.transitions.returned + b.transitions.returned },
    ...(requests === undefined ? {} : { requests }),
  };
}

function quietRequests(r: RequestStatsSnapshot | undefined): RequestStatsSnapshot | undefined {
  return r === undefined ? undefined : { ...r, rps: 0, errorRate: 0 };
}

/** A snapshot's counters with nothing live: no open connections, no rates, no ejection. */
function quiesce(s: BalancerSnapshot): BalancerSnapshot {
  return {
    state: 'stopped',
    uptimeMs: 0,
    listeners: s.listeners.map((l) => {
      const requests = quietRequests(l.requests);
      return { ...l, addresses: [], activeConnections: 0, ...(requests === undefined ? {} : { requests }) };
    }),
    pools: s.pools.map((p) => ({
      ...p,
      panic: false,
      backends: p.backends.map((b) => {
        const requests = quietRequests(b.requests);
        return { ...b, activeConnections: 0, ejected: false, ejectedForMs: null, ...(requests === undefined ? {} : { requests }) };
      }),
    })),
  };
}

function unionBy<T>(a: readonly T[], b: readonly T[], key: (x: T) => string, merge: (x: T, y: T) => T): T[] {
  const out = new Map(a.map((x) => [key(x), x]));
  for (const y of b) {
    const x = out.get(key(y));
    out.set(key(y), x === undefined ? y : merge(x, y));
  }
  return [...out.values()];
}

/** Adds the counters of a worker that exited (its last snapshot) to what earlier ones left. */
export function retire(acc: BalancerSnapshot | undefined, last: BalancerSnapshot): BalancerSnapshot {
  const q = quiesce(last);
  if (acc === undefined) return q;
  return {
    ...acc,
    listeners: unionBy(acc.listeners, q.listeners, (l) => l.name, mergeListener),
    pools: unionBy(acc.pools, q.pools, (p) => p.name, (x, y) => ({ ...x, backends: unionBy(x.backends, y.backends, (b) => b.id, mergeBackendTraffic) })),
  };
}

/** Per-worker figures for the status' `workers` list. */
export function workerFigures(s: BalancerSnapshot): { connections: number; acceptedConnections: number; requests: number } {
  let connections = 0;
  let acceptedConnections = 0;
  let requests = 0;
  for (const l of s.listeners) {
    connections += l.activeConnections;
    acceptedConnections += l.acceptedConnections;
    requests += l.requests?.requests ?? 0;
  }
  return { connections, acceptedConnections, requests };
}

/**
 * The cluster's snapshot: listeners of the configuration with the workers' counters summed
 * (addresses from the workers), and the primary's pools (health, admin state, weights) with the
 * workers' traffic summed. A backend is ejected when any worker ejected it (`ejectedIn` names
 * them) and eligible while the primary finds it eligible and at least one worker has not ejected it.
 */
export function clusterSnapshot(probe: BalancerSnapshot, parts: readonly WorkerPart[], retired: BalancerSnapshot | undefined, view: ClusterView): BalancerSnapshot {
  const all = retired === undefined ? parts.map((p) => p.snapshot) : [...parts.map((p) => p.snapshot), retired];
  const listeners = probe.listeners.map((l) => all.reduce((acc, s) => {
    const w = s.listeners.find((x) => x.name === l.name);
    return w === undefined ? acc : mergeListener(acc, w);
  }, l));
  const traffic = new Map<string, { worker: number | undefined; backend: BackendSnapshot }[]>();
  const panics = new Set<string>();
  const add = (worker: number | undefined, s: BalancerSnapshot): void => {
    for (const p of s.pools) {
      if (p.panic) panics.add(p.name);
      for (const b of p.backends) {
        const k = `${p.name}\u0000${b.id}`;
        const list = traffic.get(k);
        if (list === undefined) traffic.set(k, [{ worker, backend: b }]);
        else list.push({ worker, backend: b });
      }
    }
  };
  for (const part of parts) add(part.id, part.snapshot);
  if (retired !== undefined) add(undefined, retired);
  const pools: PoolSnapshot[] = probe.pools.map((p) => {
    const backends = p.backends.map((b) => {
      const seen = traffic.get(`${p.name}\u0000${b.id}`) ?? [];
      const summed = seen.reduce((acc, s) => mergeBackendTraffic(acc, s.backend), b);
      const ejecting = seen.filter((s) => s.worker !== undefined && s.backend.ejected);
      const ejectedIn = ejecting.map((s) => s.worker as number);
      const eligible = b.eligible && (parts.length === 0 || ejectedIn.length < parts.length);
      return {
        ...summed,
        ejected: ejectedIn.length > 0,
        ejectedForMs: ejecting.length === 0 ? null : Math.max(...ejecting.map((s) => s.backend.ejectedForMs ?? 0)),
        ejectedIn,
        eligible,
        downCause: b.downCause ?? ejecting[0]?.backend.downCause ?? null,
      };
    });
    return { ...p, panic: p.panic || panics.has(p.name), eligibleBackends: backends.filter((b) => b.eligible).length, backends };
  });
  return { state: view.state, uptimeMs: view.uptimeMs, listeners, pools, workers: view.workers, workerCrashes: view.workerCrashes };
}
