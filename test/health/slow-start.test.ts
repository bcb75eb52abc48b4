import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FLOOR_SHARE, inSlowStart, slowStartWeight } from '../../src/health/slow-start.js';
import { POLICIES } from '../../src/balancing/registry.js';
import { seededRandom } from '../../src/core/random.js';
import type { Candidate } from '../../src/balancing/types.js';

const WINDOW = 10_000;
const SINCE = 50_000;

function close(actual: number, expected: number): void {
  assert.ok(Math.abs(actual - expected) < 1e-9, `${actual} ≈ ${expected}`);
}

void describe('slow start', () => {
  void it('starts at 10% of the weight by default', () => {
    close(slowStartWeight(100, SINCE, SINCE, WINDOW), 10);
  });

  void it('ramps linearly: 32.5% at a quarter of the window, 55% at half', () => {
    close(slowStartWeight(100, SINCE, SINCE + WINDOW / 4, WINDOW), 32.5);
    close(slowStartWeight(100, SINCE, SINCE + WINDOW / 2, WINDOW), 55);
  });

  void it('gives the full weight once the window has passed', () => {
    assert.equal(slowStartWeight(100, SINCE, SINCE + WINDOW, WINDOW), 100);
    assert.equal(slowStartWeight(100, SINCE, SINCE + 10 * WINDOW, WINDOW), 100);
  });

  void it('ramps from the given minimum share', () => {
    close(slowStartWeight(200, SINCE, SINCE, WINDOW, 0.5), 100);
    close(slowStartWeight(200, SINCE, SINCE + WINDOW / 2, WINDOW, 0.5), 150);
  });

  void it('gives the full weight when the window is 0 (slow start off)', () => {
    assert.equal(slowStartWeight(100, SINCE, SINCE, 0), 100);
    assert.equal(inSlowStart(SINCE, SINCE, 0), false);
  });

  void it('keeps a weight of 0 at 0', () => {
    assert.equal(slowStartWeight(0, SINCE, SINCE, WINDOW), 0);
    assert.equal(slowStartWeight(0, SINCE, SINCE + WINDOW, WINDOW), 0);
  });

  void it('never goes down to 0 for a positive weight, even with a minimum share of 0', () => {
    const w = slowStartWeight(1, SINCE, SINCE, WINDOW, 0);
    assert.ok(w > 0);
    close(w, FLOOR_SHARE);
  });

  void it('treats a time before the start as the start of the window', () => {
    close(slowStartWeight(100, SINCE, SINCE - 500, WINDOW), 10);
    assert.equal(inSlowStart(SINCE, SINCE - 500, WINDOW), true);
  });

  void it('is in slow start from the start until just before the window ends', () => {
    assert.equal(inSlowStart(SINCE, SINCE, WINDOW), true);
    assert.equal(inSlowStart(SINCE, SINCE + WINDOW - 1, WINDOW), true);
    assert.equal(inSlowStart(SINCE, SINCE + WINDOW, WINDOW), false);
  });

  void it('never decreases as time passes and never exceeds the weight', () => {
    let previous = 0;
    for (let t = SINCE - 100; t <= SINCE + WINDOW + 100; t += 37) {
      const w = slowStartWeight(300, SINCE, t, WINDOW);
      assert.ok(w >= previous && w <= 300, `at ${t}: ${w}`);
      previous = w;
    }
  });
});

void describe('fractional weights from slow start in the weighted policies', () => {
  // A backend a quarter into its ramp (32.5) next to two at 100: its long-run share must be 32.5 / 232.5.
  const weights = [100, 100, slowStartWeight(100, 0, WINDOW / 4, WINDOW)];
  const expected = 32.5 / 232.5;

  for (const info of Object.values(POLICIES).filter((p) => p.weighted)) {
    void it(`${info.name} shares picks in proportion to a fractional weight`, () => {
      const cands: Candidate[] = weights.map((weight, i) => ({ id: `b${i}`, weight, active: 0 }));
      const picker = info.create(cands, { random: seededRandom(11) });
      const picks = 17_000;
      let ramping = 0;
      for (let i = 0; i < picks; i++) {
        if (picker.pick({ key: `10.0.${(i >>> 8) & 255}.${i & 255}` })?.id === 'b2') ramping++;
      }
      const tolerance = info.name === 'source-hash' ? 0.2 : 0.05;
      const share = ramping / picks;
      assert.ok(Math.abs(share - expected) <= expected * tolerance, `share ${share}, expected ${expected}`);
    });
  }
});
