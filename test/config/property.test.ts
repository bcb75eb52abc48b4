import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { validateConfig, type ValidateResult } from '../../src/config/validate.js';
import { parseConfigText } from '../../src/config/load.js';

function assertResult(result: ValidateResult): void {
  assert.equal(typeof result.ok, 'boolean');
  if (!result.ok) {
    assert.ok(result.issues.length > 0, 'a rejected config has at least one issue');
    for (const issue of result.issues) {
      assert.equal(typeof issue.path, 'string');
      assert.equal(typeof issue.message, 'string');
      assert.ok(!issue.message.includes('\n'), `one-line message: ${issue.message}`);
      assert.ok(!issue.message.startsWith('cannot be validated'), `no internal error: ${issue.message}`);
    }
  }
}

/** Configs shaped like the real thing, with random values where the keys go. */
const nearlyConfig = fc.record(
  {
    listeners: fc.dictionary(
      fc.constantFrom('web', 'api', 'bad name', '__proto__', 'constructor'),
      fc.record({ bind: fc.oneof(fc.constantFrom('*:80', ':80', '[::1]:80', '::1:80'), fc.jsonValue()), pool: fc.jsonValue(), pools: fc.jsonValue(), activePool: fc.jsonValue() }, { requiredKeys: [] }),
    ),
    pools: fc.dictionary(
      fc.constantFrom('web', 'blue', 'toString'),
      fc.record({ backends: fc.oneof(fc.array(fc.oneof(fc.constantFrom('h:1', 'h:1', 'h:0'), fc.jsonValue())), fc.jsonValue()), policy: fc.jsonValue() }, { requiredKeys: [] }),
    ),
    timeouts: fc.jsonValue(),
    bufferSize: fc.jsonValue(),
  },
  { requiredKeys: [] },
);

void describe('validation never throws', () => {
  void test('validateConfig returns a result for any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        assertResult(validateConfig(value));
      }),
      { numRuns: 300 },
    );
  });

  void test('validateConfig returns a result for anything at all', () => {
    fc.assert(
      fc.property(fc.anything({ withNullPrototype: true, withBigInt: true, withDate: true, withMap: true, withSet: true }), (value) => {
        assertResult(validateConfig(value));
      }),
      { numRuns: 300 },
    );
  });

  void test('validateConfig returns a result for configs with random values in real keys', () => {
    fc.assert(
      fc.property(nearlyConfig, (value) => {
        assertResult(validateConfig(value));
      }),
      { numRuns: 300 },
    );
  });

  void test('parseConfigText returns a result for any text, as YAML or JSON', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.constantFrom('yaml' as const, 'json' as const), (text, format) => {
        assertResult(parseConfigText(text, 'random.txt', format));
      }),
      { numRuns: 300 },
    );
  });

  void test('parseConfigText returns a result for YAML dumps of random configs', () => {
    fc.assert(
      fc.property(nearlyConfig, (value) => {
        assertResult(parseConfigText(JSON.stringify(value, null, 2), 'random.json'));
      }),
      { numRuns: 200 },
    );
  });
});
