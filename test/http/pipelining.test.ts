// A client that pipelines while its first request is in progress is paused once its next bytes
// arrive: Switchyard keeps at most a read's worth of them, and TCP pushes back on the client.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { startHttpBalancer } from '../helpers/http-balancer.js';
import { RawClient, okResponse, startHttpBackend } from '../helpers/http.js';

const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

void test('a client pipelining 32 MB behind a slow first request is paused, not buffered', async () => {
  const held: Socket[] = [];
  // The backend answers nothing until told: the first request stays in progress.
  const backend = await startHttpBackend((_req, socket) => {
    held.push(socket);
  });
  const { lb, port } = await startHttpBalancer([backend.port]);
  try {
    const c = await RawClient.open(port);
    try {
      const one = Buffer.from('GET /p HTTP/1.1\r\nHost: app.test\r\n\r\n', 'latin1');
      const burst = Buffer.alloc(32 * 1024 * 1024);
      for (let p = 0; p + one.length <= burst.length; p += one.length) one.copy(burst, p);
      const total = Math.floor(burst.length / one.length) * one.length;
      const before = process.memoryUsage().arrayBuffers;
      // In 64 KiB writes, so writableLength counts what TCP has not taken yet.
      for (let p = 0; p < total; p += 65536) c.write(burst.subarray(p, Math.min(total, p + 65536)));
      await delay(800);
      // Paused, the balancer holds at most a read or two of it (the rest waits in the kernel's
      // buffers and on the client); reading on, it would hold and copy megabytes by now.
      const grown = process.memoryUsage().arrayBuffers - before;
      assert.ok(grown < 8 * 1024 * 1024, `buffers grew by ${grown} bytes`);
      assert.ok(c.socket.writableLength > 0, 'TCP pushed back on the client');
      assert.equal(backend.requests.length, 1, 'one request at a time goes to the backend');
      // The first answer releases the next request, in order.
      (held[0] as Socket).write(okResponse('first'));
      const r = await c.response();
      assert.equal(r.status, 200);
      assert.equal(r.body.toString(), 'first');
      const until = Date.now() + 2000;
      while (backend.requests.length < 2 && Date.now() < until) await delay(10);
      assert.equal(backend.requests.length, 2);
    } finally {
      c.close();
    }
  } finally {
    await lb.stop();
    await backend.close();
  }
});
