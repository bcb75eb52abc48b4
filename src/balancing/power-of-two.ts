/**
 * Power of two choices: draw two distinct eligible candidates at random (each draw weighted by
 * weight), then take the one with the lower `active / weight` (cross-multiplied, no division);
 * on a tie the first draw wins, so an idle pool is shared exactly in proportion to the weights.
 * Use it for large pools and many independent balancers: it avoids the herd behaviour of
 * least-conn (everyone piling onto the same emptiest backend) while still steering away from
 * loaded ones. Randomness comes only from `deps.random`; weights and `active` are read live.
 */
import type { Candidate, PickContext, Picker, PolicyDeps, PolicyInfo } from './types.js';

export function createPowerOfTwo<C extends Candidate>(candidates: readonly C[], deps: PolicyDeps): Picker<C> {
  const list = candidates.slice();
  const random = deps.random;

  /** Index of a weighted draw among eligible candidates other than `skip`; -1 when none. */
  function draw(exclude: PickContext['exclude'], skip: number, total: number): number {
    let target = random.next() * total;
    let last = -1;
    for (let i = 0; i < list.length; i++) {
      const c = list[i];
      if (i === skip || c === undefined || (exclude !== undefined && exclude.has(c.id))) continue;
      last = i;
      target -= usableWeight(c.weight);
      if (target < 0) return i;
    }
    return last;
  }

  return {
    pick(ctx) {
      const exclude = ctx?.exclude;
      let total = 0;
      let eligible = 0;
      let only: C | undefined;
      for (let i = 0; i < list.length; i++) {
        const c = list[i];
        if (c === undefined || (exclude !== undefined && exclude.has(c.id))) continue;
        total += usableWeight(c.weight);
        eligible++;
        only = c;
      }
      if (eligible <= 1) return only;
      const i = draw(exclude, -1, total);
      const first = list[i];
      if (first === undefined) return only;
      const firstWeight = usableWeight(first.weight);
      const second = list[draw(exclude, i, total - firstWeight)];
      if (second === undefined) return first;
      return second.active * firstWeight < first.active * usableWeight(second.weight) ? second : first;
    },
  };
}

/** A weight that keeps the arithmetic finite: anything not a positive finite number counts as 0. */
function usableWeight(w: number): number {
  return w > 0 && w < Number.POSITIVE_INFINITY ? w : 0;
}

export const powerOfTwoPolicy = {
  name: 'power-of-two',
  weighted: true,
  summary: 'Two weighted random draws; the one with fewer connections in flight per unit of weight wins.',
  create: createPowerOfTwo,
} satisfies PolicyInfo;
