/**
 * A pool: backends + policy + eligibility. The picker is rebuilt from the eligible backends
 * whenever eligibility changes. A backend whose connect fails is taken out of rotation and
 * re-checked on a timer, faster while every backend of the pool is out.
 */
import type { Clock, TimerHandle } from '../core/clock.js';
import type { Random } from '../core/random.js';
import type { PoolSpec } from '../config/model.js';
import type { Picker } from '../balancing/types.js';
import { createPicker } from '../balancing/registry.js';
import { Backend } from './backend.js';
import type { UpstreamEventSink } from './events.js';
import { hashKey } from '../balancing/source-hash.js';

/** Tries a backend out of band; resolves true when it accepts a connection. */
export type RecheckProbe = (backend: Backend, timeoutMs: number) => Promise<boolean>;

export interface PoolDeps {
  readonly clock: Clock;
  readonly random: Random;
  readonly probe: RecheckProbe;
  readonly onEvent: UpstreamEventSink;
}

export class Pool {
  spec: PoolSpec;
  private backendList: Backend[];
  private readonly byId = new Map<string, Backend>();
  private picker: Picker<Backend>;
  private readonly rechecks = new Map<string, TimerHandle>();
  private allDown = false;
  private closed = false;
  private readonly scratch = new Set<string>();
  private readonly byToken = new Map<string, Backend>();

  constructor(
    spec: PoolSpec,
    private readonly deps: PoolDeps,
    carried?: ReadonlyMap<string, Backend>,
  ) {
    this.spec = spec;
    this.backendList = spec.backends.map((b) => {
      const prev = carried?.get(b.id);
      if (prev) {
        prev.spec = b;
        return prev;
      }
      return new Backend(b);
    });
    for (const b of this.backendList) {
      this.byId.set(b.id, b);
      this.byToken.set(stickyToken(b.id), b);
    }
    this.picker = this.buildPicker();
    this.allDown = this.backendList.length > 0 && this.eligibleCount() === 0;
    for (const b of this.backendList) if (b.health === 'down') this.scheduleRecheck(b);
  }

  get name(): string {
    return this.spec.name;
  }

  get backends(): readonly Backend[] {
    return this.backendList;
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

  /** A connect to `backend` failed: take it out of rotation and re-check it later. */
  reportConnectFailure(backend: Backend, cause: string): void {
    backend.totals.connectFailures++;
    if (backend.health === 'down' || this.closed) return;
    backend.health = 'down';
    backend.downCause = cause;
    this.deps.onEvent({ type: 'backend-down', pool: this.name, backend, cause });
    this.eligibilityChanged();
    this.scheduleRecheck(backend);
  }

  /** Marks a backend up (a re-check succeeded). */
  markUp(backend: Backend, cause: string): void {
    if (backend.health === 'up') return;
    backend.health = 'up';
    backend.downCause = undefined;
    this.cancelRecheck(backend.id);
    this.deps.onEvent({ type: 'backend-up', pool: this.name, backend, cause });
    this.eligibilityChanged();
  }

  /** Rebuilds the picker and updates the all-down state; call after any eligibility change. */
  eligibilityChanged(): void {
    this.picker = this.buildPicker();
    const nowAllDown = this.backendList.length > 0 && this.eligibleCount() === 0;
    if (nowAllDown === this.allDown) return;
    this.allDown = nowAllDown;
    this.deps.onEvent({ type: nowAllDown ? 'pool-empty' : 'pool-recovered', pool: this.name });
    if (nowAllDown) {
      // Re-check everything that is down at the faster pace from now on.
      for (const b of this.backendList) {
        if (b.health === 'down') {
          this.cancelRecheck(b.id);
          this.scheduleRecheck(b);
        }
      }
    }
  }

  /** Stops every timer. Backends keep their state (a reload may carry them over). */
  close(): void {
    this.closed = true;
    for (const t of this.rechecks.values()) t.cancel();
    this.rechecks.clear();
  }

  private buildPicker(): Picker<Backend> {
    const eligible: Backend[] = [];
    for (const b of this.backendList) if (b.eligible) eligible.push(b);
    return createPicker(this.spec.policy, eligible, { random: this.deps.random });
  }

  private cancelRecheck(id: string): void {
    const t = this.rechecks.get(id);
    if (t) {
      t.cancel();
      this.rechecks.delete(id);
    }
  }

  private scheduleRecheck(backend: Backend): void {
    if (this.closed || this.rechecks.has(backend.id)) return;
    const delay = this.allDown ? this.spec.recheckAllDownIntervalMs : this.spec.recheckIntervalMs;
    const timer = this.deps.clock.setTimeout(() => {
      this.rechecks.delete(backend.id);
      void this.recheck(backend);
    }, delay);
    this.rechecks.set(backend.id, timer);
  }

  private async recheck(backend: Backend): Promise<void> {
    if (this.closed || backend.health === 'up' || this.byId.get(backend.id) !== backend) return;
    let ok: boolean;
    try {
      ok = await this.deps.probe(backend, this.spec.connectTimeoutMs);
    } catch {
      ok = false;
    }
    if (this.closed || this.byId.get(backend.id) !== backend) return;
    if (ok) this.markUp(backend, 're-check connect succeeded');
    else this.scheduleRecheck(backend);
  }
}

/**
 * The stickiness token of a backend: a hash of its stable id, so a cookie names the backend
 * without showing its address, and stays the same across restarts and processes.
 */
export function stickyToken(backendId: string): string {
  return hashKey(backendId).toString(16).padStart(8, '0');
}
