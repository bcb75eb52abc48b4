import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createBalancer, type Balancer, type BalancerSnapshot } from '../../src/index.js';
import { renderPrometheus } from '../../src/observability/metrics.js';
import { Histogram } from '../../src/observability/histogram.js';
import { RequestStats } from '../../src/observability/request-stats.js';
import { startHttpBalancer } from '../helpers/http-balancer.js';
import { EJECT_AT_ONCE } from '../helpers/balancer.js';
import { closedPort, waitFor } from '../helpers/net.js';
import { parseExposition, sampleValue, type Family } from './exposition-parser.js';

/** A backend that answers every request with `status`. */
async function statusServer(status: number): Promise<{ port: number; close: () => Promise<void> }> {
  const server: Server = createServer((_req, res) => {
    res.statusCode = status;
    res.end(`status ${status}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** One GET on a connection of its own; resolves with the status once the body is read. */
function get(port: number, path = '/'): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

async function scrape(lb: Balancer): Promise<Map<string, Family>> {
  return parseExposition(await renderPrometheus(lb.snapshot(), { version: '1.2.3', startedAt: Date.now() }));
}

const requestsDone = (lb: Balancer, n: number) => () => (lb.snapshot().listeners[0]?.requests?.requests ?? 0) >= n;

/** Two named backends behind round-robin, one answering 200, one 500, and 6 requests through them. */
async function twoBackends(): Promise<{ lb: Balancer; stop: () => Promise<void> }> {
  const ok = await statusServer(200);
  const bad = await statusServer(500);
  const { lb, port } = await startHttpBalancer([], {
    pool: {
      policy: 'round-robin',
      backends: [
        { host: '127.0.0.1', port: ok.port, name: 'ok' },
        { host: '127.0.0.1', port: bad.port, name: 'bad' },
      ],
      health: { passive: { consecutive5xx: 0 } },
    },
  });
  const statuses: number[] = [];
  for (let i = 0; i < 6; i++) statuses.push(await get(port));
  assert.deepEqual([...statuses].sort(), [200, 200, 200, 500, 500, 500]);
  await waitFor(requestsDone(lb, 6), 2000, 'six requests recorded');
  return {
    lb,
    stop: async () => {
      await lb.stop({ drainTimeoutMs: 0 });
      await ok.close();
      await bad.close();
    },
  };
}

void test('per-backend request counts and status classes are in the snapshot', async () => {
  const { lb, stop } = await twoBackends();
  try {
    const backends = lb.snapshot().pools[0]?.backends ?? [];
    const ok = backends.find((b) => b.name === 'ok');
    const bad = backends.find((b) => b.name === 'bad');
    assert.equal(ok?.requests?.requests, 3);
    assert.deepEqual(ok?.requests?.statusCounts, { '1xx': 0, '2xx': 3, '3xx': 0, '4xx': 0, '5xx': 0 });
    assert.equal(ok?.requests?.errorRate, 0);
    assert.equal(bad?.requests?.requests, 3);
    assert.equal(bad?.requests?.statusCounts['5xx'], 3);
    assert.equal(bad?.requests?.errorRate, 1);
    assert.deepEqual(bad?.requests?.terminations, { '--': 3 });
    assert.equal(bad?.requests?.latencyBucketsMs.count, 3);
  } finally {
    await stop();
  }
});

void test('a backend that has served no request has no request statistics', async () => {
  const ok = await statusServer(200);
  const { lb } = await startHttpBalancer([ok.port]);
  try {
    assert.equal(lb.snapshot().pools[0]?.backends[0]?.requests, undefined);
  } finally {
    await lb.stop({ drainTimeoutMs: 0 });
    await ok.close();
  }
});

void test('the exposition passes a strict parser and carries exact request, class, termination and connection counts', async () => {
  const { lb, stop } = await twoBackends();
  try {
    const m = await scrape(lb);
    const web = { listener: 'web' };
    assert.equal(sampleValue(m, 'switchyard_listener_http_requests_total', web), 6);
    assert.equal(sampleValue(m, 'switchyard_listener_http_responses_total', { ...web, class: '2xx' }), 3);
    assert.equal(sampleValue(m, 'switchyard_listener_http_responses_total', { ...web, class: '5xx' }), 3);
    assert.equal(sampleValue(m, 'switchyard_listener_terminations_total', { ...web, code: '--' }), 6);
    assert.equal(sampleValue(m, 'switchyard_listener_terminations_total', { ...web, code: 'UF' }), 0);
    assert.equal(sampleValue(m, 'switchyard_listener_connections_accepted_total', web), 6);
    assert.equal(sampleValue(m, 'switchyard_listener_connections_rejected_total', web), 0);
    assert.equal(sampleValue(m, 'switchyard_listener_http_request_duration_seconds_count', web), 6);
    for (const backend of ['ok', 'bad']) assert.equal(sampleValue(m, 'switchyard_backend_http_requests_total', { pool: 'p', backend }), 3);
    assert.equal(sampleValue(m, 'switchyard_backend_http_responses_total', { pool: 'p', backend: 'bad', class: '5xx' }), 3);
    assert.equal(sampleValue(m, 'switchyard_backend_http_responses_total', { pool: 'p', backend: 'ok', class: '5xx' }), 0);
    assert.equal(sampleValue(m, 'switchyard_backend_http_request_duration_seconds_count', { pool: 'p', backend: 'bad' }), 3);
    assert.equal(sampleValue(m, 'switchyard_build_info', { version: '1.2.3', node: process.version }), 1);
    assert.equal(m.get('switchyard_backend_http_request_duration_seconds')?.type, 'histogram');
    assert.equal(m.get('switchyard_listener_http_requests_total')?.type, 'counter');
  } finally {
    await stop();
  }
});

void test('gauges follow a drain and an ejection', async () => {
  const ok = await statusServer(200);
  const dead = await closedPort();
  const { lb, port } = await startHttpBalancer([], {
    pool: { backends: [{ host: '127.0.0.1', port: ok.port, name: 'live' }, { host: '127.0.0.1', port: dead, name: 'dead' }], health: EJECT_AT_ONCE },
  });
  try {
    assert.equal(await get(port), 200);
    assert.equal(await get(port), 200, 'the refused connect fails over to the live backend');
    await waitFor(requestsDone(lb, 2), 2000, 'two requests recorded');
    lb.setBackendState('p', 'live', 'drain');
    const m = await scrape(lb);
    const live = { pool: 'p', backend: 'live' };
    const gone = { pool: 'p', backend: 'dead' };
    assert.equal(sampleValue(m, 'switchyard_backend_admin_state', { ...live, state: 'drain' }), 1);
    assert.equal(sampleValue(m, 'switchyard_backend_admin_state', { ...live, state: 'ready' }), 0);
    assert.equal(sampleValue(m, 'switchyard_backend_admin_state', { ...gone, state: 'ready' }), 1);
    assert.equal(sampleValue(m, 'switchyard_backend_eligible', live), 0);
    assert.equal(sampleValue(m, 'switchyard_backend_up', live), 1);
    assert.equal(sampleValue(m, 'switchyard_backend_ejected', live), 0);
    assert.equal(sampleValue(m, 'switchyard_backend_ejected', gone), 1);
    assert.equal(sampleValue(m, 'switchyard_backend_eligible', gone), 0);
    assert.equal(sampleValue(m, 'switchyard_backend_connect_failures_total', gone), 1);
    assert.equal(sampleValue(m, 'switchyard_backend_transitions_total', { ...live, kind: 'drain' }), 1);
    assert.equal(sampleValue(m, 'switchyard_backend_transitions_total', { ...gone, kind: 'ejected' }), 1);
    assert.equal(sampleValue(m, 'switchyard_backend_effective_weight', live), 1);
    assert.equal(sampleValue(m, 'switchyard_backend_http_requests_total', live), 2, 'both requests ended on the live backend');
    assert.equal(sampleValue(m, 'switchyard_backend_http_requests_total', gone), undefined);
    assert.equal(sampleValue(m, 'switchyard_pool_backends_eligible', { pool: 'p' }), 0);
    assert.equal(sampleValue(m, 'switchyard_pool_backends', { pool: 'p' }), 2);
  } finally {
    await lb.stop({ drainTimeoutMs: 0 });
    await ok.close();
  }
});

/** A snapshot of a balancer that never started, with one listener with request statistics under an awkward name. */
function awkwardSnapshot(): BalancerSnapshot {
  const lb = createBalancer({ listeners: { web: { protocol: 'http', bind: '127.0.0.1:0', pool: 'p' } }, pools: { p: { backends: ['127.0.0.1:1'] } } });
  const base = lb.snapshot();
  const clock = { t: 1_000_000, nowMs: () => clock.t };
  const stats = new RequestStats({ clock });
  for (const us of [400, 1000, 1500, 30_000, 2_000_000, 20_000_000]) stats.record(200, us, '--', 1, 1);
  const listener = base.listeners[0];
  const pool = base.pools[0];
  const backend = pool?.backends[0];
  assert.ok(listener && pool && backend);
  return {
    ...base,
    listeners: [{ ...listener, name: 'we"b\\1\nx', requests: stats.snapshot(clock.t) }],
    pools: [{ ...pool, name: 'p\\"q', backends: [{ ...backend, name: 'a"b\\c' }] }],
  };
}

void test('label values with quotes, backslashes and newlines are escaped', async () => {
  const text = await renderPrometheus(awkwardSnapshot(), { version: 'v"1\\2', startedAt: 0 });
  assert.ok(text.includes('listener="we\\"b\\\\1\\nx"'), 'escaped in the text');
  const m = parseExposition(text);
  assert.equal(sampleValue(m, 'switchyard_listener_http_requests_total', { listener: 'we"b\\1\nx' }), 6);
  assert.equal(sampleValue(m, 'switchyard_backend_up', { pool: 'p\\"q', backend: 'a"b\\c' }), 1);
  assert.equal(sampleValue(m, 'switchyard_build_info', { version: 'v"1\\2', node: process.version }), 1);
});

void test('request durations become cumulative second buckets with an exact sum and count', async () => {
  const m = parseExposition(await renderPrometheus(awkwardSnapshot(), { version: '1' }));
  const name = 'switchyard_listener_http_request_duration_seconds';
  const labels = { listener: 'we"b\\1\nx' };
  const bucket = (le: string): number | undefined => sampleValue(m, `${name}_bucket`, { ...labels, le });
  assert.equal(bucket('0.001'), 2, '400 µs and 1 ms');
  assert.equal(bucket('0.0025'), 3);
  assert.equal(bucket('0.025'), 3);
  assert.equal(bucket('0.05'), 4, '30 ms');
  assert.equal(bucket('2.5'), 5, '2 s');
  assert.equal(bucket('10'), 5);
  assert.equal(bucket('+Inf'), 6, '20 s only in +Inf');
  assert.equal(sampleValue(m, `${name}_count`, labels), 6);
  const sum = sampleValue(m, `${name}_sum`, labels) ?? NaN;
  assert.ok(Math.abs(sum - 22.0329) < 1e-9, `sum ${sum}`);
  assert.equal(sampleValue(m, 'switchyard_start_time_seconds'), undefined, 'no start time when it is not given');
});

void test('countsAtMost counts every value at or below each bound, to within one bucket', () => {
  const h = new Histogram();
  for (const v of [0, 5, 127, 128, 1000, 1001, 1008, 2500, 70_000_000]) h.record(v);
  assert.deepEqual(h.countsAtMost([0, 5, 127, 1000, 2500, 100_000_000]), [1, 2, 3, 6, 8, 9]);
  assert.equal(h.total, 0 + 5 + 127 + 128 + 1000 + 1001 + 1008 + 2500 + 70_000_000);
});
