/**
 * The runtime configuration: what normalize() makes of a validated file. Deeply frozen,
 * durations in milliseconds, sizes in bytes, every backend with a stable id.
 */
import type { Endpoint } from '../core/address.js';
import type { PolicyName } from './policy-names.js';
import type { StatusRange } from '../core/status-ranges.js';

export type AdminState = 'ready' | 'drain' | 'maint';

export interface HttpProbeSpec {
  readonly method: 'GET' | 'HEAD' | 'OPTIONS';
  readonly path: string;
  /** undefined = the backend's "host:port". */
  readonly host: string | undefined;
  readonly expectStatus: readonly StatusRange[];
  readonly bodyContains: string | undefined;
  readonly maxBodyBytes: number;
}

/** Active probing of one backend, the pool's settings merged with the backend's override. */
export interface ActiveProbeSpec {
  readonly type: 'tcp' | 'http';
  readonly intervalMs: number;
  readonly downIntervalMs: number;
  readonly allDownIntervalMs: number;
  /** 0–50: each wait varies at random by up to this percent. */
  readonly jitterPercent: number;
  readonly timeoutMs: number;
  readonly rise: number;
  readonly fall: number;
  readonly initialState: 'up' | 'down';
  /** The port probed (the backend's own unless overridden). */
  readonly port: number;
  /** Set when type is http. */
  readonly http: HttpProbeSpec | undefined;
}

export interface PassiveHealthSpec {
  /** 0 = off. */
  readonly consecutiveLocalFailures: number;
  /** 0 = off. */
  readonly consecutive5xx: number;
  readonly baseEjectionMs: number;
  readonly maxEjectionMs: number;
  readonly maxEjectedPercent: number;
}

export interface BackendSpec {
  /** Stable identity across reloads: "<pool>/<name>". */
  readonly id: string;
  readonly pool: string;
  /** The configured name, or "host:port" when none was given. */
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly weight: number;
  /** 0 = unlimited. Already resolved against the pool's maxConnectionsPerBackend. */
  readonly maxConnections: number;
  /** Admin state when the backend first appears. */
  readonly initialAdminState: AdminState;
  /** Active probing, or undefined for none. */
  readonly probe: ActiveProbeSpec | undefined;
}

export interface PoolSpec {
  readonly name: string;
  readonly policy: PolicyName;
  readonly backends: readonly BackendSpec[];
  readonly connectTimeoutMs: number;
  readonly failoverAttempts: number;
  /** Replay what the client sent to the next backend when one closes or resets without answering. */
  readonly retryOnEmptyResponse: boolean;
  readonly passive: PassiveHealthSpec;
  /** 0 = off. */
  readonly slowStartMs: number;
  /** 0–100; 0 = off. */
  readonly panicThreshold: number;
  readonly http: HttpPoolSpec;
}

export interface HttpPoolSpec {
  /** Cookie name for stickiness, or undefined. */
  readonly stickyCookie: string | undefined;
  /** What source-hash hashes: 'client', 'path', or a lower-case header name. */
  readonly hashOn: 'client' | 'path' | { readonly header: string };
  readonly maxIdleConnections: number;
  readonly idleTimeoutMs: number;
  readonly retries: number;
}

export interface HttpRouteSpec {
  readonly host: string | undefined;
  readonly pathPrefix: string | undefined;
  /** Lower-case names; value undefined = any value. */
  readonly headers: readonly { readonly name: string; readonly value: string | undefined }[];
  readonly pool: string;
}

export interface HttpListenerSpec {
  readonly maxHeaderBytes: number;
  readonly maxUriBytes: number;
  readonly maxHeaders: number;
  /** 0 = unlimited. */
  readonly maxBodyBytes: number;
  readonly headerTimeoutMs: number;
  /** 0 = no limit. */
  readonly requestTimeoutMs: number;
  readonly responseTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
  readonly unknownHost: 404 | 421;
  readonly xForwarded: boolean;
  readonly forwarded: boolean;
  readonly via: string | undefined;
  /** CIDR strings, validated. */
  readonly trustedProxies: readonly string[];
  /** Switchyard's own endpoints (paths, undefined = off), or undefined when all are off. */
  readonly internal: { readonly health: string | undefined; readonly status: string | undefined; readonly metrics: string | undefined } | undefined;
  readonly accessLog: 'off' | 'json' | 'combined';
  /** "-" = standard output. */
  readonly accessLogFile: string;
}

export interface ListenerSpec {
  readonly name: string;
  readonly protocol: 'tcp' | 'http';
  /** Host "*" means all interfaces. */
  readonly bind: readonly Endpoint[];
  /** Every pool this listener may send to (blue/green groups); at least one for TCP. */
  readonly pools: readonly string[];
  /** The pool receiving new connections (HTTP: requests no route matches); one of `pools`. Undefined only for an HTTP listener with routes and no default. */
  readonly activePool: string | undefined;
  /** 0 = unlimited. */
  readonly maxConnections: number;
  /** 0 disables. */
  readonly idleTimeoutMs: number;
  /** HTTP listeners: routes in config order (the route table ranks them). */
  readonly routes: readonly HttpRouteSpec[];
  /** HTTP listeners only. */
  readonly http: HttpListenerSpec | undefined;
}

export interface AdminUserSpec {
  readonly name: string;
  readonly access: 'full' | 'readonly';
  /** Lower-case hex SHA-256 of the bearer token, or undefined (SSH keys only). */
  readonly tokenSha256: string | undefined;
  readonly sshKeys: readonly string[];
}

export interface AdminSpec {
  readonly bind: Endpoint;
  readonly users: readonly AdminUserSpec[];
  readonly tls: { readonly certFile: string; readonly keyFile: string } | undefined;
  readonly persist: boolean;
  readonly ssh: { readonly bind: Endpoint; readonly hostKeyFile: string } | undefined;
}

export interface RuntimeConfig {
  readonly listeners: readonly ListenerSpec[];
  readonly pools: readonly PoolSpec[];
  readonly drainTimeoutMs: number;
  readonly bufferSize: number;
  readonly resolve: 'once' | 'per-connection';
  readonly logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
  /** Worker processes (1: one process does everything; `auto` is resolved to the number of CPUs). */
  readonly workers: number;
  /** The admin API, or undefined when the config has no `admin` section. */
  readonly admin: AdminSpec | undefined;
}

/** One problem found in a config, located as precisely as the input allows. */
export interface ConfigIssue {
  /** Dotted field path with [i] for array items, e.g. "pools.web.backends[2].port"; "" for the whole file. */
  readonly path: string;
  /** One-line reason, e.g. "must be 1–65535, got 70000". */
  readonly message: string;
  readonly file?: string;
  /** 1-based. */
  readonly line?: number;
  /** 1-based. */
  readonly column?: number;
}
