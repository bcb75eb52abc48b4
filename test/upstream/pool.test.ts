import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Pool } from '../../src/upstream/pool.js';
import type { Backend } from '../../src/upstream/backend.js';
import type { UpstreamEvent } from '../../src/upstream/events.js';
import type { ActiveProbeSpec, BackendSpec, PoolSpec } from '../../src/config/model.js';
import type { ProbeResult } from '../../src/health/active/probe.js';
import { seededRandom } from '../../src/core/random.js';
import { FakeClock } from '../helpers/fake-clock.js';

const PROBE: ActiveProbeSpec = {
  type: 'tcp',
  intervalMs: 2000,
  downIntervalMs: 1000,
  allDownIntervalMs: 250,
  jitterPercent: 0,
  timeoutMs: 500,
  rise: 2,
  fall: 3,
  initialState: 'up',
  port: 0,
  http: undefined,
};

function backendSpecs(n: number, probe: ActiveProbeSpec | undefined): BackendSpec[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `p/b${i}`,
    pool: 'p',
    name: `b${i}`,
    host: '127.0.0.1',
    port: 8000 + i,
    weight: 1,
    maxConnections: 0,
    initialAdminState: 'ready' as const,
    probe,
  }));
}

function spec(n: number, over: Partial<PoolSpec> = {}, probe?: ActiveProbeSpec): PoolSpec {
  return {
    name: 'p',
    policy: 'round-robin',
    connectTimeoutMs: 1000,
    failoverAttempts: 3,
    retryOnEmptyResponse: false,
    http: { stickyCookie: undefined, hashOn: 'client', maxIdleConnections: 32, idleTimeoutMs: 4000, retries: 1 },
    passive: { consecutiveLocalFailures: 1, consecutive5xx: 3, baseEjectionMs: 10_000, maxEjectionMs: 60_000, maxEjectedPercent: 100 },
    slowStartMs: 0,
    panicThreshold: 0,
    backends: backendSpecs(n, probe),
    ...over,
  };
}

/** A pool on a fake clock whose probes answer what `answers` says (default: success), or hang. */
function setup(s: PoolSpec) {
  const clock = new FakeClock();
  const events: UpstreamEvent[] = [];
  const answers = new Map<string, boolean | 'hang'>();
  const probed: string[] = [];
  const aborted: string[] = [];
  const pool = new Pool(s, {
    clock,
    random: seededRandom(1),
    probe: (b: Backend, signal: AbortSignal): Promise<ProbeResult> => {
      probed.push(b.id);
      const a = answers.get(b.id) ?? true;
      if (a === 'hang') {
        return new Promise((resolve) => {
          signal.addEventListener('abort', () => {
            aborted.push(b.id);
            resolve({ ok: false, latencyMs: 0, cause: 'probe aborted' });
          });
        });
      }
      return Promise.resolve(a ? { ok: true, latencyMs: 1.5, detail: 'connected in 1.5 ms' } : { ok: false, latencyMs: 0.2, cause: 'connection refused' });
    },
    onEvent: (e) => events.push(e),
  });
  return { clock, events, answers, probed, aborted, pool };
}

const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Advances the fake clock in steps, letting probe promises settle between them. */
async function run(clock: FakeClock, ms: number, step = 50): Promise<void> {
  for (let t = 0; t < ms; t += step) {
    clock.advance(Math.min(step, ms - t));
    await flush();
  }
}

function picks(pool: Pool, n: number): Map<string, number> {
  const m = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const id = pool.pick(undefined, undefined)?.id ?? 'none';
    m.set(id, (m.get(id) ?? 0) + 1);
  }
  return m;
}

void test('a failed connect ejects the backend (at consecutiveFailures 1) and says why', () => {
  const { pool, events } = setup(spec(2));
  const b0 = pool.backends[0] as Backend;
  pool.reportConnectFailure(b0, 'connect failed: ECONNREFUSED');
  assert.equal(b0.ejected, true);
  assert.equal(b0.health, 'up', 'ejection is separate from probe health');
  assert.equal(pool.eligibleCount(), 1);
  for (let i = 0; i < 5; i++) assert.equal(pool.pick(undefined, undefined)?.id, 'p/b1');
  const e = events[0];
  assert.equal(e?.type, 'backend-ejected');
  assert.match(e?.type === 'backend-ejected' ? e.cause : '', /^1 consecutive local failures.*last: connect failed: ECONNREFUSED$/);
  assert.equal(e?.type === 'backend-ejected' && e.durationMs, 10_000);
});

void test('an ejected backend returns when its time passes, and the next ejection lasts twice as long', () => {
  const { pool, clock, events } = setup(spec(2));
  const b0 = pool.backends[0] as Backend;
  pool.reportConnectFailure(b0, 'refused');
  assert.deepEqual(clock.pending(), [10_000]);
  clock.advance(10_000);
  assert.equal(b0.ejected, false);
  assert.equal(b0.eligible, true);
  assert.deepEqual(events.map((e) => e.type), ['backend-ejected', 'backend-returned']);
  pool.reportConnectFailure(b0, 'refused');
  const last = events.at(-1);
  assert.equal(last?.type === 'backend-ejected' ? last.durationMs : 0, 20_000);
});

void test('consecutive 5xx eject; a good response in between breaks the run', () => {
  const { pool } = setup(spec(2));
  const b0 = pool.backends[0] as Backend;
  pool.reportOutcome(b0, '5xx');
  pool.reportOutcome(b0, '5xx');
  pool.reportOutcome(b0, 'success');
  pool.reportOutcome(b0, '5xx');
  pool.reportOutcome(b0, '5xx');
  assert.equal(b0.ejected, false);
  pool.reportOutcome(b0, '5xx');
  assert.equal(b0.ejected, true);
  assert.match(b0.downCause ?? '', /3 consecutive 5xx/);
});

void test('at most maxEjectedPercent of the pool is ejected at once', () => {
  const s = spec(4, { passive: { consecutiveLocalFailures: 1, consecutive5xx: 0, baseEjectionMs: 10_000, maxEjectionMs: 60_000, maxEjectedPercent: 50 } });
  const { pool } = setup(s);
  for (const b of pool.backends) pool.reportConnectFailure(b, 'refused');
  assert.deepEqual(pool.backends.map((b) => b.ejected), [true, true, false, false]);
  assert.equal(pool.eligibleCount(), 2);
});

void test('active probes take a backend down after fall failures and bring it up after rise successes', async () => {
  const { pool, clock, answers, events } = setup(spec(2, {}, PROBE));
  pool.startProbes();
  const b0 = pool.backends[0] as Backend;
  answers.set('p/b0', false);
  await run(clock, 2000 * 2 + 100);
  assert.equal(b0.health, 'up', 'two failures are not yet fall 3');
  await run(clock, 2000);
  assert.equal(b0.health, 'down');
  const down = events.find((e) => e.type === 'backend-down');
  assert.equal(down?.type === 'backend-down' && down.cause, '3 consecutive probe failures (fall 3): connection refused');
  answers.set('p/b0', true);
  // While down it is probed every downInterval (1 s): rise 2 takes two of them.
  await run(clock, 1000 + 50);
  assert.equal(b0.health, 'down');
  await run(clock, 1000);
  assert.equal(b0.health, 'up');
  assert.deepEqual(b0.transitions.down + b0.transitions.up, 2);
  assert.equal(b0.lastProbe?.ok, true);
  assert.equal(b0.probeLatency?.count !== undefined && b0.probeLatency.count > 0, true);
});

void test('while every backend is down, probes of the pool run at the faster all-down interval', async () => {
  const { pool, clock, answers, probed, events } = setup(spec(2, {}, { ...PROBE, fall: 1 }));
  answers.set('p/b0', false);
  answers.set('p/b1', false);
  pool.startProbes();
  await run(clock, 2000 + 50);
  assert.equal(pool.eligibleCount(), 0);
  assert.ok(events.some((e) => e.type === 'pool-empty'));
  const before = probed.length;
  await run(clock, 1000);
  // 250 ms pace for two backends: about 8 probes in a second (a 1 s pace would give 2).
  assert.ok(probed.length - before >= 7, `probes in the second after all went down: ${probed.length - before}`);
  assert.equal(pool.pick(undefined, undefined), undefined, 'nothing to pick while all are down');
});

void test('a probe that hangs is never stacked with another one, and stopping aborts it', async () => {
  const { pool, clock, answers, probed, aborted } = setup(spec(1, {}, PROBE));
  answers.set('p/b0', 'hang');
  pool.startProbes();
  await run(clock, 20_000, 500);
  assert.equal(probed.length, 1, 'one probe in flight, none started behind it');
  pool.close();
  await flush();
  assert.deepEqual(aborted, ['p/b0']);
  assert.deepEqual(clock.pending(), []);
});

void test('drain takes a backend out of picks and stickiness but keeps probing it; maint stops its probes', async () => {
  const { pool, clock, probed, events } = setup(spec(2, {}, PROBE));
  pool.startProbes();
  const b0 = pool.backends[0] as Backend;
  pool.setAdminState(b0, 'drain', 'operator');
  assert.equal(b0.eligible, false);
  assert.deepEqual([...picks(pool, 4).keys()], ['p/b1']);
  const tokenOf = (await import('../../src/upstream/pool.js')).stickyToken;
  assert.equal(pool.stickyBackend(tokenOf(b0.id)), undefined, 'sticky clients move off a draining backend');
  await run(clock, 4100);
  assert.ok(probed.includes('p/b0'), 'a draining backend is still probed');
  pool.setAdminState(b0, 'maint', 'operator');
  const count = probed.filter((id) => id === 'p/b0').length;
  await run(clock, 6000);
  assert.equal(probed.filter((id) => id === 'p/b0').length, count, 'no probe in maintenance');
  pool.setAdminState(b0, 'ready', 'operator');
  await run(clock, 1, 1);
  assert.equal(probed.filter((id) => id === 'p/b0').length, count + 1, 'probed at once when it leaves maintenance');
  assert.equal(b0.eligible, true);
  assert.deepEqual(
    events.filter((e) => e.type === 'backend-admin').map((e) => (e.type === 'backend-admin' ? `${e.from}>${e.to}` : '')),
    ['ready>drain', 'drain>maint', 'maint>ready'],
  );
});

void test('slow start ramps a returning backend from a tenth of its weight to all of it', () => {
  const s = spec(2, { policy: 'weighted-round-robin', slowStartMs: 10_000 });
  const { pool, clock } = setup(s);
  const b0 = pool.backends[0] as Backend;
  assert.equal(b0.effectiveWeight, 1, 'no ramp at start');
  pool.reportConnectFailure(b0, 'refused');
  clock.advance(10_000);
  assert.equal(b0.eligible, true);
  assert.ok(Math.abs(b0.effectiveWeight - 0.1) < 1e-9, `just returned: ${b0.effectiveWeight}`);
  const early = picks(pool, 1100).get('p/b0') ?? 0;
  assert.ok(early >= 80 && early <= 120, `about 1 in 11 picks at 10 %: ${early}`);
  clock.advance(5000);
  assert.ok(Math.abs(b0.effectiveWeight - 0.55) < 0.05, `half-way: ${b0.effectiveWeight}`);
  clock.advance(5000);
  assert.equal(b0.effectiveWeight, 1);
  const late = picks(pool, 1000).get('p/b0') ?? 0;
  assert.equal(late, 500);
  assert.deepEqual(clock.pending(), [], 'the ramp tick stops');
});

void test('below the panic threshold the pool balances over every ready backend, healthy or not', () => {
  const s = spec(4, { panicThreshold: 50 });
  const { pool, events } = setup(s);
  const [b0, b1, b2, b3] = pool.backends as [Backend, Backend, Backend, Backend];
  pool.reportConnectFailure(b0, 'refused');
  pool.reportConnectFailure(b1, 'refused');
  assert.equal(pool.inPanic, false, '2 of 4 eligible is not below 50 %');
  pool.setAdminState(b3, 'maint', 'operator');
  assert.equal(pool.inPanic, true);
  const got = picks(pool, 30);
  assert.deepEqual([...got.keys()].sort(), ['p/b0', 'p/b1', 'p/b2'], 'everything but the backend in maintenance');
  assert.ok(events.some((e) => e.type === 'pool-panic'));
  pool.setAdminState(b3, 'ready', 'operator');
  assert.equal(pool.inPanic, false);
  assert.ok(events.some((e) => e.type === 'pool-panic-end'));
  assert.deepEqual([...picks(pool, 10).keys()].sort(), [b2.id, b3.id]);
});

void test('without panic, a pool with no eligible backend picks nothing and reports it once', () => {
  const { pool, events } = setup(spec(2));
  for (const b of pool.backends) pool.reportConnectFailure(b, 'refused');
  assert.equal(pool.pick(undefined, undefined), undefined);
  assert.equal(events.filter((e) => e.type === 'pool-empty').length, 1);
});

void test('the picker never returns an excluded backend or one at its connection limit', () => {
  const { pool } = setup(spec(3));
  const [b0, b1, b2] = pool.backends as [Backend, Backend, Backend];
  b1.spec = { ...b1.spec, maxConnections: 1 };
  b1.active = 1;
  for (let i = 0; i < 10; i++) {
    const got = pool.pick(undefined, new Set([b0.id]));
    assert.equal(got?.id, b2.id);
  }
  assert.equal(pool.pick(undefined, new Set([b0.id, b2.id])), undefined, 'the only one left is full');
});

void test('close() cancels every timer: ejections, probes and ramps', () => {
  const { pool, clock } = setup(spec(2, { slowStartMs: 1000 }, PROBE));
  pool.startProbes();
  pool.reportConnectFailure(pool.backends[0] as Backend, 'refused');
  assert.ok(clock.pending().length >= 2);
  pool.close();
  assert.deepEqual(clock.pending(), []);
});

void test('a weight-0 backend is configured but never picked', () => {
  const s = spec(2);
  const [a, b] = s.backends as [BackendSpec, BackendSpec];
  const { pool } = setup({ ...s, backends: [{ ...a, weight: 0 }, b] });
  for (let i = 0; i < 10; i++) assert.equal(pool.pick(undefined, undefined)?.id, 'p/b1');
});
