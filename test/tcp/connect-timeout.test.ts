import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nameServer, exchange, waitFor } from '../helpers/net.js';
import { startBalancer, EJECT_AT_ONCE } from '../helpers/balancer.js';
import { startBlackhole } from '../helpers/blackhole.js';

void test('a backend that does not answer the connect within the timeout is failed over', async () => {
  const hole = await startBlackhole();
  const live = await nameServer('live');
  const { lb, port } = await startBalancer({
    listeners: { l: { bind: '127.0.0.1:0', pool: 'p' } },
    pools: { p: { backends: [`127.0.0.1:${hole.port}`, `127.0.0.1:${live.port}`], connectTimeout: '200ms', health: EJECT_AT_ONCE } },
  });
  try {
    const started = Date.now();
    assert.equal(await exchange(port), 'live');
    assert.ok(Date.now() - started >= 180, 'the client waited for the connect timeout, then was served');
    const b = lb.snapshot().pools[0]?.backends[0];
    assert.equal(b?.ejected, true);
    assert.match(b?.downCause ?? '', /last: connect timeout after 200 ms$/);
  } finally {
    await lb.stop();
    await live.close();
    hole.close();
  }
});

void test('when the last backend tried times out, the client is closed with termination UT', async () => {
  const hole = await startBlackhole();
  const { lb, port } = await startBalancer({
    listeners: { l: { bind: '127.0.0.1:0', pool: 'p' } },
    pools: { p: { backends: [`127.0.0.1:${hole.port}`], connectTimeout: '100ms' } },
  });
  try {
    assert.equal(await exchange(port), '');
    await waitFor(() => lb.snapshot().listeners[0]?.terminations.UT === 1, 2000, 'one UT end');
  } finally {
    await lb.stop();
    hole.close();
  }
});
