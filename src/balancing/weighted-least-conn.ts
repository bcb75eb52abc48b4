/**
 * Weighted least connections: the candidate with the smallest `active / weight` (compared by
 * cross-multiplication, `a1 * w2 < a2 * w1`, so there is no division). Use it for backends of
 * unequal capacity serving requests of varying cost.
 *
 * Ties (including the idle pool, where every ratio is 0) are broken by smooth weighted round
 * robin among the tied candidates only, as nginx's `least_conn` does: each tied candidate's
 * `current` grows by its weight, the largest wins and drops by the tied total. So an idle or
 * evenly loaded pool is still shared in proportion to the weights, interleaved, never bursted.
 * Weights and `active` are read live at every pick.
 */
import type { Candidate, Picker, PolicyDeps, PolicyInfo } from './types.js';

export function createWeightedLeastConn<C extends Candidate>(
  candidates: readonly C[],
  _deps: PolicyDeps,
): Picker<C> {
  const list = candidates.slice();
  const current = new Float64Array(list.length);
  return {
    pick(ctx) {
      const exclude = ctx?.exclude;
      // Pass 1: the lowest load ratio.
      let lowest: C | undefined;
      let lowestWeight = 0;
      for (let i = 0; i < list.length; i++) {
        const c = list[i];
        if (c === undefined || (exclude !== undefined && exclude.has(c.id))) continue;
        const w = usableWeight(c.weight);
        if (lowest === undefined || c.active * lowestWeight < lowest.active * w) {
          lowest = c;
          lowestWeight = w;
        }
      }
      if (lowest === undefined) return undefined;
      // Pass 2: smooth weighted round robin among the candidates tied at that ratio.
      const load = lowest.active;
      let total = 0;
      let best = -1;
      let bestCurrent = 0;
      for (let i = 0; i < list.length; i++) {
        const c = list[i];
        if (c === undefined || (exclude !== undefined && exclude.has(c.id))) continue;
        const w = usableWeight(c.weight);
        if (c !== lowest && c.active * lowestWeight !== load * w) continue;
        const value = (current[i] ?? 0) + w;
        current[i] = value;
        total += w;
        if (best === -1 || value > bestCurrent) {
          best = i;
          bestCurrent = value;
        }
      }
      if (best === -1) return lowest;
      current[best] = bestCurrent - total;
      return list[best];
    },
  };
}

/**
 * A weight that keeps the comparisons meaningful: anything not a positive finite number counts
 * as a vanishingly small weight (such a candidate is picked only when nothing better is left).
 */
function usableWeight(w: number): number {
  return w > 0 && w < Number.POSITIVE_INFINITY ? w : Number.MIN_VALUE;
}

export const weightedLeastConnPolicy = {
  name: 'weighted-least-conn',
  weighted: true,
  summary: 'The backend with the lowest connections-in-flight per unit of weight; ties shared by smooth weighted round robin.',
  create: createWeightedLeastConn,
} satisfies PolicyInfo;
