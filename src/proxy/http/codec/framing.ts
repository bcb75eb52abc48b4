/**
 * The field values that decide framing and hop-by-hop handling, read from byte offsets
 * without allocating (except for Connection/Upgrade tokens the codec does not know).
 * Shared by the request and response parsers.
 */
import { FIELD_STRIDE, F_FLAGS, F_NAME_END, F_NAME_START, FLAG_HOP_BY_HOP, FIELD_ID_MASK, H_CONTENT_LENGTH, H_HOST, MAX_CONNECTION_TOKENS, type MessageHead } from './fields.js';
import { COLON, COMMA, HEX_VALUE, HOST_CHAR, HTAB, LBRACKET, LOWER, RBRACKET, SLASH, SP, TCHAR, asciiBytes, equalsLower } from './tokens.js';

/**
 * Content-Length: 1*DIGIT and nothing else (no sign, no inner space, no list), no leading
 * zero unless the value is exactly "0", at most 2^53 - 1. Returns -1 when invalid.
 */
export function parseContentLength(buf: Buffer, s: number, e: number): number {
  const n = e - s;
  if (n === 0 || n > 16) return -1;
  if (buf[s] === 0x30 && n > 1) return -1;
  let v = 0;
  for (let p = s; p < e; p++) {
    const d = buf[p]! - 0x30;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v <= Number.MAX_SAFE_INTEGER ? v : -1;
}

export const CODING_CHUNKED = 0;
/** One syntactically valid coding that is not `chunked` (gzip, identity, …): 501 for a request. */
export const CODING_UNKNOWN = 1;
/** Empty, a list, parameters, or anything else: ambiguous, 400. */
export const CODING_INVALID = 2;

const CHUNKED = asciiBytes('chunked');

/** Classifies a Transfer-Encoding value (OWS already trimmed). Only exactly `chunked` (any case) is accepted. */
export function transferCoding(buf: Buffer, s: number, e: number): number {
  if (equalsLower(buf, s, e, CHUNKED)) return CODING_CHUNKED;
  if (s === e) return CODING_INVALID;
  for (let p = s; p < e; p++) if (TCHAR[buf[p]!] !== 1) return CODING_INVALID;
  return CODING_UNKNOWN;
}

export const CONN_CLOSE = 1;
export const CONN_KEEP_ALIVE = 2;
export const CONN_UPGRADE = 4;
export const CONN_INVALID = -1;

const T_CLOSE = asciiBytes('close');
const T_KEEP_ALIVE = asciiBytes('keep-alive');
const T_UPGRADE = asciiBytes('upgrade');
const T_TE = asciiBytes('te');

/**
 * Reads a Connection value: a comma-separated list of tokens with optional whitespace and
 * empty elements. `close`, `keep-alive` and `upgrade` set CONN_ bits; they and `te` name
 * fields that are hop-by-hop anyway. Every other token names an extra field to drop: it is
 * pushed lower-cased onto head.connectionTokens (the only allocation, and only for such
 * tokens) and its offsets onto head.connectionTokenOffsets. Returns the CONN_ bits, or
 * CONN_INVALID for a non-token element or more than MAX_CONNECTION_TOKENS extra names.
 */
export function scanConnection(buf: Buffer, s: number, e: number, head: MessageHead): number {
  let bits = 0;
  let p = s;
  while (p < e) {
    let c = buf[p]!;
    if (c === COMMA || c === SP || c === HTAB) {
      p++;
      continue;
    }
    const ts = p;
    while (p < e && TCHAR[buf[p]!] === 1) p++;
    if (p === ts) return CONN_INVALID;
    const te = p;
    while (p < e && ((c = buf[p]!) === SP || c === HTAB)) p++;
    if (p < e && buf[p] !== COMMA) return CONN_INVALID;
    if (equalsLower(buf, ts, te, T_CLOSE)) {
      bits |= CONN_CLOSE;
      continue;
    }
    if (equalsLower(buf, ts, te, T_KEEP_ALIVE)) {
      bits |= CONN_KEEP_ALIVE;
      continue;
    }
    if (equalsLower(buf, ts, te, T_UPGRADE)) {
      bits |= CONN_UPGRADE;
      continue;
    }
    if (equalsLower(buf, ts, te, T_TE)) continue;
    const k = head.connectionTokenCount;
    if (k === MAX_CONNECTION_TOKENS) return CONN_INVALID;
    head.connectionTokens.push(buf.toString('latin1', ts, te).toLowerCase());
    head.connectionTokenOffsets[2 * k] = ts;
    head.connectionTokenOffsets[2 * k + 1] = te;
    head.connectionTokenCount = k + 1;
  }
  return bits;
}

/**
 * Sets FLAG_HOP_BY_HOP on every field named by a Connection token. Content-Length and Host
 * are never dropped this way: removing them would change the framing or the routing the
 * proxy checked (`Connection: content-length` must not turn a body into a second request).
 */
export function markConnectionNamed(buf: Buffer, head: MessageHead): void {
  const f = head.fields;
  const t = head.connectionTokenOffsets;
  for (let i = 0; i < head.fieldCount; i++) {
    const o = i * FIELD_STRIDE;
    const flags = f[o + F_FLAGS]!;
    const id = flags & FIELD_ID_MASK;
    if ((flags & FLAG_HOP_BY_HOP) !== 0 || id === H_CONTENT_LENGTH || id === H_HOST) continue;
    const ns = f[o + F_NAME_START]!;
    const nl = f[o + F_NAME_END]! - ns;
    for (let k = 0; k < head.connectionTokenCount; k++) {
      const ts = t[2 * k]!;
      if (t[2 * k + 1]! - ts !== nl) continue;
      let j = 0;
      while (j < nl && LOWER[buf[ns + j]!] === LOWER[buf[ts + j]!]) j++;
      if (j === nl) {
        f[o + F_FLAGS] = flags | FLAG_HOP_BY_HOP;
        break;
      }
    }
  }
}

const P_H2C = asciiBytes('h2c');
const P_WEBSOCKET = asciiBytes('websocket');

/** Upgrade value, first element invalid or list malformed. */
export const UPGRADE_INVALID = -1;
/** Some element names h2c (HTTP/2 over cleartext), which a proxy must not pass. */
export const UPGRADE_H2C = -2;

/**
 * Reads an Upgrade value: a comma-separated list of protocol-name ["/" protocol-version].
 * Returns the end offset of the first element, UPGRADE_INVALID or UPGRADE_H2C.
 */
export function scanUpgrade(buf: Buffer, s: number, e: number): number {
  let first = -1;
  let p = s;
  while (p < e) {
    const c = buf[p]!;
    if (c === COMMA || c === SP || c === HTAB) {
      p++;
      continue;
    }
    const ns = p;
    while (p < e && TCHAR[buf[p]!] === 1) p++;
    if (p === ns) return UPGRADE_INVALID;
    if (equalsLower(buf, ns, p, P_H2C)) return UPGRADE_H2C;
    if (p < e && buf[p] === SLASH) {
      const vs = ++p;
      while (p < e && TCHAR[buf[p]!] === 1) p++;
      if (p === vs) return UPGRADE_INVALID;
    }
    if (first < 0) first = p;
    while (p < e && (buf[p] === SP || buf[p] === HTAB)) p++;
    if (p < e && buf[p] !== COMMA) return UPGRADE_INVALID;
  }
  return first < 0 ? UPGRADE_INVALID : first;
}

/** The first Upgrade element [s, e) lower-cased; `websocket` is interned. */
export function upgradeName(buf: Buffer, s: number, e: number): string {
  return equalsLower(buf, s, e, P_WEBSOCKET) ? 'websocket' : buf.toString('latin1', s, e).toLowerCase();
}

/**
 * Host = uri-host [ ":" port ] (RFC 9110 §7.2), strictly: a reg-name of unreserved
 * characters (no percent-encoding, no sub-delims such as `,`), or an IP-literal in
 * brackets; a port of 1 to 5 digits. No userinfo, no path, not empty.
 */
export function validHost(buf: Buffer, s: number, e: number): boolean {
  let p = s;
  if (p >= e) return false;
  if (buf[p] === LBRACKET) {
    p++;
    while (p < e && buf[p] !== RBRACKET) {
      const c = buf[p]!;
      if (HEX_VALUE[c] === -1 && c !== COLON && c !== 0x2e) return false;
      p++;
    }
    if (p >= e || p - s < 3) return false;
    p++;
  } else {
    while (p < e && HOST_CHAR[buf[p]!] === 1) p++;
    if (p === s) return false;
  }
  if (p === e) return true;
  if (buf[p] !== COLON) return false;
  const ps = ++p;
  while (p < e && buf[p]! >= 0x30 && buf[p]! <= 0x39) p++;
  return p === e && p > ps && p - ps <= 5;
}

/** Whether buf[as, ae) and buf[hs, he) are the same host, ASCII case-insensitively. */
export function sameHost(buf: Buffer, as: number, ae: number, hs: number, he: number): boolean {
  if (ae - as !== he - hs) return false;
  for (let i = 0; i < ae - as; i++) if (LOWER[buf[as + i]!] !== LOWER[buf[hs + i]!]) return false;
  return true;
}
