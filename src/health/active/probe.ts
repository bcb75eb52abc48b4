/**
 * What every active probe shares: the target, the result, and the HTTP probe's settings.
 * A probe never rejects and never throws: every failure is a result with a short, stable
 * `cause` meant for logs ("connection refused", "probe timeout after 2000 ms", …).
 */

export interface ProbeTarget {
  readonly host: string;
  readonly port: number;
  readonly name?: string;
}

export type ProbeResult =
  /** `detail` e.g. "connected in 1.2 ms", "HTTP 200 in 3.4 ms". */
  | { readonly ok: true; readonly latencyMs: number; readonly detail: string }
  /** `cause` e.g. "connection refused", "HTTP 500 not in 200-399", "malformed response: invalid status line". */
  | { readonly ok: false; readonly latencyMs: number; readonly cause: string };

/** Inclusive. */
import type { StatusRange } from '../../core/status-ranges.js';
export type { StatusRange };

export interface HttpProbeSpec {
  /** GET, HEAD, OPTIONS … */
  readonly method: string;
  /** The request-target, e.g. "/health". */
  readonly path: string;
  /** Host header; default "host:port" of the target. */
  readonly host?: string;
  /** Extra request fields. Host, Connection, Content-Length and Transfer-Encoding are the probe's own. */
  readonly headers?: Readonly<Record<string, string>>;
  /** The statuses that count as healthy, e.g. [{ from: 200, to: 399 }]. */
  readonly expectStatus: readonly StatusRange[];
  /** A substring that must appear within the first maxBodyBytes of the body. */
  readonly bodyContains?: string;
  /** Read at most this much of the body, then stop and close. */
  readonly maxBodyBytes: number;
  /** The whole probe: connect + response. */
  readonly timeoutMs: number;
}

export interface TcpProbeSpec {
  readonly timeoutMs: number;
}

export const ABORTED_CAUSE = 'probe aborted';

export function timeoutCause(timeoutMs: number): string {
  return `probe timeout after ${timeoutMs} ms`;
}

/** Milliseconds with one decimal, for `detail` strings. */
export function formatLatency(ms: number): string {
  return `${ms.toFixed(1)} ms`;
}

/** The cause for a socket or lookup error: a few well-known codes in words, the rest by code. */
export function socketErrorCause(err: unknown): string {
  const code = typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ECONNRESET':
    case 'EPIPE':
      return 'connection reset';
    case 'ENOTFOUND':
      return 'host not found';
    case 'EAI_AGAIN':
      return 'host lookup failed';
    case 'EHOSTUNREACH':
      return 'host unreachable';
    case 'ENETUNREACH':
      return 'network unreachable';
    case 'ETIMEDOUT':
      return 'connect timed out';
    case 'EADDRNOTAVAIL':
      return 'address not available';
    case undefined:
      return `socket error: ${err instanceof Error ? err.message : String(err)}`;
    default:
      return `socket error ${code}`;
  }
}

/** Why a target or timeout cannot be probed at all, or undefined when they are usable. */
export function invalidTargetCause(target: ProbeTarget, timeoutMs: number): string | undefined {
  if (typeof target.host !== 'string' || target.host === '') return 'invalid probe target: empty host';
  if (!Number.isInteger(target.port) || target.port < 1 || target.port > 65535) return `invalid probe target: port ${String(target.port)}`;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) return `invalid probe timeout ${String(timeoutMs)}`;
  return undefined;
}

export { statusInRanges, formatStatusRanges, parseStatusRanges, type StatusRangesResult } from '../../core/status-ranges.js';
