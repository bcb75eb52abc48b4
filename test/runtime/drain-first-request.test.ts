import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startHttpBalancer } from '../helpers/http-balancer.js';
import { RawClient, get, headerValue, namedHttpBackend } from '../helpers/http.js';
import { waitFor } from '../helpers/net.js';

void test('a connection accepted before a drain gets an answer to its first request, then is closed', async () => {
  const backend = await namedHttpBackend('a');
  const { lb, port } = await startHttpBalancer([backend.port]);
  const fresh = await RawClient.open(port);
  const used = await RawClient.open(port);
  try {
    used.write(get('/'));
    assert.equal((await used.response()).status, 200);
    // Both are accepted and idle; only `used` has had a request.
    await waitFor(() => lb.snapshot().listeners[0]?.activeConnections === 2, 2000, 'two open connections');
    const stopping = lb.stop({ drainTimeoutMs: 5000 });
    await used.whenEnded(1000);
    assert.equal(fresh.isEnded, false, 'the new connection is kept for its first request');
    fresh.write(get('/'));
    const r = await fresh.response();
    assert.equal(r.status, 200);
    assert.equal(headerValue(r.headers, 'connection')?.toLowerCase(), 'close');
    await fresh.whenEnded(1000);
    fresh.close();
    used.close();
    await stopping;
  } finally {
    fresh.close();
    used.close();
    await lb.stop();
    await backend.close();
  }
});
