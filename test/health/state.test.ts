import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyProbe, initialHealth, transitionCause } from '../../src/health/state.js';
import type { HealthCounter, RiseFall } from '../../src/health/state.js';

/** Applies a string of probe results ('+' success, '-' failure) and records the status after each and the flips. */
function run(start: HealthCounter, results: string, rf: RiseFall): { statuses: string; flips: number[]; last: HealthCounter } {
  let counter = start;
  let statuses = '';
  const flips: number[] = [];
  [...results].forEach((r, i) => {
    const next = applyProbe(counter, r === '+', rf);
    if (next.changed) flips.push(i);
    counter = next.counter;
    statuses += counter.status === 'up' ? 'U' : 'D';
  });
  return { statuses, flips, last: counter };
}

const rf = { rise: 2, fall: 3 };

void describe('health state (rise/fall)', () => {
  void it('starts in the given status with no run in progress', () => {
    assert.deepEqual(initialHealth('up'), { status: 'up', successes: 0, failures: 0 });
    assert.deepEqual(initialHealth('down'), { status: 'down', successes: 0, failures: 0 });
  });

  void it('goes down exactly at the fall-th consecutive failure and reports the flip once', () => {
    const r = run(initialHealth('up'), '----', rf);
    assert.equal(r.statuses, 'UUDD');
    assert.deepEqual(r.flips, [2]);
  });

  void it('counts failures towards fall while up', () => {
    const r = run(initialHealth('up'), '--', rf);
    assert.deepEqual(r.last, { status: 'up', successes: 0, failures: 2 });
  });

  void it('resets the failure run when a success comes in between', () => {
    const r = run(initialHealth('up'), '--+--+--', rf);
    assert.equal(r.statuses, 'UUUUUUUU');
    assert.deepEqual(r.flips, []);
    assert.equal(r.last.failures, 2);
  });

  void it('comes back up exactly at the rise-th consecutive success', () => {
    const r = run(initialHealth('down'), '+++', rf);
    assert.equal(r.statuses, 'DUU');
    assert.deepEqual(r.flips, [1]);
  });

  void it('resets the success run when a failure comes in between', () => {
    const r = run(initialHealth('down'), '+-+-+-+', rf);
    assert.equal(r.statuses, 'DDDDDDD');
    assert.deepEqual(r.last, { status: 'down', successes: 1, failures: 0 });
  });

  void it('starts both counters from 0 after each transition', () => {
    const down = run(initialHealth('up'), '---', rf).last;
    assert.deepEqual(down, { status: 'down', successes: 0, failures: 0 });
    const up = run(down, '++', rf).last;
    assert.deepEqual(up, { status: 'up', successes: 0, failures: 0 });
  });

  void it('follows a full interleaved sequence down and up again', () => {
    const r = run(initialHealth('up'), '-+---+-++-++', rf);
    assert.equal(r.statuses, 'UUUUDDDDUUUU');
    assert.deepEqual(r.flips, [4, 8]);
  });

  void it('takes a backend down on one failure with fall 1 and up on one success with rise 1', () => {
    const r = run(initialHealth('up'), '-+-+', { rise: 1, fall: 1 });
    assert.equal(r.statuses, 'DUDU');
    assert.deepEqual(r.flips, [0, 1, 2, 3]);
  });

  void it('never flips on a result that agrees with the current status', () => {
    assert.equal(applyProbe(initialHealth('up'), true, rf).changed, false);
    assert.equal(applyProbe(initialHealth('down'), false, rf).changed, false);
  });

  void it('returns a new counter and leaves the one it was given untouched', () => {
    const start: HealthCounter = { status: 'up', successes: 0, failures: 1 };
    const next = applyProbe(start, false, rf);
    assert.notEqual(next.counter, start);
    assert.deepEqual(start, { status: 'up', successes: 0, failures: 1 });
    assert.ok(Object.isFrozen(next.counter));
  });

  void it('treats a rise or fall below 1 as 1', () => {
    assert.equal(applyProbe(initialHealth('up'), false, { rise: 0, fall: 0 }).counter.status, 'down');
    assert.equal(applyProbe(initialHealth('down'), true, { rise: -2, fall: 1 }).counter.status, 'up');
  });

  void it('describes a fall with the run length, the fall setting and the last probe detail', () => {
    const down = run(initialHealth('up'), '---', rf).last;
    assert.equal(
      transitionCause(down, { rise: 2, fall: 3 }, 'probe timeout after 2000 ms'),
      '3 consecutive probe failures (fall 3): probe timeout after 2000 ms',
    );
  });

  void it('describes a rise with the run length and the rise setting', () => {
    const up = run(initialHealth('down'), '++', rf).last;
    assert.equal(transitionCause(up, rf, ''), '2 consecutive probe successes (rise 2)');
    assert.equal(transitionCause(up, rf, 'HTTP 200'), '2 consecutive probe successes (rise 2): HTTP 200');
  });

  void it('describes a single-probe transition without "consecutive"', () => {
    assert.equal(
      transitionCause(initialHealth('down'), { rise: 1, fall: 1 }, 'connection refused'),
      '1 probe failure (fall 1): connection refused',
    );
    assert.equal(transitionCause(initialHealth('up'), { rise: 1, fall: 1 }, ''), '1 probe success (rise 1)');
  });
});
