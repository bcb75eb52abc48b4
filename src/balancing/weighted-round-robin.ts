/**
 * Smooth weighted round robin (nginx's algorithm). On every pick each eligible candidate's
 * `current` grows by its weight, the largest `current` wins and then drops by the total weight.
 * Over any run of `total weight` picks each backend gets exactly its weight, and a heavy backend
 * is interleaved with the others instead of being sent a burst (5:1:1 gives a a b a c a a).
 * Use it for backends of unequal capacity and requests of similar cost.
 *
 * Weights are read from the candidates at every pick, so a weight that changes later (slow
 * start) takes effect at once. Excluded candidates neither gain nor lose `current`.
 */
import type { Candidate, Picker, PolicyDeps, PolicyInfo } from './types.js';

export function createWeightedRoundRobin<C extends Candidate>(
  candidates: readonly C[],
  _deps: PolicyDeps,
): Picker<C> {
  const list = candidates.slice();
  const current = new Float64Array(list.length);
  return {
    pick(ctx) {
      const exclude = ctx?.exclude;
      let total = 0;
      let best = -1;
      let bestCurrent = 0;
      for (let i = 0; i < list.length; i++) {
        const c = list[i];
        if (c === undefined || (exclude !== undefined && exclude.has(c.id))) continue;
        const w = usableWeight(c.weight);
        const value = (current[i] ?? 0) + w;
        current[i] = value;
        total += w;
        if (best === -1 || value > bestCurrent) {
          best = i;
          bestCurrent = value;
        }
      }
      if (best === -1) return undefined;
      current[best] = bestCurrent - total;
      return list[best];
    },
  };
}

/** A weight that keeps the arithmetic finite: anything not a positive finite number counts as 0. */
function usableWeight(w: number): number {
  return w > 0 && w < Number.POSITIVE_INFINITY ? w : 0;
}

export const weightedRoundRobinPolicy = {
  name: 'weighted-round-robin',
  weighted: true,
  summary: 'Smooth weighted round robin (as in nginx): shares follow the weights, heavy backends are interleaved, not bursted.',
  create: createWeightedRoundRobin,
} satisfies PolicyInfo;
