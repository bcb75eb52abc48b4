/** Applying a new configuration to a running balancer: nothing open is cut, live state is kept. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startBalancer } from '../helpers/balancer.js';
import { echoServer, exchange, nameServer, nextData, openConnection, startServer, waitFor } from '../helpers/net.js';
import { get, namedHttpBackend, rawRequest } from '../helpers/http.js';
import { validateConfig, type ConfigInput } from '../../src/index.js';
import type { RuntimeConfig } from '../../src/config/model.js';

function runtime(input: ConfigInput): RuntimeConfig {
  const r = validateConfig(input);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.config;
}

void test('a backend added live takes new connections while an open one stays where it is', async () => {
  const a = await echoServer();
  const b = await nameServer('b');
  const base: ConfigInput = { listeners: { l: { bind: '127.0.0.1:0', pool: 'p' } }, pools: { p: { backends: [{ host: '127.0.0.1', port: a.port, name: 'a' }] } } };
  const { lb, port } = await startBalancer(base);
  try {
    const open = await openConnection(port);
    open.write('one');
    assert.equal(await nextData(open), 'one');
    const listenerPort = lb.addresses('l')[0]?.port ?? 0;
    await lb.reconfigure(
      runtime({
        listeners: { l: { bind: `127.0.0.1:${listenerPort}`, pool: 'p' } },
        pools: { p: { backends: [{ host: '127.0.0.1', port: a.port, name: 'a' }, { host: '127.0.0.1', port: b.port, name: 'b' }] } },
      }),
    );
    assert.equal(lb.addresses('l')[0]?.port, listenerPort);
    const seen = new Set<string>();
    for (let i = 0; i < 4; i++) seen.add(await exchange(port, 'x'));
    assert.deepEqual([...seen].sort(), ['b', 'x']);
    open.write('two');
    assert.equal(await nextData(open), 'two', 'the open connection was not cut');
    assert.equal(lb.snapshot().pools[0]?.backends[0]?.activeConnections, 1, 'its count was carried over');
    open.destroy();
  } finally {
    await lb.stop();
    await a.close();
    await b.close();
  }
});

void test('live state is carried across a change: an ejected backend stays ejected, a drained one stays drained', async () => {
  const a = await nameServer('a');
  const b = await nameServer('b');
  const c = await nameServer('c');
  const dead = await startServer(() => {});
  const deadPort = dead.port;
  await dead.close();
  const pools = (policy: 'round-robin' | 'weighted-round-robin', extra: { host: string; port: number; name: string }[] = []): ConfigInput['pools'] => ({
    p: {
      policy,
      health: { passive: { consecutiveFailures: 1, baseEjectionTime: '1h', maxEjectedPercent: 100 } },
      backends: [{ host: '127.0.0.1', port: deadPort, name: 'dead' }, { host: '127.0.0.1', port: a.port, name: 'a' }, { host: '127.0.0.1', port: b.port, name: 'b' }, ...extra],
    },
  });
  const { lb, port } = await startBalancer({ listeners: { l: { bind: '127.0.0.1:0', pool: 'p' } }, pools: pools('round-robin') });
  const bind = `127.0.0.1:${port}`;
  try {
    await exchange(port); // the dead one: ejected, failed over to a
    lb.setBackendState('p', 'b', 'drain');
    await lb.reconfigure(runtime({ listeners: { l: { bind, pool: 'p' } }, pools: pools('weighted-round-robin', [{ host: '127.0.0.1', port: c.port, name: 'c' }]) }));
    const snap = lb.snapshot().pools[0];
    assert.equal(snap?.policy, 'weighted-round-robin');
    assert.equal(snap?.backends[0]?.ejected, true);
    assert.equal(snap?.backends[2]?.adminState, 'drain');
    const seen = new Set<string>();
    for (let i = 0; i < 6; i++) seen.add(await exchange(port));
    assert.deepEqual([...seen].sort(), ['a', 'c']);
  } finally {
    await lb.stop();
    for (const s of [a, b, c]) await s.close();
  }
});

void test('a listener added live binds, and a listener removed drains: its open connection finishes, new ones are refused', async () => {
  const echo = await echoServer();
  const pools: ConfigInput['pools'] = { p: { backends: [`127.0.0.1:${echo.port}`] } };
  const { lb, port } = await startBalancer({ listeners: { old: { bind: '127.0.0.1:0', pool: 'p' } }, pools });
  try {
    const open = await openConnection(port);
    open.write('before');
    assert.equal(await nextData(open), 'before');
    await lb.reconfigure(runtime({ listeners: { fresh: { bind: '127.0.0.1:0', pool: 'p' } }, pools }));
    const freshPort = lb.addresses('fresh')[0]?.port ?? 0;
    assert.equal(await exchange(freshPort, 'hi'), 'hi');
    await assert.rejects(openConnection(port), /ECONNREFUSED/);
    open.write('after');
    assert.equal(await nextData(open), 'after', 'the removed listener\'s connection goes on');
    assert.deepEqual(
      lb.snapshot().listeners.map((l) => l.name),
      ['fresh'],
    );
    open.destroy();
  } finally {
    await lb.stop();
    await echo.close();
  }
});

void test('a change whose new listener cannot bind is refused whole, and the old configuration keeps serving', async () => {
  const a = await nameServer('a');
  const taken = await startServer(() => {});
  const base: ConfigInput = { listeners: { l: { bind: '127.0.0.1:0', pool: 'p' } }, pools: { p: { backends: [`127.0.0.1:${a.port}`] } } };
  const { lb, port } = await startBalancer(base);
  try {
    const before = lb.config;
    await assert.rejects(
      lb.reconfigure(
        runtime({
          listeners: { l: { bind: `127.0.0.1:${port}`, pool: 'p' }, extra: { bind: `127.0.0.1:${taken.port}`, pool: 'q' } },
          pools: { p: { backends: [`127.0.0.1:${a.port}`] }, q: { backends: [`127.0.0.1:${a.port}`] } },
        }),
      ),
      { code: 'SY_LISTEN_FAILED', message: /listener "extra": cannot listen on 127\.0\.0\.1:\d+: address already in use/ },
    );
    assert.equal(lb.config, before);
    assert.deepEqual(lb.snapshot().pools.map((p) => p.name), ['p']);
    assert.equal(await exchange(port), 'a');
  } finally {
    await lb.stop();
    await a.close();
    await taken.close();
  }
});

void test('moving a listener to another port rebinds it; connections on the old port finish', async () => {
  const echo = await echoServer();
  const pools: ConfigInput['pools'] = { p: { backends: [`127.0.0.1:${echo.port}`] } };
  const { lb, port } = await startBalancer({ listeners: { l: { bind: '127.0.0.1:0', pool: 'p' } }, pools });
  try {
    const open = await openConnection(port);
    await lb.reconfigure(runtime({ listeners: { l: { bind: ['127.0.0.1:0'], pool: 'p', maxConnections: 5 } }, pools }));
    // "127.0.0.1:0" again is the same bind and keeps its socket; a second address makes it move.
    assert.equal(lb.addresses('l')[0]?.port, port);
    await lb.reconfigure(runtime({ listeners: { l: { bind: ['127.0.0.1:0', '[::1]:0'], pool: 'p' } }, pools }));
    const now = lb.addresses('l');
    assert.equal(now.length, 2);
    assert.notEqual(now[0]?.port, port);
    assert.equal(await exchange(now[0]?.port ?? 0, 'new'), 'new');
    open.write('old');
    assert.equal(await nextData(open), 'old');
    open.destroy();
  } finally {
    await lb.stop();
    await echo.close();
  }
});

void test('HTTP routes changed live apply to the next request on a kept-alive connection', async () => {
  const a = await namedHttpBackend('a');
  const b = await namedHttpBackend('b');
  const pools: ConfigInput['pools'] = { pa: { backends: [`127.0.0.1:${a.port}`] }, pb: { backends: [`127.0.0.1:${b.port}`] } };
  const { lb, port } = await startBalancer({ listeners: { web: { protocol: 'http', bind: '127.0.0.1:0', pool: 'pa' } }, pools });
  try {
    assert.equal((await rawRequest(port, get('/api/x'))).body.toString(), 'a');
    await lb.reconfigure(runtime({ listeners: { web: { protocol: 'http', bind: `127.0.0.1:${port}`, pool: 'pa', routes: [{ pathPrefix: '/api/', pool: 'pb' }] } }, pools }));
    await waitFor(() => true, 10);
    assert.equal((await rawRequest(port, get('/api/x'))).body.toString(), 'b');
    assert.equal((await rawRequest(port, get('/other'))).body.toString(), 'a');
  } finally {
    await lb.stop();
    await a.close();
    await b.close();
  }
});
