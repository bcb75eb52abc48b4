import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UpstreamPool, type UpstreamConnection, type UpstreamOwner } from '../../src/proxy/http/upstream-pool.js';
import { Backend } from '../../src/upstream/backend.js';
import { startServer, waitFor, type TestServer } from '../helpers/net.js';
import { FakeClock } from '../helpers/fake-clock.js';
import type { Socket } from 'node:net';

class Recorder implements UpstreamOwner {
  events: string[] = [];
  connected: Promise<void>;
  private onConnected: () => void = () => {};
  constructor() {
    this.connected = new Promise((r) => (this.onConnected = r));
  }
  onUpstreamConnect(): void {
    this.events.push('connect');
    this.onConnected();
  }
  onUpstreamData(_c: UpstreamConnection, buf: Buffer, n: number): void {
    this.events.push(`data:${buf.toString('utf8', 0, n)}`);
  }
  onUpstreamEnd(): void {
    this.events.push('end');
  }
  onUpstreamClose(_c: UpstreamConnection, err: NodeJS.ErrnoException | undefined): void {
    this.events.push(`close:${err?.code ?? ''}`);
  }
  onUpstreamDrain(): void {}
  onUpstreamTimeout(): void {
    this.events.push('timeout');
  }
}

async function setup(maxIdle = 4): Promise<{ server: TestServer; sockets: Socket[]; pool: UpstreamPool; clock: FakeClock; backend: Backend }> {
  const sockets: Socket[] = [];
  const server = await startServer((s) => {
    sockets.push(s);
    s.on('data', (d: Buffer) => s.write(`echo:${d.toString()}`));
  });
  const clock = new FakeClock();
  const backend = new Backend({ id: 'p/b', pool: 'p', name: 'b', host: '127.0.0.1', port: server.port, weight: 1, maxConnections: 0, initialAdminState: 'ready', probe: undefined });
  const pool = new UpstreamPool({ clock, maxIdlePerBackend: maxIdle, idleTimeoutMs: 10_000, bufferSize: 65536 });
  return { server, sockets, pool, clock, backend };
}

void test('a released connection is reused by the next acquire, most recent first', async () => {
  const { server, pool, backend } = await setup();
  try {
    const r1 = new Recorder();
    const r2 = new Recorder();
    const c1 = pool.acquire(backend, r1, 1000);
    const c2 = pool.acquire(backend, r2, 1000);
    await Promise.all([r1.connected, r2.connected]);
    pool.release(c1, true);
    pool.release(c2, true);
    assert.equal(pool.idleCount(backend), 2);
    const r3 = new Recorder();
    const c3 = pool.acquire(backend, r3, 1000);
    assert.equal(c3, c2, 'LIFO: the most recently released');
    assert.equal(c3.uses, 1);
    c3.socket.write('hi');
    await waitFor(() => r3.events.includes('data:echo:hi'), 2000, 'the new owner to get the data');
    assert.deepEqual(r2.events, ['connect'], 'the old owner hears nothing more');
    assert.equal(server.connections, 2);
  } finally {
    pool.close();
    await server.close();
  }
});

void test('an idle connection expires at the idle timeout, or a second before the backend\'s keep-alive hint', async () => {
  const { server, pool, clock, backend } = await setup();
  try {
    const r = new Recorder();
    const c = pool.acquire(backend, r, 1000);
    await r.connected;
    pool.release(c, true, 3000);
    clock.advance(1999);
    pool.sweep();
    assert.equal(pool.idleCount(), 1);
    clock.advance(1);
    pool.sweep();
    assert.equal(pool.idleCount(), 0, 'hint 3 s → kept 2 s');
    await waitFor(() => c.socket.destroyed, 1000, 'the socket to be closed');
    const r2 = new Recorder();
    const c2 = pool.acquire(backend, r2, 1000);
    assert.notEqual(c2, c, 'an expired connection is never handed out');
    await r2.connected;
    pool.release(c2, true);
    clock.advance(10_000);
    assert.notEqual(pool.acquire(backend, new Recorder(), 1000), c2, 'past the deadline, acquire does not reuse it either');
  } finally {
    pool.close();
    await server.close();
  }
});

void test('a connection the backend closed while idle is dropped, not reused', async () => {
  const { server, sockets, pool, backend } = await setup();
  try {
    const r = new Recorder();
    const c = pool.acquire(backend, r, 1000);
    await r.connected;
    pool.release(c, true);
    sockets[0]?.end();
    await waitFor(() => c.closed, 2000, 'the idle connection to notice the close');
    const r2 = new Recorder();
    const c2 = pool.acquire(backend, r2, 1000);
    assert.notEqual(c2, c);
    assert.equal(pool.idleCount(), 0);
  } finally {
    pool.close();
    await server.close();
  }
});

void test('bytes arriving on an idle connection close it', async () => {
  const { server, sockets, pool, backend } = await setup();
  try {
    const r = new Recorder();
    const c = pool.acquire(backend, r, 1000);
    await r.connected;
    pool.release(c, true);
    sockets[0]?.write('unsolicited');
    await waitFor(() => c.socket.destroyed, 2000, 'the connection to be closed');
    assert.deepEqual(r.events, ['connect'], 'the former owner hears nothing');
  } finally {
    pool.close();
    await server.close();
  }
});

void test('no more than the idle limit is kept, and non-reusable connections are closed', async () => {
  const { server, pool, backend } = await setup(1);
  try {
    const rs = [new Recorder(), new Recorder(), new Recorder()];
    const cs = rs.map((r) => pool.acquire(backend, r, 1000));
    await Promise.all(rs.map((r) => r.connected));
    pool.release(cs[0] as UpstreamConnection, false);
    pool.release(cs[1] as UpstreamConnection, true);
    pool.release(cs[2] as UpstreamConnection, true);
    assert.equal(pool.idleCount(), 1);
    await waitFor(() => cs[0]?.socket.destroyed === true && cs[2]?.socket.destroyed === true, 1000, 'the extra connections to close');
  } finally {
    pool.close();
    await server.close();
  }
});

void test('a refused connect reaches the owner as a close with its error', async () => {
  const { server, pool } = await setup();
  const port = server.port;
  await server.close();
  const dead = new Backend({ id: 'p/d', pool: 'p', name: 'd', host: '127.0.0.1', port, weight: 1, maxConnections: 0, initialAdminState: 'ready', probe: undefined });
  const r = new Recorder();
  pool.acquire(dead, r, 1000);
  await waitFor(() => r.events.length > 0, 2000, 'an event');
  assert.deepEqual(r.events, ['close:ECONNREFUSED']);
});
