/**
 * What every HTTP session of one listener shares: settings, the route table, the pools,
 * the upstream connection pool, the deadline ticker and the observability sinks. Built by
 * the runtime for each HTTP listener; sessions never look further than this.
 */
import type { Clock } from '../../core/clock.js';
import type { CidrSet } from '../../core/cidr.js';
import type { HttpListenerSpec } from '../../config/model.js';
import type { RouteTable } from '../../routing/route-table.js';
import type { Pool } from '../../upstream/pool.js';
import type { AccessLog, AccessRecord } from '../../observability/access-log.js';
import type { RequestStats } from '../../observability/request-stats.js';
import type { HeadLimits } from './codec/head-result.js';
import type { UpstreamPool } from './upstream-pool.js';
import type { DeadlineTicker } from './deadlines.js';
import type { TerminationCode } from '../outcomes.js';
import type { HttpSession } from './http-session.js';

export interface HttpContext {
  readonly clock: Clock;
  readonly listener: string;
  readonly spec: HttpListenerSpec;
  readonly limits: HeadLimits;
  /** Route targets are pool names. */
  readonly routes: RouteTable<string>;
  readonly trusted: CidrSet;
  readonly upstreams: UpstreamPool;
  readonly ticker: DeadlineTicker;
  readonly bufferSize: number;
  /** Tunnel (WebSocket) idle timeout, ms; 0 disables. */
  readonly tunnelIdleMs: number;
  readonly stats: RequestStats;
  readonly accessLog: AccessLog | undefined;
  /**
   * The forwarding header lines built last for an untrusted peer without Via, and what they
   * were built for: a new connection from the same client reuses them.
   */
  readonly lastForward: { peer: string; host: string | undefined; version: string; tail: string };
  /** The listener's active pool (requests no route matches), if it has one. */
  defaultPool(): Pool | undefined;
  pool(name: string): Pool | undefined;
  /** The answer of an internal endpoint (the paths are in spec.internal). */
  internalAnswer(kind: 'health' | 'status' | 'metrics'): { readonly status: 200 | 503; readonly body: string };
  /** Called once per finished request (or refused connection-level error). */
  onRequestEnd(termination: TerminationCode, record: AccessRecord): void;
  /** Called once when a session's client socket has closed (the owner forgets the session). */
  onSessionClosed(session: HttpSession): void;
}
