/**
 * Round robin: hands out the candidates in list order, one after the other, ignoring weights.
 * Use it when the backends are alike and requests cost about the same (the default policy).
 * Excluded candidates are skipped; the rotation continues after the one returned.
 */
import type { Candidate, Picker, PolicyDeps, PolicyInfo } from './types.js';

export function createRoundRobin<C extends Candidate>(candidates: readonly C[], _deps: PolicyDeps): Picker<C> {
  const list = candidates.slice();
  const n = list.length;
  let next = 0;
  return {
    pick(ctx) {
      const exclude = ctx?.exclude;
      for (let step = 0; step < n; step++) {
        const i = (next + step) % n;
        const c = list[i];
        if (c === undefined || (exclude !== undefined && exclude.has(c.id))) continue;
        next = (i + 1) % n;
        return c;
      }
      return undefined;
    },
  };
}

export const roundRobinPolicy = {
  name: 'round-robin',
  weighted: false,
  summary: 'Each backend in turn, in list order; weights are ignored.',
  create: createRoundRobin,
} satisfies PolicyInfo;
