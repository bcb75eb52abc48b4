/** The older balancers' scheduler names and the Switchyard policy each becomes. */
import type { PolicyName } from '../policy-names.js';

const SCHEDULERS: Readonly<Record<string, PolicyName>> = Object.freeze({
  random: 'random',
  roundrobin: 'round-robin',
  roundr: 'round-robin',
  round_robin: 'round-robin',
  leastconns: 'least-conn',
  leastc: 'least-conn',
  least_connections: 'least-conn',
  leastconnsrr: 'least-conn-rr',
  weightr: 'weighted-round-robin',
  weighted: 'weighted-round-robin',
  ip_hash: 'source-hash',
});

/** Scheduler names of txLoadBalancer and PythonDirector. */
export const DIRECTOR_SCHEDULERS: readonly string[] = ['random', 'roundrobin', 'roundr', 'leastconns', 'leastc', 'leastconnsrr', 'weightr', 'weighted'];
/** Algorithm names of mini-load-balancer. */
export const MINI_LB_ALGORITHMS: readonly string[] = ['round_robin', 'least_connections', 'ip_hash'];

/** The policy for an older scheduler name (any of the formats' names, case ignored), or undefined. */
export function policyForScheduler(name: string): PolicyName | undefined {
  const key = name.trim().toLowerCase();
  return Object.hasOwn(SCHEDULERS, key) ? SCHEDULERS[key] : undefined;
}
