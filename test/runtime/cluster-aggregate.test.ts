import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clusterSnapshot, mergeRequests, retire } from '../../src/runtime/cluster/aggregate.js';
import type { BalancerSnapshot, ListenerSnapshot } from '../../src/runtime/balancer.js';
import type { BackendSnapshot } from '../../src/upstream/snapshot.js';
import { RequestStats, type RequestStatsSnapshot } from '../../src/observability/request-stats.js';
import { TERMINATION_CODE_LIST, type TerminationCode } from '../../src/proxy/outcomes.js';

function terminations(normal: number): Record<TerminationCode, number> {
  const t = {} as Record<TerminationCode, number>;
  for (const c of TERMINATION_CODE_LIST) t[c] = 0;
  t['--'] = normal;
  return t;
}

/** Request stats of `latenciesMs`, one request each, all answered 200. */
function requests(latenciesMs: readonly number[]): RequestStatsSnapshot {
  const now = 5000;
  const stats = new RequestStats({ clock: { nowMs: () => now } });
  for (const ms of latenciesMs) stats.record(200, ms * 1000, '--', 100, 200);
  return stats.snapshot(now);
}

function listener(active: number, accepted: number, reqs?: RequestStatsSnapshot): ListenerSnapshot {
  return {
    name: 'web',
    protocol: 'http',
    addresses: accepted > 0 ? [{ address: '127.0.0.1', port: 8080, family: 'IPv4' }] : [],
    pools: ['p'],
    activePool: 'p',
    activeConnections: active,
    acceptedConnections: accepted,
    rejectedConnections: 0,
    terminations: terminations(accepted),
    ...(reqs ? { requests: reqs } : {}),
  };
}

function backend(over: Partial<BackendSnapshot>): BackendSnapshot {
  return {
    id: 'p/a',
    name: 'a',
    address: '127.0.0.1:1',
    weight: 1,
    effectiveWeight: 1,
    adminState: 'ready',
    health: 'up',
    ejected: false,
    ejectedForMs: null,
    eligible: true,
    downCause: null,
    activeConnections: 0,
    totals: { connections: 0, connectFailures: 0, bytesIn: 0, bytesOut: 0 },
    transitions: { up: 0, down: 0, ejected: 0, returned: 0, drain: 0, maint: 0, ready: 0 },
    probe: null,
    ...over,
  };
}

function snap(l: ListenerSnapshot, b: BackendSnapshot): BalancerSnapshot {
  return { state: 'running', uptimeMs: 1, listeners: [l], pools: [{ name: 'p', policy: 'round-robin', eligibleBackends: b.eligible ? 1 : 0, panic: false, backends: [b] }] };
}

const view = { state: 'running' as const, uptimeMs: 1, workers: [], workerCrashes: 0 };
const probe = snap(listener(0, 0), backend({ transitions: { up: 1, down: 1, ejected: 0, returned: 0, drain: 0, maint: 0, ready: 0 } }));

void test('listener counters and request counts are the sum over workers', () => {
  const w1 = snap(listener(2, 10, requests([1, 2, 3])), backend({ activeConnections: 2, totals: { connections: 10, connectFailures: 1, bytesIn: 5, bytesOut: 6 } }));
  const w2 = snap(listener(1, 5, requests([4, 40])), backend({ activeConnections: 1, totals: { connections: 5, connectFailures: 0, bytesIn: 1, bytesOut: 1 } }));
  const s = clusterSnapshot(probe, [{ id: 1, snapshot: w1 }, { id: 2, snapshot: w2 }], undefined, view);
  const l = s.listeners[0];
  assert.equal(l?.activeConnections, 3);
  assert.equal(l?.acceptedConnections, 15);
  assert.equal(l?.terminations['--'], 15);
  assert.equal(l?.requests?.requests, 5);
  assert.deepEqual(l?.addresses, [{ address: '127.0.0.1', port: 8080, family: 'IPv4' }]);
  const b = s.pools[0]?.backends[0];
  assert.equal(b?.activeConnections, 3);
  assert.deepEqual(b?.totals, { connections: 15, connectFailures: 1, bytesIn: 6, bytesOut: 7 });
  // Health transitions come from the primary alone.
  assert.equal(b?.transitions.up, 1);
});

void test('merged latency has the exact average and count, and the greatest of the percentiles', () => {
  const m = mergeRequests(requests([1, 2, 3]), requests([10]));
  assert.equal(m?.latencyBucketsMs.count, 4);
  assert.equal(m?.latencyMs.avg, 4);
  assert.equal(m?.latencyMs.min, 1);
  assert.equal(m?.latencyMs.max, 10);
  assert.ok(Math.abs((m?.latencyMs.p50 ?? 0) - 10) < 0.1);
  assert.equal(m?.statusCounts['2xx'], 4);
});

void test('a backend ejected by one worker is shown ejected in that worker and still eligible', () => {
  const ejected = backend({ ejected: true, ejectedForMs: 900, eligible: false, downCause: '5 consecutive failures', transitions: { up: 0, down: 0, ejected: 1, returned: 0, drain: 0, maint: 0, ready: 0 } });
  const s = clusterSnapshot(probe, [{ id: 1, snapshot: snap(listener(0, 1), backend({})) }, { id: 2, snapshot: snap(listener(0, 1), ejected) }], undefined, view);
  const b = s.pools[0]?.backends[0];
  assert.equal(b?.ejected, true);
  assert.deepEqual(b?.ejectedIn, [2]);
  assert.equal(b?.ejectedForMs, 900);
  assert.equal(b?.eligible, true);
  assert.equal(b?.downCause, '5 consecutive failures');
  assert.equal(b?.transitions.ejected, 1);
  assert.equal(s.pools[0]?.eligibleBackends, 1);
});

void test('the counters of a worker that exited stay in the sums, without its open connections or rates', () => {
  const gone = snap(listener(4, 10, requests([1, 1])), backend({ activeConnections: 4, ejected: true, totals: { connections: 10, connectFailures: 0, bytesIn: 0, bytesOut: 0 } }));
  const retired = retire(undefined, gone);
  const live = snap(listener(1, 3, requests([2])), backend({ activeConnections: 1, totals: { connections: 3, connectFailures: 0, bytesIn: 0, bytesOut: 0 } }));
  const s = clusterSnapshot(probe, [{ id: 3, snapshot: live }], retired, view);
  assert.equal(s.listeners[0]?.acceptedConnections, 13);
  assert.equal(s.listeners[0]?.activeConnections, 1);
  assert.equal(s.listeners[0]?.requests?.requests, 3);
  assert.equal(s.listeners[0]?.requests?.rps, live.listeners[0]?.requests?.rps);
  assert.equal(s.pools[0]?.backends[0]?.totals.connections, 13);
  assert.equal(s.pools[0]?.backends[0]?.activeConnections, 1);
  assert.equal(s.pools[0]?.backends[0]?.ejected, false);
  // A second exit adds up.
  assert.equal(retire(retired, gone).listeners[0]?.acceptedConnections, 20);
});
