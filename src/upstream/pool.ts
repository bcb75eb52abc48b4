/**
 * A pool: backends + policy + health. It keeps the picker built from the eligible backends
 * (rebuilt and swapped whenever eligibility or a slow-start weight changes), runs the active
 * probes of its backends, feeds traffic outcomes to its outlier detector, applies admin states,
 * and falls back to panic mode when too few backends are eligible.
 */
import type { Clock, TimerHandle } from '../core/clock.js';
import type { Random } from '../core/random.js';
import type { AdminState, PoolSpec } from '../config/model.js';
import type { Picker } from '../balancing/types.js';
import { createPicker } from '../balancing/registry.js';
import { hashKey } from '../balancing/source-hash.js';
import { Backend, type Health } from './backend.js';
import type { UpstreamEventSink } from './events.js';
import { applyProbe, initialHealth, transitionCause } from '../health/state.js';
import { OutlierDetector, type Outcome } from '../health/passive/outlier-detector.js';
import { inSlowStart, slowStartWeight } from '../health/slow-start.js';
import { ProbeScheduler, type ProbeRun } from '../health/active/scheduler.js';
import type { ProbeResult } from '../health/active/probe.js';

/** Runs one active probe of a backend (as its spec.probe says). */
export type BackendProbe = (backend: Backend, signal: AbortSignal) => Promise<ProbeResult>;

export interface PoolDeps {
  readonly clock: Clock;
  readonly random: Random;
  readonly probe: BackendProbe;
  readonly onEvent: UpstreamEventSink;
  /** `remote`: no active probes run here; health comes from `setRemoteHealth` (a cluster worker, whose primary probes). Default `local`. */
  readonly probes?: 'local' | 'remote';
}

/** How often slow-start weights are recomputed: 20 steps over the window, at most 10 a second. */
const SLOW_START_STEPS = 20;
const SLOW_START_MIN_TICK_MS = 100;

export class Pool {
  spec: PoolSpec;
  private backendList: Backend[];
  private readonly byId = new Map<string, Backend>();
  private readonly byToken = new Map<string, Backend>();
  private picker: Picker<Backend>;
  private readonly detector: OutlierDetector;
  private readonly probes: ProbeScheduler;
  private expiryTimer: TimerHandle | undefined;
  private expiryAt = 0;
  private rampTimer: TimerHandle | undefined;
  private readonly wasEligible = new Set<string>();
  private allDown = false;
  private panicking = false;
  private probing = false;
  private closed = false;
  private readonly scratch = new Set<string>();

  /**
   * `previous` is the pool this one replaces (a config change): its backends are carried over by
   * id with their live state (connections, health, ejection, admin state), as is its outlier
   * detector; it is closed. A backend whose configured admin state changed takes the new one.
   */
  constructor(
    spec: PoolSpec,
    private readonly deps: PoolDeps,
    previous?: Pool,
  ) {
    this.spec = spec;
    const changedState: Backend[] = [];
    this.backendList = spec.backends.map((b) => {
      const prev = previous?.byId.get(b.id);
      if (!prev) return new Backend(b);
      if (prev.spec.initialAdminState !== b.initialAdminState) changedState.push(prev);
      if (prev.spec.probe !== undefined && b.probe === undefined) prev.healthCounter = initialHealth('up');
      prev.spec = b;
      prev.effectiveWeight = b.weight;
      prev.rampSince = undefined;
      return prev;
    });
    for (const b of this.backendList) {
      this.byId.set(b.id, b);
      this.byToken.set(stickyToken(b.id), b);
      if (b.eligible) this.wasEligible.add(b.id);
    }
    if (previous) {
      previous.close();
      this.detector = previous.detector;
      this.detector.setOptions(spec.passive);
    } else {
      this.detector = new OutlierDetector(spec.passive);
    }
    this.detector.setMembers(this.backendList.map((b) => b.id));
    this.probes = new ProbeScheduler({
      clock: deps.clock,
      random: deps.random,
      delayFor: (id) => this.probeDelay(id),
      jitterFor: (id) => this.byId.get(id)?.spec.probe?.jitterPercent ?? 0,
      onResult: (id, r) => this.onProbe(id, r),
    });
    this.picker = this.buildPicker();
    this.allDown = this.backendList.length > 0 && this.eligibleCount() === 0;
    this.armExpiry();
    for (const b of changedState) this.setAdminState(b, b.spec.initialAdminState, 'config change');
  }

  get name(): string {
    return this.spec.name;
  }

  get backends(): readonly Backend[] {
    return this.backendList;
  }

  /** True while too few backends are eligible and traffic goes to every ready backend. */
  get inPanic(): boolean {
    return this.panicking;
  }

  backend(id: string): Backend | undefined {
    return this.byId.get(id);
  }

  /** The backend a stickiness token names, if it exists and may take a request now. */
  stickyBackend(token: string): Backend | undefined {
    const b = this.byToken.get(token);
    return b !== undefined && b.eligible && !b.full ? b : undefined;
  }

  eligibleCount(): number {
    let n = 0;
    for (const b of this.backendList) if (b.eligible) n++;
    return n;
  }

  /** Starts the active probes (after host names are resolved). First probes are spread over one interval. */
  startProbes(): void {
    if (this.closed || this.probing || this.deps.probes === 'remote') return;
    this.probing = true;
    for (const b of this.backendList) this.startProbe(b, true);
  }

  /**
   * Picks an eligible backend not in `exclude` and not at its connection limit.
   * `exclude` is read only; backends found full are skipped without changing it.
   */
  pick(key: string | undefined, exclude: ReadonlySet<string> | undefined): Backend | undefined {
    let skip: ReadonlySet<string> | undefined = exclude;
    for (let i = 0; i <= this.backendList.length; i++) {
      const b = this.picker.pick({ key, exclude: skip });
      if (!b || !b.full) return b;
      // At its limit: try again without it. The scratch set is reused to avoid allocating per pick.
      if (skip !== this.scratch) {
        this.scratch.clear();
        if (exclude) for (const id of exclude) this.scratch.add(id);
        skip = this.scratch;
      }
      this.scratch.add(b.id);
    }
    return undefined;
  }

  /** A connect to `backend` failed (refused, reset, timed out): counted, and fed to passive health. */
  reportConnectFailure(backend: Backend, cause: string): void {
    backend.totals.connectFailures++;
    this.reportOutcome(backend, 'local-failure', cause);
  }

  /**
   * What real traffic showed of `backend`: a connect or response that went well, a local failure
   * (connect failure, reset before an answer, response timeout) or a 5xx response. Cheap when
   * the backend has no failure streak: a success then changes nothing.
   */
  reportOutcome(backend: Backend, outcome: Outcome, cause?: string): void {
    if (outcome === 'success' && !backend.failureStreak) return;
    if (this.closed || this.byId.get(backend.id) !== backend) return;
    const now = this.deps.clock.now();
    const ejection = this.detector.record(backend.id, outcome, now);
    const view = this.detector.view(backend.id);
    backend.failureStreak = view !== undefined && (view.consecutiveLocalFailures > 0 || view.consecutive5xx > 0);
    if (ejection === undefined) return;
    backend.ejected = true;
    backend.ejectedUntil = ejection.until;
    backend.downCause = cause === undefined ? ejection.cause : `${ejection.cause}, last: ${cause}`;
    backend.transitions.ejected++;
    this.deps.onEvent({ type: 'backend-ejected', pool: this.name, backend, cause: backend.downCause, durationMs: ejection.durationMs, count: ejection.count });
    this.armExpiry();
    this.eligibilityChanged();
  }

  /** Sets the admin state of a backend; returns the previous one. `maint` stops its probes. */
  setAdminState(backend: Backend, to: AdminState, cause: string): AdminState {
    const from = backend.adminState;
    if (from === to || this.byId.get(backend.id) !== backend) return from;
    backend.adminState = to;
    backend.transitions[to]++;
    if (to === 'maint') {
      this.probes.stop(backend.id);
    } else if (from === 'maint') {
      // Back from maintenance: health starts over as the probe settings say, probed at once.
      if (backend.spec.probe) {
        backend.healthCounter = initialHealth(backend.spec.probe.initialState);
        this.startProbe(backend, false);
      }
    }
    this.deps.onEvent({ type: 'backend-admin', pool: this.name, backend, from, to, cause });
    this.eligibilityChanged();
    return from;
  }

  /**
   * Applies health decided by another process's probes (a cluster primary) as a probe transition
   * would: counted and eligibility updated. It is not reported as an event: the process that
   * probes reports it. Returns false when the backend is unknown or already in that state.
   */
  setRemoteHealth(id: string, status: Health, cause: string): boolean {
    const b = this.byId.get(id);
    if (!b || this.closed || b.health === status) return false;
    b.healthCounter = initialHealth(status);
    if (status === 'down') {
      b.downCause = cause;
      b.transitions.down++;
    } else {
      if (!b.ejected) b.downCause = undefined;
      b.transitions.up++;
    }
    this.eligibilityChanged();
    return true;
  }

  /** Probes a backend now, outside its schedule; false when it has no active probe running. */
  recheckNow(backend: Backend): boolean {
    if (!this.probes.has(backend.id)) return false;
    this.probes.probeNow(backend.id);
    return true;
  }

  /**
   * Rebuilds the picker and updates the all-down and panic states; call after any eligibility
   * change. Backends that have just become eligible start their slow-start ramp.
   */
  eligibilityChanged(): void {
    const now = this.deps.clock.now();
    for (const b of this.backendList) {
      if (b.eligible) {
        if (!this.wasEligible.has(b.id)) {
          this.wasEligible.add(b.id);
          if (this.spec.slowStartMs > 0) b.rampSince = now;
        }
      } else {
        this.wasEligible.delete(b.id);
        b.rampSince = undefined;
      }
    }
    this.updateWeights(now);
    this.picker = this.buildPicker();
    const nowAllDown = this.backendList.length > 0 && this.eligibleCount() === 0;
    if (nowAllDown !== this.allDown) {
      this.allDown = nowAllDown;
      this.deps.onEvent({ type: nowAllDown ? 'pool-empty' : 'pool-recovered', pool: this.name });
      // Probes of down backends change pace (faster while all are down).
      for (const b of this.backendList) this.probes.repace(b.id);
    }
  }

  /** Stops every timer and probe. Backends keep their state (a reload may carry them over). */
  close(): void {
    this.closed = true;
    this.probes.close();
    this.expiryTimer?.cancel();
    this.expiryTimer = undefined;
    this.rampTimer?.cancel();
    this.rampTimer = undefined;
  }

  private startProbe(b: Backend, spread: boolean): void {
    const p = b.spec.probe;
    if (!p || !this.probing || b.adminState === 'maint') return;
    const run: ProbeRun = (signal) => this.deps.probe(b, signal);
    const first = spread ? Math.floor(this.deps.random.next() * this.probeDelay(b.id)) : 0;
    this.probes.start(b.id, run, first);
  }

  private probeDelay(id: string): number {
    const b = this.byId.get(id);
    const p = b?.spec.probe;
    if (!b || !p) return 1000;
    if (b.health === 'up') return p.intervalMs;
    return this.allDown ? p.allDownIntervalMs : p.downIntervalMs;
  }

  private onProbe(id: string, r: ProbeResult): void {
    const b = this.byId.get(id);
    const p = b?.spec.probe;
    if (!b || !p || this.closed) return;
    const detail = r.ok ? r.detail : r.cause;
    b.lastProbe = { ok: r.ok, detail, latencyMs: r.latencyMs, at: this.deps.clock.now() };
    if (r.ok) b.recordProbeLatency(r.latencyMs);
    const step = applyProbe(b.healthCounter, r.ok, p);
    b.healthCounter = step.counter;
    if (!step.changed) return;
    const cause = transitionCause(step.counter, p, detail);
    if (step.counter.status === 'down') {
      b.downCause = cause;
      b.transitions.down++;
      this.deps.onEvent({ type: 'backend-down', pool: this.name, backend: b, cause });
    } else {
      if (!b.ejected) b.downCause = undefined;
      b.transitions.up++;
      this.deps.onEvent({ type: 'backend-up', pool: this.name, backend: b, cause });
    }
    this.eligibilityChanged();
  }

  /** One timer, at the earliest ejection end. */
  private armExpiry(): void {
    const next = this.detector.nextExpiry();
    if (next === undefined || this.closed) return;
    if (this.expiryTimer && this.expiryAt <= next) return;
    this.expiryTimer?.cancel();
    this.expiryAt = next;
    this.expiryTimer = this.deps.clock.setTimeout(() => this.expire(), Math.max(0, next - this.deps.clock.now()));
  }

  private expire(): void {
    this.expiryTimer = undefined;
    if (this.closed) return;
    const returned = this.detector.expire(this.deps.clock.now());
    for (const id of returned) {
      const b = this.byId.get(id);
      if (!b) continue;
      b.ejected = false;
      b.ejectedUntil = 0;
      if (b.health === 'up') b.downCause = undefined;
      b.transitions.returned++;
      const cause = b.spec.probe && b.health === 'down' ? 'ejection time passed; still down by active probes' : 'ejection time passed';
      this.deps.onEvent({ type: 'backend-returned', pool: this.name, backend: b, cause });
    }
    this.armExpiry();
    if (returned.length > 0) this.eligibilityChanged();
  }

  /** Applies slow start to every backend's weight; keeps a tick running while any is ramping. */
  private updateWeights(now: number): void {
    const window = this.spec.slowStartMs;
    let ramping = false;
    for (const b of this.backendList) {
      if (b.rampSince !== undefined && inSlowStart(b.rampSince, now, window)) {
        b.effectiveWeight = slowStartWeight(b.spec.weight, b.rampSince, now, window);
        ramping = true;
      } else {
        b.effectiveWeight = b.spec.weight;
        b.rampSince = undefined;
      }
    }
    if (ramping && !this.rampTimer && !this.closed) {
      const tick = Math.max(SLOW_START_MIN_TICK_MS, Math.floor(window / SLOW_START_STEPS));
      this.rampTimer = this.deps.clock.setTimeout(() => {
        this.rampTimer = undefined;
        this.updateWeights(this.deps.clock.now());
        this.picker = this.buildPicker();
      }, tick);
    }
  }

  private buildPicker(): Picker<Backend> {
    const eligible: Backend[] = [];
    for (const b of this.backendList) if (b.eligible) eligible.push(b);
    const panic = this.shouldPanic(eligible.length);
    if (panic !== this.panicking) {
      this.panicking = panic;
      const total = this.backendList.filter((b) => b.spec.weight > 0).length;
      this.deps.onEvent(
        panic
          ? { type: 'pool-panic', pool: this.name, eligible: eligible.length, total, threshold: this.spec.panicThreshold }
          : { type: 'pool-panic-end', pool: this.name, eligible: eligible.length, total },
      );
    }
    const candidates = panic ? this.backendList.filter((b) => b.panicEligible) : eligible;
    return createPicker(this.spec.policy, candidates, { random: this.deps.random });
  }

  private shouldPanic(eligible: number): boolean {
    const threshold = this.spec.panicThreshold;
    if (threshold <= 0) return false;
    let total = 0;
    for (const b of this.backendList) if (b.spec.weight > 0) total++;
    return total > 0 && eligible * 100 < threshold * total;
  }
}

/**
 * The stickiness token of a backend: a hash of its stable id, so a cookie names the backend
 * without showing its address, and stays the same across restarts and processes.
 */
export function stickyToken(backendId: string): string {
  return hashKey(backendId).toString(16).padStart(8, '0');
}
