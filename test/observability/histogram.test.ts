import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Histogram, HISTOGRAM_MAX_TRACKABLE_US } from '../../src/observability/histogram.js';

/** The nearest-rank percentile of `values` (the definition Histogram.percentile approximates). */
function exactPercentile(sorted: readonly number[], p: number): number {
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] ?? 0;
}

function filled(values: readonly number[]): Histogram {
  const h = new Histogram();
  for (const v of values) h.record(v);
  return h;
}

const PS = [1, 10, 25, 50, 75, 90, 95, 99, 99.9, 100];

/** Latencies from 1 µs to 60 s, spread over every order of magnitude. */
const latency = fc.oneof(
  fc.integer({ min: 1, max: 200 }),
  fc.integer({ min: 1, max: 60_000_000 }),
  fc.double({ min: 0, max: Math.log(60_000_000), noNaN: true }).map((x) => Math.max(1, Math.round(Math.exp(x)))),
);

void test('percentiles are within 2 % of the exact value on random data', () => {
  fc.assert(
    fc.property(fc.array(latency, { minLength: 1, maxLength: 2000 }), (values) => {
      const h = filled(values);
      const sorted = [...values].sort((a, b) => a - b);
      for (const p of PS) {
        const exact = exactPercentile(sorted, p);
        const got = h.percentile(p);
        assert.ok(Math.abs(got - exact) <= 0.02 * exact, `p${p}: got ${got}, exact ${exact}`);
      }
    }),
    { numRuns: 200 },
  );
});

void test('values below 128 µs are reported exactly', () => {
  const h = filled([3, 3, 7, 50, 127]);
  assert.equal(h.percentile(40), 3);
  assert.equal(h.percentile(60), 7);
  assert.equal(h.percentile(80), 50);
  assert.equal(h.percentile(100), 127);
});

void test('merging two histograms equals recording both into one', () => {
  fc.assert(
    fc.property(fc.array(latency, { maxLength: 500 }), fc.array(latency, { maxLength: 500 }), (a, b) => {
      const merged = filled(a);
      merged.merge(filled(b));
      const both = filled([...a, ...b]);
      assert.equal(merged.count, both.count);
      assert.equal(merged.min, both.min);
      assert.equal(merged.max, both.max);
      assert.equal(merged.mean, both.mean);
      for (const p of PS) assert.equal(merged.percentile(p), both.percentile(p), `p${p}`);
    }),
    { numRuns: 100 },
  );
});

void test('count, min, max and mean are exact', () => {
  const h = filled([10, 1_000, 123_456, 7]);
  assert.equal(h.count, 4);
  assert.equal(h.min, 7);
  assert.equal(h.max, 123_456);
  assert.equal(h.mean, (10 + 1_000 + 123_456 + 7) / 4);
});

void test('fractions are dropped and negative or NaN values count as zero', () => {
  const h = filled([2.9, -5, Number.NaN]);
  assert.equal(h.count, 3);
  assert.equal(h.min, 0);
  assert.equal(h.max, 2);
});

void test('a value beyond the top bucket keeps an exact max and lands in the top bucket', () => {
  const h = filled([100, 3_600_000_000]);
  assert.equal(h.max, 3_600_000_000);
  assert.equal(h.percentile(100), 3_600_000_000);
  const p99 = h.percentile(99);
  assert.ok(p99 >= HISTOGRAM_MAX_TRACKABLE_US * 0.98 && p99 <= 3_600_000_000, `p99 ${p99}`);
});

void test('an empty histogram reports zeros', () => {
  const h = new Histogram();
  assert.deepEqual([h.count, h.min, h.max, h.mean, h.percentile(50), h.percentile(100)], [0, 0, 0, 0, 0, 0]);
});

void test('reset forgets every value', () => {
  const h = filled([5, 500, 50_000]);
  h.reset();
  assert.deepEqual([h.count, h.min, h.max, h.mean, h.percentile(99)], [0, 0, 0, 0, 0]);
  h.record(42);
  assert.deepEqual([h.count, h.min, h.max, h.percentile(50)], [1, 42, 42, 42]);
});
