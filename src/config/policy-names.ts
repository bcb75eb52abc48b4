/**
 * The names of the balancing policies, in the order the docs list them. The balancing
 * registry is typed against this list, so a policy cannot exist without a name or vice versa.
 */
export const POLICY_NAMES = [
  'round-robin',
  'weighted-round-robin',
  'random',
  'least-conn',
  'least-conn-rr',
  'weighted-least-conn',
  'source-hash',
  'power-of-two',
] as const;

export type PolicyName = (typeof POLICY_NAMES)[number];
