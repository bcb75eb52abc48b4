/**
 * Random: each pick is a uniform draw among the eligible candidates; weights are ignored.
 * Use it when many independent balancers (workers, processes) share the same backends and
 * should not move in lockstep, as round robin restarted at the same time would.
 * Randomness comes only from `deps.random`.
 */
import type { Candidate, Picker, PolicyDeps, PolicyInfo } from './types.js';

export function createRandom<C extends Candidate>(candidates: readonly C[], deps: PolicyDeps): Picker<C> {
  const list = candidates.slice();
  const n = list.length;
  const random = deps.random;
  return {
    pick(ctx) {
      const exclude = ctx?.exclude;
      if (exclude === undefined || exclude.size === 0) {
        return n === 0 ? undefined : list[drawIndex(random.next(), n)];
      }
      let eligible = 0;
      for (let i = 0; i < n; i++) {
        const c = list[i];
        if (c !== undefined && !exclude.has(c.id)) eligible++;
      }
      if (eligible === 0) return undefined;
      let skip = drawIndex(random.next(), eligible);
      for (let i = 0; i < n; i++) {
        const c = list[i];
        if (c === undefined || exclude.has(c.id)) continue;
        if (skip === 0) return c;
        skip--;
      }
      return undefined;
    },
  };
}

/** Maps a float in [0, 1) to an index in [0, n), clamped so a misbehaving source cannot escape. */
function drawIndex(x: number, n: number): number {
  const i = Math.floor(x * n);
  if (!(i >= 0)) return 0;
  return i >= n ? n - 1 : i;
}

export const randomPolicy = {
  name: 'random',
  weighted: false,
  summary: 'A uniform random backend per pick; weights are ignored.',
  create: createRandom,
} satisfies PolicyInfo;
