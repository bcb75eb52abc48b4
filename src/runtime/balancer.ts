/**
 * The composition root: builds pools, listeners and sessions from a RuntimeConfig, runs
 * them, and answers snapshots. The CLI and the library API both drive this class.
 */
import type { Socket } from 'node:net';
import { systemClock, type Clock } from '../core/clock.js';
import { systemRandom, type Random } from '../core/random.js';
import { SwitchyardError } from '../core/errors.js';
import { LiveList, type LiveNode } from '../core/live-list.js';
import { formatEndpoint, type Endpoint } from '../core/address.js';
import type { AdminState, ListenerSpec, RuntimeConfig } from '../config/model.js';
import { Pool, type PoolDeps } from '../upstream/pool.js';
import { Backend } from '../upstream/backend.js';
import { poolSnapshot, type PoolSnapshot } from '../upstream/snapshot.js';
import type { UpstreamEvent } from '../upstream/events.js';
import { Listener, type BoundAddress } from '../listeners/listener.js';
import { TcpSession, type TcpSessionContext, type TcpSessionEnd } from '../proxy/tcp/tcp-session.js';
import { HttpSession } from '../proxy/http/http-session.js';
import { UpstreamPool } from '../proxy/http/upstream-pool.js';
import { DeadlineTicker } from '../proxy/http/deadlines.js';
import type { RequestStatsSnapshot } from '../observability/request-stats.js';
import { createHttpListener, type HttpListenerRuntime } from './http-listener.js';
import { TERMINATION_CODE_LIST, type TerminationCode } from '../proxy/outcomes.js';
import { runBackendProbe } from './probes.js';
import { silentLogger, type Logger } from '../observability/logger.js';
import { logUpstreamEvent } from './upstream-log.js';
import { resolveBackends, systemLookup, type HostLookup } from './resolve.js';
import { openFilesLimit, openFilesNeeded } from './fd-limit.js';

export interface BalancerOptions {
  readonly logger?: Logger;
  readonly clock?: Clock;
  readonly random?: Random;
  /** Host name resolution for `resolve: once` (default: the system's, dns.lookup). */
  readonly lookup?: HostLookup;
  /** `remote`: pools run no active probes and take health from `setRemoteHealth` (a cluster worker). Default `local`. */
  readonly probes?: 'local' | 'remote';
  /** false: `start` binds no listener, only pools and their probes run (a cluster primary). Default true. */
  readonly listen?: boolean;
  /** Called with every upstream event, after it is logged. */
  readonly onUpstreamEvent?: (e: UpstreamEvent) => void;
}

/** One worker process of a cluster (`workers` > 1), as the primary's status shows it. */
export interface WorkerSnapshot {
  readonly id: number;
  readonly pid: number;
  /** `starting` until it listens; `draining` once told to stop (it accepts no more). */
  readonly state: 'starting' | 'serving' | 'draining';
  readonly uptimeMs: number;
  /** Open client connections on its listeners. */
  readonly connections: number;
  /** Connections its listeners accepted, and HTTP requests they answered, since it started. */
  readonly acceptedConnections: number;
  readonly requests: number;
  /** The sequence number of the last configuration it applied. */
  readonly configSeq: number;
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
  /** With worker processes: each of them, and how many exited unexpectedly since the start. */
  readonly workers?: readonly WorkerSnapshot[];
  readonly workerCrashes?: number;
}

interface ListenerRuntime {
  spec: ListenerSpec;
  readonly listener: Listener;
  activePool: string | undefined;
  /** Open sessions (a list, not a Set: see core/live-list.ts). */
  readonly sessions: LiveList<Session>;
  /** Shared by the listener's TCP sessions (made at its first connection). */
  tcp?: TcpSessionContext;
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
  private readonly opts: BalancerOptions;
  private readonly pools = new Map<string, Pool>();
  private readonly listeners = new Map<string, ListenerRuntime>();
  private state: BalancerSnapshot['state'] = 'new';
  private startedAt = 0;
  private stopping: Promise<void> | undefined;
  private readonly upstreams: UpstreamPool;
  private readonly ticker: DeadlineTicker;
  private sweeper: NodeJS.Timeout | undefined;

  private current: RuntimeConfig;
  /** HTTP runtimes replaced by a config change: closed when the balancer stops (their sessions may still log). */
  private readonly retiredHttp: HttpListenerRuntime[] = [];
  /** Listeners taken out by a config change whose connections are still finishing. */
  private readonly retiring = new Set<ListenerRuntime>();

  constructor(config: RuntimeConfig, opts: BalancerOptions = {}) {
    this.current = config;
    this.opts = opts;
    this.clock = opts.clock ?? systemClock;
    this.random = opts.random ?? systemRandom;
    this.log = opts.logger ?? silentLogger();
    this.lookup = opts.lookup ?? systemLookup;
    this.upstreams = new UpstreamPool({ clock: this.clock, bufferSize: config.bufferSize, maxIdlePerBackend: 32, idleTimeoutMs: 4000 });
    this.ticker = new DeadlineTicker(this.clock);
    for (const spec of config.pools) this.pools.set(spec.name, new Pool(spec, this.poolDeps()));
  }

  /** The running configuration (changes with `reconfigure`). */
  get config(): RuntimeConfig {
    return this.current;
  }

  /**
   * Applies a new configuration live: new listeners bind first (if one cannot, nothing changes and
   * the error says why), pools and backends are replaced with their live state carried over by
   * backend id, changed listeners take their new settings for new connections, and removed
   * listeners stop accepting and drain their open connections. Open connections and requests
   * are never cut by it.
   */
  async reconfigure(next: RuntimeConfig): Promise<void> {
    if (this.state === 'stopping' || this.state === 'stopped') throw new SwitchyardError('SY_NOT_RUNNING', `the balancer is ${this.state}; it takes no new configuration`);
    const running = this.state === 'running';
    const rebind = (l: ListenerSpec): boolean => {
      const old = this.listeners.get(l.name);
      return old === undefined || old.spec.protocol !== l.protocol || !sameBind(old, l.bind);
    };
    // 1. Host names of new or moved backends, before anything changes: a name that does not resolve changes nothing.
    const hosts = new Map<string, string>();
    if (running && next.resolve === 'once') {
      const fresh = next.pools.flatMap((p) => p.backends.filter((b) => this.pools.get(p.name)?.backend(b.id)?.spec.host !== b.host)).map((b) => new Backend(b));
      await resolveBackends(fresh, this.lookup);
      for (const b of fresh) hosts.set(b.id, b.connectHost);
    }
    // 2. New listeners bind; listeners whose addresses change stop accepting (their connections go
    //    on) and bind anew. If any bind fails, the old sockets are taken back and nothing changes.
    const moved = running && this.opts.listen !== false ? next.listeners.filter(rebind) : [];
    const stopped = moved.flatMap((l) => this.listeners.get(l.name) ?? []);
    const held = new Map(stopped.map((rt) => [rt, rt.listener.addresses().map((a) => ({ host: a.address, port: a.port }))]));
    const started: ListenerRuntime[] = [];
    try {
      for (const l of moved) if (!this.listeners.has(l.name)) started.push(await this.openListener(l));
      for (const rt of stopped) void rt.listener.close();
      for (const l of moved) if (this.listeners.has(l.name)) started.push(await this.openListener(l));
    } catch (err) {
      await Promise.all(started.map((rt) => rt.listener.close()));
      for (const [rt, addrs] of held) if (rt.listener.addresses().length === 0) await rt.listener.start(addrs);
      throw err;
    }
    // 3. Pools are replaced; live backend state is carried over by id.
    const keep = new Set(next.pools.map((p) => p.name));
    for (const spec of next.pools) {
      const pool = new Pool(spec, this.poolDeps(), this.pools.get(spec.name));
      for (const b of pool.backends) {
        const host = hosts.get(b.id);
        if (host !== undefined) b.connectHost = host;
        else if (next.resolve === 'per-connection' || !running) b.connectHost = b.spec.host;
      }
      this.pools.set(spec.name, pool);
      if (running) pool.startProbes();
    }
    for (const [name, p] of this.pools) {
      if (!keep.has(name)) {
        p.close();
        this.pools.delete(name);
      }
    }
    // 4. Listeners: new sockets take over; others take their new settings for new connections.
    const after = new Set(next.listeners.map((l) => l.name));
    for (const rt of stopped) this.retire(rt);
    for (const rt of started) this.listeners.set(rt.spec.name, rt);
    for (const l of next.listeners) {
      const rt = this.listeners.get(l.name);
      if (!rt || started.includes(rt)) continue;
      const old = rt.spec;
      rt.spec = l;
      rt.listener.setMaxConnections(l.maxConnections);
      if (old.activePool !== l.activePool || (rt.activePool !== undefined && !l.pools.includes(rt.activePool))) {
        const from = rt.activePool;
        rt.activePool = l.activePool;
        if (from !== l.activePool) this.log.info({ event: 'pool-switch', listener: l.name, from, to: l.activePool ?? null }, `listener ${l.name}: active pool ${from ?? 'none'} → ${l.activePool ?? 'none'}`);
      }
      if (rt.http && JSON.stringify([old.routes, old.http, old.pools, old.idleTimeoutMs]) !== JSON.stringify([l.routes, l.http, l.pools, l.idleTimeoutMs])) {
        this.retiredHttp.push(rt.http);
        rt.http = this.httpRuntime(l, rt);
      }
    }
    // 5. Listeners gone from the configuration stop accepting and drain.
    for (const [name, rt] of this.listeners) {
      if (!after.has(name)) {
        this.retire(rt);
        this.listeners.delete(name);
      }
    }
    this.current = next;
    for (const rt of started) this.logListenerStart(rt);
  }

  private poolDeps(): PoolDeps {
    return { clock: this.clock, random: this.random, probe: runBackendProbe, onEvent: (e) => this.onUpstreamEvent(e), probes: this.opts.probes ?? 'local' };
  }

  /** A listener taken out of service: it accepts nothing more, and its open connections finish (or are closed at stop). */
  private retire(rt: ListenerRuntime): void {
    this.retiring.add(rt);
    void rt.listener.close();
    for (const s of rt.sessions) s.drain();
    this.log.info({ event: 'listener-stop', listener: rt.spec.name, openConnections: rt.sessions.size }, `listener ${rt.spec.name} stopped accepting; ${rt.sessions.size} open connection(s) finish`);
    void rt.listener.whenIdle().then(() => {
      this.retiring.delete(rt);
      if (rt.http) this.retiredHttp.push(rt.http);
    });
  }

  async start(): Promise<void> {
    if (this.state !== 'new') throw new SwitchyardError('SY_ALREADY_RUNNING', `the balancer is ${this.state}; create a new one to start again`);
    this.state = 'running';
    this.startedAt = this.clock.now();
    this.warnOnFileLimit();
    try {
      if (this.config.resolve === 'once') await resolveBackends([...this.pools.values()].flatMap((p) => p.backends), this.lookup);
      for (const pool of this.pools.values()) pool.startProbes();
      if (this.opts.listen !== false) for (const spec of this.config.listeners) await this.startListener(spec);
      this.sweeper = setInterval(() => this.upstreams.sweep(), 1000);
      this.sweeper.unref();
    } catch (err) {
      await this.stop({ drainTimeoutMs: 0 });
      throw err;
    }
    for (const l of this.listeners.values()) this.logListenerStart(l);
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

  /** Applies health that another process's probes decided (see Pool.setRemoteHealth); unknown ids are skipped. */
  setRemoteHealth(backends: readonly { readonly id: string; readonly status: 'up' | 'down'; readonly cause: string }[]): void {
    for (const h of backends) for (const p of this.pools.values()) if (p.setRemoteHealth(h.id, h.status, h.cause)) break;
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
    const rt = await this.openListener(spec);
    this.listeners.set(spec.name, rt);
  }

  /** Builds a listener's runtime and binds its addresses (not yet registered). */
  private async openListener(spec: ListenerSpec): Promise<ListenerRuntime> {
    const rt: ListenerRuntime = {
      spec,
      activePool: spec.activePool,
      sessions: new LiveList(),
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
    if (spec.protocol === 'http') rt.http = this.httpRuntime(spec, rt);
    try {
      await rt.listener.start();
    } catch (err) {
      if (rt.http) await rt.http.close();
      throw err;
    }
    return rt;
  }

  private httpRuntime(spec: ListenerSpec, rt: ListenerRuntime): HttpListenerRuntime {
    return createHttpListener(spec, {
      clock: this.clock,
      upstreams: this.upstreams,
      ticker: this.ticker,
      bufferSize: this.config.bufferSize,
      activePool: () => (rt.activePool === undefined ? undefined : this.pools.get(rt.activePool)),
      pool: (name) => this.pools.get(name),
      onRequestEnd: (code) => {
        rt.terminations[code]++;
      },
      onSessionClosed: (session) => {
        if (session.listNode) rt.sessions.delete(session.listNode as LiveNode<Session>);
      },
    });
  }

  private logListenerStart(l: ListenerRuntime): void {
    const addrs = l.listener.addresses().map((a) => formatEndpoint({ host: a.address, port: a.port }));
    const to = l.activePool === undefined ? `${l.spec.routes.length} route(s)` : `pool ${l.activePool}`;
    this.log.info({ event: 'listener-start', listener: l.spec.name, protocol: l.spec.protocol, addresses: addrs, pool: l.activePool ?? null }, `${l.spec.protocol} listening on ${addrs.join(', ')} → ${to}`);
  }

  private onConnection(rt: ListenerRuntime, socket: Socket): void {
    if (rt.http) {
      const session = new HttpSession(socket, rt.http.ctx);
      // undefined: open, not listed yet; null: closed already.
      if (session.listNode === undefined) session.listNode = rt.sessions.add(session);
      return;
    }
    const session = new TcpSession(socket, (rt.tcp ??= this.tcpContext(rt)));
    // undefined: open, not listed yet; null: ended already.
    if (session.listNode === undefined) session.listNode = rt.sessions.add(session);
  }

  /** What the TCP sessions of a listener share: made at its first connection, reading settings live. */
  private tcpContext(rt: ListenerRuntime): TcpSessionContext {
    const bufferSize = (): number => this.config.bufferSize;
    return {
      clock: this.clock,
      activePool: () => this.pool(rt.activePool ?? ''),
      get idleTimeoutMs() {
        return rt.spec.idleTimeoutMs;
      },
      get bufferSize() {
        return bufferSize();
      },
      onEnd: (end, session) => {
        if (session.listNode) rt.sessions.delete(session.listNode as LiveNode<Session>);
        session.listNode = null;
        this.onSessionEnd(rt, end);
      },
    };
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
    logUpstreamEvent(this.log, e);
    this.opts.onUpstreamEvent?.(e);
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
    const rts = [...this.listeners.values(), ...this.retiring];
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
    await Promise.all([...rts.flatMap((l) => (l.http ? [l.http] : [])), ...this.retiredHttp.splice(0)].map((h) => h.close()));
    for (const p of this.pools.values()) p.close();
    this.state = 'stopped';
    this.log.info({ event: 'stopped' }, 'stopped');
  }
}

/**
 * Whether a running listener already has the sockets `bind` asks for: the same hosts, and each
 * port the one it got (a port 0 asked again keeps the port it got for its port 0).
 */
function sameBind(rt: ListenerRuntime, bind: readonly Endpoint[]): boolean {
  const bound = rt.listener.addresses();
  if (bind.length !== rt.spec.bind.length) return false;
  return bind.every((b, i) => {
    const was = rt.spec.bind[i];
    if (was === undefined || was.host !== b.host) return false;
    return b.port === was.port || b.port === bound[i]?.port;
  });
}
