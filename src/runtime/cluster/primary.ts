/**
 * The cluster primary (`workers` > 1): owns the configuration and the active health probes (one
 * probe stream per backend for the whole process tree, run by a Balancer that binds no listener),
 * forks the workers that serve traffic, sends them configurations and health, sums their
 * counters, replaces a worker that crashes (with backoff), restarts them one by one on request,
 * and drains them all on stop. The ControlPlane drives it exactly as it drives a Balancer.
 *
 * The kernel spreads new connections over the workers (cluster.SCHED_NONE): every worker accepts
 * from the shared listening socket itself. With the default round-robin policy the primary would
 * accept every connection and pass it to a worker over IPC: one process on the accept path of all
 * traffic, an extra hop per connection, and new connections waiting whenever the primary is busy.
 */
import cluster from 'node:cluster';
import { SwitchyardError } from '../../core/errors.js';
import type { RuntimeConfig } from '../../config/model.js';
import type { Logger } from '../../observability/logger.js';
import { Balancer, type BalancerSnapshot } from '../balancer.js';
import { PROTOCOL_VERSION, type PrimaryMessage } from './messages.js';
import { clusterSnapshot, retire } from './aggregate.js';
import { pinListenerPorts } from './ports.js';
import { WorkerHandle } from './worker-handle.js';

export interface ClusterOptions {
  readonly logger: Logger;
  /** Longest wait for a new worker to listen, ms (default 15 s). */
  readonly readyTimeoutMs?: number;
  /** Longest wait for every worker to apply a configuration, ms (default 15 s). */
  readonly applyTimeoutMs?: number;
}

/** A crashed worker is replaced after 100 ms, doubling at each crash up to 10 s; back to 100 ms after a worker ran 30 s. */
const BACKOFF_MIN_MS = 100;
const BACKOFF_MAX_MS = 10_000;
const STABLE_AFTER_MS = 30_000;

export class ClusterBalancer {
  private readonly log: Logger;
  private readonly probeLog: Logger;
  private readonly probe: Balancer;
  private readonly workers = new Map<number, WorkerHandle>();
  private readonly respawns = new Set<NodeJS.Timeout>();
  private state: BalancerSnapshot['state'] = 'new';
  private startedAt = 0;
  private seq = 0;
  private workerConfig: RuntimeConfig;
  private crashes = 0;
  private backoffMs = BACKOFF_MIN_MS;
  private retired: BalancerSnapshot | undefined;
  private stopping: Promise<void> | undefined;
  private restarting: Promise<void> | undefined;
  /** True while `start` waits for the first workers: one that fails then fails the start, and is not replaced. */
  private booting = false;

  constructor(
    config: RuntimeConfig,
    private readonly opts: ClusterOptions,
  ) {
    this.log = opts.logger;
    this.probeLog = opts.logger.child({});
    this.workerConfig = config;
    this.probe = new Balancer(config, {
      logger: this.probeLog,
      listen: false,
      onUpstreamEvent: (e) => {
        if (e.type === 'backend-up' || e.type === 'backend-down') {
          this.sendAll({ v: PROTOCOL_VERSION, type: 'health', backends: [{ id: e.backend.id, status: e.backend.health, cause: e.type === 'backend-down' ? e.cause : '' }] });
        }
      },
    });
  }

  /** The running configuration, as the ControlPlane knows it. */
  get config(): RuntimeConfig {
    return this.probe.config;
  }

  /** Binds-tests the listeners, starts the probes, forks the workers and resolves once all listen. */
  async start(): Promise<void> {
    if (this.state !== 'new') throw new SwitchyardError('SY_ALREADY_RUNNING', `the cluster is ${this.state}`);
    this.state = 'running';
    this.startedAt = Date.now();
    this.booting = true;
    try {
      this.workerConfig = await pinListenerPorts(this.config);
      await this.probe.start();
      cluster.schedulingPolicy = cluster.SCHED_NONE;
      cluster.setupPrimary({ serialization: 'advanced' });
      const first = Array.from({ length: this.config.workers }, () => this.fork());
      await Promise.all(first.map((w) => w.whenReady(this.readyMs)));
      this.log.info({ event: 'workers-ready', workers: first.map((w) => ({ id: w.id, pid: w.pid })) }, `${first.length} workers serving (pids ${first.map((w) => w.pid).join(', ')})`);
    } catch (err) {
      await this.stop({ drainTimeoutMs: 0 });
      throw err;
    } finally {
      this.booting = false;
    }
  }

  /** Every worker's counters summed over the primary's pools (see aggregate.ts); lags the workers by up to a second. */
  snapshot(): BalancerSnapshot {
    const now = Date.now();
    const live = [...this.workers.values()];
    const parts = live.flatMap((w) => (w.stats ? [{ id: w.id, snapshot: w.stats }] : []));
    const workers = live.map((w) => w.snapshot(now));
    const uptimeMs = this.state === 'new' ? 0 : now - this.startedAt;
    return clusterSnapshot(this.probe.snapshot(), parts, this.retired, { state: this.state, uptimeMs, workers, workerCrashes: this.crashes });
  }

  /**
   * Applies a validated configuration: new listener addresses are bind-tested here first, the
   * probes take it, then every worker; resolves once all have applied it. If a worker cannot,
   * the previous configuration is sent again and the error names the worker.
   */
  async reconfigure(next: RuntimeConfig): Promise<void> {
    if (this.state === 'new') return this.probe.reconfigure(next);
    if (this.state !== 'running') throw new SwitchyardError('SY_NOT_RUNNING', `the cluster is ${this.state}; it takes no new configuration`);
    const before = this.probe.config;
    const pinnedBefore = this.workerConfig;
    const pinned = await pinListenerPorts(next, before, pinnedBefore);
    await this.probe.reconfigure(next);
    this.workerConfig = pinned;
    try {
      await this.broadcast();
    } catch (err) {
      this.log.error({ event: 'reconfigure-failed', err }, 'a worker could not apply the configuration; going back to the previous one');
      this.workerConfig = pinnedBefore;
      await this.probe.reconfigure(before).catch(() => undefined);
      await this.broadcast().catch((e: unknown) => this.log.error({ event: 'rollback-failed', err: e }, 'a worker could not go back to the previous configuration'));
      throw err;
    }
    this.scale();
  }

  /** Probes a backend now (the primary runs the probes). */
  recheckBackend(pool: string, backend: string): void {
    this.probe.recheckBackend(pool, backend);
  }

  /**
   * Replaces every worker, one at a time: a new worker starts and listens, then the old one
   * drains (stops accepting, finishes its connections up to timeouts.drain, exits). The listening
   * sockets stay open throughout: node:cluster keeps them while any worker listens.
   */
  restartWorkers(): Promise<void> {
    this.restarting ??= this.rollingRestart().finally(() => {
      this.restarting = undefined;
    });
    return this.restarting;
  }

  /** Drains every worker (up to the drain timeout), then stops the probes. 0 kills the workers at once. */
  stop(opts: { drainTimeoutMs?: number } = {}): Promise<void> {
    this.stopping ??= this.doStop(opts.drainTimeoutMs ?? this.config.drainTimeoutMs);
    return this.stopping;
  }

  private async doStop(drainTimeoutMs: number): Promise<void> {
    this.state = 'stopping';
    for (const t of this.respawns) clearTimeout(t);
    this.respawns.clear();
    const all = [...this.workers.values()];
    if (drainTimeoutMs === 0) {
      for (const w of all) w.kill('SIGKILL');
      await Promise.all(all.map((w) => w.exited));
    } else {
      this.log.info({ event: 'workers-stopping', workers: all.length, drainTimeoutMs }, `draining ${all.length} workers for up to ${drainTimeoutMs} ms`);
      await Promise.all(all.map((w) => w.drain(drainTimeoutMs)));
    }
    this.probeLog.level = 'warn';
    await this.probe.stop({ drainTimeoutMs: 0 });
    this.state = 'stopped';
    this.log.info({ event: 'stopped' }, 'stopped');
  }

  private async rollingRestart(): Promise<void> {
    if (this.state !== 'running') throw new SwitchyardError('SY_NOT_RUNNING', `the cluster is ${this.state}`);
    const old = [...this.workers.values()].filter((r) => r.state !== 'draining');
    this.log.info({ event: 'restart-workers', workers: old.length }, `restarting ${old.length} workers one by one`);
    const drained: Promise<void>[] = [];
    for (const o of old) {
      if (this.state !== 'running') break;
      if (!this.workers.has(o.id)) continue;
      const fresh = this.fork();
      try {
        await fresh.whenReady(this.readyMs);
      } catch (err) {
        fresh.kill('SIGKILL');
        throw new SwitchyardError('SY_NOT_RUNNING', `restart of workers stopped: ${err instanceof Error ? err.message : String(err)}; worker ${o.id} (pid ${o.pid}) keeps serving`, { cause: err });
      }
      this.log.info({ event: 'worker-replaced', worker: fresh.id, pid: fresh.pid, replaced: o.id }, `worker ${fresh.id} (pid ${fresh.pid}) took over from worker ${o.id} (pid ${o.pid}), which drains`);
      drained.push(o.drain(this.config.drainTimeoutMs));
    }
    await Promise.all(drained);
    this.log.info({ event: 'workers-restarted' }, `workers restarted: pids ${[...this.workers.values()].map((r) => r.pid).join(', ')}`);
  }

  private get readyMs(): number {
    return this.opts.readyTimeoutMs ?? 15_000;
  }

  private fork(): WorkerHandle {
    const w = new WorkerHandle(cluster.fork(), {
      log: this.log,
      // The configuration in force now, and health: later changes reach it by broadcast.
      online: (h) => {
        h.send({ v: PROTOCOL_VERSION, type: 'config', seq: this.seq, config: this.workerConfig });
        h.send(this.healthMessage());
      },
      exit: (h, code, signal) => this.onExit(h, code, signal),
    });
    this.workers.set(w.id, w);
    return w;
  }

  private onExit(gone: WorkerHandle, code: number | null, signal: NodeJS.Signals | null): void {
    this.workers.delete(gone.id);
    if (gone.stats) this.retired = retire(this.retired, gone.stats);
    const cause = signal !== null ? `signal ${signal}` : `exit code ${code ?? 0}`;
    if (gone.state === 'draining' || this.state !== 'running' || this.booting) {
      this.log.info({ event: 'worker-exit', worker: gone.id, pid: gone.pid, code, signal }, `worker ${gone.id} (pid ${gone.pid}) exited (${cause})`);
      return;
    }
    const uptimeMs = Date.now() - gone.startedAt;
    this.crashes++;
    if (uptimeMs >= STABLE_AFTER_MS) this.backoffMs = BACKOFF_MIN_MS;
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, BACKOFF_MAX_MS);
    this.log.error(
      { event: 'worker-crash', worker: gone.id, pid: gone.pid, code, signal, uptimeMs, crashes: this.crashes, restartInMs: delay },
      `worker ${gone.id} (pid ${gone.pid}) exited unexpectedly (${cause}) after ${uptimeMs} ms; its open connections are lost; a new worker starts in ${delay} ms`,
    );
    const timer = setTimeout(() => {
      this.respawns.delete(timer);
      if (this.state !== 'running' || this.serving() >= this.config.workers) return;
      const fresh = this.fork();
      fresh.whenReady(this.readyMs).then(
        () => this.log.info({ event: 'worker-replaced', worker: fresh.id, pid: fresh.pid, replaced: gone.id }, `worker ${fresh.id} (pid ${fresh.pid}) replaces worker ${gone.id}`),
        (err: unknown) => this.log.error({ event: 'worker-start-failed', worker: fresh.id, err }, `worker ${fresh.id} did not start`),
      );
    }, delay);
    this.respawns.add(timer);
  }

  /** Workers that serve or will (a crashed one waiting for its replacement counts). */
  private serving(): number {
    return [...this.workers.values()].filter((r) => r.state !== 'draining').length + this.respawns.size;
  }

  /** Forks or drains workers to match `workers` after a configuration change. */
  private scale(): void {
    const want = this.config.workers;
    let have = this.serving();
    if (have === want) return;
    this.log.info({ event: 'workers-scale', from: have, to: want }, `workers: ${have} → ${want}`);
    for (; have < want; have++) void this.fork().whenReady(this.readyMs).catch((err: unknown) => this.log.error({ event: 'worker-start-failed', err }, 'a new worker did not start'));
    const extra = [...this.workers.values()].filter((r) => r.state !== 'draining').reverse();
    for (; have > want && extra.length > 0; have--) void extra.shift()?.drain(this.config.drainTimeoutMs);
  }

  /** Sends the current configuration (then health) to every worker that is not draining; resolves when all applied it. */
  private async broadcast(): Promise<void> {
    const seq = ++this.seq;
    // A worker not yet online gets the configuration in force when it is.
    const targets = [...this.workers.values()].filter((w) => w.state !== 'draining' && w.online);
    const ms = this.opts.applyTimeoutMs ?? 15_000;
    const waits = targets.map((w) => w.applied(seq, ms));
    const health = this.healthMessage();
    for (const w of targets) {
      w.send({ v: PROTOCOL_VERSION, type: 'config', seq, config: this.workerConfig });
      w.send(health);
    }
    const failed = (await Promise.allSettled(waits)).flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []));
    const first = failed[0];
    if (first === undefined) return;
    const code = first instanceof SwitchyardError ? first.code : 'SY_INTERNAL';
    throw new SwitchyardError(code, failed.map((e) => e.message).join('; '), { cause: first });
  }

  private healthMessage(): PrimaryMessage {
    const backends = this.probe.snapshot().pools.flatMap((p) => p.backends.map((b) => ({ id: b.id, status: b.health, cause: b.downCause ?? '' })));
    return { v: PROTOCOL_VERSION, type: 'health', backends };
  }

  private sendAll(m: PrimaryMessage): void {
    for (const w of this.workers.values()) if (w.state !== 'draining') w.send(m);
  }
}
