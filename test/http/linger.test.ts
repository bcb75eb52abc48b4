// After answering with `connection: close`, Switchyard ends its side and waits for the client
// to close its own; a client that never does is closed 5 s later.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startHttpBalancer } from '../helpers/http-balancer.js';
import { RawClient, get, okResponse, startHttpBackend } from '../helpers/http.js';

const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

void test('a client that keeps its side open after a closing response is closed after 5 s, not before', async () => {
  const backend = await startHttpBackend((_req, socket) => socket.write(okResponse('bye')));
  const { lb, port } = await startHttpBalancer([backend.port]);
  try {
    const c = await RawClient.open(port);
    try {
      c.write(get('/', 'app.test', 'Connection: close\r\n'));
      const r = await c.response();
      assert.equal(r.status, 200);
      await c.whenEnded();
      const endedAt = Date.now();
      const open = (): number => lb.snapshot().listeners.reduce((n, l) => n + l.activeConnections, 0);
      // Still open a second later: bytes sent now are taken (and ignored).
      await delay(1000);
      c.write('x');
      await delay(300);
      assert.equal(open(), 1, 'closed before the linger time');
      // Closed once 5 s have passed (deadlines are checked every 100 ms).
      const until = endedAt + 7000;
      while (open() > 0 && Date.now() < until) await delay(50);
      assert.equal(open(), 0, 'still open 7 s after the response');
      assert.ok(Date.now() - endedAt >= 4900, `closed after ${Date.now() - endedAt} ms`);
    } finally {
      c.close();
    }
  } finally {
    await lb.stop();
    await backend.close();
  }
});
