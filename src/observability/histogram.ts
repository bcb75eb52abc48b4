/**
 * A fixed-memory latency histogram with log-linear buckets (HDR-like), for integer microseconds.
 *
 * Layout: values 0..127 have one exact bucket each; above that, every power of two [2^k, 2^(k+1))
 * is split into 64 equal buckets, so a bucket is at most 1/64 of its lower bound wide and the
 * value reported for it (its midpoint, clamped to the recorded min and max) is within 0.8 % of any
 * value it holds. The top bucket ends at 2^26 - 1 µs (about 67 s); larger values are counted in it,
 * while `max`, `mean` and the sum stay exact. 1,344 buckets, 10.5 KiB, allocated once.
 *
 * `record()` allocates nothing and does no division; `percentile()` walks the buckets (cold path).
 */

/** Exact buckets below this value; also the number of buckets per power of two times two. */
const LINEAR_LIMIT = 128;
/** Buckets per power of two above LINEAR_LIMIT (6 bits of sub-bucket precision). */
const SUB_BUCKETS = 64;
const SUB_BITS = 6;
/** log2(LINEAR_LIMIT): the first power of two that is split into sub-buckets. */
const FIRST_EXP = 7;
/** The highest power of two tracked: values up to 2^(LAST_EXP+1) - 1. */
const LAST_EXP = 25;

/** The largest value with a bucket of its own (2^26 - 1 µs ≈ 67.1 s). Larger values share the top bucket. */
export const HISTOGRAM_MAX_TRACKABLE_US = 2 ** (LAST_EXP + 1) - 1;
/** Number of buckets (fixed). */
export const HISTOGRAM_BUCKETS = LINEAR_LIMIT + (LAST_EXP - FIRST_EXP + 1) * SUB_BUCKETS;

/** The bucket index of a non-negative integer value ≤ HISTOGRAM_MAX_TRACKABLE_US. */
function bucketOf(v: number): number {
  if (v < LINEAR_LIMIT) return v;
  const exp = 31 - Math.clz32(v); // ≥ FIRST_EXP
  return LINEAR_LIMIT + (exp - FIRST_EXP) * SUB_BUCKETS + ((v >>> (exp - SUB_BITS)) - SUB_BUCKETS);
}

/** The lowest value held by bucket `i`. */
function bucketLow(i: number): number {
  if (i < LINEAR_LIMIT) return i;
  const j = i - LINEAR_LIMIT;
  const exp = FIRST_EXP + Math.floor(j / SUB_BUCKETS);
  return (SUB_BUCKETS + (j % SUB_BUCKETS)) * 2 ** (exp - SUB_BITS);
}

/** The width of bucket `i` (1 for the exact buckets). */
function bucketWidth(i: number): number {
  if (i < LINEAR_LIMIT) return 1;
  return 2 ** (FIRST_EXP + Math.floor((i - LINEAR_LIMIT) / SUB_BUCKETS) - SUB_BITS);
}

export class Histogram {
  private readonly counts = new Float64Array(HISTOGRAM_BUCKETS);
  private n = 0;
  private sum = 0;
  private lo = Infinity;
  private hi = -Infinity;

  /**
   * Records one value in microseconds. Fractions are dropped; negative or non-finite values count
   * as 0; values above HISTOGRAM_MAX_TRACKABLE_US go to the top bucket.
   */
  record(us: number): void {
    let v = us >= 0 ? Math.floor(us) : 0; // NaN and negatives → 0
    if (v === Infinity) v = HISTOGRAM_MAX_TRACKABLE_US;
    const idx = bucketOf(v > HISTOGRAM_MAX_TRACKABLE_US ? HISTOGRAM_MAX_TRACKABLE_US : v);
    this.counts[idx] = (this.counts[idx] ?? 0) + 1;
    this.n++;
    this.sum += v;
    if (v < this.lo) this.lo = v;
    if (v > this.hi) this.hi = v;
  }

  /** How many values were recorded. */
  get count(): number {
    return this.n;
  }

  /** The smallest value recorded (0 when empty). */
  get min(): number {
    return this.n === 0 ? 0 : this.lo;
  }

  /** The largest value recorded (0 when empty). */
  get max(): number {
    return this.n === 0 ? 0 : this.hi;
  }

  /** The arithmetic mean of the recorded values (0 when empty). */
  get mean(): number {
    return this.n === 0 ? 0 : this.sum / this.n;
  }

  /**
   * The value at percentile `p` (0–100): the smallest recorded value such that at least p % of
   * the values are ≤ it, to within the bucket precision. 0 when empty; p ≤ 0 gives min, p ≥ 100 max.
   */
  percentile(p: number): number {
    if (this.n === 0) return 0;
    if (!(p > 0)) return this.lo;
    if (p >= 100) return this.hi;
    const rank = Math.max(1, Math.ceil((p / 100) * this.n));
    let seen = 0;
    for (let i = 0; i < HISTOGRAM_BUCKETS; i++) {
      seen += this.counts[i] ?? 0;
      if (seen >= rank) {
        const mid = bucketLow(i) + (bucketWidth(i) - 1) / 2;
        return Math.min(this.hi, Math.max(this.lo, mid));
      }
    }
    return this.hi;
  }

  /** The sum of every value recorded (exact, top-bucket values included). */
  get total(): number {
    return this.sum;
  }

  /**
   * How many values are ≤ each of `bounds` (ascending, µs): cumulative counts, as Prometheus
   * buckets want them. The bucket holding a bound counts as ≤ it, so a count may include values
   * up to one bucket width (≤ 1/64 of the bound) above it, but never misses a value ≤ the bound.
   * Exact for bounds below 128. One pass over the buckets (cold path).
   */
  countsAtMost(bounds: readonly number[]): number[] {
    const out = new Array<number>(bounds.length).fill(0);
    let seen = 0;
    let i = 0;
    for (let k = 0; k < bounds.length; k++) {
      const bound = Math.floor(bounds[k] ?? 0);
      if (bound >= 0) {
        const last = bucketOf(bound > HISTOGRAM_MAX_TRACKABLE_US ? HISTOGRAM_MAX_TRACKABLE_US : bound);
        for (; i <= last; i++) seen += this.counts[i] ?? 0;
      }
      out[k] = seen;
    }
    return out;
  }

  /** Adds every value recorded in `other` to this histogram (as if recorded here too). */
  merge(other: Histogram): void {
    if (other.n === 0) return;
    const a = this.counts;
    const b = other.counts;
    for (let i = 0; i < HISTOGRAM_BUCKETS; i++) a[i] = (a[i] ?? 0) + (b[i] ?? 0);
    this.n += other.n;
    this.sum += other.sum;
    if (other.lo < this.lo) this.lo = other.lo;
    if (other.hi > this.hi) this.hi = other.hi;
  }

  /** Forgets every value. */
  reset(): void {
    this.counts.fill(0);
    this.n = 0;
    this.sum = 0;
    this.lo = Infinity;
    this.hi = -Infinity;
  }
}
