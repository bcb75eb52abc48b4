import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Balancer } from '../../src/runtime/balancer.js';
import { validateConfig } from '../../src/config/validate.js';
import type { RuntimeConfig } from '../../src/config/model.js';
import { closedPort } from '../helpers/net.js';

async function config(): Promise<RuntimeConfig> {
  const port = await closedPort();
  const r = validateConfig({
    listeners: { web: { bind: '127.0.0.1:0', pool: 'p' } },
    pools: { p: { health: { active: { type: 'tcp', interval: 20, downInterval: 20, fall: 1, rise: 1 } }, backends: [`127.0.0.1:${port}`, `127.0.0.1:${port + 1 > 65535 ? port - 1 : port + 1}`] } },
  });
  assert.ok(r.ok);
  return r.config;
}

void test('a balancer with remote probes runs none itself and takes the health it is given', async () => {
  const lb = new Balancer(await config(), { probes: 'remote' });
  await lb.start();
  try {
    // Probed locally, these closed ports would be down after the first 20 ms probe.
    await new Promise((r) => setTimeout(r, 200));
    const before = lb.snapshot().pools[0];
    assert.deepEqual(before?.backends.map((b) => [b.health, b.probe?.last ?? null]), [['up', null], ['up', null]]);
    const id = before?.backends[0]?.id ?? '';
    lb.setRemoteHealth([{ id, status: 'down', cause: 'probe: connection refused' }, { id: 'p/unknown:1', status: 'down', cause: 'x' }]);
    const after = lb.snapshot().pools[0];
    assert.equal(after?.backends[0]?.health, 'down');
    assert.equal(after?.backends[0]?.eligible, false);
    assert.equal(after?.backends[0]?.downCause, 'probe: connection refused');
    assert.equal(after?.backends[0]?.transitions.down, 1);
    assert.equal(after?.eligibleBackends, 1);
    lb.setRemoteHealth([{ id, status: 'up', cause: '' }]);
    assert.equal(lb.snapshot().pools[0]?.backends[0]?.eligible, true);
  } finally {
    await lb.stop({ drainTimeoutMs: 0 });
  }
});

void test('a balancer that does not listen runs its probes but binds nothing', async () => {
  const lb = new Balancer(await config(), { listen: false });
  await lb.start();
  try {
    const deadline = Date.now() + 5000;
    while (lb.snapshot().pools[0]?.backends.some((b) => b.health === 'up') === true && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(lb.snapshot().pools[0]?.backends.map((b) => b.health), ['down', 'down']);
    assert.deepEqual(lb.snapshot().listeners[0]?.addresses, []);
  } finally {
    await lb.stop({ drainTimeoutMs: 0 });
  }
});
