import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RequestStats } from '../../src/observability/request-stats.js';

/** A clock that moves only when the test says so. */
class ManualClock {
  t: number;
  constructor(start = 1_000_000) {
    this.t = start;
  }
  nowMs(): number {
    return this.t;
  }
}

function setup(start?: number): { clock: ManualClock; stats: RequestStats } {
  const clock = new ManualClock(start);
  return { clock, stats: new RequestStats({ clock }) };
}

/** `perSecond` requests in each second for `seconds` seconds, evenly spread; leaves the clock at the end. */
function steady(clock: ManualClock, stats: RequestStats, perSecond: number, seconds: number, status = 200, term = '--'): void {
  for (let s = 0; s < seconds; s++) {
    for (let i = 0; i < perSecond; i++) {
      stats.record(status, 1000, term, 10, 100);
      clock.t += 1000 / perSecond;
    }
  }
}

void test('rps is the request rate over the last 10 seconds', () => {
  const { clock, stats } = setup();
  steady(clock, stats, 5, 20);
  steady(clock, stats, 20, 10);
  const snap = stats.snapshot(clock.t);
  assert.ok(Math.abs(snap.rps - 20) < 0.5, `rps ${snap.rps}`);
  assert.equal(snap.requests, 5 * 20 + 20 * 10);
});

void test('requests older than the window leave the rate but stay in the totals', () => {
  const { clock, stats } = setup();
  steady(clock, stats, 10, 3);
  clock.t += 30_000;
  const snap = stats.snapshot(clock.t);
  assert.equal(snap.rps, 0);
  assert.equal(snap.errorRate, 0);
  assert.equal(snap.requests, 30);
  assert.equal(snap.statusCounts['2xx'], 30);
});

void test('the rate of a young listener is over its age, not the whole window', () => {
  const { clock, stats } = setup(0);
  steady(clock, stats, 10, 3);
  assert.equal(clock.t, 3000);
  assert.equal(stats.snapshot(clock.t).rps, 10);
});

void test('a slot reused after the window wrapped starts from zero', () => {
  const { clock, stats } = setup();
  steady(clock, stats, 100, 1);
  clock.t += 9_000; // the same ring position, ten seconds later
  stats.record(200, 1000, '--', 0, 0);
  clock.t += 500;
  assert.equal(stats.snapshot(clock.t).rps, 1000 / 9500, 'one request over 9.5 s, not 101');
});

void test('the error rate counts 5xx and failure terminations over the window, each request once', () => {
  const { clock, stats } = setup();
  stats.record(200, 1000, '--', 0, 0);
  stats.record(404, 1000, '--', 0, 0);
  stats.record(502, 1000, 'UF', 0, 0); // both 5xx and a failure: counted once
  stats.record(503, 1000, 'UH', 0, 0);
  stats.record(200, 1000, 'UC', 0, 0); // upstream closed mid-body
  stats.record(200, 1000, 'DC', 0, 0); // the client went away: not a failure
  stats.record(0, 1000, 'LC', 0, 0); // no response at all
  stats.record(500, 1000, '--', 0, 0);
  assert.equal(stats.snapshot(clock.t).errorRate, 5 / 8);
});

void test('old errors leave the error rate when their slot leaves the window', () => {
  const { clock, stats } = setup();
  steady(clock, stats, 10, 1, 500);
  steady(clock, stats, 10, 10, 200);
  assert.equal(stats.snapshot(clock.t).errorRate, 0);
});

void test('status classes and exact status codes are counted', () => {
  const { clock, stats } = setup();
  for (const status of [101, 200, 200, 204, 301, 404, 404, 503, 0, 999]) stats.record(status, 1, '--', 0, 0);
  const snap = stats.snapshot(clock.t);
  assert.deepEqual(snap.statusCounts, { '1xx': 1, '2xx': 3, '3xx': 1, '4xx': 2, '5xx': 1 });
  assert.deepEqual(snap.byStatus, { '0': 1, '101': 1, '200': 2, '204': 1, '301': 1, '404': 2, '503': 1, '999': 1 });
});

void test('terminations are counted per code', () => {
  const { clock, stats } = setup();
  for (const t of ['--', '--', 'UF', 'DC', '--', 'UT']) stats.record(200, 1, t, 0, 0);
  assert.deepEqual(stats.snapshot(clock.t).terminations, { '--': 3, UF: 1, DC: 1, UT: 1 });
});

void test('the latency summary is in milliseconds with exact average, min and max', () => {
  const { clock, stats } = setup();
  for (let us = 1000; us <= 100_000; us += 1000) stats.record(200, us, '--', 0, 0);
  const l = stats.snapshot(clock.t).latencyMs;
  assert.equal(l.avg, 50.5);
  assert.equal(l.min, 1);
  assert.equal(l.max, 100);
  assert.ok(Math.abs(l.p50 - 50) <= 1, `p50 ${l.p50}`);
  assert.ok(Math.abs(l.p95 - 95) <= 1.9, `p95 ${l.p95}`);
  assert.ok(Math.abs(l.p99 - 99) <= 1.98, `p99 ${l.p99}`);
});

void test('bytes in and out are summed', () => {
  const { clock, stats } = setup();
  stats.record(200, 1, '--', 100, 2000);
  stats.record(200, 1, '--', 50, 18_000);
  const snap = stats.snapshot(clock.t);
  assert.equal(snap.bytesIn, 150);
  assert.equal(snap.bytesOut, 20_000);
});

void test('an idle listener reports zeros', () => {
  const { clock, stats } = setup();
  clock.t += 5000;
  const snap = stats.snapshot(clock.t);
  assert.equal(snap.requests, 0);
  assert.equal(snap.rps, 0);
  assert.equal(snap.errorRate, 0);
  assert.deepEqual(snap.latencyMs, { avg: 0, min: 0, max: 0, p50: 0, p95: 0, p99: 0 });
  assert.deepEqual(snap.byStatus, {});
  assert.deepEqual(snap.terminations, {});
});

void test('reset forgets totals, counts and the window', () => {
  const { clock, stats } = setup();
  steady(clock, stats, 10, 2, 503, 'UF');
  stats.reset();
  const snap = stats.snapshot(clock.t);
  assert.equal(snap.requests, 0);
  assert.equal(snap.rps, 0);
  assert.equal(snap.statusCounts['5xx'], 0);
  assert.deepEqual(snap.terminations, {});
});
