/** `switchyard simulate` flags: defaults, and one clear SY_CLI_USAGE line for each mistake. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { specFromFlags } from '../../src/simulate/options.js';
import type { FlagValues } from '../../src/simulate/options.js';
import { isSwitchyardError } from '../../src/core/errors.js';
import { POLICY_NAMES } from '../../src/config/policy-names.js';

function rejects(flags: FlagValues, message: RegExp): void {
  assert.throws(
    () => specFromFlags(flags),
    (err: unknown) => isSwitchyardError(err) && err.code === 'SY_CLI_USAGE' && message.test(err.message) && !err.message.includes('\n'),
  );
}

void test('without flags the spec is 5 equal backends at 70% load, 50000 requests, every policy', () => {
  const spec = specFromFlags({});
  assert.equal(spec.backends.length, 5);
  assert.deepEqual(spec.stop, { type: 'requests', count: 50_000 });
  assert.equal(spec.ratePerSec, 700);
  assert.deepEqual(spec.policies, POLICY_NAMES);
  assert.deepEqual(spec.backends[0], { weight: 1, capacity: 4, slow: 1, failRate: 0 });
});

void test('--slow and --failing name backends from 1 and may be repeated or listed', () => {
  const spec = specFromFlags({ slow: ['1:4', '3:2'], failing: ['2:0.5,5:1'] });
  assert.deepEqual(spec.backends.map((b) => b.slow), [4, 1, 2, 1, 1]);
  assert.deepEqual(spec.backends.map((b) => b.failRate), [0, 0.5, 0, 0, 1]);
});

void test('--weights sets the number of backends when --backends is not given', () => {
  assert.equal(specFromFlags({ weights: '1,2,3' }).backends.length, 3);
});

void test('each bad flag is rejected with one line naming it and the value', () => {
  rejects({ backends: 'five' }, /--backends: must be a whole number .* got "five"/);
  rejects({ requests: '0' }, /--requests: .* got "0"/);
  rejects({ latency: '20 parsecs' }, /--latency: must be a duration .* got "20 parsecs"/);
  rejects({ slow: ['6:2'] }, /--slow: backend 6 does not exist/);
  rejects({ slow: ['1=2'] }, /--slow: must be I:F/);
  rejects({ failing: ['1:1.5'] }, /--failing: must be a number from 0 to 1, got "1.5"/);
  rejects({ backends: '5', weights: '1,2' }, /--weights: lists 2 weights for 5 backends/);
  rejects({ weights: '0,0' }, /--weights: at least one weight must be above 0/);
  rejects({ policies: 'round-robin,fastest' }, /--policies: unknown policy "fastest"/);
  rejects({ arrival: 'bursty' }, /--arrival: must be one of poisson, uniform, got "bursty"/);
  rejects({ requests: '10', duration: '1s' }, /give one of them, not both/);
  rejects({ rate: '10', load: '0.5' }, /give one of them, not both/);
  rejects({ capacity: '1,2' }, /--capacity: lists 2 values for 5 backends/);
});
