/**
 * The rise/fall state machine of active health checks, with HAProxy's semantics. A backend that
 * is up goes down after `fall` probe failures in a row; a backend that is down comes back after
 * `rise` successes in a row. A result of the other kind breaks the run: while up, a success
 * resets the failure count; while down, a failure resets the success count. Both counters start
 * again from 0 after every transition.
 *
 * Pure and immutable: `applyProbe` returns a new counter and never reads time.
 */

export type HealthStatus = 'up' | 'down';

export interface RiseFall {
  /** Consecutive successes that bring a down backend up (>= 1). */
  readonly rise: number;
  /** Consecutive failures that take an up backend down (>= 1). */
  readonly fall: number;
}

export interface HealthCounter {
  readonly status: HealthStatus;
  /** Consecutive successes while down (towards rise); 0 while up. */
  readonly successes: number;
  /** Consecutive failures while up (towards fall); 0 while down. */
  readonly failures: number;
}

export interface ProbeStep {
  readonly counter: HealthCounter;
  /** True when this result flipped the status. */
  readonly changed: boolean;
}

const FRESH: Readonly<Record<HealthStatus, HealthCounter>> = Object.freeze({
  up: Object.freeze({ status: 'up', successes: 0, failures: 0 }),
  down: Object.freeze({ status: 'down', successes: 0, failures: 0 }),
});

/** A counter in `status` with no run in progress. */
export function initialHealth(status: HealthStatus): HealthCounter {
  return FRESH[status];
}

/** Applies one probe result; `changed` is true when status flipped. Immutable: returns a new counter. */
export function applyProbe(counter: HealthCounter, ok: boolean, rf: RiseFall): ProbeStep {
  if (counter.status === 'up') {
    if (ok) return step(FRESH.up, false);
    const failures = counter.failures + 1;
    if (failures >= threshold(rf.fall)) return step(FRESH.down, true);
    return step({ status: 'up', successes: 0, failures }, false);
  }
  if (!ok) return step(FRESH.down, false);
  const successes = counter.successes + 1;
  if (successes >= threshold(rf.rise)) return step(FRESH.up, true);
  return step({ status: 'down', successes, failures: 0 }, false);
}

/**
 * Why a backend has just reached `next.status`, for logs and events: the run that caused it and,
 * when `lastDetail` is not empty, what the last probe saw.
 * "3 consecutive probe failures (fall 3): probe timeout after 2000 ms",
 * "2 consecutive probe successes (rise 2)", "1 probe failure (fall 1): connection refused".
 */
export function transitionCause(next: HealthCounter, rf: RiseFall, lastDetail: string): string {
  const down = next.status === 'down';
  const n = threshold(down ? rf.fall : rf.rise);
  const noun = down ? 'failure' : 'success';
  const run = n === 1 ? `1 probe ${noun}` : `${n} consecutive probe ${noun === 'failure' ? 'failures' : 'successes'}`;
  const cause = `${run} (${down ? 'fall' : 'rise'} ${n})`;
  return lastDetail === '' ? cause : `${cause}: ${lastDetail}`;
}

/** A usable rise or fall: a whole number >= 1 (anything else counts as 1). */
function threshold(n: number): number {
  return n >= 1 && Number.isFinite(n) ? Math.floor(n) : 1;
}

function step(counter: HealthCounter, changed: boolean): ProbeStep {
  return Object.freeze({ counter: Object.freeze(counter), changed });
}
