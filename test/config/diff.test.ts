import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { diffConfigs, formatPlan, type ConfigChange } from '../../src/config/diff.js';
import { applyEdits, type ConfigEdit } from '../../src/config/edits.js';
import { validateConfig } from '../../src/config/validate.js';
import type { RuntimeConfig } from '../../src/config/model.js';

const BASE = {
  listeners: {
    web: { protocol: 'http', bind: '*:8080', pools: ['blue', 'green'], activePool: 'blue' },
    old: { bind: '*:9000', pool: 'tcp' },
  },
  pools: {
    blue: { policy: 'round-robin', backends: ['10.0.0.5:8000', { host: '10.0.0.6', port: 8000, weight: 2 }] },
    green: { backends: ['10.0.1.5:8000'] },
    tcp: { backends: ['10.0.2.5:7000'] },
  },
};

function config(input: unknown): RuntimeConfig {
  const result = validateConfig(input);
  if (!result.ok) assert.fail(result.issues.map((i) => `${i.path}: ${i.message}`).join('\n'));
  return result.config;
}

/** The changes from BASE to BASE with `edits` applied. */
function diff(...edits: ConfigEdit[]): ConfigChange[] {
  return diffConfigs(config(BASE), config(applyEdits(BASE, edits)));
}

function summaries(changes: readonly ConfigChange[]): string[] {
  return changes.map((c) => c.summary);
}

void describe('diffConfigs', () => {
  void test('identical configs have no changes', () => {
    assert.deepEqual(diffConfigs(config(BASE), config(BASE)), []);
  });

  void test('an added listener is an add with its protocol and binds', () => {
    const changes = diff({ op: 'set', path: ['listeners', 'api'], value: { bind: ['127.0.0.1:9100', '[::1]:9100'], pool: 'green' } });
    assert.deepEqual(changes, [{ kind: 'add', target: 'listener', name: 'api', fields: [], summary: '+ listener api (tcp 127.0.0.1:9100, [::1]:9100)' }]);
  });

  void test('a removed listener is a remove with its protocol and binds', () => {
    const changes = diff({ op: 'delete', path: ['listeners', 'old'] });
    assert.deepEqual(changes, [{ kind: 'remove', target: 'listener', name: 'old', fields: [], summary: '- listener old (tcp *:9000)' }]);
  });

  void test('a listener bind change compares the binds as formatted strings', () => {
    const changes = diff({ op: 'set', path: ['listeners', 'old', 'bind'], value: ['*:9001', '[::1]:9001'] });
    assert.deepEqual(changes, [
      { kind: 'change', target: 'listener', name: 'old', fields: [{ field: 'bind', before: '*:9000', after: '*:9001, [::1]:9001' }], summary: '~ listener old: bind *:9000 → *:9001, [::1]:9001' },
    ]);
  });

  void test('an activePool switch is a listener change', () => {
    const changes = diff({ op: 'set', path: ['listeners', 'web', 'activePool'], value: 'green' });
    assert.deepEqual(changes, [
      { kind: 'change', target: 'listener', name: 'web', fields: [{ field: 'activePool', before: 'blue', after: 'green' }], summary: '~ listener web: activePool blue → green' },
    ]);
  });

  void test('an added pool is an add with its policy and size, and its backends are not listed apart', () => {
    const changes = diff({ op: 'set', path: ['pools', 'api'], value: { policy: 'least-conn', backends: ['10.0.3.1:80', '10.0.3.2:80'] } });
    assert.deepEqual(summaries(changes), ['+ pool api (least-conn, 2 backends)']);
    assert.equal(changes[0]?.kind, 'add');
  });

  void test('a removed pool is a remove', () => {
    const changes = diff({ op: 'delete', path: ['listeners', 'old'] }, { op: 'delete', path: ['pools', 'tcp'] });
    assert.deepEqual(summaries(changes), ['- listener old (tcp *:9000)', '- pool tcp (round-robin, 1 backend)']);
    assert.equal(changes[1]?.target, 'pool');
  });

  void test('a policy change is a pool change', () => {
    const changes = diff({ op: 'set', path: ['pools', 'blue', 'policy'], value: 'least-conn' });
    assert.deepEqual(changes, [
      { kind: 'change', target: 'pool', name: 'blue', fields: [{ field: 'policy', before: 'round-robin', after: 'least-conn' }], summary: '~ pool blue: policy round-robin → least-conn' },
    ]);
  });

  void test('a nested pool setting is named by its dotted field, durations in ms', () => {
    const changes = diff({ op: 'set', path: ['pools', 'blue', 'http'], value: { idleTimeout: '30s' } });
    assert.deepEqual(changes[0]?.fields, [{ field: 'http.idleTimeoutMs', before: 4000, after: 30_000 }]);
    assert.equal(changes[0]?.summary, '~ pool blue: http.idleTimeout 4s → 30s');
  });

  void test('an added backend is an add with its id and weight', () => {
    const changes = diff({ op: 'set', path: ['pools', 'blue', 'backends', 2], value: { host: '10.0.0.7', port: 8000, weight: 2 } });
    assert.deepEqual(changes, [{ kind: 'add', target: 'backend', name: 'blue/10.0.0.7:8000', fields: [], summary: '+ backend blue/10.0.0.7:8000 (weight 2)' }]);
  });

  void test('an added named backend shows its address, and a state other than ready', () => {
    const changes = diff({ op: 'set', path: ['pools', 'blue', 'backends', 2], value: { name: 'app-7', host: '10.0.0.7', port: 8000, state: 'maint' } });
    assert.deepEqual(summaries(changes), ['+ backend blue/app-7 (10.0.0.7:8000, weight 1, state maint)']);
  });

  void test('a removed backend is a remove with its id', () => {
    const changes = diff({ op: 'delete', path: ['pools', 'blue', 'backends', 0] });
    assert.deepEqual(changes, [{ kind: 'remove', target: 'backend', name: 'blue/10.0.0.5:8000', fields: [], summary: '- backend blue/10.0.0.5:8000 (weight 1)' }]);
  });

  void test('a weight change on a "host:port" backend rewritten as an object is only a weight change', () => {
    const changes = diff({ op: 'set', path: ['pools', 'blue', 'backends', 0], value: { host: '10.0.0.5', port: 8000, weight: 3 } });
    assert.deepEqual(changes, [
      { kind: 'change', target: 'backend', name: 'blue/10.0.0.5:8000', fields: [{ field: 'weight', before: 1, after: 3 }], summary: '~ backend blue/10.0.0.5:8000: weight 1 → 3' },
    ]);
  });

  void test('an admin state change is a backend change named "state" in the summary', () => {
    const changes = diff({ op: 'set', path: ['pools', 'blue', 'backends', 1, 'state'], value: 'drain' });
    assert.deepEqual(changes, [
      {
        kind: 'change',
        target: 'backend',
        name: 'blue/10.0.0.6:8000',
        fields: [{ field: 'initialAdminState', before: 'ready', after: 'drain' }],
        summary: '~ backend blue/10.0.0.6:8000: state ready → drain',
      },
    ]);
  });

  void test('weight and state changed together are one change with both fields', () => {
    const changes = diff({ op: 'set', path: ['pools', 'blue', 'backends', 1], value: { host: '10.0.0.6', port: 8000, weight: 5, state: 'maint' } });
    assert.deepEqual(summaries(changes), ['~ backend blue/10.0.0.6:8000: weight 2 → 5, state ready → maint']);
    assert.equal(changes[0]?.fields.length, 2);
  });

  void test('a moved backend (new address under the same name) is a host and port change', () => {
    const before = applyEdits(BASE, [{ op: 'set', path: ['pools', 'green', 'backends', 0], value: { name: 'g1', host: '10.0.1.5', port: 8000 } }]);
    const after = applyEdits(before, [{ op: 'set', path: ['pools', 'green', 'backends', 0, 'host'], value: '10.0.1.9' }]);
    assert.deepEqual(summaries(diffConfigs(config(before), config(after))), ['~ backend green/g1: host 10.0.1.5 → 10.0.1.9']);
  });

  void test('a bufferSize change is a global change', () => {
    const changes = diff({ op: 'set', path: ['bufferSize'], value: '128KiB' });
    assert.deepEqual(changes, [
      { kind: 'change', target: 'global', name: 'bufferSize', fields: [{ field: 'bufferSize', before: 65_536, after: 131_072 }], summary: '~ global bufferSize 64KiB → 128KiB' },
    ]);
  });

  void test('a drain timeout and log level change are one global change each', () => {
    const changes = diff({ op: 'set', path: ['timeouts', 'drain'], value: '30s' }, { op: 'set', path: ['log', 'level'], value: 'debug' });
    assert.deepEqual(summaries(changes), ['~ global drainTimeout 6s → 30s', '~ global logLevel info → debug']);
    assert.deepEqual(
      changes.map((c) => c.name),
      ['drainTimeoutMs', 'logLevel'],
    );
  });

  void test('changes come in a safe order: listener removals, globals, adds, changes, listener adds and changes, then removals', () => {
    const changes = diff(
      { op: 'delete', path: ['listeners', 'old'] },
      { op: 'delete', path: ['pools', 'tcp'] },
      { op: 'set', path: ['pools', 'blue', 'backends', 2], value: '10.0.0.7:8000' },
      { op: 'delete', path: ['pools', 'blue', 'backends', 0] },
      { op: 'set', path: ['pools', 'blue', 'policy'], value: 'random' },
      { op: 'set', path: ['pools', 'blue', 'backends', 0, 'weight'], value: 4 },
      { op: 'set', path: ['pools', 'api'], value: { backends: ['10.0.3.1:80'] } },
      { op: 'set', path: ['listeners', 'api'], value: { bind: '*:9100', pool: 'api' } },
      { op: 'set', path: ['listeners', 'web', 'activePool'], value: 'green' },
      { op: 'set', path: ['bufferSize'], value: '1MiB' },
    );
    assert.deepEqual(summaries(changes), [
      '- listener old (tcp *:9000)',
      '~ global bufferSize 64KiB → 1MiB',
      '+ pool api (round-robin, 1 backend)',
      '+ backend blue/10.0.0.7:8000 (weight 1)',
      '~ pool blue: policy round-robin → random',
      '~ backend blue/10.0.0.6:8000: weight 2 → 4',
      '+ listener api (tcp *:9100)',
      '~ listener web: activePool blue → green',
      '- backend blue/10.0.0.5:8000 (weight 1)',
      '- pool tcp (round-robin, 1 backend)',
    ]);
  });

  void test('field values are plain JSON: a value that is unset reads null', () => {
    const changes = diff({ op: 'set', path: ['pools', 'blue', 'http'], value: { stickyCookie: 'sy' } });
    assert.deepEqual(changes[0]?.fields, [{ field: 'http.stickyCookie', before: null, after: 'sy' }]);
    assert.equal(changes[0]?.summary, '~ pool blue: http.stickyCookie none → sy');
  });
});

void describe('formatPlan', () => {
  void test('no changes reads "No changes."', () => {
    assert.equal(formatPlan([]), 'No changes.');
  });

  void test('the plan is one line per change, then the counts', () => {
    const changes = diff(
      { op: 'delete', path: ['listeners', 'old'] },
      { op: 'delete', path: ['pools', 'tcp'] },
      { op: 'set', path: ['pools', 'blue', 'backends', 2], value: { host: '10.0.0.7', port: 8000, weight: 2 } },
      { op: 'set', path: ['pools', 'blue', 'policy'], value: 'least-conn' },
      { op: 'set', path: ['listeners', 'web', 'activePool'], value: 'green' },
    );
    assert.equal(
      formatPlan(changes),
      [
        '- listener old (tcp *:9000)',
        '+ backend blue/10.0.0.7:8000 (weight 2)',
        '~ pool blue: policy round-robin → least-conn',
        '~ listener web: activePool blue → green',
        '- pool tcp (round-robin, 1 backend)',
        '1 to add, 2 to change, 2 to remove',
      ].join('\n'),
    );
  });
});

void describe('diffConfigs on the admin section', () => {
  const HASH = `sha256:${'a'.repeat(64)}`;
  const withAdmin = (admin: unknown): RuntimeConfig => config({ ...BASE, admin });

  void test('admin settings are one global change listing each field, addresses as "host:port"', () => {
    const changes = diffConfigs(withAdmin({ bind: '127.0.0.1:9000', persist: true }), withAdmin({ bind: '127.0.0.1:9001', persist: false }));
    assert.deepEqual(changes, [
      {
        kind: 'change',
        target: 'global',
        name: 'admin',
        fields: [
          { field: 'admin.bind', before: '127.0.0.1:9000', after: '127.0.0.1:9001' },
          { field: 'admin.persist', before: true, after: false },
        ],
        summary: '~ global admin: bind 127.0.0.1:9000 → 127.0.0.1:9001, persist true → false',
      },
    ]);
  });

  void test('token hashes appear only as a short fingerprint', () => {
    const before = withAdmin({ users: [{ name: 'ops', access: 'full', tokenHash: HASH }] });
    const after = withAdmin({ users: [{ name: 'ops', access: 'full', tokenHash: `sha256:${'b'.repeat(64)}` }] });
    const text = JSON.stringify(diffConfigs(before, after));
    assert.ok(!text.includes('a'.repeat(16)) && !text.includes('b'.repeat(16)), text);
    assert.equal(diffConfigs(before, after).length, 1);
  });
});
