/**
 * Runs a load test: -c connections driven in the closed model (each connection sends its next
 * request as soon as the last one ends) or, with a rate, in the open model (requests fall due on
 * a fixed timetable and wait for a free connection; latency counts from the due time, so it
 * also holds the load generator's own lateness, timers firing at a 1 ms granularity). The run
 * stops issuing at the request count, the duration or `stop()`, lets the requests in flight end
 * (each bounded by the timeout), closes every socket and resolves with the result.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { SwitchyardError } from '../core/errors.js';
import type { ErrorKind } from './error-kinds.js';
import { ClientConnection, type ConnectionSink } from './connection.js';
import { RateSchedule } from './rate-schedule.js';
import { serializeRequest } from './request.js';
import { ResultCollector, type LoadtestResult } from './results.js';
import type { LoadtestSettings } from './settings.js';

export interface LoadtestProgress {
  /** Requests ended (response or error). */
  readonly done: number;
  readonly errors: number;
  readonly elapsedMs: number;
}

export interface LoadtestRun {
  /** Resolves when the run has ended and every socket is closed. */
  readonly done: Promise<LoadtestResult>;
  progress(): LoadtestProgress;
  /** Stops issuing requests; those in flight may still end. Called again, drops them and ends the run at once. */
  stop(): void;
}

/** Resolves the host once, then starts the run. Throws SY_CLI_USAGE when the host does not resolve. */
export async function startLoadtest(settings: LoadtestSettings): Promise<LoadtestRun> {
  let address = settings.host;
  if (isIP(address) === 0) {
    try {
      address = (await lookup(settings.host)).address;
    } catch (err) {
      const code = (err as { code?: string }).code ?? String(err);
      throw new SwitchyardError('SY_CLI_USAGE', `loadtest: cannot resolve host "${settings.host}" (${code})`, { cause: err });
    }
  }
  return new Runner(settings, address);
}

class Runner implements ConnectionSink, LoadtestRun {
  readonly done: Promise<LoadtestResult>;
  private resolve: (r: LoadtestResult) => void = () => {};
  private readonly collector = new ResultCollector();
  private readonly conns: ClientConnection[] = [];
  private readonly idle: ClientConnection[] = [];
  private readonly startedAt = new Date();
  private readonly start = performance.now();
  private readonly maxRequests: number;
  private readonly endMs: number;
  private readonly schedule: RateSchedule | undefined;
  private readonly total: number;
  private issued = 0;
  private inFlight = 0;
  private unsent = 0;
  private stopping = false;
  private finished = false;
  private tickTimer: NodeJS.Timeout | undefined = undefined;
  private readonly sweepTimer: NodeJS.Timeout;

  constructor(
    private readonly settings: LoadtestSettings,
    address: string,
  ) {
    this.done = new Promise((resolve) => (this.resolve = resolve));
    this.maxRequests = settings.requests ?? Infinity;
    this.endMs = settings.durationMs === undefined ? Infinity : this.start + settings.durationMs;
    this.schedule = settings.rate === undefined ? undefined : new RateSchedule(settings.rate, this.start, this.maxRequests, this.endMs);
    this.total = this.schedule?.total() ?? this.maxRequests;
    const target = {
      host: address,
      port: settings.port,
      method: settings.method,
      request: serializeRequest(settings),
      keepAlive: settings.keepAlive,
      backendHeader: settings.backendHeader,
    };
    for (let i = 0; i < settings.connections; i++) this.conns.push(new ClientConnection(target, this));
    // The sweep enforces the per-request timeout; it also keeps the process alive while the
    // open model waits for the next due time with no socket open.
    const sweepMs = Math.min(250, Math.max(5, Math.floor(settings.timeoutMs / 10)));
    this.sweepTimer = setInterval(() => this.sweep(), sweepMs);
    if (this.schedule === undefined) {
      const now = performance.now();
      for (const c of this.conns) this.next(c, now);
    } else {
      this.idle.push(...this.conns);
      this.tick();
    }
    this.maybeFinish(performance.now());
  }

  progress(): LoadtestProgress {
    return { done: this.collector.done, errors: this.collector.failures, elapsedMs: performance.now() - this.start };
  }

  stop(): void {
    if (this.stopping) {
      // Asked again: do not wait for the requests in flight.
      for (const c of this.conns) {
        if (!c.inFlight) continue;
        c.close();
        this.inFlight--;
      }
    } else {
      this.stopping = true;
      this.noteUnsent(performance.now());
    }
    this.maybeFinish(performance.now());
  }

  response(conn: ClientConnection, status: number, backend: string | undefined, origin: number): void {
    const now = performance.now();
    this.inFlight--;
    this.collector.response(status, backend, (now - origin) * 1000);
    this.next(conn, now);
  }

  failure(conn: ClientConnection, kind: ErrorKind, code: string | undefined): void {
    const now = performance.now();
    this.inFlight--;
    this.collector.failure(kind, code);
    this.next(conn, now);
  }

  /** What a connection does once free: the next request, wait for one (open model), or close. */
  private next(conn: ClientConnection, now: number): void {
    if (this.finished) {
      conn.close();
      return;
    }
    const s = this.schedule;
    if (s === undefined) {
      if (!this.stopping && this.issued < this.maxRequests && now < this.endMs) {
        this.issued++;
        this.inFlight++;
        conn.send(now, now);
        return;
      }
      conn.close();
    } else if (!this.stopping && now < this.endMs && this.issued < s.dueBy(now)) {
      this.inFlight++;
      conn.send(s.dueAt(this.issued++), now);
      return;
    } else {
      this.idle.push(conn);
      if (this.tickTimer === undefined) this.armTick(now);
    }
    this.maybeFinish(now);
  }

  /** Open model: sends what has fallen due on idle connections and waits for the next due time. */
  private tick(): void {
    this.tickTimer = undefined;
    const s = this.schedule;
    if (s === undefined || this.stopping || this.finished) return;
    const now = performance.now();
    if (now >= this.endMs) {
      this.maybeFinish(now);
      return;
    }
    const due = s.dueBy(now);
    while (this.issued < due && this.idle.length > 0) {
      const conn = this.idle.pop()!;
      this.inFlight++;
      conn.send(s.dueAt(this.issued++), now);
    }
    // Backlogged (every connection busy): a connection that frees up sends at once, and arms
    // the timer again when it finds nothing due.
    if (this.issued >= due) this.armTick(now);
    this.maybeFinish(now);
  }

  /** Wakes the open model at the next due time (not past the end: the sweep ends the run). */
  private armTick(now: number): void {
    const s = this.schedule;
    if (s === undefined || this.issued >= this.total || this.stopping || this.finished) return;
    const wake = s.dueAt(this.issued);
    if (wake >= this.endMs) return;
    this.tickTimer = setTimeout(() => this.tick(), Math.max(0, wake - now));
  }

  private noteUnsent(now: number): void {
    if (this.schedule === undefined) return;
    const due = Math.min(this.schedule.dueBy(Math.min(now, this.endMs - 1e-6)), this.total);
    this.unsent = Math.max(0, due - this.issued);
  }

  private sweep(): void {
    const now = performance.now();
    const limit = this.settings.timeoutMs;
    for (const c of this.conns) if (c.inFlight && now - c.sentAt >= limit) c.abort('timeout');
    if (now >= this.endMs) this.maybeFinish(now);
  }

  private maybeFinish(now: number): void {
    if (this.finished || this.inFlight > 0) return;
    const noMore = this.stopping || this.issued >= this.total || now >= this.endMs;
    if (!noMore) return;
    this.finished = true;
    if (!this.stopping) this.noteUnsent(now);
    const elapsedMs = now - this.start;
    if (this.tickTimer !== undefined) clearTimeout(this.tickTimer);
    clearInterval(this.sweepTimer);
    let bytesRead = 0;
    let bytesWritten = 0;
    let connectionsOpened = 0;
    for (const c of this.conns) {
      c.close();
      bytesRead += c.bytesRead;
      bytesWritten += c.bytesWritten;
      connectionsOpened += c.socketsOpened;
    }
    const result = this.collector.result(this.settings, { startedAt: this.startedAt, elapsedMs, bytesRead, bytesWritten, connectionsOpened, unsent: this.unsent });
    this.collector.destroy();
    this.resolve(result);
  }
}
