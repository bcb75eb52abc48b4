import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { createHash } from 'node:crypto';
import { echoServer, startServer, openConnection, nextData, whenClosed, whenEnded, exchange, waitFor } from '../helpers/net.js';
import { startBalancer } from '../helpers/balancer.js';

void test('bytes pass through unchanged in both directions', async () => {
  const echo = await echoServer();
  const { lb, port } = await startBalancer({ listeners: { l: { bind: '127.0.0.1:0', pool: 'p' } }, pools: { p: { backends: [`127.0.0.1:${echo.port}`] } } });
  try {
    const payload = Buffer.alloc(3 * 1024 * 1024);
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 31 + (i >> 8)) & 0xff;
    const got = await new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      const s = connect({ port, host: '127.0.0.1' });
      s.on('error', reject);
      s.on('data', (c: Buffer) => chunks.push(c));
      s.on('end', () => resolve(Buffer.concat(chunks)));
      s.end(payload);
    });
    assert.equal(createHash('sha256').update(got).digest('hex'), createHash('sha256').update(payload).digest('hex'));
  } finally {
    await lb.stop();
    await echo.close();
  }
});

void test('a half-closed client still receives the answer the backend sends after the client finished', async () => {
  // The backend answers only once it has seen the client's end of stream.
  const backend = await startServer((s) => {
    let n = 0;
    s.on('data', (c: Buffer) => (n += c.length));
    s.on('end', () => s.end(`got ${n} bytes`));
  });
  const { lb, port } = await startBalancer({ listeners: { l: { bind: '127.0.0.1:0', pool: 'p' } }, pools: { p: { backends: [`127.0.0.1:${backend.port}`] } } });
  try {
    assert.equal(await exchange(port, 'hello world'), 'got 11 bytes');
    await waitFor(() => lb.snapshot().listeners[0]?.terminations['--'] === 1, 2000, 'one normal end');
  } finally {
    await lb.stop();
    await backend.close();
  }
});

void test('a client that half-closes before the backend connection is up still has its end passed on', async () => {
  const backend = await startServer((s) => {
    s.resume();
    s.on('end', () => s.end('saw your end'));
  });
  const { lb, port } = await startBalancer({ listeners: { l: { bind: '127.0.0.1:0', pool: 'p' } }, pools: { p: { backends: [`127.0.0.1:${backend.port}`] } } });
  try {
    // exchange() with no data sends FIN right after connecting, before the proxy reaches the backend.
    for (let i = 0; i < 5; i++) assert.equal(await exchange(port), 'saw your end');
    await waitFor(() => lb.snapshot().listeners[0]?.terminations['--'] === 5, 2000, 'five normal ends');
  } finally {
    await lb.stop();
    await backend.close();
  }
});

void test('a backend that half-closes first can still receive what the client sends next', async () => {
  const received: string[] = [];
  const backend = await startServer((s) => {
    s.end('bye');
    s.on('data', (c: Buffer) => received.push(c.toString()));
  });
  const { lb, port } = await startBalancer({ listeners: { l: { bind: '127.0.0.1:0', pool: 'p' } }, pools: { p: { backends: [`127.0.0.1:${backend.port}`] } } });
  try {
    const c = await openConnection(port);
    const ended = new Promise<void>((r) => c.once('end', () => r()));
    assert.equal(await nextData(c), 'bye');
    await ended;
    c.end('late words');
    await whenClosed(c);
    await waitFor(() => received.join('') === 'late words', 2000, 'the backend to get the late bytes');
  } finally {
    await lb.stop();
    await backend.close();
  }
});

void test('the listener closes connections over its limit at once and counts them', async () => {
  const echo = await echoServer();
  const { lb, port } = await startBalancer({
    listeners: { l: { bind: '127.0.0.1:0', pool: 'p', maxConnections: 2 } },
    pools: { p: { backends: [`127.0.0.1:${echo.port}`] } },
  });
  try {
    const c1 = await openConnection(port);
    const c2 = await openConnection(port);
    c1.write('1');
    assert.equal(await nextData(c1), '1');
    c2.write('2');
    assert.equal(await nextData(c2), '2');
    // The third is reset at once.
    const c3 = connect({ port, host: '127.0.0.1' });
    const c3Error = new Promise<string>((resolve) => c3.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? '')));
    await whenClosed(c3);
    assert.equal(await c3Error, 'ECONNRESET');
    const snap = lb.snapshot().listeners[0];
    assert.equal(snap?.rejectedConnections, 1);
    assert.equal(snap?.terminations.LC, 1);
    assert.equal(snap?.activeConnections, 2);
    // The two within the limit keep working.
    c1.write('again');
    assert.equal(await nextData(c1), 'again');
    c1.destroy();
    c2.destroy();
    await waitFor(() => lb.snapshot().listeners[0]?.activeConnections === 0, 2000, 'connections to close');
    const c4 = await openConnection(port);
    c4.write('4');
    assert.equal(await nextData(c4), '4', 'a slot freed up is usable again');
    c4.destroy();
  } finally {
    await lb.stop({ drainTimeoutMs: 100 });
    await echo.close();
  }
});

void test('a connection idle in both directions is closed after the idle timeout', async () => {
  const echo = await echoServer();
  const { lb, port } = await startBalancer({
    listeners: { l: { bind: '127.0.0.1:0', pool: 'p', idleTimeout: '150ms' } },
    pools: { p: { backends: [`127.0.0.1:${echo.port}`] } },
  });
  try {
    const c = await openConnection(port);
    c.write('ping');
    assert.equal(await nextData(c), 'ping');
    await whenEnded(c);
    await waitFor(() => lb.snapshot().listeners[0]?.terminations.IT === 1, 2000, 'IT termination');
    await waitFor(() => echo.sockets.size === 0, 2000, 'the backend side to close too');
  } finally {
    await lb.stop();
    await echo.close();
  }
});

void test('a client that goes away while its backend is busy releases the backend connection', async () => {
  const backend = await startServer(() => {
    // Never answers.
  });
  const { lb, port } = await startBalancer({ listeners: { l: { bind: '127.0.0.1:0', pool: 'p' } }, pools: { p: { backends: [`127.0.0.1:${backend.port}`] } } });
  try {
    const c = await openConnection(port);
    c.write('hello');
    await waitFor(() => backend.sockets.size === 1, 2000, 'backend connection');
    c.resetAndDestroy();
    await waitFor(() => backend.sockets.size === 0, 2000, 'backend connection to be closed');
    await waitFor(() => lb.snapshot().listeners[0]?.terminations.DC === 1, 2000, 'DC termination');
    assert.equal(lb.snapshot().pools[0]?.backends[0]?.activeConnections, 0);
  } finally {
    await lb.stop();
    await backend.close();
  }
});

void test('listeners bind IPv6 loopback and several addresses at once', async () => {
  const echo = await echoServer();
  const { lb } = await startBalancer({
    listeners: { l: { bind: ['127.0.0.1:0', '[::1]:0'], pool: 'p' } },
    pools: { p: { backends: [`127.0.0.1:${echo.port}`] } },
  });
  try {
    const addrs = lb.addresses('l');
    assert.equal(addrs.length, 2);
    const v6 = addrs.find((a) => a.family === 'IPv6');
    assert.ok(v6, 'an IPv6 address is bound');
    assert.equal(await exchange(v6.port, 'six', '::1'), 'six');
    const v4 = addrs.find((a) => a.family === 'IPv4');
    assert.equal(await exchange(v4?.port ?? 0, 'four'), 'four');
  } finally {
    await lb.stop();
    await echo.close();
  }
});

void test('a listener that cannot bind fails start with an error naming the address', async () => {
  const taken = await echoServer();
  const { createBalancer } = await import('../../src/index.js');
  const lb = createBalancer({ listeners: { l: { bind: `127.0.0.1:${taken.port}`, pool: 'p' } }, pools: { p: { backends: ['127.0.0.1:9'] } } });
  try {
    await assert.rejects(lb.start(), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'SY_LISTEN_FAILED');
      assert.match(err.message, new RegExp(`listener "l": cannot listen on 127\\.0\\.0\\.1:${taken.port}: address already in use`));
      return true;
    });
  } finally {
    await taken.close();
  }
});
