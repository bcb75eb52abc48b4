/**
 * Normalization: a schema-checked config (defaults applied) becomes the runtime model —
 * durations in ms, sizes in bytes, endpoints split, backend ids assigned, overrides resolved —
 * and is deeply frozen. Cross-references must already be checked (validate.ts does both).
 */
import { availableParallelism } from 'node:os';
import { SwitchyardError } from '../core/errors.js';
import { formatEndpoint, parseEndpoint, type Endpoint } from '../core/address.js';
import { parseDuration, parseSize } from '../core/units.js';
import type { ConfigParsed, ListenerParsed, PoolParsed } from './schema.js';
import type { AdminSpec, BackendSpec, HttpListenerSpec, ListenerSpec, PoolSpec, RuntimeConfig } from './model.js';
import { HttpListenerSchema } from './schema-http.js';
import { backendProbe, passiveHealth } from './normalize-health.js';

function fail(path: string, reason: string): never {
  throw new SwitchyardError('SY_CONFIG_INVALID', `${path}: ${reason}`, { details: { issues: [{ path, message: reason }] } });
}

function ms(value: string | number, path: string): number {
  const r = parseDuration(value);
  return r.ok ? r.value : fail(path, r.reason);
}

function bytes(value: string | number, path: string): number {
  const r = parseSize(value);
  return r.ok ? r.value : fail(path, r.reason);
}

function endpoint(text: string, path: string, bind: boolean): Endpoint {
  const r = parseEndpoint(text, bind ? { allowWildcard: true, allowZero: true } : { allowWildcard: false });
  return r.ok ? r.value : fail(path, r.reason);
}

function backends(pool: string, p: PoolParsed): BackendSpec[] {
  return p.backends.map((b, i) => {
    const at = `pools.${pool}.backends[${i}]`;
    const spec = typeof b === 'string' ? { ...endpoint(b, at, false), weight: 1, maxConnections: 0, name: undefined, state: 'ready' as const, probe: undefined } : b;
    const name = spec.name ?? formatEndpoint({ host: spec.host, port: spec.port });
    return {
      id: `${pool}/${name}`,
      pool,
      name,
      host: spec.host,
      port: spec.port,
      weight: spec.weight,
      maxConnections: spec.maxConnections === 0 ? p.maxConnectionsPerBackend : spec.maxConnections,
      initialAdminState: spec.state,
      probe: backendProbe(p.health.active, spec.probe, spec.port, `pools.${pool}.health.active`, `${at}.probe`),
    };
  });
}

function pool(name: string, p: PoolParsed, defaultConnectMs: number): PoolSpec {
  const at = `pools.${name}`;
  return {
    name,
    policy: p.policy,
    backends: backends(name, p),
    connectTimeoutMs: p.connectTimeout === undefined ? defaultConnectMs : ms(p.connectTimeout, `${at}.connectTimeout`),
    failoverAttempts: p.failover.attempts,
    retryOnEmptyResponse: p.failover.retryOnEmptyResponse,
    passive: passiveHealth(p.health.passive, `${at}.health.passive`),
    slowStartMs: ms(p.slowStart, `${at}.slowStart`),
    panicThreshold: p.panicThreshold,
    http: {
      stickyCookie: p.http.stickyCookie === false ? undefined : p.http.stickyCookie,
      hashOn: typeof p.http.hashOn === 'string' ? p.http.hashOn : { header: p.http.hashOn.header.toLowerCase() },
      maxIdleConnections: p.http.maxIdleConnections,
      idleTimeoutMs: ms(p.http.idleTimeout, `${at}.http.idleTimeout`),
      retries: p.http.retries,
    },
  };
}

function listener(name: string, l: ListenerParsed, defaultIdleMs: number): ListenerSpec {
  const at = `listeners.${name}`;
  const binds = typeof l.bind === 'string' ? [l.bind] : l.bind;
  const pools = l.pools ?? (l.pool === undefined ? [] : [l.pool]);
  const routes = (l.routes ?? []).map((r) => ({
    host: r.host,
    pathPrefix: r.pathPrefix,
    headers: Object.entries(r.headers ?? {}).map(([name, v]) => ({ name: name.toLowerCase(), value: v === true ? undefined : v })),
    pool: r.pool,
  }));
  const activePool = l.activePool ?? pools[0] ?? (l.protocol === 'http' && routes.length > 0 ? undefined : fail(at, 'needs "pool" or "pools"'));
  return {
    name,
    protocol: l.protocol,
    bind: binds.map((b, i) => endpoint(b, typeof l.bind === 'string' ? `${at}.bind` : `${at}.bind[${i}]`, true)),
    pools,
    activePool,
    maxConnections: l.maxConnections,
    idleTimeoutMs: l.idleTimeout === undefined ? defaultIdleMs : ms(l.idleTimeout, `${at}.idleTimeout`),
    routes,
    http: l.protocol === 'http' ? httpListener(l.http ?? HttpListenerSchema.parse({}), `${at}.http`) : undefined,
  };
}

function httpListener(h: NonNullable<ListenerParsed['http']>, at: string): HttpListenerSpec {
  return {
    maxHeaderBytes: bytes(h.maxHeaderSize, `${at}.maxHeaderSize`),
    maxUriBytes: bytes(h.maxUriLength, `${at}.maxUriLength`),
    maxHeaders: h.maxHeaders,
    maxBodyBytes: bytes(h.maxBodySize, `${at}.maxBodySize`),
    headerTimeoutMs: ms(h.headerTimeout, `${at}.headerTimeout`),
    requestTimeoutMs: ms(h.requestTimeout, `${at}.requestTimeout`),
    responseTimeoutMs: ms(h.responseTimeout, `${at}.responseTimeout`),
    keepAliveTimeoutMs: ms(h.keepAliveTimeout, `${at}.keepAliveTimeout`),
    unknownHost: h.unknownHost,
    xForwarded: h.xForwarded,
    forwarded: h.forwarded,
    via: h.via === false ? undefined : h.via,
    trustedProxies: h.trustedProxies,
    internal:
      h.internal === false
        ? undefined
        : {
            health: h.internal.health === false ? undefined : h.internal.health,
            status: h.internal.status === false ? undefined : h.internal.status,
            metrics: h.internal.metrics === false ? undefined : h.internal.metrics,
          },
    accessLog: h.accessLog,
    accessLogFile: h.accessLogFile,
  };
}

/** Object.freeze, all the way down. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

function admin(a: NonNullable<ConfigParsed['admin']>): AdminSpec {
  return {
    bind: endpoint(a.bind, 'admin.bind', true),
    users: a.users.map((u) => ({ name: u.name, access: u.access, tokenSha256: u.tokenHash?.slice('sha256:'.length), sshKeys: u.sshKeys })),
    tls: a.tls === undefined ? undefined : { certFile: a.tls.cert, keyFile: a.tls.key },
    persist: a.persist,
    ssh: a.ssh === undefined ? undefined : { bind: endpoint(a.ssh.bind, 'admin.ssh.bind', true), hostKeyFile: a.ssh.hostKey },
  };
}

/** The runtime model of a validated config, deeply frozen. Throws SY_CONFIG_INVALID only on unchecked input. */
export function normalizeConfig(parsed: ConfigParsed): RuntimeConfig {
  const connectMs = ms(parsed.timeouts.connect, 'timeouts.connect');
  const idleMs = ms(parsed.timeouts.idle, 'timeouts.idle');
  const config: RuntimeConfig = {
    listeners: Object.entries(parsed.listeners).map(([name, l]) => listener(name, l, idleMs)),
    pools: Object.entries(parsed.pools).map(([name, p]) => pool(name, p, connectMs)),
    drainTimeoutMs: ms(parsed.timeouts.drain, 'timeouts.drain'),
    bufferSize: bytes(parsed.bufferSize, 'bufferSize'),
    resolve: parsed.resolve,
    logLevel: parsed.log.level,
    workers: typeof parsed.workers === 'number' ? parsed.workers : availableParallelism(),
    admin: parsed.admin === undefined ? undefined : admin(parsed.admin),
  };
  return deepFreeze(config);
}
