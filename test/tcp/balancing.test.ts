import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { nameServer, closedPort, exchange, startServer, openConnection, nextData, waitFor, type TestServer } from '../helpers/net.js';
import { startBalancer, EJECT_AT_ONCE } from '../helpers/balancer.js';

async function servers(names: string[]): Promise<TestServer[]> {
  return Promise.all(names.map((n) => nameServer(n)));
}

void test('round-robin spreads new connections evenly over three backends', async () => {
  const bs = await servers(['a', 'b', 'c']);
  const { lb, port } = await startBalancer({
    listeners: { l: { bind: '127.0.0.1:0', pool: 'p' } },
    pools: { p: { policy: 'round-robin', backends: bs.map((b) => `127.0.0.1:${b.port}`) } },
  });
  try {
    const seen: string[] = [];
    for (let i = 0; i < 30; i++) seen.push(await exchange(port));
    assert.deepEqual(seen.slice(0, 6), ['a', 'b', 'c', 'a', 'b', 'c']);
    for (const n of ['a', 'b', 'c']) assert.equal(seen.filter((s) => s === n).length, 10);
    const snap = lb.snapshot();
    assert.deepEqual(
      snap.pools[0]?.backends.map((b) => b.totals.connections),
      [10, 10, 10],
    );
  } finally {
    await lb.stop();
    await Promise.all(bs.map((b) => b.close()));
  }
});

void test('a refused backend is failed over transparently and ejected', async () => {
  const live = await nameServer('live');
  const dead = await closedPort();
  const { lb, port } = await startBalancer({
    listeners: { l: { bind: '127.0.0.1:0', pool: 'p' } },
    pools: { p: { backends: [`127.0.0.1:${dead}`, `127.0.0.1:${live.port}`], health: EJECT_AT_ONCE } },
  });
  try {
    for (let i = 0; i < 10; i++) assert.equal(await exchange(port), 'live');
    const [deadB, liveB] = lb.snapshot().pools[0]?.backends ?? [];
    assert.equal(deadB?.ejected, true);
    assert.equal(deadB?.eligible, false);
    assert.match(deadB?.downCause ?? '', /1 consecutive .*ECONNREFUSED/);
    assert.equal(deadB?.totals.connectFailures, 1, 'once ejected, the dead backend is not tried again');
    assert.equal(liveB?.totals.connections, 10);
    await waitFor(() => lb.snapshot().listeners[0]?.terminations['--'] === 10, 2000, '10 normal ends');
  } finally {
    await lb.stop();
    await live.close();
  }
});

void test('an ejected backend returns to rotation when its ejection time has passed', async () => {
  const live = await nameServer('live');
  const port2 = await closedPort();
  const { lb, port } = await startBalancer({
    listeners: { l: { bind: '127.0.0.1:0', pool: 'p' } },
    pools: { p: { backends: [`127.0.0.1:${live.port}`, `127.0.0.1:${port2}`], health: { passive: { consecutiveFailures: 1, baseEjectionTime: '150ms', maxEjectedPercent: 100 } } } },
  });
  let back: TestServer | undefined;
  try {
    await exchange(port);
    await exchange(port); // second pick hits the closed port and fails over
    assert.equal(lb.snapshot().pools[0]?.backends[1]?.ejected, true);
    back = await nameServer('back', { port: port2 });
    await waitFor(() => lb.snapshot().pools[0]?.backends[1]?.eligible === true, 3000, 'backend to return');
    const seen = new Set<string>();
    for (let i = 0; i < 4; i++) seen.add(await exchange(port));
    assert.deepEqual([...seen].sort(), ['back', 'live']);
    assert.equal(lb.snapshot().pools[0]?.backends[1]?.transitions.returned, 1);
  } finally {
    await lb.stop();
    await live.close();
    await back?.close();
  }
});

void test('when every backend is down, clients are closed at once and probes run at the faster all-down interval', async () => {
  const p1 = await closedPort();
  const { lb, port } = await startBalancer({
    listeners: { l: { bind: '127.0.0.1:0', pool: 'p' } },
    pools: {
      p: {
        backends: [`127.0.0.1:${p1}`],
        health: { active: { type: 'tcp', interval: '1h', downInterval: '1h', allDownInterval: '30ms', rise: 1, fall: 1, initialState: 'down', timeout: '500ms' } },
      },
    },
  });
  let back: TestServer | undefined;
  try {
    assert.equal(await exchange(port), '');
    await waitFor(() => lb.snapshot().listeners[0]?.terminations.UH === 1, 2000, 'one UH end');
    assert.equal(lb.snapshot().pools[0]?.backends[0]?.totals.connectFailures, 0, 'no connect was attempted');
    back = await nameServer('back', { port: p1 });
    await waitFor(() => lb.snapshot().pools[0]?.eligibleBackends === 1, 3000, 'fast probes while all are down');
    assert.equal(await exchange(port), 'back');
  } finally {
    await lb.stop();
    await back?.close();
  }
});

void test('failover never tries the same backend twice and stops after the configured attempts', async () => {
  const ports = await Promise.all([closedPort(), closedPort(), closedPort(), closedPort()]);
  const { lb, port } = await startBalancer({
    listeners: { l: { bind: '127.0.0.1:0', pool: 'p' } },
    pools: { p: { backends: ports.map((p) => `127.0.0.1:${p}`), failover: { attempts: 3 }, health: EJECT_AT_ONCE } },
  });
  try {
    assert.equal(await exchange(port), '');
    const failures = lb.snapshot().pools[0]?.backends.map((b) => b.totals.connectFailures) ?? [];
    assert.deepEqual(failures, [1, 1, 1, 0]);
    await waitFor(() => lb.snapshot().listeners[0]?.terminations.UF === 1, 2000, 'one UF end');
  } finally {
    await lb.stop();
  }
});

void test('a client that connects per request sees no failure while one of two backends dies mid-run', async () => {
  const a = await nameServer('a');
  const b = await nameServer('b');
  const { lb, port } = await startBalancer({
    listeners: { l: { bind: '127.0.0.1:0', pool: 'p' } },
    pools: { p: { backends: [`127.0.0.1:${a.port}`, `127.0.0.1:${b.port}`], health: EJECT_AT_ONCE } },
  });
  try {
    const answers: string[] = [];
    let killed = false;
    // Four clients in parallel, 200 requests each; backend b stops listening after 100 answers
    // in all (as a stopping process does: new connects are refused, the ones it holds finish).
    await Promise.all(
      [0, 1, 2, 3].map(async () => {
        for (let i = 0; i < 200; i++) {
          const r = await exchange(port, 'x');
          answers.push(r);
          if (!killed && answers.length >= 100) {
            killed = true;
            b.server.close();
          }
        }
      }),
    );
    assert.equal(answers.length, 800);
    assert.deepEqual(answers.filter((r) => r !== 'a' && r !== 'b'), [], 'every request got an answer');
    assert.equal(lb.snapshot().pools[0]?.backends[1]?.ejected, true);
    assert.equal(answers.slice(-50).every((r) => r === 'a'), true);
  } finally {
    await lb.stop();
    await a.close();
    await b.close();
  }
});

void test('a backend at its connection limit is skipped for new connections', async () => {
  const held: Socket[] = [];
  const a = await startServer((s) => {
    held.push(s);
    s.write('a');
  });
  const b = await nameServer('b');
  const { lb, port } = await startBalancer({
    listeners: { l: { bind: '127.0.0.1:0', pool: 'p' } },
    pools: { p: { policy: 'least-conn', backends: [{ host: '127.0.0.1', port: a.port, maxConnections: 1 }, `127.0.0.1:${b.port}`] } },
  });
  try {
    const c1 = await openConnection(port);
    assert.equal(await nextData(c1), 'a');
    for (let i = 0; i < 3; i++) assert.equal(await exchange(port), 'b');
    c1.destroy();
  } finally {
    await lb.stop({ drainTimeoutMs: 0 });
    await a.close();
    await b.close();
  }
});
