import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, Socket, type Server } from 'node:net';
import { once } from 'node:events';
import { readClient, sharedClientReads } from '../../src/proxy/client-reads.js';
import { openConnection } from '../helpers/net.js';

interface Received {
  chunks: Buffer[];
  ended: Promise<void>;
  socket: Socket;
}

/** A server whose accepted sockets read through `readClient`, keeping every chunk as given (no copy). */
async function keepingServer(onChunk?: (r: Received, chunk: Buffer) => void): Promise<{ server: Server; port: number; accepted: Received[] }> {
  const accepted: Received[] = [];
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    socket.on('error', () => {});
    const r: Received = { chunks: [], socket, ended: once(socket, 'end').then(() => undefined) };
    accepted.push(r);
    const ok = readClient(socket, function (chunk) {
      r.chunks.push(chunk);
      onChunk?.(r, chunk);
    });
    assert.ok(ok, 'readClient took the accepted socket');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as { port: number }).port, accepted };
}

const tick = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

void test('accepted sockets read through the shared buffer on this Node; a socket without a handle is refused', () => {
  assert.equal(sharedClientReads(), true, `onread fields not found on Node ${process.version}`);
  assert.equal(
    readClient(new Socket(), () => {}),
    false,
  );
});

void test('chunks stay intact after later reads of any connection, small and large reads interleaved', async () => {
  const { server, port, accepted } = await keepingServer();
  const sizes = [1, 100, 5000, 3, 70_000, 17, 300_000, 4095, 4096, 9, 65_536, 2];
  const clients = await Promise.all([0, 1, 2, 3].map(() => openConnection(port)));
  const sent: Buffer[][] = clients.map(() => []);
  try {
    // Each round writes one piece on every connection, so their reads interleave.
    for (const size of sizes) {
      for (let c = 0; c < clients.length; c++) {
        const piece = randomBytes(size + c);
        sent[c]!.push(piece);
        clients[c]!.write(piece);
      }
      await tick(5);
    }
    for (const c of clients) c.end();
    await Promise.all(accepted.map((r) => r.ended));
    assert.equal(accepted.length, clients.length);
    let small = 0;
    let large = 0;
    for (const r of accepted) {
      for (const ch of r.chunks) {
        if (ch.length < 4096) small++;
        else large++;
      }
    }
    assert.ok(small > 0 && large > 0, `both kinds of read happened (${small} small, ${large} large)`);
    // Which accepted socket is which client: by the first byte pattern.
    for (let c = 0; c < clients.length; c++) {
      const want = Buffer.concat(sent[c]!);
      const got = accepted.map((r) => Buffer.concat(r.chunks)).find((b) => b.length === want.length);
      assert.ok(got, `a connection received ${want.length} bytes`);
      assert.ok(got.equals(want), `connection ${c}: the bytes kept are the bytes sent`);
    }
  } finally {
    for (const c of clients) c.destroy();
    server.close();
  }
});

void test('a paused socket reads nothing until resumed; then the rest and the end arrive', async () => {
  let pausedOnce = false;
  const { server, port, accepted } = await keepingServer((r) => {
    if (!pausedOnce) {
      pausedOnce = true;
      r.socket.pause();
    }
  });
  const client = await openConnection(port);
  try {
    client.write('first');
    await tick(30);
    client.write('second');
    client.end('third');
    await tick(60);
    const r = accepted[0]!;
    assert.equal(Buffer.concat(r.chunks).toString(), 'first', 'nothing read while paused');
    r.socket.resume();
    await r.ended;
    assert.equal(Buffer.concat(r.chunks).toString(), 'firstsecondthird');
  } finally {
    client.destroy();
    server.close();
  }
});
