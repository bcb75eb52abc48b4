import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePrimaryMessage, parseWorkerMessage } from '../../src/runtime/cluster/messages.js';
import { validateConfig } from '../../src/config/validate.js';
import type { BalancerSnapshot } from '../../src/runtime/balancer.js';

const snapshot: BalancerSnapshot = {
  state: 'running',
  uptimeMs: 10,
  listeners: [
    {
      name: 'web',
      protocol: 'tcp',
      addresses: [{ address: '127.0.0.1', port: 8080, family: 'IPv4' }],
      pools: ['p'],
      activePool: 'p',
      activeConnections: 1,
      acceptedConnections: 2,
      rejectedConnections: 0,
      terminations: { '--': 1, UH: 0, UF: 0, UT: 0, UC: 0, DC: 0, IT: 0, LR: 0, LC: 0, NR: 0, PR: 0, CT: 0, RT: 0, UP: 0 },
    },
  ],
  pools: [],
};

void test('a worker message of another protocol version is refused', () => {
  const r = parseWorkerMessage({ v: 2, type: 'ready', seq: 1 });
  assert.deepEqual(r, { ok: false, reason: 'protocol version 2, expected 1' });
});

void test('worker messages with a wrong shape are refused with the reason', () => {
  assert.equal(parseWorkerMessage('ready').ok, false);
  assert.equal(parseWorkerMessage({ v: 1, type: 'applied', seq: -1 }).ok, false);
  assert.equal(parseWorkerMessage({ v: 1, type: 'launch' }).ok, false);
  assert.equal(parseWorkerMessage({ v: 1, type: 'error', seq: null, code: 7, message: 'x' }).ok, false);
  const stats = parseWorkerMessage({ v: 1, type: 'stats', snapshot: { ...snapshot, listeners: [{ ...snapshot.listeners[0], acceptedConnections: 'many' }] } });
  assert.deepEqual(stats, { ok: false, reason: '"snapshot": listeners[0].acceptedConnections is not a count' });
});

void test('well-formed worker messages are accepted as they are', () => {
  assert.deepEqual(parseWorkerMessage({ v: 1, type: 'online' }), { ok: true, message: { v: 1, type: 'online' } });
  assert.deepEqual(parseWorkerMessage({ v: 1, type: 'applied', seq: 3 }), { ok: true, message: { v: 1, type: 'applied', seq: 3 } });
  assert.deepEqual(parseWorkerMessage({ v: 1, type: 'stats', snapshot }), { ok: true, message: { v: 1, type: 'stats', snapshot } });
  assert.deepEqual(parseWorkerMessage({ v: 1, type: 'error', seq: 2, code: 'SY_LISTEN_FAILED', message: 'in use' }), {
    ok: true,
    message: { v: 1, type: 'error', seq: 2, code: 'SY_LISTEN_FAILED', message: 'in use' },
  });
});

void test('a worker accepts a configuration, health and drain, and refuses a health list of the wrong shape', () => {
  const v = validateConfig({ listeners: { web: { bind: '127.0.0.1:0', pool: 'p' } }, pools: { p: { backends: ['127.0.0.1:1'] } } });
  assert.ok(v.ok);
  assert.equal(parsePrimaryMessage({ v: 1, type: 'config', seq: 1, config: v.config }).ok, true);
  assert.equal(parsePrimaryMessage({ v: 1, type: 'config', seq: 1, config: { listeners: [] } }).ok, false);
  assert.equal(parsePrimaryMessage({ v: 1, type: 'health', backends: [{ id: 'p/a', status: 'up', cause: '' }] }).ok, true);
  assert.deepEqual(parsePrimaryMessage({ v: 1, type: 'health', backends: [{ id: 'p/a', status: 'sideways', cause: '' }] }), {
    ok: false,
    reason: 'backends[0] is not { id, status: up|down, cause }',
  });
  assert.equal(parsePrimaryMessage({ v: 1, type: 'drain' }).ok, true);
});
