import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Pool } from '../../src/upstream/pool.js';
import type { Backend } from '../../src/upstream/backend.js';
import type { UpstreamEvent } from '../../src/upstream/events.js';
import type { PoolSpec } from '../../src/config/model.js';
import { seededRandom } from '../../src/core/random.js';
import { FakeClock } from '../helpers/fake-clock.js';

function spec(n: number, over: Partial<PoolSpec> = {}): PoolSpec {
  return {
    name: 'p',
    policy: 'round-robin',
    connectTimeoutMs: 1000,
    failoverAttempts: 3,
    retryOnEmptyResponse: false,
    http: { stickyCookie: undefined, hashOn: 'client', maxIdleConnections: 32, idleTimeoutMs: 4000, retries: 1 },
    recheckIntervalMs: 5000,
    recheckAllDownIntervalMs: 1000,
    backends: Array.from({ length: n }, (_, i) => ({
      id: `p/b${i}`,
      pool: 'p',
      name: `b${i}`,
      host: '127.0.0.1',
      port: 8000 + i,
      weight: 1,
      maxConnections: 0,
    })),
    ...over,
  };
}

function setup(n: number, over: Partial<PoolSpec> = {}) {
  const clock = new FakeClock();
  const events: UpstreamEvent[] = [];
  const probeResults = new Map<string, boolean>();
  const probed: string[] = [];
  const pool = new Pool(spec(n, over), {
    clock,
    random: seededRandom(1),
    probe: (b: Backend) => {
      probed.push(b.id);
      return Promise.resolve(probeResults.get(b.id) ?? false);
    },
    onEvent: (e) => events.push(e),
  });
  return { clock, events, probeResults, probed, pool };
}

const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

void test('a failed connect takes the backend out of rotation and logs why', () => {
  const { pool, events } = setup(2);
  const b0 = pool.backends[0] as Backend;
  pool.reportConnectFailure(b0, 'connect failed: ECONNREFUSED');
  assert.equal(b0.health, 'down');
  assert.equal(pool.eligibleCount(), 1);
  for (let i = 0; i < 5; i++) assert.equal(pool.pick(undefined, undefined)?.id, 'p/b1');
  assert.deepEqual(events.map((e) => e.type), ['backend-down']);
  assert.equal(events[0]?.type === 'backend-down' && events[0].cause, 'connect failed: ECONNREFUSED');
});

void test('a down backend is re-checked at the normal interval and comes back when the check succeeds', async () => {
  const { pool, clock, probeResults, probed, events } = setup(2);
  const b0 = pool.backends[0] as Backend;
  pool.reportConnectFailure(b0, 'refused');
  assert.deepEqual(clock.pending(), [5000]);
  clock.advance(5000);
  await flush();
  assert.deepEqual(probed, ['p/b0']);
  assert.equal(b0.health, 'down', 'a failed re-check keeps it out');
  assert.deepEqual(clock.pending(), [5000], 'and schedules the next one');
  probeResults.set('p/b0', true);
  clock.advance(5000);
  await flush();
  assert.equal(b0.health, 'up');
  assert.equal(pool.eligibleCount(), 2);
  assert.deepEqual(clock.pending(), []);
  assert.deepEqual(events.map((e) => e.type), ['backend-down', 'backend-up']);
});

void test('while every backend is out, re-checks run at the faster all-down interval', async () => {
  const { pool, clock, probed, events } = setup(2);
  pool.reportConnectFailure(pool.backends[0] as Backend, 'refused');
  assert.deepEqual(clock.pending(), [5000]);
  pool.reportConnectFailure(pool.backends[1] as Backend, 'refused');
  assert.deepEqual(clock.pending(), [1000, 1000], 'both re-checks move to the fast pace');
  assert.equal(events.at(-1)?.type, 'pool-empty');
  clock.advance(1000);
  await flush();
  assert.equal(probed.length, 2);
  assert.deepEqual(clock.pending(), [1000, 1000]);
  assert.equal(pool.pick(undefined, undefined), undefined, 'nothing to pick while all are out');
});

void test('the picker never returns an excluded backend or one at its connection limit', () => {
  const { pool } = setup(3, {});
  const [b0, b1, b2] = pool.backends as [Backend, Backend, Backend];
  b1.spec = { ...b1.spec, maxConnections: 1 };
  b1.active = 1;
  for (let i = 0; i < 10; i++) {
    const got = pool.pick(undefined, new Set([b0.id]));
    assert.equal(got?.id, b2.id);
  }
  b2.active = 0;
  assert.equal(pool.pick(undefined, new Set([b0.id, b2.id])), undefined, 'the only one left is full');
});

void test('close() cancels every pending re-check', () => {
  const { pool, clock } = setup(2);
  pool.reportConnectFailure(pool.backends[0] as Backend, 'refused');
  assert.equal(clock.pending().length, 1);
  pool.close();
  assert.deepEqual(clock.pending(), []);
});

void test('a weight-0 backend is configured but never picked', () => {
  const s = spec(2);
  const clock = new FakeClock();
  const pool = new Pool(
    { ...s, backends: [{ ...(s.backends[0] as PoolSpec['backends'][0]), weight: 0 }, s.backends[1] as PoolSpec['backends'][0]] },
    { clock, random: seededRandom(1), probe: () => Promise.resolve(true), onEvent: () => {} },
  );
  for (let i = 0; i < 10; i++) assert.equal(pool.pick(undefined, undefined)?.id, 'p/b1');
});
