/**
 * Outlier detection for one pool, after Envoy's: real traffic reports an outcome per connection
 * or request, and a backend with too many failures in a row is ejected (taken out of rotation)
 * for a while, without waiting for an active probe to notice.
 *
 * - Two runs are counted per backend: local failures (connect failures, resets, timeouts) and
 *   HTTP 5xx responses. 'success' resets both. A '5xx' resets the local run (the connection
 *   worked); a 'local-failure' leaves the 5xx run as it is (it says nothing about HTTP).
 * - The n-th ejection in a row lasts n × base, capped at max. The multiplier decays: every full
 *   `baseEjectionMs` a backend spends back in rotation takes 1 off it (down to 0). It is computed
 *   lazily from the time the backend returned, so nothing here reads a clock. The multiplier
 *   never grows past the first value whose duration reaches max (more would only slow the
 *   decay without lengthening any ejection).
 * - At most `maxEjectedPercent` of the pool's backends are ejected at once, but one backend may
 *   always be ejected when the percentage is above 0. An ejection refused by this limit leaves
 *   the run at or over its threshold, so the next failure of that backend ejects it as soon as
 *   there is room; a success still resets it.
 * - Counters reset when a backend is ejected. Outcomes that arrive while it is ejected (requests
 *   still in flight) only update the counters.
 * - An ejection ends when `expire(now)` sees its time has passed; until then the backend counts
 *   as ejected even if `until` is behind `now`. Decay counts from `until`, not from the call.
 * - Outcomes for ids that are not members (a backend removed by a reload, a late reply) are
 *   ignored.
 */

export interface OutlierOptions {
  /** Connect failures / resets / timeouts in a row that eject; 0 disables. */
  readonly consecutiveLocalFailures: number;
  /** HTTP 5xx in a row that eject; 0 disables. */
  readonly consecutive5xx: number;
  /** The first ejection lasts this; the n-th lasts n × base ... */
  readonly baseEjectionMs: number;
  /** ... capped here. */
  readonly maxEjectionMs: number;
  /**
   * 0–100: at most this share of the pool's backends ejected at once; but at least one backend
   * may always be ejected when percent > 0. 0 disables ejection.
   */
  readonly maxEjectedPercent: number;
}

/** 'success': a connect that succeeded (TCP) or a response < 500 (HTTP). */
export type Outcome = 'success' | 'local-failure' | '5xx';

export interface Ejection {
  readonly id: string;
  /** When the ejection ends (ms, same clock as `now`). */
  readonly until: number;
  readonly durationMs: number;
  /** Ejections of this backend so far, this one included. */
  readonly count: number;
  /** The backend's ejection multiplier for this ejection (duration = min(base × multiplier, max)). */
  readonly multiplier: number;
  /** "5 consecutive local failures (connect, reset or timeout)" or "5 consecutive 5xx responses". */
  readonly cause: string;
}

export interface OutlierView {
  readonly ejected: boolean;
  readonly until: number | undefined;
  /** Ejections so far (total). */
  readonly ejections: number;
  readonly consecutiveLocalFailures: number;
  readonly consecutive5xx: number;
}

interface MemberState {
  local: number;
  http5xx: number;
  ejections: number;
  /** The multiplier as of `returnedAt` (or of the current ejection while ejected). */
  multiplier: number;
  /** End of the current ejection; undefined when in rotation. */
  until: number | undefined;
  /** When the last ejection ended (decay counts from here); undefined before the first one. */
  returnedAt: number | undefined;
}

export class OutlierDetector {
  private options: OutlierOptions;
  private members = new Map<string, MemberState>();
  private ejected = 0;

  constructor(options: OutlierOptions) {
    this.options = options;
  }

  /** The backend ids of the pool (call again when the pool changes; state of ids that remain is kept, others dropped). */
  setMembers(ids: readonly string[]): void {
    const next = new Map<string, MemberState>();
    for (const id of ids) {
      if (next.has(id)) continue;
      next.set(id, this.members.get(id) ?? freshState());
    }
    this.members = next;
    this.ejected = 0;
    for (const s of next.values()) if (s.until !== undefined) this.ejected++;
  }

  /** Replace options (reload) keeping state. Current ejections keep their end time. */
  setOptions(options: OutlierOptions): void {
    this.options = options;
  }

  /**
   * Records one outcome; returns an Ejection when this outcome ejects the backend now (and the
   * share limit allows), else undefined. Outcomes for an already-ejected backend only update counters.
   */
  record(id: string, outcome: Outcome, now: number): Ejection | undefined {
    const s = this.members.get(id);
    if (s === undefined) return undefined;
    if (outcome === 'success') {
      s.local = 0;
      s.http5xx = 0;
      return undefined;
    }
    if (outcome === '5xx') {
      s.local = 0;
      s.http5xx++;
    } else {
      s.local++;
    }
    if (s.until !== undefined) return undefined;
    const cause = this.dueCause(s, outcome);
    if (cause === undefined || !this.roomForOneMore()) return undefined;
    return this.eject(id, s, now, cause);
  }

  /** Ends every ejection whose time has passed; returns the ids that returned, in member order. */
  expire(now: number): string[] {
    const back: string[] = [];
    if (this.ejected === 0) return back;
    for (const [id, s] of this.members) {
      if (s.until === undefined || s.until > now) continue;
      s.returnedAt = s.until;
      s.until = undefined;
      this.ejected--;
      back.push(id);
    }
    return back;
  }

  isEjected(id: string): boolean {
    return this.members.get(id)?.until !== undefined;
  }

  /** When the earliest ejection ends (to arm one timer), or undefined. */
  nextExpiry(): number | undefined {
    let earliest: number | undefined;
    if (this.ejected === 0) return earliest;
    for (const s of this.members.values()) {
      if (s.until !== undefined && (earliest === undefined || s.until < earliest)) earliest = s.until;
    }
    return earliest;
  }

  ejectedCount(): number {
    return this.ejected;
  }

  /** The most backends that may be ejected at once with the current members and options. */
  maxEjected(): number {
    const percent = this.options.maxEjectedPercent;
    if (!(percent > 0)) return 0;
    const n = this.members.size;
    return Math.min(n, Math.max(1, Math.floor((n * Math.min(percent, 100)) / 100 + 1e-9)));
  }

  /** Snapshot for status/metrics, or undefined for an id that is not a member. */
  view(id: string): OutlierView | undefined {
    const s = this.members.get(id);
    if (s === undefined) return undefined;
    return {
      ejected: s.until !== undefined,
      until: s.until,
      ejections: s.ejections,
      consecutiveLocalFailures: s.local,
      consecutive5xx: s.http5xx,
    };
  }

  /** The ejection multiplier of `id` at `now` after decay (0 for a backend never ejected). */
  multiplier(id: string, now: number): number {
    const s = this.members.get(id);
    return s === undefined ? 0 : this.decayed(s, now);
  }

  private roomForOneMore(): boolean {
    return this.ejected < this.maxEjected();
  }

  /** The cause when a run has reached its threshold (the outcome's own kind first), else undefined. */
  private dueCause(s: MemberState, outcome: Outcome): string | undefined {
    const localDue = reached(s.local, this.options.consecutiveLocalFailures);
    const http5xxDue = reached(s.http5xx, this.options.consecutive5xx);
    const localCause = `${s.local} consecutive local failures (connect, reset or timeout)`;
    const http5xxCause = `${s.http5xx} consecutive 5xx responses`;
    if (outcome === '5xx' && http5xxDue) return http5xxCause;
    if (localDue) return localCause;
    return http5xxDue ? http5xxCause : undefined;
  }

  private eject(id: string, s: MemberState, now: number, cause: string): Ejection {
    const { baseEjectionMs: base, maxEjectionMs: max } = this.options;
    const multiplier = Math.min(this.decayed(s, now) + 1, this.multiplierCap());
    const durationMs = Math.max(0, Math.min(base * multiplier, max));
    s.multiplier = multiplier;
    s.ejections++;
    s.local = 0;
    s.http5xx = 0;
    s.until = now + durationMs;
    s.returnedAt = undefined;
    this.ejected++;
    return Object.freeze({ id, until: s.until, durationMs, count: s.ejections, multiplier, cause });
  }

  /** The multiplier after the decay earned since the backend returned. */
  private decayed(s: MemberState, now: number): number {
    if (s.until !== undefined || s.returnedAt === undefined) return s.multiplier;
    const base = this.options.baseEjectionMs;
    if (!(base > 0)) return 0;
    const periods = Math.floor(Math.max(0, now - s.returnedAt) / base);
    return Math.max(0, s.multiplier - periods);
  }

  /** The first multiplier whose duration reaches max; growing past it changes no duration. */
  private multiplierCap(): number {
    const { baseEjectionMs: base, maxEjectionMs: max } = this.options;
    if (!(base > 0) || !(max > base)) return 1;
    return Math.ceil(max / base);
  }
}

function freshState(): MemberState {
  return { local: 0, http5xx: 0, ejections: 0, multiplier: 0, until: undefined, returnedAt: undefined };
}

function reached(count: number, threshold: number): boolean {
  return threshold > 0 && count >= threshold;
}
