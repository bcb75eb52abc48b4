/** The simulator's behaviour, from its model: shares, tails, faults and repeatability. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { simulate } from '../../src/simulate/runner.js';
import { specFromFlags } from '../../src/simulate/options.js';
import type { FlagValues } from '../../src/simulate/options.js';
import type { PolicyResult } from '../../src/simulate/model.js';
import { POLICIES } from '../../src/balancing/registry.js';

function run(flags: FlagValues): readonly PolicyResult[] {
  return simulate(specFromFlags({ requests: '4000', ...flags })).results;
}

function only(flags: FlagValues): PolicyResult {
  const results = run(flags);
  assert.equal(results.length, 1);
  return results[0] as PolicyResult;
}

function shares(r: PolicyResult): number[] {
  return r.backends.map((b) => b.sharePct);
}

void test('the same seed gives identical results for every policy', () => {
  const flags = { slow: ['2:3'], failing: ['3:0.2'], retry: true, seed: '42' };
  assert.deepEqual(run(flags), run(flags));
});

void test('a different seed gives a different workload', () => {
  const a = only({ policies: 'random', seed: '1' });
  const b = only({ policies: 'random', seed: '2' });
  assert.notDeepEqual(a.latencyMs, b.latencyMs);
});

void test('a policy gets the same result whichever other policies run with it', () => {
  const alone = only({ policies: 'power-of-two', slow: ['1:2'] });
  const among = run({ slow: ['1:2'] }).find((r) => r.policy === 'power-of-two');
  assert.deepEqual(among, alone);
});

void test('every request is accounted for: answered or counted as an error', () => {
  for (const r of run({ failing: ['1:0.3'], retry: true })) {
    assert.equal(r.requests, 4000);
    assert.equal(r.completed + r.errors, r.requests, r.policy);
  }
});

void test('round-robin on equal backends gives each backend an equal share', () => {
  const r = only({ policies: 'round-robin', backends: '4' });
  assert.deepEqual(shares(r), [25, 25, 25, 25]);
});

void test('weighted-round-robin shares follow the weights exactly', () => {
  const r = only({ policies: 'weighted-round-robin', weights: '1,1,2' });
  assert.deepEqual(shares(r), [25, 25, 50]);
});

void test('when backends are mostly idle, every weighted policy but source-hash shares load by the weights', () => {
  for (const r of run({ weights: '1,1,2', load: '0.002' })) {
    if (!POLICIES[r.policy].weighted || r.policy === 'source-hash') continue;
    const [a, b, c] = shares(r);
    assert.ok(Math.abs((a ?? 0) - 25) < 2 && Math.abs((b ?? 0) - 25) < 2 && Math.abs((c ?? 0) - 50) < 2, `${r.policy}: ${shares(r).join(', ')}`);
  }
});

void test('with one slow backend, least-conn and power-of-two have a lower p99 than round-robin', () => {
  const results = run({ slow: ['1:4'], policies: 'round-robin,least-conn,power-of-two' });
  const [rr, lc, p2] = results.map((r) => r.latencyMs.p99);
  assert.ok(lc !== undefined && p2 !== undefined && rr !== undefined);
  assert.ok(lc < rr, `least-conn p99 ${lc} ms vs round-robin ${rr} ms`);
  assert.ok(p2 < rr, `power-of-two p99 ${p2} ms vs round-robin ${rr} ms`);
});

void test('least-conn sends less to a slow backend than to the others', () => {
  const r = only({ slow: ['1:4'], policies: 'least-conn' });
  const [slow, ...rest] = shares(r);
  for (const s of rest) assert.ok((slow ?? 100) < s, shares(r).join(', '));
});

void test('source-hash with one client sends every request to one backend', () => {
  const r = only({ policies: 'source-hash', clients: '1' });
  assert.deepEqual(shares(r).filter((s) => s > 0), [100]);
});

void test("a failing backend's failures are counted as errors when retries are off", () => {
  const r = only({ policies: 'round-robin', failing: ['2:1'] });
  const b2 = r.backends[1];
  assert.equal(b2?.picks, 800);
  assert.equal(b2.failed, 800);
  assert.equal(r.failedAttempts, 800);
  assert.equal(r.errors, 800);
  assert.equal(r.retries, 0);
});

void test('with retries on, a request failed by one backend is retried on another', () => {
  for (const policy of ['round-robin', 'least-conn', 'source-hash', 'power-of-two']) {
    const r = only({ policies: policy, failing: ['2:1'], retry: true });
    const b2 = r.backends[1];
    assert.ok(b2 !== undefined && b2.failed > 0, policy);
    // Backend 2 fails everything it gets: no error means no retry went back to it.
    assert.equal(b2.failed, b2.picks, policy);
    assert.equal(r.retries, b2.failed, policy);
    assert.equal(r.errors, 0, policy);
    const picks = r.backends.reduce((n, b) => n + b.picks, 0);
    assert.equal(picks, r.requests + r.retries, policy);
  }
});

void test('the slowest answers are counted in the tail: p50 ≤ p90 ≤ p99 ≤ p99.9 ≤ max', () => {
  for (const r of run({ shape: 'lognormal' })) {
    const l = r.latencyMs;
    assert.ok(l.p50 > 0 && l.p50 <= l.p90 && l.p90 <= l.p99 && l.p99 <= l.p999 && l.p999 <= l.max, r.policy);
  }
});

void test('uniform arrivals on equal constant-time backends never queue', () => {
  const r = only({ policies: 'round-robin', arrival: 'uniform', shape: 'constant', load: '0.5' });
  assert.ok(Math.abs(r.latencyMs.p50 - 20) < 1e-9 && Math.abs(r.latencyMs.max - 20) < 1e-9, JSON.stringify(r.latencyMs));
});

void test('a duration stops arrivals at that simulated time', () => {
  const r = only({ requests: undefined, duration: '2s', rate: '500', arrival: 'uniform', policies: 'random' });
  assert.equal(r.requests, 999);
});

void test('max in-flight is the highest in-flight count of any one backend', () => {
  const r = only({ policies: 'least-conn', backends: '2', capacity: '1', load: '0.9' });
  assert.ok(r.maxInFlight >= 1);
  assert.equal(r.maxInFlight, Math.max(...r.backends.map((b) => b.maxInFlight)));
});
