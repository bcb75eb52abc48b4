import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { importLegacyText, type ImportResult } from '../../../src/config/import/load-any.js';
import { parseConfigText } from '../../../src/config/load.js';
import type { RuntimeConfig } from '../../../src/config/model.js';
import { PUMPKIN, legacyText } from './legacy.js';

type Ok = Extract<ImportResult, { ok: true }>;

function converted(text: string, file = 'pumpkinlb.cfg'): Ok {
  const r = importLegacyText(text, file);
  assert.ok(r !== undefined, 'recognised');
  assert.ok(r.ok, r.ok ? '' : JSON.stringify(r.issues));
  return r;
}

function issuesOf(text: string, file = 'pumpkinlb.cfg'): string[] {
  const r = importLegacyText(text, file);
  assert.ok(r !== undefined && !r.ok, 'the conversion fails');
  return r.issues.map((i) => `${i.file ?? ''}:${i.line ?? ''}: ${i.path}: ${i.message}`);
}

function validated(yaml: string): RuntimeConfig {
  const r = parseConfigText(yaml, 'switchyard.yaml', 'yaml');
  assert.ok(r.ok, r.ok ? '' : JSON.stringify(r.issues));
  return r.config;
}

void test('the PumpkinLB example becomes one listener and one round-robin pool per mapping', (t) => {
  const text = legacyText(t, PUMPKIN);
  if (text === undefined) return;
  const r = converted(text, PUMPKIN);
  assert.equal(r.format, 'pumpkinlb-ini');
  const c = validated(r.yaml);
  assert.deepEqual(
    c.listeners.map((l) => ({ name: l.name, protocol: l.protocol, bind: l.bind.map((b) => `${b.host}:${b.port}`), pools: l.pools, activePool: l.activePool })),
    [
      { name: 'port-24003', protocol: 'tcp', bind: ['*:24003'], pools: ['port-24003'], activePool: 'port-24003' },
      { name: 'port-24004', protocol: 'tcp', bind: ['*:24004'], pools: ['port-24004'], activePool: 'port-24004' },
    ],
  );
  assert.deepEqual(
    c.pools.map((p) => ({ name: p.name, policy: p.policy, backends: p.backends.map((b) => `${b.host}:${b.port}*${b.weight}`), attempts: p.failoverAttempts })),
    [
      { name: 'port-24003', policy: 'round-robin', backends: ['192.168.1.100:80*1', '192.168.1.101:80*1', '192.168.1.102:80*1', '192.168.1.103:80*1'], attempts: 4 },
      { name: 'port-24004', policy: 'round-robin', backends: ['google.com:80*1'], attempts: 1 },
    ],
  );
  assert.equal(c.resolve, 'once');
});

void test('retrying on other workers is noted once and commented at each pool\'s failover', (t) => {
  const text = legacyText(t, PUMPKIN);
  if (text === undefined) return;
  const r = converted(text, PUMPKIN);
  assert.deepEqual(r.notes.map((n) => [n.path, n.line]), [['[mappings]', 1]]);
  assert.equal([...r.yaml.matchAll(/# \[mappings\] \(line 1\): PumpkinLB retried[^]*?\n\s+failover: \{ attempts: \d+ \}/g)].length, 2);
});

void test('a local address before the port binds that address only', () => {
  const c = validated(converted('[mappings]\n127.0.0.1:8080=10.0.0.1:80,10.0.0.2:80\n').yaml);
  assert.deepEqual(c.listeners.map((l) => [l.name, l.bind.map((b) => `${b.host}:${b.port}`)]), [['127.0.0.1-8080', ['127.0.0.1:8080']]]);
});

void test('pre_resolve_workers=0 becomes resolve: per-connection and 1 becomes once', () => {
  assert.equal(validated(converted('[options]\npre_resolve_workers=0\n[mappings]\n80=a:1\n').yaml).resolve, 'per-connection');
  assert.equal((parse(converted('[options]\npre_resolve_workers=1\n[mappings]\n80=a:1\n').yaml) as { resolve: string }).resolve, 'once');
});

void test('buffer_size becomes bufferSize in bytes, with a note on what it now means', () => {
  const r = converted('[mappings]\n80=a:1\n\n[options]\nbuffer_size=8192\n');
  assert.equal(validated(r.yaml).bufferSize, 8192);
  const note = r.notes.find((n) => n.path === '[options] buffer_size');
  assert.equal(note?.line, 5);
  assert.match(r.yaml, /# \[options\] buffer_size \(line 5\): was the size of each socket read[^]*?\nbufferSize: 8192\n/);
});

void test('a worker listed twice gets that many turns, as a weight', () => {
  const c = validated(converted('[mappings]\n80=a:1,b:1,a:1\n').yaml);
  assert.equal(c.pools[0]?.policy, 'weighted-round-robin');
  assert.deepEqual(c.pools[0]?.backends.map((b) => `${b.host}:${b.port}*${b.weight}`), ['a:1*2', 'b:1*1']);
});

void test('a worker with a bad port is an error naming the line and the mapping', () => {
  assert.deepEqual(issuesOf('# workers\n[mappings]\n24003=a:1,a:b\n'), ['pumpkinlb.cfg:3: mapping "24003=a:1,a:b": worker "a:b" has a bad port (1–65535, got "b")']);
});

void test('a worker without a port, and a bad inport, are errors naming their lines', () => {
  assert.deepEqual(issuesOf('[mappings]\n80=lorien\nhttp=a:1\n'), [
    'pumpkinlb.cfg:2: mapping "80=lorien": worker "lorien" has no port',
    'pumpkinlb.cfg:3: mapping "http=a:1": inport "http" has a bad port (0–65535, got "http")',
  ]);
});

void test('a line outside any section and a line without "=" are errors', () => {
  assert.deepEqual(issuesOf('80=a:1\n[mappings]\n81\n'), [
    'pumpkinlb.cfg:1: "80=a:1": is outside any section; start the file with [mappings]',
    'pumpkinlb.cfg:3: "81": is not a key=value line',
  ]);
});

void test('the same port mapped twice is an error naming the first line', () => {
  assert.deepEqual(issuesOf('[mappings]\n80=a:1\n80=b:1\n'), ['pumpkinlb.cfg:3: mapping "80=b:1": *:80 is mapped twice (first on line 2)']);
});
