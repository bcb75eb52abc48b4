/**
 * Slow start (HAProxy `slowstart`, Envoy `slow_start_config`): a backend that has just become
 * eligible (came up, returned from ejection, left maintenance) gets a weight that ramps linearly
 * from `minShare` of its configured weight to the full weight over a window, so a cold backend
 * (empty caches, JIT not warmed up, connection pools empty) is not handed its full share at once.
 *
 * The result is a float, not an integer. The weighted policies accept that as it is: smooth
 * weighted round robin and weighted least-conn add and cross-multiply weights as doubles, power
 * of two draws in proportion to them, and source hash gives `round(weight × points)` ring points
 * (at least one). So the pool can hand `slowStartWeight(...)` to the picker as the candidate's
 * weight without scaling. Round robin, least-conn and random ignore weights, so slow start has
 * no effect under them. Source hash reads weights only when its ring is built: the pool must
 * rebuild that picker to let a ramp move keys.
 */

/** Default share of the full weight a backend starts its ramp with (Envoy's min_weight_percent 10). */
export const DEFAULT_MIN_SHARE = 0.1;

/**
 * The smallest share of its full weight a ramping backend gets, whatever `minShare` says: with
 * minShare 0 it still receives a trickle of traffic, and a positive weight never becomes 0
 * (which would make the backend look disabled).
 */
export const FLOOR_SHARE = 0.001;

/**
 * The effective weight of a backend that became eligible at `since`, `now - since` ms ago, over a
 * window `windowMs` (0 = off → full weight). Ramps linearly from `minShare` × weight (default 0.1)
 * to the full weight; never below a tiny positive value when weight > 0 (so a ramping backend
 * still gets some traffic); returns the full weight once the window has passed. A weight of 0
 * (or below) gives 0. `now` before `since` counts as the start of the window.
 */
export function slowStartWeight(
  weight: number,
  since: number,
  now: number,
  windowMs: number,
  minShare: number = DEFAULT_MIN_SHARE,
): number {
  if (!(weight > 0)) return 0;
  if (!inSlowStart(since, now, windowMs)) return weight;
  const start = clampShare(minShare);
  const progress = Math.max(0, now - since) / windowMs;
  const share = start + (1 - start) * progress;
  return Math.max(weight * share, weight * FLOOR_SHARE, Number.MIN_VALUE);
}

/**
 * True while `now` is inside the window (the pool re-computes weights on a tick until it returns
 * false). Always false when the window is off (0, negative or not finite).
 */
export function inSlowStart(since: number, now: number, windowMs: number): boolean {
  if (!(windowMs > 0) || !Number.isFinite(windowMs)) return false;
  return now - since < windowMs;
}

/** `minShare` limited to [0, 1]; not a number → the default. */
function clampShare(x: number): number {
  if (Number.isNaN(x)) return DEFAULT_MIN_SHARE;
  return Math.min(1, Math.max(0, x));
}
