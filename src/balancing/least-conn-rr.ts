/**
 * Least connections with round-robin ties (PythonDirector's `leastconnsrr`): the candidate
 * with the fewest in-flight connections (`active`, read live); among equals, the one picked
 * least recently (never-picked candidates first, in list order). Unlike plain least-conn, an
 * idle pool is spread evenly instead of always favouring the first backend.
 * Use it for variable-cost traffic on alike backends, especially at low concurrency.
 *
 * The picker keeps only a pick sequence number per candidate, never a connection count.
 */
import type { Candidate, Picker, PolicyDeps, PolicyInfo } from './types.js';

export function createLeastConnRr<C extends Candidate>(candidates: readonly C[], _deps: PolicyDeps): Picker<C> {
  const list = candidates.slice();
  /** Sequence number of each candidate's last pick; 0 = never picked. */
  const lastPicked = new Float64Array(list.length);
  let sequence = 0;
  return {
    pick(ctx) {
      const exclude = ctx?.exclude;
      let best = -1;
      let bestActive = 0;
      let bestLast = 0;
      for (let i = 0; i < list.length; i++) {
        const c = list[i];
        if (c === undefined || (exclude !== undefined && exclude.has(c.id))) continue;
        const last = lastPicked[i] ?? 0;
        if (best === -1 || c.active < bestActive || (c.active === bestActive && last < bestLast)) {
          best = i;
          bestActive = c.active;
          bestLast = last;
        }
      }
      if (best === -1) return undefined;
      sequence++;
      lastPicked[best] = sequence;
      return list[best];
    },
  };
}

export const leastConnRrPolicy = {
  name: 'least-conn-rr',
  weighted: false,
  summary: 'The backend with the fewest connections in flight; ties go to the least recently picked.',
  create: createLeastConnRr,
} satisfies PolicyInfo;
