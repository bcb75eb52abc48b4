/** Parsing of "host:port" endpoints, bracketed IPv6 ("[::1]:80") and the "*" wildcard. */
import { isIP } from 'node:net';
import type { ParseResult } from './units.js';

export interface Endpoint {
  /** Host name or IP literal without brackets; "*" stays "*" (all interfaces) for bind addresses. */
  readonly host: string;
  readonly port: number;
}

const HOSTNAME_RE = /^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62})(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62}))*\.?$/;

export function validPort(port: number): boolean {
  return Number.isInteger(port) && port >= 1 && port <= 65535;
}

export function portReason(port: unknown, allowZero = false): string | undefined {
  const min = allowZero ? 0 : 1;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < min || port > 65535) {
    return `must be ${min}–65535, got ${typeof port === 'string' ? `"${port}"` : String(port)}`;
  }
  return undefined;
}

export function hostReason(host: string, allowWildcard: boolean): string | undefined {
  if (host === '*') return allowWildcard ? undefined : 'must be a host name or IP address, got "*"';
  if (isIP(host) !== 0) return undefined;
  if (HOSTNAME_RE.test(host)) return undefined;
  return `must be a host name or IP address, got "${host}"`;
}

/**
 * Splits "host:port", "[v6]:port", "*:port" or ":port" (all interfaces) into its parts.
 * `allowWildcard` is for bind addresses; `allowZero` lets port 0 mean "any free port".
 */
export function parseEndpoint(input: string, opts: { allowWildcard: boolean; allowZero?: boolean }): ParseResult<Endpoint> {
  const s = input.trim();
  let host: string;
  let portText: string;
  if (s.startsWith('[')) {
    const close = s.indexOf(']');
    if (close < 0 || s[close + 1] !== ':') return { ok: false, reason: `must be "[ipv6]:port", got "${input}"` };
    host = s.slice(1, close);
    portText = s.slice(close + 2);
    if (isIP(host) !== 6) return { ok: false, reason: `"${host}" is not an IPv6 address` };
  } else {
    const colon = s.lastIndexOf(':');
    if (colon < 0) return { ok: false, reason: `must be "host:port", got "${input}" (no port)` };
    host = s.slice(0, colon);
    portText = s.slice(colon + 1);
    if (host.includes(':')) return { ok: false, reason: `IPv6 addresses need brackets, as in "[${host}]:${portText}"` };
    if (host === '' && opts.allowWildcard) host = '*';
  }
  if (!/^\d+$/.test(portText)) return { ok: false, reason: `port must be a number, got "${portText}" in "${input}"` };
  const port = Number(portText);
  const pr = portReason(port, opts.allowZero ?? false);
  if (pr) return { ok: false, reason: `port ${pr}` };
  const hr = hostReason(host, opts.allowWildcard);
  if (hr) return { ok: false, reason: `host ${hr}` };
  return { ok: true, value: { host, port } };
}

export function formatEndpoint(e: Endpoint): string {
  return isIP(e.host) === 6 ? `[${e.host}]:${e.port}` : `${e.host}:${e.port}`;
}
