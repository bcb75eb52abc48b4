import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { createBalancer, type ConfigInput } from '../../src/index.js';
import { startCaptureBackend, type CaptureBackend } from '../helpers/capture-backend.js';
import { closedPort } from '../helpers/net.js';
import { EJECT_AT_ONCE } from '../helpers/balancer.js';

function get(port: number, path: string, method = 'GET'): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function setup(internal: unknown, backends: string[]): Promise<{ port: number; stop: () => Promise<void> }> {
  const config = {
    listeners: { web: { protocol: 'http', bind: '127.0.0.1:0', pool: 'app', http: { internal } } },
    pools: { app: { backends, health: EJECT_AT_ONCE } },
  } as ConfigInput;
  const lb = createBalancer(config);
  await lb.start();
  return { port: lb.addresses('web')[0]?.port ?? 0, stop: () => lb.stop({ drainTimeoutMs: 0 }) };
}

void test('with internal endpoints on, health, status and metrics are answered by Switchyard, not a backend', async () => {
  const backend: CaptureBackend = await startCaptureBackend();
  const { port, stop } = await setup({}, [`127.0.0.1:${backend.port}`]);
  try {
    assert.equal((await get(port, '/anything')).status, 200);
    const health = await get(port, '/__health__');
    assert.equal(health.status, 200);
    assert.equal(health.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(health.body), { status: 'ok', listener: 'web', pools: { app: 1 } });
    const status = JSON.parse((await get(port, '/__status__')).body) as { pools: { name: string; backends: { name: string; health: string }[] }[] };
    assert.equal(status.pools[0]?.name, 'app');
    assert.equal(status.pools[0]?.backends[0]?.health, 'up');
    const metrics = JSON.parse((await get(port, '/__metrics__?x=1')).body) as { requests: number; statusCounts: Record<string, number>; latencyMs: { p99: number } };
    assert.ok(metrics.requests >= 3, 'earlier requests are counted');
    assert.ok((metrics.statusCounts['2xx'] ?? 0) >= 3);
    assert.equal(typeof metrics.latencyMs.p99, 'number');
    const head = await get(port, '/__health__', 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.body, '');
    assert.equal(backend.requests().length, 1, 'only /anything reached the backend');
  } finally {
    await stop();
    await backend.close();
  }
});

void test('health answers 503 when a pool of the listener has no eligible backend', async () => {
  const dead = await closedPort();
  const { port, stop } = await setup({}, [`127.0.0.1:${dead}`]);
  try {
    assert.equal((await get(port, '/')).status, 502, 'the refused connect takes the only backend out');
    const health = await get(port, '/__health__');
    assert.equal(health.status, 503);
    assert.equal((JSON.parse(health.body) as { status: string }).status, 'unavailable');
  } finally {
    await stop();
  }
});

void test('internal endpoints are off by default and each path can be moved or turned off', async () => {
  const backend = await startCaptureBackend();
  const off = await setup(false, [`127.0.0.1:${backend.port}`]);
  try {
    await get(off.port, '/__health__');
    assert.equal(backend.requests().length, 1, 'by default the path goes to the backend');
  } finally {
    await off.stop();
  }
  backend.reset();
  const custom = await setup({ health: '/healthz', status: false }, [`127.0.0.1:${backend.port}`]);
  try {
    assert.equal((await get(custom.port, '/healthz')).status, 200);
    await get(custom.port, '/__status__');
    assert.equal(backend.requests().length, 1, 'a path turned off goes to the backend');
    assert.equal((await get(custom.port, '/__metrics__')).headers['content-type'], 'application/json');
  } finally {
    await custom.stop();
    await backend.close();
  }
});
