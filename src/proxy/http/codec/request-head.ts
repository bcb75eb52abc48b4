/**
 * The request head parser of the proxy's data path (RFC 9110/9112), strict enough that a
 * request it accepts has exactly one meaning for every backend.
 *
 * Representation. `parseRequestHead` scans buf[start, end) once, byte by byte, with the
 * lookup tables of tokens.ts. It returns a preallocated result (head-result.ts) and writes
 * the facts into the caller's reusable `RequestHead`: method (interned for the common
 * methods), target (the one latin1 string it makes, plus offsets), host (a string), the
 * header fields as offsets into `buf` (see fields.ts: name/value start/end and flags, value
 * OWS trimmed), and the framing: bodyKind, contentLength, keepAlive, upgrade,
 * expectContinue, connectionTokens and a hop-by-hop flag per field. Nothing else allocates
 * on the common path: no regex, no closures, no substrings of header lines.
 *
 * Feeding. A caller that has only part of a head calls again with the same start and a
 * larger end; the parse restarts (it is cheap) and errors are found as soon as the bytes
 * that prove them have arrived. For every prefix of an input the result is either
 * 'incomplete' or the result of the whole input. Past limits.maxHeadBytes an unfinished
 * head is 431; a target longer than limits.maxUriBytes is 414 even before the head ends.
 *
 * Deliberate choices (all 400 unless noted):
 * - up to 4 empty lines (CRLF) before the request line are skipped; more are an error;
 * - any token method is accepted (extension methods go to the backend); CONNECT is refused;
 *   so is PRI (the HTTP/2 connection preface); a method is at most 64 bytes;
 * - request-target: visible ASCII only, no `#` and no `\`; `%00`, `%0A`, `%0D` are refused
 *   in the path (allowed in the query, where applications carry binary data); origin-form,
 *   asterisk-form (OPTIONS only) or absolute-form with an http/https scheme, whose authority
 *   must equal Host (ASCII case-insensitive, byte for byte otherwise);
 * - version: exactly HTTP/1.0 or HTTP/1.1; another HTTP/d.d is 505; anything else 400;
 * - Content-Length: digits only, no leading zero (so "0200" cannot be read as octal
 *   downstream), at most 2^53 - 1; any second Content-Length field is refused, even with
 *   the same value, and so is a list ("5, 5");
 * - Transfer-Encoding: only exactly `chunked` (any case), in one field, on HTTP/1.1, without
 *   Content-Length. One other coding (gzip, identity) is 501; a list ("gzip, chunked",
 *   "chunked, chunked"), parameters, or an empty value is 400 because it is ambiguous;
 * - Host: required on 1.1, at most one, strictly host[:port]; optional on 1.0;
 * - Upgrade: one field; any h2c in it is refused; `upgrade` is reported only on HTTP/1.1
 *   with `Connection: upgrade`;
 * - a field named Content_Length or Transfer_Encoding (some backends read `_` as `-`);
 * - Connection: a list of tokens (at most 16 naming fields); a token naming Content-Length
 *   or Host does not make that field hop-by-hop.
 */
import { COMPLETE, INCOMPLETE, headError, type HeadLimits, type HeadResult } from './head-result.js';
import { FIELD_STRIDE, FIELD_ID_MASK, H_CONNECTION, H_CONTENT_LENGTH, H_EXPECT, H_HOST, H_TRANSFER_ENCODING, H_UNDERSCORE_FRAMING, H_UPGRADE, MessageHead, SCAN_REASONS, SCAN_TOO_LARGE, SCAN_TOO_MANY, scanFields } from './fields.js';
import { CODING_CHUNKED, CODING_UNKNOWN, CONN_CLOSE, CONN_KEEP_ALIVE, CONN_UPGRADE, UPGRADE_H2C, markConnectionNamed, parseContentLength, sameHost, scanConnection, scanUpgrade, transferCoding, upgradeName, validHost } from './framing.js';
import { methodName } from './methods.js';
import { CR, LF, LOWER, QUESTION, SLASH, SP, TARGET, TARGET_PERCENT, TARGET_PLAIN, TARGET_QUERY, TCHAR, asciiBytes, equalsLower } from './tokens.js';

export type RequestBodyKind = 'none' | 'length' | 'chunked';
export type TargetForm = 'origin' | 'absolute' | 'asterisk';

/** One per connection, reused for every request; see the top of the file. Contents are unspecified unless the last parse was 'complete'. */
export class RequestHead extends MessageHead {
  method = 'GET';
  target = '/';
  targetForm: TargetForm = 'origin';
  /** Offsets of the request-target in the buffer. */
  targetStart = 0;
  targetEnd = 0;
  /** Index in `target` where the path starts (after the authority of an absolute-form target; 0 otherwise). */
  pathOffset = 0;
  /** Offset of the request line (after skipped empty lines). */
  lineStart = 0;
  /** 'none' also for Content-Length: 0. */
  bodyKind: RequestBodyKind = 'none';
  /** The Host value as sent (for absolute-form on 1.0 without Host: the target's authority). */
  host: string | undefined = undefined;
  /** `Expect: 100-continue` on HTTP/1.1. */
  expectContinue = false;
}

const MAX_EMPTY_LINES = 4;
const MAX_METHOD_BYTES = 64;

const E_TOO_LARGE = headError(431, 'head too large');
const E_EMPTY_LINES = headError(400, 'too many empty lines before request line');
const E_BARE_CR = headError(400, 'bare CR');
const E_BARE_LF = headError(400, 'bare LF');
const E_BAD_METHOD = headError(400, 'invalid method');
const E_METHOD_LONG = headError(400, 'method too long');
const E_NO_TARGET = headError(400, 'request line without target');
const E_CONNECT = headError(400, 'CONNECT not supported');
const E_PRI = headError(400, 'PRI method (HTTP/2 preface)');
const E_URI_TOO_LONG = headError(414, 'request-target too long');
const E_BAD_TARGET = headError(400, 'invalid character in request-target');
const E_MULTI_SPACE = headError(400, 'repeated space in request line');
const E_PCT_CTL = headError(400, 'percent-encoded NUL, CR or LF in path');
const E_ASTERISK = headError(400, 'asterisk-form without OPTIONS');
const E_TARGET_FORM = headError(400, 'invalid request-target form');
const E_BAD_AUTHORITY = headError(400, 'invalid authority in absolute-form target');
const E_NO_VERSION = headError(400, 'request line without HTTP version');
const E_BAD_VERSION = headError(400, 'invalid HTTP version');
const E_VERSION = headError(505, 'HTTP version not supported');
const E_DUP_CL = headError(400, 'duplicate Content-Length');
const E_BAD_CL = headError(400, 'invalid Content-Length');
const E_DUP_TE = headError(400, 'duplicate Transfer-Encoding');
const E_CL_TE = headError(400, 'both Content-Length and Transfer-Encoding');
const E_TE_HTTP10 = headError(400, 'Transfer-Encoding in HTTP/1.0');
const E_TE_UNKNOWN = headError(501, 'unsupported transfer coding');
const E_TE_INVALID = headError(400, 'Transfer-Encoding other than chunked');
const E_DUP_HOST = headError(400, 'duplicate Host');
const E_BAD_HOST = headError(400, 'invalid Host');
const E_NO_HOST = headError(400, 'missing Host');
const E_HOST_MISMATCH = headError(400, 'absolute-form authority differs from Host');
const E_BAD_CONNECTION = headError(400, 'invalid Connection');
const E_DUP_UPGRADE = headError(400, 'duplicate Upgrade');
const E_BAD_UPGRADE = headError(400, 'invalid Upgrade');
const E_H2C = headError(400, 'Upgrade to h2c');
const E_UNDERSCORE = headError(400, 'Content-Length or Transfer-Encoding spelled with underscore');

/** Results of scanFields by -code: index 1 is 'incomplete', the size limits are 431. */
const SCAN_RESULTS: readonly HeadResult[] = SCAN_REASONS.map((reason, i) =>
  i === 1 ? INCOMPLETE : i === -SCAN_TOO_LARGE ? E_TOO_LARGE : headError(i === -SCAN_TOO_MANY ? 431 : 400, reason),
);

const HTTP_PREFIX = asciiBytes('HTTP/');
const SCHEME_HTTP = asciiBytes('http://');
const SCHEME_HTTPS = asciiBytes('https://');
const V_100_CONTINUE = asciiBytes('100-continue');

/** Parses the request head in buf[start, end) into `out`; see the top of the file. */
export function parseRequestHead(buf: Buffer, start: number, end: number, limits: HeadLimits, out: RequestHead): HeadResult {
  if (end > buf.length) end = buf.length;
  const hardEnd = start + limits.maxHeadBytes;
  const stopIsLimit = end >= hardEnd;
  const stop = stopIsLimit ? hardEnd : end;
  const need: HeadResult = stopIsLimit ? E_TOO_LARGE : INCOMPLETE;
  let p = start;
  let c: number;

  for (let empty = 0; ; empty++) {
    if (p >= stop) return need;
    c = buf[p]!;
    if (c !== CR) break;
    if (p + 1 >= stop) return need;
    if (buf[p + 1] !== LF) return E_BARE_CR;
    if (empty === MAX_EMPTY_LINES) return E_EMPTY_LINES;
    p += 2;
  }

  const lineStart = p;
  while (TCHAR[c] === 1) {
    if (++p - lineStart > MAX_METHOD_BYTES) return E_METHOD_LONG;
    if (p >= stop) return need;
    c = buf[p]!;
  }
  if (c !== SP) return c === LF ? E_BARE_LF : p > lineStart && c === CR ? E_NO_TARGET : E_BAD_METHOD;
  const method = methodName(buf, lineStart, p);
  if (method === 'CONNECT') return E_CONNECT;
  if (method === 'PRI') return E_PRI;

  const ts = ++p;
  let inQuery = false;
  for (;;) {
    if (p >= stop) return need;
    c = buf[p]!;
    const k = TARGET[c];
    if (k !== TARGET_PLAIN) {
      if (k === TARGET_QUERY) inQuery = true;
      else if (k === TARGET_PERCENT) {
        if (!inQuery) {
          if (p + 2 >= stop) return need;
          const x = LOWER[buf[p + 2]!];
          if (buf[p + 1] === 0x30 && (x === 0x30 || x === 0x61 || x === 0x64)) return E_PCT_CTL;
        }
      } else break;
    }
    if (++p - ts > limits.maxUriBytes) return E_URI_TOO_LONG;
  }
  const te = p;
  if (c !== SP) return c === LF ? E_BARE_LF : c === CR && te > ts ? E_NO_VERSION : E_BAD_TARGET;
  if (te === ts) return E_MULTI_SPACE;

  let form: TargetForm = 'origin';
  let authStart = ts;
  let authEnd = ts;
  const first = buf[ts];
  if (first === 0x2a && te - ts === 1) {
    if (method !== 'OPTIONS') return E_ASTERISK;
    form = 'asterisk';
  } else if (first !== SLASH) {
    if (te - ts > 7 && equalsLower(buf, ts, ts + 7, SCHEME_HTTP)) authStart = ts + 7;
    else if (te - ts > 8 && equalsLower(buf, ts, ts + 8, SCHEME_HTTPS)) authStart = ts + 8;
    else return E_TARGET_FORM;
    authEnd = authStart;
    while (authEnd < te && buf[authEnd] !== SLASH && buf[authEnd] !== QUESTION) authEnd++;
    if (!validHost(buf, authStart, authEnd)) return E_BAD_AUTHORITY;
    form = 'absolute';
  }

  p++;
  if (p < stop && buf[p] === SP) return E_MULTI_SPACE;
  for (let i = 0; i < 5; i++, p++) {
    if (p >= stop) return need;
    if (buf[p] !== HTTP_PREFIX[i]) return E_BAD_VERSION;
  }
  if (p + 2 >= stop) return need;
  const major = buf[p]! - 0x30;
  const minor = buf[p + 2]! - 0x30;
  if (major < 0 || major > 9 || buf[p + 1] !== 0x2e || minor < 0 || minor > 9) return E_BAD_VERSION;
  p += 3;
  if (p >= stop) return need;
  c = buf[p]!;
  if (c !== CR) return c === LF ? E_BARE_LF : E_BAD_VERSION;
  if (p + 1 >= stop) return need;
  if (buf[p + 1] !== LF) return E_BARE_CR;
  p += 2;
  if (major !== 1 || minor > 1) return E_VERSION;
  const version = minor === 1 ? 11 : 10;

  out.ensureCapacity(limits.maxHeaders);
  const headEnd = scanFields(buf, p, stop, stopIsLimit, limits.maxHeaders, out);
  if (headEnd < 0) return SCAN_RESULTS[-headEnd]!;

  const f = out.fields;
  let contentLength = -1;
  let coding = -1;
  let hostIndex = -1;
  let upgradeIndex = -1;
  let upgradeEnd = 0;
  let conn = 0;
  let expect = false;
  if (out.connectionTokens.length !== 0) out.connectionTokens.length = 0;
  out.connectionTokenCount = 0;
  for (let i = 0, o = 0; i < out.fieldCount; i++, o += FIELD_STRIDE) {
    const id = f[o + 4]! & FIELD_ID_MASK;
    if (id === 0) continue;
    const vs = f[o + 2]!;
    const ve = f[o + 3]!;
    if (id === H_CONTENT_LENGTH) {
      if (contentLength !== -1) return E_DUP_CL;
      contentLength = parseContentLength(buf, vs, ve);
      if (contentLength < 0) return E_BAD_CL;
    } else if (id === H_TRANSFER_ENCODING) {
      if (coding !== -1) return E_DUP_TE;
      coding = transferCoding(buf, vs, ve);
    } else if (id === H_HOST) {
      if (hostIndex !== -1) return E_DUP_HOST;
      if (!validHost(buf, vs, ve)) return E_BAD_HOST;
      hostIndex = i;
    } else if (id === H_CONNECTION) {
      const bits = scanConnection(buf, vs, ve, out);
      if (bits < 0) return E_BAD_CONNECTION;
      conn |= bits;
    } else if (id === H_UPGRADE) {
      if (upgradeIndex !== -1) return E_DUP_UPGRADE;
      upgradeEnd = scanUpgrade(buf, vs, ve);
      if (upgradeEnd < 0) return upgradeEnd === UPGRADE_H2C ? E_H2C : E_BAD_UPGRADE;
      upgradeIndex = i;
    } else if (id === H_EXPECT) {
      expect = equalsLower(buf, vs, ve, V_100_CONTINUE);
    } else if (id === H_UNDERSCORE_FRAMING) {
      return E_UNDERSCORE;
    }
  }
  if (coding !== -1) {
    if (contentLength !== -1) return E_CL_TE;
    if (version === 10) return E_TE_HTTP10;
    if (coding !== CODING_CHUNKED) return coding === CODING_UNKNOWN ? E_TE_UNKNOWN : E_TE_INVALID;
  }
  if (hostIndex === -1 && version === 11) return E_NO_HOST;
  if (form === 'absolute' && hostIndex !== -1 && !sameHost(buf, authStart, authEnd, f[hostIndex * FIELD_STRIDE + 2]!, f[hostIndex * FIELD_STRIDE + 3]!)) {
    return E_HOST_MISMATCH;
  }

  out.method = method;
  out.target = buf.toString('latin1', ts, te);
  out.targetForm = form;
  out.targetStart = ts;
  out.targetEnd = te;
  out.pathOffset = form === 'absolute' ? authEnd - ts : 0;
  out.lineStart = lineStart;
  out.version = version;
  out.bodyKind = coding === CODING_CHUNKED ? 'chunked' : contentLength > 0 ? 'length' : 'none';
  out.contentLength = contentLength > 0 ? contentLength : 0;
  out.host =
    hostIndex !== -1
      ? buf.toString('latin1', f[hostIndex * FIELD_STRIDE + 2], f[hostIndex * FIELD_STRIDE + 3])
      : form === 'absolute'
        ? buf.toString('latin1', authStart, authEnd)
        : undefined;
  out.keepAlive = (conn & CONN_CLOSE) === 0 && (version === 11 || (conn & CONN_KEEP_ALIVE) !== 0);
  out.upgrade = version === 11 && (conn & CONN_UPGRADE) !== 0 && upgradeIndex !== -1 ? upgradeName(buf, f[upgradeIndex * FIELD_STRIDE + 2]!, upgradeEnd) : undefined;
  out.expectContinue = expect && version === 11;
  if (out.connectionTokenCount > 0) markConnectionNamed(buf, out);
  out.headLength = headEnd - start;
  return COMPLETE;
}
