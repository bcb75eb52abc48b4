import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { startServer, exchange, waitFor, closedPort } from '../helpers/net.js';
import { startBalancer } from '../helpers/balancer.js';
import { seededRandom } from '../../src/core/random.js';

void test('misbehaving clients and backends never crash the balancer nor leak connection counts', async () => {
  const rnd = seededRandom(42);
  // Backends that misbehave in turn: reset at once, reset mid-stream, echo, close early, stall.
  const behaviours = ['reset', 'reset-later', 'echo', 'end', 'stall'] as const;
  let n = 0;
  const bad = await startServer((s) => {
    const b = behaviours[n++ % behaviours.length];
    if (b === 'reset') s.resetAndDestroy();
    else if (b === 'reset-later') s.once('data', () => setTimeout(() => s.resetAndDestroy(), 2));
    else if (b === 'echo') s.pipe(s);
    else if (b === 'end') s.end('bye');
  });
  const good = await startServer((s) => s.pipe(s));
  const dead = await closedPort();
  const { lb, port } = await startBalancer({
    listeners: { l: { bind: '127.0.0.1:0', pool: 'p', idleTimeout: '300ms' } },
    pools: {
      p: { policy: 'random', backends: [`127.0.0.1:${bad.port}`, `127.0.0.1:${good.port}`, `127.0.0.1:${dead}`], health: {
          active: { type: 'tcp', interval: '20ms', allDownInterval: '10ms', rise: 1, fall: 1, timeout: '100ms' },
          passive: { consecutiveFailures: 1, baseEjectionTime: '20ms', maxEjectionTime: '40ms', maxEjectedPercent: 100 },
        },
      },
    },
  });
  try {
    const clients: Promise<void>[] = [];
    for (let i = 0; i < 300; i++) {
      const kind = Math.floor(rnd.next() * 5);
      clients.push(
        new Promise<void>((resolve) => {
          const c = connect({ port, host: '127.0.0.1' });
          c.on('error', () => {});
          c.on('close', () => resolve());
          c.on('data', () => {});
          c.on('connect', () => {
            if (kind === 0) c.resetAndDestroy();
            else if (kind === 1) c.end(Buffer.from([0, 255, 13, 10, 0]));
            else if (kind === 2) {
              c.write('x'.repeat(100_000));
              setTimeout(() => c.resetAndDestroy(), 1);
            } else if (kind === 3) c.destroy();
            else c.end('hello');
          });
          setTimeout(() => c.destroy(), 2000).unref();
        }),
      );
    }
    await Promise.all(clients);
    await waitFor(() => lb.snapshot().listeners[0]?.activeConnections === 0, 5000, 'every connection to close');
    const snap = lb.snapshot();
    for (const b of snap.pools[0]?.backends ?? []) assert.equal(b.activeConnections, 0, `${b.id} has no connection left counted`);
    const t: Record<string, number> = snap.listeners[0]?.terminations ?? {};
    assert.equal(Object.values(t).reduce((a, b) => a + b, 0), 300, 'every connection ended with exactly one termination code');
    // Still serving.
    let answered = false;
    for (let i = 0; i < 10 && !answered; i++) answered = (await exchange(port, 'still there?').catch(() => '')) === 'still there?';
    assert.ok(answered, 'the balancer still forwards after the chaos');
  } finally {
    await lb.stop({ drainTimeoutMs: 100 });
    await bad.close();
    await good.close();
  }
});
