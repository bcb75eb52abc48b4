/**
 * The runtime configuration: what normalize() makes of a validated file. Deeply frozen,
 * durations in milliseconds, sizes in bytes, every backend with a stable id.
 */
import type { Endpoint } from '../core/address.js';
import type { PolicyName } from './policy-names.js';

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
}

export interface PoolSpec {
  readonly name: string;
  readonly policy: PolicyName;
  readonly backends: readonly BackendSpec[];
  readonly connectTimeoutMs: number;
  readonly failoverAttempts: number;
  /** Replay what the client sent to the next backend when one closes or resets without answering. */
  readonly retryOnEmptyResponse: boolean;
  readonly recheckIntervalMs: number;
  readonly recheckAllDownIntervalMs: number;
}

export interface ListenerSpec {
  readonly name: string;
  readonly protocol: 'tcp';
  /** Host "*" means all interfaces. */
  readonly bind: readonly Endpoint[];
  /** Every pool this listener may send to (blue/green groups); at least one. */
  readonly pools: readonly string[];
  /** The pool receiving new connections; one of `pools`. */
  readonly activePool: string;
  /** 0 = unlimited. */
  readonly maxConnections: number;
  /** 0 disables. */
  readonly idleTimeoutMs: number;
}

export interface RuntimeConfig {
  readonly listeners: readonly ListenerSpec[];
  readonly pools: readonly PoolSpec[];
  readonly drainTimeoutMs: number;
  readonly bufferSize: number;
  readonly resolve: 'once' | 'per-connection';
  readonly logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
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
