/**
 * The composition root: builds pools, listeners and sessions from a RuntimeConfig, runs
 * them, and answers snapshots. The CLI and the library API both drive this class.
 */
import type { Socket } from 'node:net';
import { systemClock, type Clock } from '../core/clock.js';
import { systemRandom, type Random } from '../core/random.js';
import { SwitchyardError } from '../core/errors.js';
import { formatEndpoint } from '../core/address.js';
import type { AdminState, ListenerSpec, RuntimeConfig } from '../config/model.js';
import type { Backend } from '../upstream/backend.js';
import { Pool } from '../upstream/pool.js';
import { poolSnapshot, type PoolSnapshot } from '../upstream/snapshot.js';
import type { UpstreamEvent } from '../upstream/events.js';
import { Listener, type BoundAddress } from '../listeners/listener.js';
import { TcpSession, type TcpSessionEnd } from '../proxy/tcp/tcp-session.js';
import { HttpSession } from '../proxy/http/http-session.js';
import { UpstreamPool } from '../proxy/http/upstream-pool.js';
import { DeadlineTicker } from '../proxy/http/deadlines.js';
import type { RequestStatsSnapshot } from '../observability/request-stats.js';
import { createHttpListener, type HttpListenerRuntime } from './http-listener.js';
import { TERMINATION_CODE_LIST, type TerminationCode } from '../proxy/outcomes.js';
import { runBackendProbe } from './probes.js';
import { silentLogger, type Logger } from '../observability/logger.js';
import { resolveBackends, systemLookup, type HostLookup } from './resolve.js';
import { openFilesLimit, openFilesNeeded } from './fd-limit.js';

export interface BalancerOptions {
  readonly logger?: Logger;
  readonly clock?: Clock;
  readonly random?: Random;
  /** Host name resolution for `resolve: once` (default: the system's, dns.lookup). */
  readonly lookup?: HostLookup;
}

export interface ListenerSnapshot {
  readonly name: string;
  readonly protocol: 'tcp' | 'http';
  readonly addresses: readonly BoundAddress[];
  readonly pools: readonly string[];
  /** null for an HTTP listener with routes only. */
  readonly activePool: string | null;
  readonly activeConnections: number;
  readonly acceptedConnections: number;
  readonly rejectedConnections: number;
  /** TCP: per connection; HTTP: per request. */
  readonly terminations: Readonly<Record<TerminationCode, number>>;
  /** HTTP listeners: request statistics. */
  readonly requests?: RequestStatsSnapshot;
}

export interface BalancerSnapshot {
  readonly state: 'new' | 'running' | 'stopping' | 'stopped';
  readonly uptimeMs: number;
  readonly listeners: readonly ListenerSnapshot[];
  readonly pools: readonly PoolSnapshot[];
}

interface ListenerRuntime {
  readonly spec: ListenerSpec;
  readonly listener: Listener;
  activePool: string | undefined;
  readonly sessions: Set<Session>;
  readonly terminations: Record<TerminationCode, number>;
  http: HttpListenerRuntime | undefined;
}

/** What shutdown needs of a connection's session, TCP or HTTP. */
interface Session {
  drain(): void;
  destroy(): void;
}

function zeroTerminations(): Record<TerminationCode, number> {
  const t = {} as Record<TerminationCode, number>;
  for (const c of TERMINATION_CODE_LIST) t[c] = 0;
  return t;
}

export class Balancer {
  private readonly clock: Clock;
  private readonly random: Random;
  private readonly log: Logger;
  private readonly lookup: HostLookup;
  private readonly pools = new Map<string, Pool>();
  private readonly listeners = new Map<string, ListenerRuntime>();
  private state: BalancerSnapshot['state'] = 'new';
  private startedAt = 0;
  private stopping: Promise<void> | undefined;
  private readonly upstreams: UpstreamPool;
  private readonly ticker: DeadlineTicker;
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    readonly config: RuntimeConfig,
    opts: BalancerOptions = {},
  ) {
    this.clock = opts.clock ?? systemClock;
    this.random = opts.random ?? systemRandom;
    this.log = opts.logger ?? silentLogger();
    this.lookup = opts.lookup ?? systemLookup;
    this.upstreams = new UpstreamPool({ clock: this.clock, bufferSize: config.bufferSize, maxIdlePerBackend: 32, idleTimeoutMs: 4000 });
    this.ticker = new DeadlineTicker(this.clock);
    for (const spec of config.pools) {
      this.pools.set(
        spec.name,
        new Pool(spec, {
          clock: this.clock,
          random: this.random,
          probe: runBackendProbe,
          onEvent: (e) => this.onUpstreamEvent(e),
        }),
      );
    }
  }

  async start(): Promise<void> {
    if (this.state !== 'new') throw new SwitchyardError('SY_ALREADY_RUNNING', `the balancer is ${this.state}; create a new one to start again`);
    this.state = 'running';
    this.startedAt = this.clock.now();
    this.warnOnFileLimit();
    try {
      if (this.config.resolve === 'once') await resolveBackends([...this.pools.values()].flatMap((p) => p.backends), this.lookup);
      for (const pool of this.pools.values()) pool.startProbes();
      for (const spec of this.config.listeners) await this.startListener(spec);
      this.sweeper = setInterval(() => this.upstreams.sweep(), 1000);
      this.sweeper.unref();
    } catch (err) {
      await this.stop({ drainTimeoutMs: 0 });
      throw err;
    }
    for (const l of this.listeners.values()) {
      const addrs = l.listener.addresses().map((a) => formatEndpoint({ host: a.address, port: a.port }));
      const to = l.activePool === undefined ? `${l.spec.routes.length} route(s)` : `pool ${l.activePool}`;
      this.log.info({ event: 'listener-start', listener: l.spec.name, protocol: l.spec.protocol, addresses: addrs, pool: l.activePool ?? null }, `${l.spec.protocol} listening on ${addrs.join(', ')} → ${to}`);
    }
  }

  /**
   * Stops accepting, lets open connections finish for up to the drain timeout, then closes
   * the rest. Calling it again while stopping returns the same promise.
   */
  stop(opts: { drainTimeoutMs?: number } = {}): Promise<void> {
    this.stopping ??= this.doStop(opts.drainTimeoutMs ?? this.config.drainTimeoutMs);
    return this.stopping;
  }

  /** Closes every connection at once and stops. */
  async destroy(): Promise<void> {
    await this.stop({ drainTimeoutMs: 0 });
  }

  /** Makes `pool` the one receiving new connections on `listener` (blue/green). Open connections stay where they are. */
  setActivePool(listener: string, pool: string): void {
    const l = this.listeners.get(listener) ?? this.pendingListener(listener);
    if (!l.spec.pools.includes(pool)) {
      throw new SwitchyardError('SY_POOL_NOT_ATTACHED', `listener "${listener}" has no pool "${pool}" (its pools: ${l.spec.pools.join(', ')})`);
    }
    const from = l.activePool;
    l.activePool = pool;
    this.log.info({ event: 'pool-switch', listener, from, to: pool }, `listener ${listener}: active pool ${from} → ${pool}`);
  }

  /**
   * Sets a backend's admin state: `ready` takes traffic; `drain` takes no new connections or
   * requests (open ones finish, sticky clients move); `maint` is out and not probed. Returns the
   * previous state. `backend` is its name or id.
   */
  setBackendState(pool: string, backend: string, state: AdminState, cause = 'runtime operation'): AdminState {
    const p = this.pool(pool);
    return p.setAdminState(this.backendOf(p, backend), state, cause);
  }

  /** Probes a backend now, outside its schedule. */
  recheckBackend(pool: string, backend: string): void {
    const p = this.pool(pool);
    const b = this.backendOf(p, backend);
    if (!p.recheckNow(b)) {
      throw new SwitchyardError('SY_NOT_PROBED', `backend ${b.id} has no active probe${b.adminState === 'maint' ? ' while in maintenance' : ' (set health.active on its pool)'}`);
    }
  }

  /** The addresses a listener is bound to (port 0 resolved). */
  addresses(listener: string): readonly BoundAddress[] {
    const l = this.listeners.get(listener);
    if (!l) throw new SwitchyardError('SY_UNKNOWN_LISTENER', `no listener named "${listener}"`);
    return l.listener.addresses();
  }

  snapshot(): BalancerSnapshot {
    const now = this.clock.now();
    const pools: PoolSnapshot[] = [...this.pools.values()].map((p) => poolSnapshot(p, now));
    const listeners: ListenerSnapshot[] = this.config.listeners.map((spec) => {
      const l = this.listeners.get(spec.name);
      return {
        name: spec.name,
        protocol: spec.protocol,
        addresses: l ? l.listener.addresses() : [],
        pools: spec.pools,
        activePool: l?.activePool ?? spec.activePool ?? null,
        activeConnections: l?.listener.activeConnections ?? 0,
        acceptedConnections: l?.listener.accepted ?? 0,
        rejectedConnections: l?.listener.rejected ?? 0,
        terminations: { ...(l?.terminations ?? zeroTerminations()) },
        ...(l?.http ? { requests: l.http.stats.snapshot(this.clock.now()) } : {}),
      };
    });
    return { state: this.state, uptimeMs: this.state === 'new' ? 0 : this.clock.now() - this.startedAt, listeners, pools };
  }

  private pendingListener(name: string): never {
    throw new SwitchyardError('SY_UNKNOWN_LISTENER', `no listener named "${name}" (listeners: ${this.config.listeners.map((l) => l.name).join(', ')})`);
  }

  private backendOf(p: Pool, name: string): Backend {
    const b = p.backend(name) ?? p.backend(`${p.name}/${name}`);
    if (!b) throw new SwitchyardError('SY_UNKNOWN_BACKEND', `pool "${p.name}" has no backend "${name}" (its backends: ${p.backends.map((x) => x.spec.name).join(', ')})`);
    return b;
  }

  private pool(name: string): Pool {
    const p = this.pools.get(name);
    if (!p) throw new SwitchyardError('SY_UNKNOWN_POOL', `no pool named "${name}" (pools: ${[...this.pools.keys()].join(', ')})`);
    return p;
  }

  private async startListener(spec: ListenerSpec): Promise<void> {
    const rt: ListenerRuntime = {
      spec,
      activePool: spec.activePool,
      sessions: new Set(),
      terminations: zeroTerminations(),
      http: undefined,
      listener: new Listener({
        name: spec.name,
        bind: spec.bind,
        maxConnections: spec.maxConnections,
        bufferSize: this.config.bufferSize,
        onConnection: (socket) => this.onConnection(rt, socket),
        onRejected: () => {
          rt.terminations.LC++;
        },
      }),
    };
    if (spec.protocol === 'http') {
      rt.http = createHttpListener(spec, {
        clock: this.clock,
        upstreams: this.upstreams,
        ticker: this.ticker,
        bufferSize: this.config.bufferSize,
        activePool: () => (rt.activePool === undefined ? undefined : this.pools.get(rt.activePool)),
        pool: (name) => this.pools.get(name),
        onRequestEnd: (code) => {
          rt.terminations[code]++;
        },
      });
    }
    this.listeners.set(spec.name, rt);
    await rt.listener.start();
  }

  private onConnection(rt: ListenerRuntime, socket: Socket): void {
    if (rt.http) {
      const session = new HttpSession(socket, rt.http.ctx);
      rt.sessions.add(session);
      socket.once('close', () => rt.sessions.delete(session));
      return;
    }
    const session: TcpSession = new TcpSession(socket, {
      clock: this.clock,
      activePool: () => this.pool(rt.activePool ?? ''),
      idleTimeoutMs: rt.spec.idleTimeoutMs,
      bufferSize: this.config.bufferSize,
      onEnd: (end) => {
        rt.sessions.delete(session);
        this.onSessionEnd(rt, end);
      },
    });
    rt.sessions.add(session);
  }

  private onSessionEnd(rt: ListenerRuntime, end: TcpSessionEnd): void {
    rt.terminations[end.termination]++;
    if (this.log.isLevelEnabled('debug')) {
      this.log.debug(
        {
          event: 'connection',
          listener: rt.spec.name,
          pool: end.pool,
          backend: end.backend?.id ?? null,
          client: end.client,
          termination: end.termination,
          attempts: end.attempts,
          bytesIn: end.bytesFromClient,
          bytesOut: end.bytesToClient,
          durationMs: Math.round(end.durationMs),
        },
        'connection closed',
      );
    }
  }

  private onUpstreamEvent(e: UpstreamEvent): void {
    switch (e.type) {
      case 'backend-down':
        this.log.warn({ event: 'backend-down', pool: e.pool, backend: e.backend.id, cause: e.cause }, `backend ${e.backend.id} is down: ${e.cause}`);
        break;
      case 'backend-up':
        this.log.info({ event: 'backend-up', pool: e.pool, backend: e.backend.id, cause: e.cause }, `backend ${e.backend.id} is up: ${e.cause}`);
        break;
      case 'backend-ejected':
        this.log.warn(
          { event: 'backend-ejected', pool: e.pool, backend: e.backend.id, cause: e.cause, durationMs: e.durationMs, ejections: e.count },
          `backend ${e.backend.id} ejected for ${e.durationMs} ms: ${e.cause}`,
        );
        break;
      case 'backend-returned':
        this.log.info({ event: 'backend-returned', pool: e.pool, backend: e.backend.id, cause: e.cause }, `backend ${e.backend.id} returned from ejection: ${e.cause}`);
        break;
      case 'backend-admin':
        this.log.info({ event: `backend-${e.to}`, pool: e.pool, backend: e.backend.id, from: e.from, to: e.to, cause: e.cause }, `backend ${e.backend.id}: ${e.from} → ${e.to} (${e.cause})`);
        break;
      case 'pool-empty':
        this.log.error({ event: 'pool-empty', pool: e.pool }, `pool ${e.pool} has no eligible backend: new connections are closed and requests answered 503 until one returns`);
        break;
      case 'pool-recovered':
        this.log.info({ event: 'pool-recovered', pool: e.pool }, `pool ${e.pool} has an eligible backend again`);
        break;
      case 'pool-panic':
        this.log.error(
          { event: 'pool-panic', pool: e.pool, eligible: e.eligible, total: e.total, threshold: e.threshold },
          `PANIC: pool ${e.pool} has ${e.eligible} of ${e.total} backends eligible (below ${e.threshold}%): balancing over every ready backend, healthy or not`,
        );
        break;
      case 'pool-panic-end':
        this.log.warn({ event: 'pool-panic-end', pool: e.pool, eligible: e.eligible, total: e.total }, `pool ${e.pool} left panic mode: ${e.eligible} of ${e.total} backends eligible`);
        break;
    }
  }

  private warnOnFileLimit(): void {
    const limit = openFilesLimit();
    const needed = openFilesNeeded(this.config.listeners);
    if (limit !== undefined && needed !== undefined && limit < needed) {
      this.log.warn(
        { event: 'open-files-limit', limit, needed },
        `open-files limit is ${limit}, but the connection limits may need ${needed} descriptors: raise it (ulimit -n ${needed}) or lower maxConnections`,
      );
    }
  }

  private async doStop(drainTimeoutMs: number): Promise<void> {
    if (this.state === 'new' || this.state === 'stopped') {
      this.state = 'stopped';
      for (const p of this.pools.values()) p.close();
      return;
    }
    this.state = 'stopping';
    const rts = [...this.listeners.values()];
    // Stop accepting everywhere first, then wait for open connections (closing a server resolves only when its connections end).
    // The log line comes after, so whoever reads it knows no new connection is accepted any more.
    const closed = Promise.all(rts.map((l) => l.listener.close()));
    for (const l of rts) for (const s of l.sessions) s.drain();
    const open = rts.reduce((n, l) => n + l.sessions.size, 0);
    this.log.info({ event: 'stopping', openConnections: open, drainTimeoutMs }, `stopping: ${open} open connection(s), draining for up to ${drainTimeoutMs} ms`);
    const idle = Promise.all(rts.map((l) => l.listener.whenIdle()));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      idle.then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), drainTimeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      let n = 0;
      for (const l of rts) {
        for (const s of l.sessions) {
          s.destroy();
          n++;
        }
        l.listener.destroyConnections();
      }
      if (n > 0) this.log.warn({ event: 'drain-timeout', closed: n }, `drain timeout: closed ${n} connection(s)`);
    }
    await closed;
    clearInterval(this.sweeper);
    this.upstreams.close();
    this.ticker.close();
    await Promise.all(rts.flatMap((l) => (l.http ? [l.http.close()] : [])));
    for (const p of this.pools.values()) p.close();
    this.state = 'stopped';
    this.log.info({ event: 'stopped' }, 'stopped');
  }
}
