/** Builds what the sessions of one HTTP listener share (see proxy/http/http-context.ts). */
import { openSync, closeSync } from 'node:fs';
import type { Clock } from '../core/clock.js';
import { CidrSet, parseCidr, type Cidr } from '../core/cidr.js';
import { SwitchyardError } from '../core/errors.js';
import { poolSnapshot } from '../upstream/snapshot.js';
import type { HttpListenerSpec, ListenerSpec } from '../config/model.js';
import { RouteTable } from '../routing/route-table.js';
import type { Pool } from '../upstream/pool.js';
import { AccessLog, type AccessRecord } from '../observability/access-log.js';
import { RequestStats } from '../observability/request-stats.js';
import type { HttpContext } from '../proxy/http/http-context.js';
import type { HttpSession } from '../proxy/http/http-session.js';
import type { UpstreamPool } from '../proxy/http/upstream-pool.js';
import type { DeadlineTicker } from '../proxy/http/deadlines.js';
import type { TerminationCode } from '../proxy/outcomes.js';

export interface HttpListenerDeps {
  readonly clock: Clock;
  readonly upstreams: UpstreamPool;
  readonly ticker: DeadlineTicker;
  readonly bufferSize: number;
  activePool(): Pool | undefined;
  pool(name: string): Pool | undefined;
  onRequestEnd(code: TerminationCode): void;
  /** A session's client socket closed. */
  onSessionClosed(session: HttpSession): void;
}

/** Every pool an HTTP listener can send to: its pools (blue/green) and its routes' pools. */
function listenerPoolNames(spec: ListenerSpec): string[] {
  return [...new Set([...spec.pools, ...spec.routes.map((r) => r.pool)])];
}

function internalAnswer(kind: 'health' | 'status' | 'metrics', spec: ListenerSpec, deps: HttpListenerDeps, stats: RequestStats): { status: 200 | 503; body: string } {
  const pools = listenerPoolNames(spec).flatMap((name) => {
    const p = deps.pool(name);
    return p ? [p] : [];
  });
  if (kind === 'metrics') return { status: 200, body: JSON.stringify({ listener: spec.name, ...stats.snapshot(deps.clock.now()) }) };
  if (kind === 'health') {
    const empty = pools.filter((p) => p.eligibleCount() === 0).map((p) => p.name);
    const body = { status: empty.length === 0 ? 'ok' : 'unavailable', listener: spec.name, pools: Object.fromEntries(pools.map((p) => [p.name, p.eligibleCount()])) };
    return { status: empty.length === 0 ? 200 : 503, body: JSON.stringify(body) };
  }
  const now = deps.clock.now();
  const body = { listener: spec.name, pools: pools.map((p) => poolSnapshot(p, now)) };
  return { status: 200, body: JSON.stringify(body) };
}

export interface HttpListenerRuntime {
  readonly ctx: HttpContext;
  readonly stats: RequestStats;
  close(): Promise<void>;
}

export function createHttpListener(spec: ListenerSpec, deps: HttpListenerDeps): HttpListenerRuntime {
  const http = spec.http as HttpListenerSpec;
  const ranges: Cidr[] = [];
  for (const text of http.trustedProxies) {
    const r = parseCidr(text);
    if (r.ok) ranges.push(r.value);
  }
  const statsClock = { nowMs: () => deps.clock.now() };
  const stats = new RequestStats({ clock: statsClock });
  let accessLog: AccessLog | undefined;
  let fd: number | undefined;
  if (http.accessLog !== 'off') {
    if (http.accessLogFile === '-') fd = 1;
    else {
      try {
        fd = openSync(http.accessLogFile, 'a');
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        throw new SwitchyardError('SY_ACCESS_LOG_OPEN', `listener "${spec.name}": cannot open access log "${http.accessLogFile}": ${e.code ?? e.message}`, { cause: err });
      }
    }
    accessLog = new AccessLog({ fd, format: http.accessLog });
  }
  const ctx: HttpContext = {
    clock: deps.clock,
    listener: spec.name,
    spec: http,
    limits: { maxHeadBytes: http.maxHeaderBytes, maxUriBytes: http.maxUriBytes, maxHeaders: http.maxHeaders },
    routes: new RouteTable(spec.routes.map((r) => ({ host: r.host, pathPrefix: r.pathPrefix, headers: r.headers, target: r.pool }))),
    trusted: new CidrSet(ranges),
    upstreams: deps.upstreams,
    ticker: deps.ticker,
    bufferSize: deps.bufferSize,
    tunnelIdleMs: spec.idleTimeoutMs,
    stats,
    accessLog,
    lastForward: { peer: '', host: undefined, version: '', tail: '' },
    internalAnswer: (kind) => internalAnswer(kind, spec, deps, stats),
    defaultPool: () => deps.activePool(),
    pool: (name) => deps.pool(name),
    onRequestEnd(code: TerminationCode, record: AccessRecord) {
      stats.record(record.status, record.totalMs * 1000, code, record.bytesIn, record.bytesOut);
      // The backend the request ended on (the last one tried) counts it too; its stats start at its first request.
      if (record.backend !== '-') {
        const b = deps.pool(record.pool)?.backend(record.backend);
        if (b) {
          (b.requestStats ??= new RequestStats({ clock: statsClock })).record(record.status, record.totalMs * 1000, code, record.bytesIn, record.bytesOut);
          // Bytes the client sent went to the backend; bytes the client got came from it (Switchyard's own answers aside).
          b.totals.bytesOut += record.bytesIn;
          b.totals.bytesIn += record.bytesOut;
        }
      }
      accessLog?.write(record);
      deps.onRequestEnd(code);
    },
    onSessionClosed: (session) => deps.onSessionClosed(session),
  };
  return {
    ctx,
    stats,
    async close() {
      if (accessLog) await accessLog.close();
      if (fd !== undefined && fd !== 1) closeSync(fd);
    },
  };
}
