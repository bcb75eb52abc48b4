/**
 * The one list of balancing policies. `POLICIES` is keyed by every name in POLICY_NAMES, so a
 * name without a policy (or a policy filed under the wrong name) does not compile.
 */
import { POLICY_NAMES } from '../config/policy-names.js';
import type { PolicyName } from '../config/policy-names.js';
import { leastConnPolicy } from './least-conn.js';
import { leastConnRrPolicy } from './least-conn-rr.js';
import { powerOfTwoPolicy } from './power-of-two.js';
import { randomPolicy } from './random.js';
import { roundRobinPolicy } from './round-robin.js';
import { sourceHashPolicy } from './source-hash.js';
import type { Candidate, Picker, PolicyDeps, PolicyInfo } from './types.js';
import { weightedLeastConnPolicy } from './weighted-least-conn.js';
import { weightedRoundRobinPolicy } from './weighted-round-robin.js';

/** Each entry's `name` must equal its key. */
type PolicyTable = { readonly [K in PolicyName]: PolicyInfo & { readonly name: K } };

export const POLICIES: PolicyTable = Object.freeze({
  'round-robin': roundRobinPolicy,
  'weighted-round-robin': weightedRoundRobinPolicy,
  random: randomPolicy,
  'least-conn': leastConnPolicy,
  'least-conn-rr': leastConnRrPolicy,
  'weighted-least-conn': weightedLeastConnPolicy,
  'source-hash': sourceHashPolicy,
  'power-of-two': powerOfTwoPolicy,
});

const LIST: readonly PolicyInfo[] = Object.freeze(POLICY_NAMES.map((name) => POLICIES[name]));

/** Builds the picker of policy `name` over `candidates`. */
export function createPicker<C extends Candidate>(name: PolicyName, candidates: readonly C[], deps: PolicyDeps): Picker<C> {
  return POLICIES[name].create(candidates, deps);
}

/** Every policy, in POLICY_NAMES order (the order the docs list them). */
export function policyList(): readonly PolicyInfo[] {
  return LIST;
}
