/** Latency summaries over exact samples (a run holds at most MAX_REQUESTS of them). */
import type { LatencySummary } from './model.js';

/**
 * Summarises the first `n` values of `samples` (sorted in place). Percentiles are nearest-rank:
 * p99 is the smallest value at or above which lies no more than 1 % of the samples.
 */
export function summarize(samples: Float64Array, n: number): LatencySummary {
  if (n === 0) return { p50: 0, p90: 0, p99: 0, p999: 0, mean: 0, max: 0 };
  const sorted = samples.subarray(0, n).sort();
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i] ?? 0;
  return {
    p50: percentile(sorted, 0.5),
    p90: percentile(sorted, 0.9),
    p99: percentile(sorted, 0.99),
    p999: percentile(sorted, 0.999),
    mean: sum / n,
    max: sorted[n - 1] ?? 0,
  };
}

/** Nearest-rank percentile of an ascending, non-empty array; `q` in (0, 1]. */
export function percentile(sorted: Float64Array, q: number): number {
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[rank - 1] ?? 0;
}
