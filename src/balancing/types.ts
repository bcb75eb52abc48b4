/**
 * The policy contract. A policy is a factory that builds a picker from the eligible
 * candidates of a pool; the pool rebuilds the picker whenever eligibility changes.
 * `pick` does no I/O and reads time and randomness only through injected interfaces.
 */
import type { Random } from '../core/random.js';
import type { PolicyName } from '../config/policy-names.js';

/** A live, read-only view of one eligible backend. Values may change between picks. */
export interface Candidate {
  readonly id: string;
  /** Effective weight, > 0 (weight-0 backends are never candidates). */
  readonly weight: number;
  /** Connections or requests in flight right now. */
  readonly active: number;
}

export interface PickContext {
  /** Stickiness key (the client address) for hashing policies. */
  readonly key?: string | undefined;
  /** Ids already tried for this client (failover): never returned. */
  readonly exclude?: ReadonlySet<string> | undefined;
}

export interface Picker<C extends Candidate = Candidate> {
  /** A candidate not in `ctx.exclude`, or undefined when none is left. */
  pick(ctx?: PickContext): C | undefined;
}

export interface PolicyDeps {
  readonly random: Random;
}

export type PolicyFactory = <C extends Candidate>(candidates: readonly C[], deps: PolicyDeps) => Picker<C>;

export interface PolicyInfo {
  readonly name: PolicyName;
  /** True when the long-run share follows the weights; false when it is even. */
  readonly weighted: boolean;
  /** One line for docs and `--help`. */
  readonly summary: string;
  readonly create: PolicyFactory;
}
