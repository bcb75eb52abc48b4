/** The health model on real loopback sockets: probes, ejection, drain, panic and group switches. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startBalancer } from '../helpers/balancer.js';
import { startHttpBalancer } from '../helpers/http-balancer.js';
import { get, namedHttpBackend, okResponse, rawRequest, startHttpBackend, RawClient } from '../helpers/http.js';
import { echoServer, exchange, nameServer, nextData, openConnection, startServer, waitFor } from '../helpers/net.js';

const body = (r: { status: number; body: Buffer }): string => `${r.status} ${r.body.toString()}`;

void test('an HTTP backend that starts answering 500 is taken out after fall probes and returns after rise', async () => {
  let failing = false;
  const a = await startHttpBackend((req, s) => {
    if (req.target === '/health') s.write(failing ? okResponse('no', '', '500 Internal Server Error') : okResponse('ok'));
    else s.write(okResponse('a'));
  });
  const b = await namedHttpBackend('b');
  const { lb, port } = await startHttpBalancer([a.port, b.port], {
    pool: { health: { active: { type: 'http', interval: '40ms', jitter: 0, rise: 2, fall: 3, timeout: '500ms', http: { path: '/health' } } } },
  });
  try {
    await waitFor(() => (lb.snapshot().pools[0]?.backends[0]?.probe?.last?.ok ?? false) === true, 2000, 'a first successful probe');
    failing = true;
    await waitFor(() => lb.snapshot().pools[0]?.backends[0]?.health === 'down', 3000, 'backend a down');
    const down = lb.snapshot().pools[0]?.backends[0];
    assert.match(down?.downCause ?? '', /^3 consecutive probe failures \(fall 3\): HTTP 500 not in 200-399/);
    assert.equal(down?.transitions.down, 1);
    for (let i = 0; i < 6; i++) assert.equal(body(await rawRequest(port, get('/x'))), '200 b', 'only b serves while a is down');
    failing = false;
    await waitFor(() => lb.snapshot().pools[0]?.backends[0]?.health === 'up', 3000, 'backend a up again');
    const seen = new Set<string>();
    for (let i = 0; i < 6; i++) seen.add(body(await rawRequest(port, get('/x'))));
    assert.deepEqual([...seen].sort(), ['200 a', '200 b']);
    const probe = lb.snapshot().pools[0]?.backends[0]?.probe;
    assert.equal(probe?.type, 'http');
    assert.ok((probe?.latencyMs?.count ?? 0) >= 3, 'probe latencies are recorded');
  } finally {
    await lb.stop();
    await a.close();
    await b.close();
  }
});

void test('a backend killed under load is ejected by passive detection before its next probe', async () => {
  const a = await nameServer('a');
  const b = await nameServer('b');
  const { lb, port } = await startBalancer({
    listeners: { l: { bind: '127.0.0.1:0', pool: 'p' } },
    pools: {
      p: {
        backends: [`127.0.0.1:${a.port}`, `127.0.0.1:${b.port}`],
        health: { active: { type: 'tcp', interval: '1h', timeout: '500ms' }, passive: { consecutiveFailures: 2, baseEjectionTime: '1h' } },
      },
    },
  });
  try {
    const answers: string[] = [];
    let killed = false;
    await Promise.all(
      [0, 1, 2, 3].map(async () => {
        for (let i = 0; i < 100; i++) {
          answers.push(await exchange(port));
          if (!killed && answers.length >= 80) {
            killed = true;
            await b.close();
          }
        }
      }),
    );
    const failed = answers.filter((x) => x !== 'a' && x !== 'b');
    assert.deepEqual(failed, [], 'failover hid the dead backend from every client');
    const dead = lb.snapshot().pools[0]?.backends[1];
    assert.equal(dead?.ejected, true);
    assert.equal(dead?.health, 'up', 'no probe has run yet: the ejection came from traffic');
    assert.equal(dead?.probe?.last, null);
    assert.equal(dead?.totals.connectFailures, 2, 'two failed connects, then no more tries');
    assert.match(dead?.downCause ?? '', /^2 consecutive local failures/);
  } finally {
    await lb.stop();
    await a.close();
  }
});

void test('HTTP backends answering 5xx in a row are ejected', async () => {
  const bad = await startHttpBackend((_req, s) => s.write(okResponse('bad', '', '503 Service Unavailable')));
  const good = await namedHttpBackend('good');
  const { lb, port } = await startHttpBalancer([bad.port, good.port], { pool: { health: { passive: { consecutive5xx: 3, baseEjectionTime: '1h' } } } });
  try {
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await rawRequest(port, get())).status);
    assert.deepEqual(statuses.filter((s) => s === 503).length, 3, 'three 503s reach clients, then the backend is out');
    assert.deepEqual(statuses.slice(-6), Array(6).fill(200));
    const snap = lb.snapshot().pools[0]?.backends[0];
    assert.equal(snap?.ejected, true);
    assert.match(snap?.downCause ?? '', /3 consecutive 5xx responses, last: HTTP 503/);
  } finally {
    await lb.stop();
    await bad.close();
    await good.close();
  }
});

void test('drain lets an open TCP connection finish while new connections go elsewhere', async () => {
  const a = await echoServer();
  const b = await nameServer('b');
  const { lb, port } = await startBalancer({
    listeners: { l: { bind: '127.0.0.1:0', pool: 'p' } },
    pools: { p: { backends: [{ host: '127.0.0.1', port: a.port, name: 'a' }, { host: '127.0.0.1', port: b.port, name: 'b' }] } },
  });
  try {
    const open = await openConnection(port); // round robin: the first goes to a
    open.write('hello');
    assert.equal(await nextData(open), 'hello');
    assert.equal(lb.setBackendState('p', 'a', 'drain'), 'ready');
    for (let i = 0; i < 4; i++) assert.equal(await exchange(port), 'b');
    open.write('still here');
    assert.equal(await nextData(open), 'still here', 'the draining backend still serves its open connection');
    const snap = lb.snapshot().pools[0]?.backends[0];
    assert.equal(snap?.adminState, 'drain');
    assert.equal(snap?.activeConnections, 1);
    open.end();
    await waitFor(() => lb.snapshot().pools[0]?.backends[0]?.activeConnections === 0, 2000, 'the open connection to end');
    assert.equal(lb.setBackendState('p', 'a', 'ready'), 'drain');
    const c = await openConnection(port);
    c.write('back');
    assert.equal(await nextData(c), 'back', 'ready again: new connections reach it');
    c.destroy();
    assert.deepEqual(lb.snapshot().pools[0]?.backends[0]?.transitions, { up: 0, down: 0, ejected: 0, returned: 0, drain: 1, maint: 0, ready: 1 });
  } finally {
    await lb.stop();
    await a.close();
    await b.close();
  }
});

void test('drain lets an in-flight HTTP request finish while new requests go elsewhere', async () => {
  let release: (() => void) | undefined;
  const slow = await startHttpBackend((req, s) => {
    if (req.target === '/slow') release = () => s.write(okResponse('slow done'));
    else s.write(okResponse('a'));
  });
  const b = await namedHttpBackend('b');
  const { lb, port } = await startHttpBalancer([`127.0.0.1:${slow.port}`, `127.0.0.1:${b.port}`]);
  try {
    const c = await RawClient.open(port);
    c.write(get('/slow'));
    await waitFor(() => release !== undefined, 2000, 'the slow request to reach backend a');
    lb.setBackendState('p', `127.0.0.1:${slow.port}`, 'drain');
    for (let i = 0; i < 4; i++) assert.equal(body(await rawRequest(port, get('/x'))), '200 b');
    release?.();
    assert.equal(body(await c.finalResponse('GET')), '200 slow done');
    c.close();
  } finally {
    await lb.stop();
    await slow.close();
    await b.close();
  }
});

void test('with no eligible backend HTTP gets 503 at once, unless panic mode spreads requests over all of them', async () => {
  // Both backends fail their probe but answer real requests.
  const mk = (name: string): ReturnType<typeof startHttpBackend> =>
    startHttpBackend((req, s) => s.write(req.target === '/health' ? okResponse('sick', '', '500 Internal Server Error') : okResponse(name)));
  const a = await mk('a');
  const b = await mk('b');
  const active = { type: 'http' as const, interval: '30ms', fall: 1, timeout: '500ms', http: { path: '/health' } };
  const calm = await startHttpBalancer([a.port, b.port], { pool: { health: { active } } });
  const panicky = await startHttpBalancer([a.port, b.port], { pool: { health: { active }, panicThreshold: 50 } });
  try {
    await waitFor(() => calm.lb.snapshot().pools[0]?.eligibleBackends === 0, 3000, 'both down (calm)');
    await waitFor(() => panicky.lb.snapshot().pools[0]?.eligibleBackends === 0, 3000, 'both down (panicky)');
    const started = Date.now();
    assert.equal((await rawRequest(calm.port, get())).status, 503);
    assert.ok(Date.now() - started < 500, '503 comes at once');
    assert.equal(calm.lb.snapshot().listeners[0]?.terminations.UH, 1);
    assert.equal(panicky.lb.snapshot().pools[0]?.panic, true);
    const seen = new Set<string>();
    for (let i = 0; i < 4; i++) seen.add(body(await rawRequest(panicky.port, get())));
    assert.deepEqual([...seen].sort(), ['200 a', '200 b']);
  } finally {
    await calm.lb.stop();
    await panicky.lb.stop();
    await a.close();
    await b.close();
  }
});

void test('switching the active pool under load loses nothing, over TCP and HTTP', async () => {
  const tcpBlue = await nameServer('blue');
  const tcpGreen = await nameServer('green');
  const httpBlue = await namedHttpBackend('blue');
  const httpGreen = await namedHttpBackend('green');
  const { lb, port } = await startBalancer({
    listeners: {
      tcp: { bind: '127.0.0.1:0', pools: ['blue', 'green'] },
      web: { protocol: 'http', bind: '127.0.0.1:0', pools: ['hblue', 'hgreen'] },
    },
    pools: {
      blue: { backends: [`127.0.0.1:${tcpBlue.port}`] },
      green: { backends: [`127.0.0.1:${tcpGreen.port}`] },
      hblue: { backends: [`127.0.0.1:${httpBlue.port}`] },
      hgreen: { backends: [`127.0.0.1:${httpGreen.port}`] },
    },
  });
  const webPort = lb.addresses('web')[0]?.port ?? 0;
  try {
    const tcpAnswers: string[] = [];
    const httpAnswers: string[] = [];
    let done = false;
    const tcpLoad = (async () => {
      while (!done && tcpAnswers.length < 2000) tcpAnswers.push(await exchange(port));
    })();
    const httpLoad = (async () => {
      const c = await RawClient.open(webPort);
      try {
        while (!done && httpAnswers.length < 4000) {
          c.write(get());
          httpAnswers.push(body(await c.finalResponse('GET')));
        }
      } finally {
        c.close();
      }
    })();
    for (let i = 0; i < 6; i++) {
      await new Promise((r) => setTimeout(r, 40));
      lb.setActivePool('tcp', i % 2 === 0 ? 'green' : 'blue');
      lb.setActivePool('web', i % 2 === 0 ? 'hgreen' : 'hblue');
    }
    await new Promise((r) => setTimeout(r, 40));
    done = true;
    await Promise.all([tcpLoad, httpLoad]);
    assert.deepEqual(tcpAnswers.filter((x) => x !== 'blue' && x !== 'green'), [], 'every TCP connection was answered');
    assert.deepEqual(httpAnswers.filter((x) => x !== '200 blue' && x !== '200 green'), [], 'every HTTP request was answered');
    assert.ok(tcpAnswers.includes('blue') && tcpAnswers.includes('green'));
    assert.ok(httpAnswers.includes('200 blue') && httpAnswers.includes('200 green'));
    assert.equal(lb.snapshot().listeners.find((l) => l.name === 'tcp')?.activePool, 'blue');
  } finally {
    await lb.stop();
    for (const s of [tcpBlue, tcpGreen]) await s.close();
    for (const s of [httpBlue, httpGreen]) await s.close();
  }
});

void test('runtime operations name unknown pools and backends, and refuse a re-check without probes', async () => {
  const s = await startServer((x) => x.end());
  const { lb } = await startBalancer({ listeners: { l: { bind: '127.0.0.1:0', pool: 'p' } }, pools: { p: { backends: [`127.0.0.1:${s.port}`] } } });
  try {
    assert.throws(() => lb.setBackendState('nope', 'x', 'drain'), { code: 'SY_UNKNOWN_POOL', message: /no pool named "nope" \(pools: p\)/ });
    assert.throws(() => lb.setBackendState('p', 'x', 'drain'), { code: 'SY_UNKNOWN_BACKEND', message: /pool "p" has no backend "x" \(its backends: 127\.0\.0\.1:\d+\)/ });
    assert.throws(() => lb.recheckBackend('p', `127.0.0.1:${s.port}`), { code: 'SY_NOT_PROBED' });
  } finally {
    await lb.stop();
    await s.close();
  }
});
