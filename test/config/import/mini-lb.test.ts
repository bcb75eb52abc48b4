import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { importLegacyText, type ImportResult } from '../../../src/config/import/load-any.js';
import { parseConfigText } from '../../../src/config/load.js';
import type { RuntimeConfig } from '../../../src/config/model.js';
import { MINI, legacyText } from './legacy.js';

type Ok = Extract<ImportResult, { ok: true }>;

function converted(text: string, file = 'config.json'): Ok {
  const r = importLegacyText(text, file);
  assert.ok(r !== undefined, 'recognised');
  assert.ok(r.ok, r.ok ? '' : JSON.stringify(r.issues));
  return r;
}

function issuesOf(text: string): string[] {
  const r = importLegacyText(text, 'config.json');
  assert.ok(r !== undefined && !r.ok, 'the conversion fails');
  return r.issues.map((i) => `${i.line ?? ''}:${i.column ?? ''}: ${i.path}: ${i.message}`);
}

function validated(yaml: string): RuntimeConfig {
  const r = parseConfigText(yaml, 'switchyard.yaml', 'yaml');
  assert.ok(r.ok, r.ok ? '' : JSON.stringify(r.issues));
  return r.config;
}

const mini = (fields: Record<string, unknown>): string =>
  JSON.stringify({ proxy_host: '127.0.0.1', proxy_port: 8080, algorithm: 'round_robin', backend_servers: [{ host: '127.0.0.1', port: 8001 }], ...fields }, null, 2);

void test('the mini-load-balancer file becomes one HTTP listener in front of one round-robin pool', (t) => {
  const text = legacyText(t, MINI);
  if (text === undefined) return;
  const r = converted(text, MINI);
  assert.equal(r.format, 'mini-load-balancer-json');
  const c = validated(r.yaml);
  const l = c.listeners[0];
  assert.equal(c.listeners.length, 1);
  assert.deepEqual(
    { name: l?.name, protocol: l?.protocol, bind: l?.bind.map((b) => `${b.host}:${b.port}`), pools: l?.pools, activePool: l?.activePool, maxConnections: l?.maxConnections },
    { name: 'proxy', protocol: 'http', bind: ['0.0.0.0:8080'], pools: ['backends'], activePool: 'backends', maxConnections: 1000 },
  );
  assert.equal(l?.http?.responseTimeoutMs, 30_000);
  assert.equal(l?.http?.accessLog, 'json');
  assert.deepEqual(l?.http?.internal, { health: '/__health__', status: '/__status__', metrics: '/__metrics__' });
  assert.deepEqual(
    c.pools.map((p) => ({ name: p.name, policy: p.policy, backends: p.backends.map((b) => `${b.host}:${b.port}*${b.weight}`), connectTimeoutMs: p.connectTimeoutMs })),
    [{ name: 'backends', policy: 'round-robin', backends: ['localhost:8001*1', 'localhost:8002*1', 'localhost:8003*1'], connectTimeoutMs: 30_000 }],
  );
});

void test('the health check interval and timeout in seconds become HTTP probes of /health, noted', (t) => {
  const text = legacyText(t, MINI);
  if (text === undefined) return;
  const r = converted(text, MINI);
  const value = parse(r.yaml) as { pools: { backends: { health: unknown } } };
  assert.deepEqual(value.pools.backends.health, { active: { type: 'http', interval: '30s', timeout: '5s', http: { path: '/health' } } });
  const note = r.notes.find((n) => n.path === 'health_check_interval');
  assert.deepEqual([note?.line, note?.column], [10, 28]);
  assert.match(r.yaml, /# health_check_interval \(line 10\): health_check_interval 30 and health_check_timeout 5 \(seconds\)[^]*?\n\s+health:\n\s+active:/);
});

void test('enable_logging, enable_metrics, max_connections and request_timeout are each noted at their key', (t) => {
  const text = legacyText(t, MINI);
  if (text === undefined) return;
  const r = converted(text, MINI);
  assert.deepEqual(r.notes.map((n) => [n.path, n.line]), [
    ['health_check_interval', 10],
    ['max_connections', 12],
    ['request_timeout', 14],
    ['enable_logging', 15],
    ['enable_metrics', 16],
  ]);
  assert.match(r.yaml, /# enable_logging \(line 15\): [^]*?\n\s+accessLog: json\n/);
  assert.match(r.yaml, /# enable_metrics \(line 16\): [^]*?\n\s+internal: \{\}\n/);
});

void test('least_connections becomes least-conn and ip_hash becomes source-hash', () => {
  assert.equal(validated(converted(mini({ algorithm: 'least_connections' })).yaml).pools[0]?.policy, 'least-conn');
  assert.equal(validated(converted(mini({ algorithm: 'ip_hash' })).yaml).pools[0]?.policy, 'source-hash');
  assert.equal(validated(converted(mini({ algorithm: 'round_robin' })).yaml).pools[0]?.policy, 'round-robin');
});

void test('malformed JSON is an error with its line and column', () => {
  assert.deepEqual(issuesOf('{\n  "proxy_port": 8080,\n  "backend_servers": [\n    {"host": "localhost", "port": 8001},\n  ]\n}\n'), ['5:3: : invalid JSON: expected a value, got "]"']);
});

void test('a wrong value is an error naming its key, line and column', () => {
  assert.deepEqual(issuesOf('{\n  "algorithm": "fastest",\n  "backend_servers": [\n    {"host": "localhost", "port": 70000}\n  ]\n}\n'), [
    '2:16: algorithm: must be one of round_robin, least_connections, ip_hash, got "fastest"',
    '4:35: backend_servers[0].port: must be 1–65535, got 70000',
  ]);
});

void test('disabled logging and metrics are noted and leave Switchyard\'s defaults', () => {
  const r = converted(mini({ enable_logging: false, enable_metrics: false }));
  const l = validated(r.yaml).listeners[0];
  assert.equal(l?.http?.accessLog, 'off');
  assert.equal(l?.http?.internal, undefined);
  assert.deepEqual(r.notes.map((n) => n.path), ['enable_logging', 'enable_metrics']);
});

void test('a missing listen address or algorithm is noted with the value assumed', () => {
  const r = converted('{"backend_servers": [{"host": "127.0.0.1", "port": 8001}]}');
  assert.deepEqual(r.notes.map((n) => `${n.path}: ${n.message}`), [
    'proxy_host: is not set; "0.0.0.0" is assumed, as in mini-load-balancer\'s example',
    'proxy_port: is not set; "8080" is assumed, as in mini-load-balancer\'s example',
    'algorithm: is not set; "round_robin" is assumed, as in mini-load-balancer\'s example',
  ]);
  assert.deepEqual(validated(r.yaml).listeners[0]?.bind, [{ host: '0.0.0.0', port: 8080 }]);
});
