import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { createBalancer, createLogger } from '../../src/index.js';
import { startHttpBalancer } from '../helpers/http-balancer.js';
import { RawClient, get, headerValue, okResponse, startHttpBackend } from '../helpers/http.js';
import { waitFor } from '../helpers/net.js';

const KiB = 1024;
const MiB = 1024 * KiB;

interface WsBackend {
  readonly port: number;
  readonly wss: WebSocketServer;
  close(): Promise<void>;
}

async function wsBackend(onConnection: (ws: WebSocket) => void): Promise<WsBackend> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: 64 * MiB });
  wss.on('connection', (ws) => {
    ws.on('error', () => {});
    onConnection(ws);
  });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  return {
    port: (wss.address() as AddressInfo).port,
    wss,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => resolve());
      }),
  };
}

/** An echo backend: every message goes back as it came (text stays text). */
function echoBackend(): Promise<WsBackend> {
  return wsBackend((ws) => ws.on('message', (data: Buffer, isBinary: boolean) => ws.send(data, { binary: isBinary })));
}

function openClient(port: number): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/socket`, { maxPayload: 64 * MiB });
    ws.once('open', () => {
      ws.removeListener('error', reject);
      ws.on('error', () => {});
      resolve(ws);
    });
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`unexpected response ${res.statusCode ?? 0}`)));
  });
}

function nextMessage(ws: WebSocket): Promise<{ data: Buffer; isBinary: boolean }> {
  return new Promise((resolve, reject) => {
    ws.once('message', (data: Buffer, isBinary: boolean) => resolve({ data, isBinary }));
    ws.once('close', () => reject(new Error('closed before a message')));
  });
}

function whenClosed(ws: WebSocket, ms = 5000): Promise<{ code: number; reason: string }> {
  return new Promise((resolve, reject) => {
    if (ws.readyState === WebSocket.CLOSED) {
      resolve({ code: -1, reason: 'already closed' });
      return;
    }
    const timer = setTimeout(() => reject(new Error('the WebSocket did not close in time')), ms);
    ws.once('close', (code: number, reason: Buffer) => {
      clearTimeout(timer);
      resolve({ code, reason: reason.toString() });
    });
  });
}

function firstConnection(b: WsBackend): Promise<WebSocket> {
  return new Promise((resolve) => b.wss.once('connection', (ws) => resolve(ws)));
}

for (const kind of ['text', 'binary'] as const) {
  for (const [label, size] of [
    ['0 B', 0],
    ['1 B', 1],
    ['64 KiB', 64 * KiB],
    ['16 MiB', 16 * MiB],
  ] as const) {
    void test(`a ${label} ${kind} message is echoed intact through the tunnel`, async () => {
      const backend = await echoBackend();
      const { lb, port } = await startHttpBalancer([backend.port]);
      try {
        const ws = await openClient(port);
        try {
          const payload = kind === 'binary' ? randomBytes(size) : Buffer.from(randomBytes(size).toString('base64').slice(0, size), 'latin1');
          const reply = nextMessage(ws);
          ws.send(kind === 'binary' ? payload : payload.toString('latin1'), { binary: kind === 'binary' });
          const got = await reply;
          assert.equal(got.isBinary, kind === 'binary');
          assert.equal(got.data.length, size);
          assert.ok(got.data.equals(payload), 'the payload came back unchanged');
        } finally {
          ws.terminate();
        }
      } finally {
        await lb.stop({ drainTimeoutMs: 100 });
        await backend.close();
      }
    });
  }
}

void test('a ping from the client is answered with a pong through the tunnel', async () => {
  const backend = await echoBackend();
  const { lb, port } = await startHttpBalancer([backend.port]);
  try {
    const ws = await openClient(port);
    try {
      const pong = new Promise<string>((resolve) => ws.once('pong', (d: Buffer) => resolve(d.toString())));
      ws.ping('are you there');
      assert.equal(await pong, 'are you there');
    } finally {
      ws.terminate();
    }
  } finally {
    await lb.stop({ drainTimeoutMs: 100 });
    await backend.close();
  }
});

void test('a ping from the backend is answered by the client through the tunnel', async () => {
  const backend = await echoBackend();
  const { lb, port } = await startHttpBalancer([backend.port]);
  try {
    const serverSide = firstConnection(backend);
    const ws = await openClient(port);
    try {
      const server = await serverSide;
      const pong = new Promise<string>((resolve) => server.once('pong', (d: Buffer) => resolve(d.toString())));
      server.ping('still there?');
      assert.equal(await pong, 'still there?');
    } finally {
      ws.terminate();
    }
  } finally {
    await lb.stop({ drainTimeoutMs: 100 });
    await backend.close();
  }
});

void test('a close code and reason sent by the client reach the backend', async () => {
  const backend = await echoBackend();
  const { lb, port } = await startHttpBalancer([backend.port]);
  try {
    const serverSide = firstConnection(backend);
    const ws = await openClient(port);
    const server = await serverSide;
    const serverClosed = whenClosed(server);
    const clientClosed = whenClosed(ws);
    ws.close(4001, 'bye');
    assert.deepEqual(await serverClosed, { code: 4001, reason: 'bye' });
    assert.equal((await clientClosed).code, 4001, 'the backend echoed the close');
  } finally {
    await lb.stop({ drainTimeoutMs: 100 });
    await backend.close();
  }
});

void test('a close code and reason sent by the backend reach the client', async () => {
  const backend = await echoBackend();
  const { lb, port } = await startHttpBalancer([backend.port]);
  try {
    const serverSide = firstConnection(backend);
    const ws = await openClient(port);
    const server = await serverSide;
    const clientClosed = whenClosed(ws);
    server.close(4002, 'come back later');
    assert.deepEqual(await clientClosed, { code: 4002, reason: 'come back later' });
  } finally {
    await lb.stop({ drainTimeoutMs: 100 });
    await backend.close();
  }
});

void test('the ws client is told of a backend that answers the upgrade with a plain 200', async () => {
  const backend = await startHttpBackend((_req, s) => s.write(okResponse('no websocket here')));
  const { lb, port } = await startHttpBalancer([backend.port]);
  try {
    await assert.rejects(openClient(port), /unexpected response 200/);
  } finally {
    await lb.stop({ drainTimeoutMs: 100 });
    await backend.close();
  }
});

void test('a plain 200 answer to an upgrade is passed back as a normal response and no tunnel starts', async () => {
  const backend = await startHttpBackend((req, s) => s.write(okResponse(`plain ${req.target}`)));
  const { lb, port } = await startHttpBalancer([backend.port]);
  try {
    const c = await RawClient.open(port);
    try {
      c.write('GET /chat HTTP/1.1\r\nHost: app.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
      const r = await c.response();
      assert.equal(r.status, 200);
      assert.equal(r.body.toString(), 'plain /chat');
      assert.equal(headerValue(r.headers, 'upgrade'), undefined);
      // The exchange is over as an ordinary request, and the connection still speaks HTTP.
      await waitFor(() => lb.snapshot().listeners[0]?.terminations['--'] === 1, 2000, 'the upgrade request to end normally');
      c.write(get('/next'));
      const next = await c.response();
      assert.equal(next.body.toString(), 'plain /next');
      await waitFor(() => lb.snapshot().listeners[0]?.terminations['--'] === 2, 2000, 'the second request to end normally');
    } finally {
      c.close();
    }
  } finally {
    await lb.stop({ drainTimeoutMs: 100 });
    await backend.close();
  }
});

void test('a backend dying mid-stream closes the client’s connection', async () => {
  const backend = await wsBackend((ws) =>
    ws.on('message', (data: Buffer) => {
      if (data.toString() === 'die') ws.terminate();
      else ws.send(data);
    }),
  );
  const { lb, port } = await startHttpBalancer([backend.port]);
  try {
    const ws = await openClient(port);
    try {
      const echoed = nextMessage(ws);
      ws.send('hello');
      assert.equal((await echoed).data.toString(), 'hello');
      const closed = whenClosed(ws, 3000);
      ws.send('die');
      assert.equal((await closed).code, 1006, 'closed without a close frame');
    } finally {
      ws.terminate();
    }
    await waitFor(() => lb.snapshot().listeners[0]?.activeConnections === 0, 2000, 'the client connection to be gone');
  } finally {
    await lb.stop({ drainTimeoutMs: 100 });
    await backend.close();
  }
});

async function shutdownWithTunnels(): Promise<{ logLines: string[]; closes: { code: number }[]; terminations: Record<string, number> }> {
  const backend = await echoBackend();
  const logLines: string[] = [];
  const lb = createBalancer(
    {
      listeners: { web: { protocol: 'http', bind: '127.0.0.1:0', pool: 'p' } },
      pools: { p: { backends: [`127.0.0.1:${backend.port}`] } },
    },
    { logger: createLogger({ level: 'info', destination: { write: (s: string) => void logLines.push(s) } }) },
  );
  await lb.start();
  const port = lb.addresses('web')[0]?.port ?? 0;
  const clients: WebSocket[] = [];
  try {
    for (let i = 0; i < 2; i++) {
      const ws = await openClient(port);
      clients.push(ws);
      const echoed = nextMessage(ws);
      ws.send(`tunnel ${i}`);
      assert.equal((await echoed).data.toString(), `tunnel ${i}`);
    }
    const closes = clients.map((ws) => whenClosed(ws, 3000));
    await lb.stop({ drainTimeoutMs: 200 });
    return { logLines, closes: await Promise.all(closes), terminations: { ...lb.snapshot().listeners[0]?.terminations } };
  } finally {
    for (const ws of clients) ws.terminate();
    await lb.stop();
    await backend.close();
  }
}

void test('stopping the balancer closes open tunnels once the drain time is over', async () => {
  const { logLines, closes } = await shutdownWithTunnels();
  assert.equal(closes.length, 2);
  const drain = logLines.map((l) => JSON.parse(l) as { event?: string; closed?: number }).find((l) => l.event === 'drain-timeout');
  assert.equal(drain?.closed, 2, 'both tunnels were counted as closed at the drain timeout');
});

void test('tunnels closed at shutdown end with termination LR', async () => {
  const { terminations } = await shutdownWithTunnels();
  assert.equal(terminations.LR, 2, `terminations: ${JSON.stringify(terminations)}`);
});

void test('bytes the client sends right behind its upgrade request reach the backend once the tunnel opens', async () => {
  const backend = await echoBackend();
  const { lb, port } = await startHttpBalancer([backend.port]);
  try {
    const c = await RawClient.open(port);
    try {
      const mask = Buffer.from([1, 2, 3, 4]);
      const payload = Buffer.from('early', 'latin1');
      const masked = Buffer.from(payload.map((b, i) => b ^ (mask[i % 4] ?? 0)));
      const frame = Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, masked]);
      c.write(
        Buffer.concat([
          Buffer.from('GET /socket HTTP/1.1\r\nHost: app.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n', 'latin1'),
          frame,
        ]),
      );
      const switched = await c.response();
      assert.equal(switched.status, 101);
      await c.waitForBytes(2 + payload.length, 3000);
      assert.deepEqual(c.pending(), Buffer.concat([Buffer.from([0x81, payload.length]), payload]));
    } finally {
      c.close();
    }
  } finally {
    await lb.stop({ drainTimeoutMs: 100 });
    await backend.close();
  }
});

void test("an idle tunnel is closed after the listener's idleTimeout", async () => {
  const backend = await echoBackend();
  const { lb, port } = await startHttpBalancer([backend.port], { listener: { idleTimeout: '300ms' } });
  try {
    const ws = await openClient(port);
    try {
      const echoed = nextMessage(ws);
      ws.send('hi');
      await echoed;
      const idleFrom = Date.now();
      await whenClosed(ws, 3000);
      const idle = Date.now() - idleFrom;
      assert.ok(idle >= 250 && idle < 2000, `closed after ${idle} ms idle`);
    } finally {
      ws.terminate();
    }
  } finally {
    await lb.stop({ drainTimeoutMs: 100 });
    await backend.close();
  }
});

void test('a tunnel carrying traffic is not closed by the idle timeout', async () => {
  const backend = await echoBackend();
  const { lb, port } = await startHttpBalancer([backend.port], { listener: { idleTimeout: '300ms' } });
  try {
    const ws = await openClient(port);
    try {
      // 10 round trips 100 ms apart: 1 s in all, never 300 ms idle.
      for (let i = 0; i < 10; i++) {
        const echoed = nextMessage(ws);
        ws.send(`tick ${i}`);
        assert.equal((await echoed).data.toString(), `tick ${i}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(ws.readyState, WebSocket.OPEN);
    } finally {
      ws.terminate();
    }
  } finally {
    await lb.stop({ drainTimeoutMs: 100 });
    await backend.close();
  }
});
