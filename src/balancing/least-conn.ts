/**
 * Least connections: the candidate with the fewest in-flight connections or requests
 * (`active`, read live from the candidate view); ties go to the first in list order.
 * Use it when request cost varies a lot (long-lived connections, slow queries). Weights are
 * ignored; see weighted-least-conn for unequal backends and least-conn-rr to spread ties.
 */
import type { Candidate, Picker, PolicyDeps, PolicyInfo } from './types.js';

export function createLeastConn<C extends Candidate>(candidates: readonly C[], _deps: PolicyDeps): Picker<C> {
  const list = candidates.slice();
  return {
    pick(ctx) {
      const exclude = ctx?.exclude;
      let best: C | undefined;
      for (let i = 0; i < list.length; i++) {
        const c = list[i];
        if (c === undefined || (exclude !== undefined && exclude.has(c.id))) continue;
        if (best === undefined || c.active < best.active) best = c;
      }
      return best;
    },
  };
}

export const leastConnPolicy = {
  name: 'least-conn',
  weighted: false,
  summary: 'The backend with the fewest connections in flight; ties go to the first listed.',
  create: createLeastConn,
} satisfies PolicyInfo;
