import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { applyEdits, type ConfigEdit } from '../../src/config/edits.js';
import { SwitchyardError } from '../../src/core/errors.js';
import { validateConfig } from '../../src/config/validate.js';

function input(): Record<string, unknown> {
  return {
    listeners: { web: { bind: '*:8080', pool: 'web' } },
    pools: { web: { policy: 'round-robin', backends: ['10.0.0.5:8000', { host: '10.0.0.6', port: 8000, weight: 2 }] } },
  };
}

function failure(fn: () => unknown): SwitchyardError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof SwitchyardError, `expected a SwitchyardError, got ${String(err)}`);
    return err;
  }
  return assert.fail('expected a throw');
}

void describe('applyEdits', () => {
  void test('setting a nested key changes only that key', () => {
    const out = applyEdits(input(), [{ op: 'set', path: ['pools', 'web', 'policy'], value: 'least-conn' }]);
    const expected = input();
    (expected.pools as { web: { policy: string } }).web.policy = 'least-conn';
    assert.deepEqual(out, expected);
  });

  void test('the input is not modified and the result shares no objects with it', () => {
    const before = input();
    const out = applyEdits(before, [{ op: 'set', path: ['pools', 'web', 'backends', 1, 'weight'], value: 5 }]) as ReturnType<typeof input>;
    assert.deepEqual(before, input());
    assert.notEqual(out.pools, before.pools);
  });

  void test('a set value is copied, so changing it later does not change the result', () => {
    const value = { host: '10.0.0.7', port: 8000 };
    const out = applyEdits(input(), [{ op: 'set', path: ['pools', 'web', 'backends', 2], value }]);
    value.port = 1;
    assert.deepEqual((out as { pools: { web: { backends: unknown[] } } }).pools.web.backends[2], { host: '10.0.0.7', port: 8000 });
  });

  void test('setting a path creates the missing objects on the way', () => {
    const out = applyEdits(input(), [{ op: 'set', path: ['pools', 'api', 'health', 'active', 'type'], value: 'tcp' }]);
    assert.deepEqual((out as { pools: Record<string, unknown> }).pools.api, { health: { active: { type: 'tcp' } } });
  });

  void test('setting an index beyond the end of a list appends', () => {
    const out = applyEdits(input(), [{ op: 'set', path: ['pools', 'web', 'backends', 99], value: '10.0.0.7:8000' }]);
    assert.deepEqual((out as { pools: { web: { backends: unknown[] } } }).pools.web.backends, ['10.0.0.5:8000', { host: '10.0.0.6', port: 8000, weight: 2 }, '10.0.0.7:8000']);
  });

  void test('a "host:port" string item becomes an object when the whole item is set', () => {
    const out = applyEdits(input(), [{ op: 'set', path: ['pools', 'web', 'backends', 0], value: { host: '10.0.0.5', port: 8000, state: 'drain' } }]);
    assert.deepEqual((out as { pools: { web: { backends: unknown[] } } }).pools.web.backends[0], { host: '10.0.0.5', port: 8000, state: 'drain' });
    assert.equal(validateConfig(out).ok, true);
  });

  void test('deleting a list item removes it and later indexes shift', () => {
    const edits: ConfigEdit[] = [
      { op: 'set', path: ['pools', 'web', 'backends', 2], value: '10.0.0.7:8000' },
      { op: 'delete', path: ['pools', 'web', 'backends', 0] },
      { op: 'set', path: ['pools', 'web', 'backends', 0, 'weight'], value: 4 },
    ];
    const out = applyEdits(input(), edits);
    assert.deepEqual((out as { pools: { web: { backends: unknown[] } } }).pools.web.backends, [{ host: '10.0.0.6', port: 8000, weight: 4 }, '10.0.0.7:8000']);
  });

  void test('deleting a key removes it from its object', () => {
    const out = applyEdits(input(), [{ op: 'delete', path: ['pools', 'web', 'policy'] }]);
    assert.deepEqual(Object.keys((out as { pools: { web: object } }).pools.web), ['backends']);
  });

  void test('deleting what is not there changes nothing', () => {
    const out = applyEdits(input(), [
      { op: 'delete', path: ['pools', 'nope', 'backends'] },
      { op: 'delete', path: ['pools', 'web', 'backends', 7] },
    ]);
    assert.deepEqual(out, input());
  });

  void test('edits apply in order, each seeing the result of the one before', () => {
    const out = applyEdits(input(), [
      { op: 'set', path: ['pools', 'blue'], value: { backends: ['10.0.1.1:80'] } },
      { op: 'set', path: ['listeners', 'web', 'pools'], value: ['web', 'blue'] },
      { op: 'delete', path: ['listeners', 'web', 'pool'] },
      { op: 'set', path: ['listeners', 'web', 'activePool'], value: 'blue' },
    ]);
    const result = validateConfig(out);
    assert.ok(result.ok);
    assert.equal(result.config.listeners[0]?.activePool, 'blue');
  });

  void test('a path through a "host:port" string fails with SY_CONFIG_INVALID naming the path', () => {
    const err = failure(() => applyEdits(input(), [{ op: 'set', path: ['pools', 'web', 'backends', 0, 'weight'], value: 2 }]));
    assert.equal(err.code, 'SY_CONFIG_INVALID');
    assert.equal(
      err.message,
      'pools.web.backends[0]: is a string ("10.0.0.5:8000"), not an object or a list, so weight cannot be reached inside it; set the whole value instead',
    );
    assert.deepEqual(err.details?.issues, [{ path: 'pools.web.backends[0]', message: err.message.slice('pools.web.backends[0]: '.length) }]);
  });

  void test('a delete through a scalar fails naming the path', () => {
    const err = failure(() => applyEdits(input(), [{ op: 'delete', path: ['pools', 'web', 'policy', 'x'] }]));
    assert.equal(err.code, 'SY_CONFIG_INVALID');
    assert.match(err.message, /^pools\.web\.policy: is a string \("round-robin"\)/);
  });

  void test('a name used as an index into a list fails naming the list', () => {
    const err = failure(() => applyEdits(input(), [{ op: 'set', path: ['pools', 'web', 'backends', 'first'], value: 'h:1' }]));
    assert.equal(err.message, 'pools.web.backends: is a list, so it is indexed by number, not by "first"');
  });

  void test('a negative list index fails naming the path', () => {
    const err = failure(() => applyEdits(input(), [{ op: 'delete', path: ['pools', 'web', 'backends', -1] }]));
    assert.equal(err.message, 'pools.web.backends[-1]: list index must be a whole number 0 or more, got -1');
  });

  void test('"__proto__" is refused as a key', () => {
    const err = failure(() => applyEdits(input(), [{ op: 'set', path: ['pools', '__proto__', 'polluted'], value: true }]));
    assert.equal(err.code, 'SY_CONFIG_INVALID');
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  void test('setting the empty path replaces the whole input', () => {
    assert.deepEqual(applyEdits(input(), [{ op: 'set', path: [], value: { a: 1 } }]), { a: 1 });
  });
});
