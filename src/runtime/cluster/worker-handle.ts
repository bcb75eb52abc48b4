/**
 * The primary's side of one worker process: its state, the messages it sent (parsed, never
 * trusted as they come), the waits on it (listening, applying a configuration, exiting), and how
 * to drain it. What to do when it comes online or exits is the primary's (see primary.ts).
 */
import type { Worker } from 'node:cluster';
import { SwitchyardError, ERROR_CODES, type ErrorCode } from '../../core/errors.js';
import type { Logger } from '../../observability/logger.js';
import type { BalancerSnapshot, WorkerSnapshot } from '../balancer.js';
import { PROTOCOL_VERSION, parseWorkerMessage, type PrimaryMessage } from './messages.js';
import { workerFigures } from './aggregate.js';

/** A draining worker still running this long after the drain timeout is killed. */
const DRAIN_GRACE_MS = 5000;

interface Waiter {
  resolve(): void;
  reject(err: Error): void;
}

export interface WorkerEvents {
  readonly log: Logger;
  /** Its message handler is in place: it can be sent its configuration. */
  online(w: WorkerHandle): void;
  exit(w: WorkerHandle, code: number | null, signal: NodeJS.Signals | null): void;
}

export class WorkerHandle {
  readonly id: number;
  readonly pid: number;
  readonly startedAt = Date.now();
  state: WorkerSnapshot['state'] = 'starting';
  /** It said `online`; nothing is sent to it before (it would be lost). */
  online = false;
  /** The last configuration it applied. */
  configSeq = -1;
  /** Its last counters. */
  stats: BalancerSnapshot | undefined;
  readonly exited: Promise<void>;
  private readonly ready: Promise<void>;
  private onReady: Waiter = { resolve: () => {}, reject: () => {} };
  private readonly applies = new Map<number, Waiter>();
  private killTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly worker: Worker,
    private readonly events: WorkerEvents,
  ) {
    this.id = worker.id;
    this.pid = worker.process.pid ?? 0;
    this.ready = new Promise<void>((resolve, reject) => (this.onReady = { resolve, reject }));
    this.ready.catch(() => undefined);
    let exited: () => void = () => {};
    this.exited = new Promise<void>((resolve) => (exited = resolve));
    worker.on('message', (m: unknown) => this.onMessage(m));
    worker.on('error', (err: Error) => events.log.debug({ event: 'worker-ipc-error', worker: this.id, err }, `worker ${this.id}: ${err.message}`));
    worker.once('exit', (code: number | null, signal: NodeJS.Signals | null) => {
      this.onExit(code, signal);
      exited();
    });
  }

  send(m: PrimaryMessage): void {
    if (this.online && this.worker.isConnected()) this.worker.send(m);
  }

  /** Resolves once it listens; rejects if it fails to, exits first, or takes longer than `ms`. */
  whenReady(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new SwitchyardError('SY_NOT_RUNNING', `worker ${this.id} (pid ${this.pid}) did not start listening within ${ms} ms`)), ms);
    });
    return Promise.race([this.ready, timeout]).finally(() => clearTimeout(timer));
  }

  /** Resolves once it applied configuration `seq` (or exited: its replacement starts with the current one). */
  applied(seq: number, ms: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.applies.delete(seq);
        reject(new SwitchyardError('SY_INTERNAL', `worker ${this.id} (pid ${this.pid}) did not apply configuration ${seq} within ${ms} ms`));
      }, ms);
      const settle = (): void => clearTimeout(timer);
      this.applies.set(seq, {
        resolve: () => {
          settle();
          resolve();
        },
        reject: (err) => {
          settle();
          reject(err);
        },
      });
    });
  }

  /** Tells it to stop accepting and finish its connections; killed if still running 5 s after the drain timeout. */
  drain(drainTimeoutMs: number): Promise<void> {
    if (this.state !== 'draining') {
      this.state = 'draining';
      // One that is not online yet cannot take the message: SIGTERM drains it too (or ends it before it serves).
      if (this.online) this.send({ v: PROTOCOL_VERSION, type: 'drain' });
      else this.kill('SIGTERM');
      this.killTimer = setTimeout(() => {
        this.events.log.warn({ event: 'worker-kill', worker: this.id, pid: this.pid }, `worker ${this.id} (pid ${this.pid}) still running ${DRAIN_GRACE_MS} ms after the drain timeout: killed`);
        this.kill('SIGKILL');
      }, drainTimeoutMs + DRAIN_GRACE_MS);
    }
    return this.exited;
  }

  kill(signal: NodeJS.Signals): void {
    this.worker.process.kill(signal);
  }

  snapshot(now: number): WorkerSnapshot {
    const figures = this.stats ? workerFigures(this.stats) : { connections: 0, acceptedConnections: 0, requests: 0 };
    return { id: this.id, pid: this.pid, state: this.state, uptimeMs: now - this.startedAt, ...figures, configSeq: this.configSeq };
  }

  private onMessage(raw: unknown): void {
    const parsed = parseWorkerMessage(raw);
    if (!parsed.ok) {
      this.events.log.warn({ event: 'bad-message', worker: this.id, reason: parsed.reason }, `ignored a message from worker ${this.id}: ${parsed.reason}`);
      return;
    }
    const m = parsed.message;
    switch (m.type) {
      case 'online':
        if (this.online) return;
        this.online = true;
        this.events.online(this);
        return;
      case 'ready':
        if (this.state === 'starting') this.state = 'serving';
        this.onReady.resolve();
        this.settle(m.seq);
        return;
      case 'applied':
        this.settle(m.seq);
        return;
      case 'stats':
        this.stats = m.snapshot;
        return;
      case 'error': {
        const code: ErrorCode = Object.hasOwn(ERROR_CODES, m.code) ? (m.code as ErrorCode) : 'SY_INTERNAL';
        const err = new SwitchyardError(code, `worker ${this.id} (pid ${this.pid}): ${m.message}`);
        this.events.log.error({ event: 'worker-error', worker: this.id, pid: this.pid, seq: m.seq, code: m.code }, err.message);
        if (this.state === 'starting') this.onReady.reject(err);
        if (m.seq !== null) {
          this.applies.get(m.seq)?.reject(err);
          this.applies.delete(m.seq);
        }
        return;
      }
    }
  }

  /** Configurations are applied in order: `seq` applied means every earlier one was too. */
  private settle(seq: number): void {
    this.configSeq = seq;
    for (const [s, w] of this.applies) {
      if (s <= seq) {
        this.applies.delete(s);
        w.resolve();
      }
    }
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    clearTimeout(this.killTimer);
    for (const w of this.applies.values()) w.resolve();
    this.applies.clear();
    const cause = signal !== null ? `signal ${signal}` : `exit code ${code ?? 0}`;
    this.onReady.reject(new SwitchyardError('SY_NOT_RUNNING', `worker ${this.id} (pid ${this.pid}) exited before it listened (${cause})`));
    this.events.exit(this, code, signal);
  }
}
