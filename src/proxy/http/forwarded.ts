/**
 * The forwarding headers Switchyard adds to a request: X-Forwarded-For/-Proto/-Host,
 * `Forwarded` (RFC 7239) and optionally `Via`. The client's own values are dropped and
 * replaced with what Switchyard saw, unless the peer is a trusted proxy: then its
 * X-Forwarded-For and Forwarded chains are kept and Switchyard's hop is appended, and its
 * X-Forwarded-Proto/-Host are kept.
 *
 * The request rewrite removes every incoming forwarding header line and appends the tail
 * built here, so there is exactly one of each.
 */
import { isIP } from 'node:net';

export interface ForwardedOptions {
  /** Emit X-Forwarded-For, -Proto and -Host. */
  readonly xForwarded: boolean;
  /** Emit RFC 7239 `Forwarded`. */
  readonly forwarded: boolean;
  /** The pseudonym for `Via: 1.1 <name>`, or undefined for no Via. */
  readonly via: string | undefined;
}

/** What the client sent, joined per header name (comma-separated as RFC 9110 allows), or undefined. */
export interface IncomingForwarded {
  xForwardedFor?: string | undefined;
  xForwardedProto?: string | undefined;
  xForwardedHost?: string | undefined;
  forwarded?: string | undefined;
  via?: string | undefined;
}

/** Lower-case names of the request headers the rewrite removes and this tail re-emits. */
export const FORWARDING_HEADERS: readonly string[] = ['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'forwarded'];

/** A `for=` / `host=` value of RFC 7239: IPv6 in brackets and quotes, other values quoted when not a token. */
export function forwardedNode(value: string): string {
  // Only a value with a colon can be IPv6 (isIP's pattern is costly to run on every value).
  if (value.includes(':') && isIP(value) === 6) return `"[${value}]"`;
  return /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(value) ? value : `"${value.replace(/["\\]/g, '\\$&')}"`;
}

/**
 * The header lines to append (each ending in CRLF), for a request from `peer` with
 * `host` (the Host header) over `proto`. `trusted` says whether `peer` is a trusted proxy.
 */
export function forwardedTail(
  opts: ForwardedOptions,
  peer: string,
  host: string | undefined,
  proto: 'http' | 'https',
  trusted: boolean,
  incoming: IncomingForwarded,
  receivedVersion: '1.0' | '1.1' = '1.1',
): string {
  let out = '';
  if (opts.xForwarded) {
    const xff = trusted && incoming.xForwardedFor ? `${incoming.xForwardedFor}, ${peer}` : peer;
    out += `x-forwarded-for: ${xff}\r\n`;
    out += `x-forwarded-proto: ${trusted && incoming.xForwardedProto ? incoming.xForwardedProto : proto}\r\n`;
    const xfh = trusted && incoming.xForwardedHost ? incoming.xForwardedHost : host;
    if (xfh !== undefined) out += `x-forwarded-host: ${xfh}\r\n`;
  }
  if (opts.forwarded) {
    let ours = `for=${forwardedNode(peer)};proto=${proto}`;
    if (host !== undefined) ours += `;host=${forwardedNode(host)}`;
    out += `forwarded: ${trusted && incoming.forwarded ? `${incoming.forwarded}, ${ours}` : ours}\r\n`;
  }
  if (opts.via !== undefined) {
    // Via names the protocol version of the message as received (RFC 9110 §7.6.3).
    out += `via: ${incoming.via ? `${incoming.via}, ` : ''}${receivedVersion} ${opts.via}\r\n`;
  }
  return out;
}
