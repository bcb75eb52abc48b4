import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseConfigText } from '../../src/config/load.js';
import { validateConfig } from '../../src/config/validate.js';
import { normalizeConfig } from '../../src/config/normalize.js';
import { ConfigSchema } from '../../src/config/schema.js';
import type { RuntimeConfig } from '../../src/config/model.js';

const FIXTURES = new URL('../../../test/fixtures/config/', import.meta.url);

function fixture(name: string): string {
  return readFileSync(new URL(name, FIXTURES), 'utf8');
}

function valid(text: string, file = 'switchyard.yaml'): RuntimeConfig {
  const result = parseConfigText(text, file);
  if (!result.ok) assert.fail(`expected a valid config, got:\n${result.issues.map((i) => `${i.path}: ${i.message}`).join('\n')}`);
  return result.config;
}

/** Passive health with nothing set: Envoy's thresholds, ejection of at most half the pool. */
const DEFAULT_PASSIVE = { consecutiveLocalFailures: 5, consecutive5xx: 5, baseEjectionMs: 30_000, maxEjectionMs: 300_000, maxEjectedPercent: 50 };

const BLUE_PROBE = {
  type: 'http',
  intervalMs: 3000,
  downIntervalMs: 1500,
  allDownIntervalMs: 250,
  jitterPercent: 25,
  timeoutMs: 800,
  rise: 4,
  fall: 2,
  initialState: 'down',
  port: 9100,
  http: { method: 'HEAD', path: '/healthz', host: 'blue.internal', expectStatus: [{ from: 200, to: 299 }, { from: 301, to: 301 }], bodyContains: 'ok', maxBodyBytes: 1024 },
} as const;

const FULL: RuntimeConfig = {
  listeners: [
    {
      name: 'front',
      protocol: 'tcp',
      bind: [
        { host: '*', port: 8080 },
        { host: '::1', port: 8081 },
        { host: '*', port: 8082 },
        { host: '127.0.0.1', port: 0 },
      ],
      pools: ['blue', 'green'],
      activePool: 'green',
      maxConnections: 500,
      idleTimeoutMs: 45_000,
      routes: [],
      http: undefined,
    },
    { name: 'admin', protocol: 'tcp', bind: [{ host: '127.0.0.1', port: 9000 }], pools: ['green'], activePool: 'green', maxConnections: 10_000, idleTimeoutMs: 0, routes: [], http: undefined },
  ],
  pools: [
    {
      name: 'blue',
      policy: 'weighted-least-conn',
      backends: [
        { id: 'blue/10.0.0.1:8000', pool: 'blue', name: '10.0.0.1:8000', host: '10.0.0.1', port: 8000, weight: 1, maxConnections: 50, initialAdminState: 'ready', probe: BLUE_PROBE },
        {
          id: 'blue/blue-2',
          pool: 'blue',
          name: 'blue-2',
          host: '10.0.0.2',
          port: 8000,
          weight: 7,
          maxConnections: 9,
          initialAdminState: 'drain',
          // The backend's override on top of the pool's probe: only what it names changes.
          probe: { ...BLUE_PROBE, type: 'tcp', intervalMs: 1000, port: 9200, http: undefined },
        },
        { id: 'blue/[::1]:8000', pool: 'blue', name: '[::1]:8000', host: '::1', port: 8000, weight: 1, maxConnections: 50, initialAdminState: 'maint', probe: undefined },
      ],
      connectTimeoutMs: 750,
      failoverAttempts: 5,
      retryOnEmptyResponse: true,
      passive: { consecutiveLocalFailures: 3, consecutive5xx: 10, baseEjectionMs: 10_000, maxEjectionMs: 120_000, maxEjectedPercent: 20 },
      slowStartMs: 20_000,
      panicThreshold: 40,
      http: { stickyCookie: undefined, hashOn: 'client', maxIdleConnections: 32, idleTimeoutMs: 4000, retries: 1 },
    },
    {
      name: 'green',
      policy: 'power-of-two',
      backends: [{ id: 'green/app.internal:9000', pool: 'green', name: 'app.internal:9000', host: 'app.internal', port: 9000, weight: 1, maxConnections: 0, initialAdminState: 'ready', probe: undefined }],
      connectTimeoutMs: 2000,
      failoverAttempts: 3,
      retryOnEmptyResponse: false,
      passive: DEFAULT_PASSIVE,
      slowStartMs: 0,
      panicThreshold: 0,
      http: { stickyCookie: undefined, hashOn: 'client', maxIdleConnections: 32, idleTimeoutMs: 4000, retries: 1 },
    },
  ],
  drainTimeoutMs: 60_000,
  bufferSize: 1_048_576,
  resolve: 'per-connection',
  logLevel: 'warn',
  workers: 2,
  admin: {
    bind: { host: '127.0.0.1', port: 9100 },
    users: [
      { name: 'ops', access: 'full', tokenSha256: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08', sshKeys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGx0ZXN0a2V5 ops@laptop'] },
      { name: 'viewer', access: 'readonly', tokenSha256: undefined, sshKeys: [] },
    ],
    tls: { certFile: '/etc/switchyard/admin.crt', keyFile: '/etc/switchyard/admin.key' },
    persist: true,
    ssh: { bind: { host: '127.0.0.1', port: 2222 }, hostKeyFile: '/etc/switchyard/ssh_host_key' },
  },
};

function assertDeepFrozen(value: unknown, path = 'config'): void {
  if (typeof value !== 'object' || value === null) return;
  assert.ok(Object.isFrozen(value), `${path} is not frozen`);
  for (const [k, v] of Object.entries(value)) assertDeepFrozen(v, `${path}.${k}`);
}

void describe('valid configs normalize to the runtime model', () => {
  void test('a minimal config gets every default, in ms and bytes', () => {
    assert.deepEqual(valid(fixture('minimal.yaml')), {
      listeners: [
        { name: 'web', protocol: 'tcp', bind: [{ host: '*', port: 8080 }], pools: ['web'], activePool: 'web', maxConnections: 10_000, idleTimeoutMs: 300_000, routes: [], http: undefined },
      ],
      pools: [
        {
          name: 'web',
          policy: 'round-robin',
          backends: [{ id: 'web/127.0.0.1:8001', pool: 'web', name: '127.0.0.1:8001', host: '127.0.0.1', port: 8001, weight: 1, maxConnections: 0, initialAdminState: 'ready', probe: undefined }],
          connectTimeoutMs: 3000,
          failoverAttempts: 3,
          retryOnEmptyResponse: false,
          passive: DEFAULT_PASSIVE,
          slowStartMs: 0,
          panicThreshold: 0,
          http: { stickyCookie: undefined, hashOn: 'client', maxIdleConnections: 32, idleTimeoutMs: 4000, retries: 1 },
        },
      ],
      drainTimeoutMs: 6000,
      bufferSize: 65_536,
      resolve: 'once',
      logLevel: 'info',
      workers: 1,
      admin: undefined,
    });
  });

  void test('a config setting every key keeps every value and resolves the overrides', () => {
    assert.deepEqual(valid(fixture('full.yaml')), FULL);
  });

  void test('the same config in JSON and YAML gives the same runtime config', () => {
    assert.deepEqual(valid(fixture('full.json'), 'full.json'), valid(fixture('full.yaml'), 'full.yaml'));
  });

  void test('"*:port" and ":port" bind all interfaces and IPv6 binds lose their brackets', () => {
    const config = valid('listeners:\n  a:\n    bind: ["*:1", ":2", "[::]:3", "[fe80::1]:4", "0.0.0.0:5"]\n    pool: p\npools:\n  p:\n    backends: ["[::1]:80"]\n');
    assert.deepEqual(config.listeners[0]?.bind, [
      { host: '*', port: 1 },
      { host: '*', port: 2 },
      { host: '::', port: 3 },
      { host: 'fe80::1', port: 4 },
      { host: '0.0.0.0', port: 5 },
    ]);
    assert.equal(config.pools[0]?.backends[0]?.id, 'p/[::1]:80');
  });

  void test('the result is deeply frozen', () => {
    const config = valid(fixture('full.yaml'));
    assertDeepFrozen(config);
    assert.throws(() => {
      (config.pools[0]?.backends as unknown as unknown[]).push({});
    }, TypeError);
  });

  void test('activePool defaults to the first of the listener pools', () => {
    const config = valid('listeners:\n  a:\n    bind: ":1"\n    pools: [x, y]\npools:\n  x: { backends: ["h:1"] }\n  y: { backends: ["h:2"] }\n');
    assert.equal(config.listeners[0]?.activePool, 'x');
  });

  void test('numbers are milliseconds for durations and bytes for sizes', () => {
    const result = validateConfig({
      listeners: { a: { bind: ':1', pool: 'p', idleTimeout: 1500 } },
      pools: { p: { backends: ['h:1'], connectTimeout: 250 } },
      timeouts: { drain: '1.5s' },
      bufferSize: 4096,
    });
    assert.ok(result.ok);
    assert.equal(result.config.listeners[0]?.idleTimeoutMs, 1500);
    assert.equal(result.config.pools[0]?.connectTimeoutMs, 250);
    assert.equal(result.config.drainTimeoutMs, 1500);
    assert.equal(result.config.bufferSize, 4096);
  });

  void test('normalizeConfig takes the schema output directly', () => {
    const parsed = ConfigSchema.parse({ listeners: { a: { bind: ':1', pool: 'p' } }, pools: { p: { backends: [{ host: 'h', port: 1, maxConnections: 3 }] } } });
    const config = normalizeConfig(parsed);
    assert.equal(config.pools[0]?.backends[0]?.maxConnections, 3);
    assert.ok(Object.isFrozen(config));
  });
});
