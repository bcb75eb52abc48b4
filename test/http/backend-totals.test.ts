import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startHttpBalancer } from '../helpers/http-balancer.js';
import { RawClient, get, namedHttpBackend } from '../helpers/http.js';

void test('HTTP backends count their upstream connections, bytes and requests', async () => {
  const a = await namedHttpBackend('a');
  const { lb, port } = await startHttpBalancer([a.port]);
  try {
    const c = await RawClient.open(port);
    for (let i = 0; i < 5; i++) {
      c.write(get('/x'));
      assert.equal((await c.finalResponse('GET')).body.toString(), 'a');
    }
    c.close();
    const b = lb.snapshot().pools[0]?.backends[0];
    assert.equal(b?.totals.connections, 1, 'one kept-alive upstream connection served all five');
    assert.ok((b?.totals.bytesOut ?? 0) >= 5 * get('/x').length, `bytes sent to the backend: ${b?.totals.bytesOut}`);
    assert.ok((b?.totals.bytesIn ?? 0) > 5 * 'a'.length, `bytes received from it: ${b?.totals.bytesIn}`);
    assert.equal(b?.requests?.requests, 5);
  } finally {
    await lb.stop();
    await a.close();
  }
});
