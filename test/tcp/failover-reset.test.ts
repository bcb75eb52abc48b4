import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { request } from 'node:http';
import { startServer, exchange, waitFor } from '../helpers/net.js';
import { startBalancer, EJECT_AT_ONCE } from '../helpers/balancer.js';
import { spawnCli, type Spawned } from '../helpers/cli.js';

/** Connects and reads until the end without sending anything (a server-speaks-first client). */
function listen(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = '';
    const s = connect({ port, host: '127.0.0.1' });
    s.on('error', reject);
    s.on('data', (d: Buffer) => (got += d.toString()));
    s.on('close', () => resolve(got));
  });
}

void test('a backend that resets a fresh connection before any byte is exchanged is failed over', async () => {
  const resetter = await startServer((s) => s.resetAndDestroy());
  const greeter = await startServer((s) => s.end('hello from b'));
  const { lb, port } = await startBalancer({
    listeners: { l: { bind: '127.0.0.1:0', pool: 'p' } },
    pools: { p: { backends: [`127.0.0.1:${resetter.port}`, `127.0.0.1:${greeter.port}`], health: EJECT_AT_ONCE } },
  });
  try {
    assert.equal(await listen(port), 'hello from b');
    const b = lb.snapshot().pools[0]?.backends[0];
    assert.equal(b?.ejected, true);
    assert.match(b?.downCause ?? '', /ECONNRESET|reset by the backend before any byte was exchanged/);
  } finally {
    await lb.stop();
    await resetter.close();
    await greeter.close();
  }
});

void test('by default a request a backend reset after reading is not replayed to another backend', async () => {
  let seenByOther = 0;
  const crasher = await startServer((s) => s.once('data', () => s.resetAndDestroy()));
  const other = await startServer((s) => {
    seenByOther++;
    s.pipe(s);
  });
  const { lb, port } = await startBalancer({
    listeners: { l: { bind: '127.0.0.1:0', pool: 'p' } },
    pools: { p: { backends: [`127.0.0.1:${crasher.port}`, `127.0.0.1:${other.port}`] } },
  });
  try {
    const answer = await exchange(port, 'ping').catch((e: NodeJS.ErrnoException) => e.code ?? 'error');
    assert.notEqual(answer, 'ping');
    assert.equal(seenByOther, 0, 'the request reached one backend only');
    await waitFor(() => lb.snapshot().listeners[0]?.terminations.UC === 1, 2000, 'one UC end');
  } finally {
    await lb.stop();
    await crasher.close();
    await other.close();
  }
});

for (const how of ['resets', 'closes'] as const) {
  void test(`with retryOnEmptyResponse, a request whose backend ${how} without answering is replayed to the next`, async () => {
    const received: string[] = [];
    const crasher = await startServer((s) =>
      s.once('data', (d: Buffer) => {
        received.push(d.toString());
        if (how === 'resets') s.resetAndDestroy();
        else s.end();
      }),
    );
    const echo = await startServer((s) => s.pipe(s));
    const { lb, port } = await startBalancer({
      listeners: { l: { bind: '127.0.0.1:0', pool: 'p' } },
      pools: { p: { backends: [`127.0.0.1:${crasher.port}`, `127.0.0.1:${echo.port}`], failover: { retryOnEmptyResponse: true }, health: EJECT_AT_ONCE } },
    });
    try {
      const c = connect({ port, host: '127.0.0.1' });
      c.on('error', () => {});
      c.write('ping');
      const reply = await new Promise<string>((resolve) => c.once('data', (d: Buffer) => resolve(d.toString())));
      assert.equal(reply, 'ping');
      assert.deepEqual(received, ['ping'], 'the first backend saw the request');
      c.write(' and more');
      const more = await new Promise<string>((resolve) => c.once('data', (d: Buffer) => resolve(d.toString())));
      assert.equal(more, ' and more', 'the tunnel goes on with the second backend');
      c.destroy();
      assert.match(lb.snapshot().pools[0]?.backends[0]?.downCause ?? '', /last: closed by the backend before it answered$/);
    } finally {
      await lb.stop();
      await crasher.close();
      await echo.close();
    }
  });
}

void test('a backend that ends the connection before anything was sent either way is an ordinary end, not a failure', async () => {
  const closer = await startServer((s) => s.end());
  const { lb, port } = await startBalancer({
    listeners: { l: { bind: '127.0.0.1:0', pool: 'p' } },
    pools: { p: { backends: [`127.0.0.1:${closer.port}`], failover: { retryOnEmptyResponse: true } } },
  });
  try {
    assert.equal(await listen(port), '');
    await waitFor(() => lb.snapshot().listeners[0]?.terminations['--'] === 1, 2000, 'one normal end');
    assert.equal(lb.snapshot().pools[0]?.backends[0]?.eligible, true);
  } finally {
    await lb.stop();
    await closer.close();
  }
});

function get(port: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

async function demoBackend(name: string): Promise<{ cli: Spawned; port: number }> {
  const cli = spawnCli(['demo-backend', '--port', '0', '--name', name, '--latency', '5', '--jitter', '10']);
  const m = await cli.waitForOutput(/listening on http:\/\/127\.0\.0\.1:(\d+)\//);
  return { cli, port: Number(m[1]) };
}

void test('clients connecting per request see no failure while a backend process is killed mid-run', async () => {
  const a = await demoBackend('a');
  const b = await demoBackend('b');
  const { lb, port } = await startBalancer({
    listeners: { l: { bind: '127.0.0.1:0', pool: 'p' } },
    pools: { p: { backends: [`127.0.0.1:${a.port}`, `127.0.0.1:${b.port}`], failover: { retryOnEmptyResponse: true }, health: EJECT_AT_ONCE } },
  });
  try {
    const results: string[] = [];
    let killed = false;
    // Eight clients, 60 requests each, a new connection per request; backend b is SIGKILLed
    // after 120 answers, with requests in flight on it.
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let i = 0; i < 60; i++) {
          const r = await get(port).then(
            (res) => (res.status === 200 ? res.body.trim() : `status ${res.status}`),
            (err: NodeJS.ErrnoException) => `error ${err.code ?? err.message}`,
          );
          results.push(r);
          if (!killed && results.length >= 120) {
            killed = true;
            b.cli.child.kill('SIGKILL');
          }
        }
      }),
    );
    const failures = results.filter((r) => r !== 'a' && r !== 'b');
    assert.deepEqual(failures, [], `${failures.length} of ${results.length} requests failed`);
    assert.equal(results.length, 480);
    assert.ok(results.filter((r) => r === 'b').length >= 40, 'b served its share before it died');
    assert.equal(lb.snapshot().pools[0]?.backends[1]?.ejected, true);
  } finally {
    await lb.stop();
    a.cli.child.kill('SIGKILL');
    b.cli.child.kill('SIGKILL');
  }
});
