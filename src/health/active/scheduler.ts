/**
 * Runs one probe stream per backend: probe, wait, probe again. A probe starts only after the
 * previous one ended, so a hanging backend cannot pile up probes (each probe is bounded by its
 * own timeout, and `stop` aborts one in flight). Waits are jittered so probes of many backends
 * spread out. The waits themselves come from the owner (`delayFor`), which knows the states.
 */
import type { Clock, TimerHandle } from '../../core/clock.js';
import type { Random } from '../../core/random.js';
import type { ProbeResult } from './probe.js';

export type ProbeRun = (signal: AbortSignal) => Promise<ProbeResult>;

export interface ProbeSchedulerDeps {
  readonly clock: Clock;
  readonly random: Random;
  /** The wait before the next probe of `id`, before jitter. */
  readonly delayFor: (id: string) => number;
  /** Jitter of `id`'s waits, 0–50 percent. */
  readonly jitterFor: (id: string) => number;
  /** Called with each finished probe (never after `stop(id)` or `close()`). */
  readonly onResult: (id: string, result: ProbeResult) => void;
}

interface Stream {
  readonly run: ProbeRun;
  timer: TimerHandle | undefined;
  inFlight: AbortController | undefined;
  /** Probe again as soon as the one in flight ends. */
  again: boolean;
}

export class ProbeScheduler {
  private readonly streams = new Map<string, Stream>();
  private closed = false;

  constructor(private readonly deps: ProbeSchedulerDeps) {}

  /** Starts probing `id`; the first probe runs after `firstDelayMs`. A running stream is kept. */
  start(id: string, run: ProbeRun, firstDelayMs: number): void {
    if (this.closed || this.streams.has(id)) return;
    const stream: Stream = { run, timer: undefined, inFlight: undefined, again: false };
    this.streams.set(id, stream);
    this.wait(id, stream, firstDelayMs);
  }

  has(id: string): boolean {
    return this.streams.has(id);
  }

  /** Stops probing `id`, aborting a probe in flight; its result is dropped. */
  stop(id: string): void {
    const s = this.streams.get(id);
    if (!s) return;
    this.streams.delete(id);
    s.timer?.cancel();
    s.inFlight?.abort();
  }

  /** Probes `id` now (or right after the probe in flight). */
  probeNow(id: string): void {
    const s = this.streams.get(id);
    if (!s) return;
    if (s.inFlight) {
      s.again = true;
      return;
    }
    s.timer?.cancel();
    s.timer = undefined;
    void this.probe(id, s);
  }

  /** Re-arms the wait of `id` from now with its current delay (its state changed the pace). */
  repace(id: string): void {
    const s = this.streams.get(id);
    if (!s || s.inFlight || !s.timer) return;
    s.timer.cancel();
    this.wait(id, s, this.jittered(id));
  }

  close(): void {
    this.closed = true;
    for (const id of [...this.streams.keys()]) this.stop(id);
  }

  private jittered(id: string): number {
    const base = this.deps.delayFor(id);
    const jitter = Math.min(50, Math.max(0, this.deps.jitterFor(id))) / 100;
    return Math.max(1, Math.round(base * (1 + jitter * (2 * this.deps.random.next() - 1))));
  }

  private wait(id: string, s: Stream, ms: number): void {
    s.timer = this.deps.clock.setTimeout(() => {
      s.timer = undefined;
      void this.probe(id, s);
    }, ms);
  }

  private async probe(id: string, s: Stream): Promise<void> {
    const ac = new AbortController();
    s.inFlight = ac;
    let result: ProbeResult;
    try {
      result = await s.run(ac.signal);
    } catch (err) {
      result = { ok: false, latencyMs: 0, cause: `probe error: ${err instanceof Error ? err.message : String(err)}` };
    }
    s.inFlight = undefined;
    if (this.streams.get(id) !== s) return;
    this.deps.onResult(id, result);
    if (this.streams.get(id) !== s) return;
    if (s.again) {
      s.again = false;
      void this.probe(id, s);
      return;
    }
    this.wait(id, s, this.jittered(id));
  }
}
