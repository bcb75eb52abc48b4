/**
 * The one place where the older balancers' health timers become Switchyard health settings
 * (a pool's `health`: active probes and passive ejection). When the health configuration
 * changes, only this function changes.
 */
import { secondsToDuration } from './draft.js';

/** A health timer of an older balancer, in its own terms. */
export type LegacyHealthTimer =
  /** txLoadBalancer / PythonDirector `<manager><hostCheck interval enable>`: a host that failed a connect is out, and failed hosts are re-added every `interval` seconds. */
  | { readonly kind: 'host-check'; readonly intervalSeconds: number; readonly enabled: boolean }
  /** mini-load-balancer `health_check_interval` / `health_check_timeout`: GET /health of every backend, in seconds. */
  | { readonly kind: 'health-probe'; readonly intervalSeconds: number | undefined; readonly timeoutSeconds: number | undefined };

export interface HealthMapping {
  /** The pool's `health` to write, if any. */
  readonly health: Record<string, unknown> | undefined;
  /** What did not carry over exactly, one sentence each. */
  readonly notes: readonly string[];
}

export function mapLegacyHealthTimer(timer: LegacyHealthTimer): HealthMapping {
  if (timer.kind === 'host-check') {
    const seconds = timer.intervalSeconds;
    if (!timer.enabled) {
      return {
        health: undefined,
        notes: [
          `re-adding failed hosts was disabled (interval ${seconds} seconds), so a failed host stayed out until a restart; Switchyard has no such setting: an ejected backend returns after health.passive.baseEjectionTime (default 30s)`,
        ],
      };
    }
    const time = secondsToDuration(seconds);
    return {
      health: { passive: { consecutiveFailures: 1, baseEjectionTime: time, maxEjectionTime: time } },
      notes: [
        `interval ${seconds} is in seconds (a bare number in Switchyard means milliseconds): a host out after a failed connect is tried again after "${time}", written as health.passive ejecting a backend at its first failure for ${time}; it returns after that time without a check first`,
      ],
    };
  }
  const notes: string[] = [];
  const active: Record<string, unknown> = { type: 'http' };
  if (timer.intervalSeconds !== undefined) active.interval = secondsToDuration(timer.intervalSeconds);
  if (timer.timeoutSeconds !== undefined) active.timeout = secondsToDuration(timer.timeoutSeconds);
  active.http = { path: '/health' };
  if (timer.intervalSeconds === undefined && timer.timeoutSeconds === undefined) return { health: undefined, notes };
  const interval = timer.intervalSeconds === undefined ? '' : `health_check_interval ${timer.intervalSeconds}`;
  const timeout = timer.timeoutSeconds === undefined ? '' : `health_check_timeout ${timer.timeoutSeconds}`;
  notes.push(
    `${[interval, timeout].filter((s) => s !== '').join(' and ')} (seconds) become HTTP probes of GET /health (health.active); a backend goes down and comes back after Switchyard's default numbers of failed and good probes (fall, rise), and 200–399 counts as healthy`,
  );
  return { health: { active }, notes };
}
