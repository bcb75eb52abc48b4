/**
 * The response head parser: a backend's status line and header fields, with the same
 * representation, single scan and feeding rules as request-head.ts. Every error is 502:
 * the proxy answers 502 and discards the upstream connection.
 *
 * Framing (RFC 9112 §6.3): no body for a HEAD request, 1xx, 204 and 304; then chunked,
 * then Content-Length, else the body runs until the backend closes ('close').
 *
 * Deliberate choices (each an error):
 * - status line: exactly HTTP/1.0 or HTTP/1.1, SP, three digits 100–599, then SP and a reason
 *   (HTAB, SP, VCHAR, obs-text) or directly CRLF; no empty lines before it;
 * - both Content-Length and Transfer-Encoding; a second Content-Length or Transfer-Encoding
 *   field; Content-Length as in requests (digits, no leading zero, <= 2^53 - 1);
 *   Transfer-Encoding other than exactly `chunked` (a proxy that forwards the body as is
 *   cannot pass on gzip-then-chunked framing safely); Transfer-Encoding on HTTP/1.0;
 * - 101 without a valid Upgrade field; a field named Content_Length or Transfer_Encoding.
 * A 1xx other than 101 sets `interim`: the caller forwards or drops it and parses the next
 * head from start + headLength.
 */
import { COMPLETE, INCOMPLETE, headError, type HeadLimits, type HeadResult } from './head-result.js';
import { FIELD_STRIDE, FIELD_ID_MASK, H_CONNECTION, H_CONTENT_LENGTH, H_TRANSFER_ENCODING, H_UNDERSCORE_FRAMING, H_UPGRADE, MessageHead, SCAN_REASONS, SCAN_TOO_LARGE, scanFields } from './fields.js';
import { CODING_CHUNKED, CONN_CLOSE, CONN_KEEP_ALIVE, markConnectionNamed, parseContentLength, scanConnection, scanUpgrade, transferCoding, upgradeName } from './framing.js';
import { CR, FIELD_VALUE, LF, SP, asciiBytes } from './tokens.js';

export type ResponseBodyKind = 'none' | 'length' | 'chunked' | 'close';

/** One per upstream connection, reused for every response. Contents are unspecified unless the last parse was 'complete'. */
export class ResponseHead extends MessageHead {
  /** 100–599. */
  status = 0;
  /** A 1xx other than 101: an interim response before the final one. */
  interim = false;
  /** 'none' also for Content-Length: 0. */
  bodyKind: ResponseBodyKind = 'none';
}

const E_TOO_LARGE = headError(502, 'response head too large');
const E_BAD_STATUS_LINE = headError(502, 'invalid status line');
const E_VERSION = headError(502, 'unsupported HTTP version in response');
const E_BAD_STATUS = headError(502, 'invalid status code');
const E_BAD_REASON = headError(502, 'invalid character in reason phrase');
const E_BARE_CR = headError(502, 'bare CR in response head');
const E_BARE_LF = headError(502, 'bare LF in response head');
const E_DUP_CL = headError(502, 'duplicate Content-Length in response');
const E_BAD_CL = headError(502, 'invalid Content-Length in response');
const E_DUP_TE = headError(502, 'duplicate Transfer-Encoding in response');
const E_BAD_TE = headError(502, 'Transfer-Encoding other than chunked in response');
const E_CL_TE = headError(502, 'both Content-Length and Transfer-Encoding in response');
const E_TE_HTTP10 = headError(502, 'Transfer-Encoding in HTTP/1.0 response');
const E_BAD_CONNECTION = headError(502, 'invalid Connection in response');
const E_BAD_UPGRADE = headError(502, 'invalid Upgrade in response');
const E_NO_UPGRADE = headError(502, '101 without Upgrade');
const E_UNDERSCORE = headError(502, 'Content-Length or Transfer-Encoding spelled with underscore in response');

const SCAN_RESULTS: readonly HeadResult[] = SCAN_REASONS.map((reason, i) =>
  i === 1 ? INCOMPLETE : i === -SCAN_TOO_LARGE ? E_TOO_LARGE : headError(502, `${reason} in response head`),
);

const HTTP_1 = asciiBytes('HTTP/1.');

/** Parses the response head in buf[start, end) into `out`. `requestMethod` is the method of the request it answers. */
export function parseResponseHead(buf: Buffer, start: number, end: number, limits: HeadLimits, requestMethod: string, out: ResponseHead): HeadResult {
  if (end > buf.length) end = buf.length;
  const hardEnd = start + limits.maxHeadBytes;
  const stopIsLimit = end >= hardEnd;
  const stop = stopIsLimit ? hardEnd : end;
  const need: HeadResult = stopIsLimit ? E_TOO_LARGE : INCOMPLETE;
  let p = start;

  for (let i = 0; i < 7; i++, p++) {
    if (p >= stop) return need;
    if (buf[p] !== HTTP_1[i]) return E_BAD_STATUS_LINE;
  }
  if (p + 1 >= stop) return need;
  const minor = buf[p]! - 0x30;
  if (minor < 0 || minor > 9 || buf[p + 1] !== SP) return E_BAD_STATUS_LINE;
  if (minor > 1) return E_VERSION;
  const version = minor === 1 ? 11 : 10;
  p += 2;
  if (p + 3 >= stop) return need;
  const d0 = buf[p]! - 0x30;
  const d1 = buf[p + 1]! - 0x30;
  const d2 = buf[p + 2]! - 0x30;
  if (d0 < 1 || d0 > 5 || d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9) return E_BAD_STATUS;
  const status = d0 * 100 + d1 * 10 + d2;
  p += 3;
  let c = buf[p]!;
  if (c === SP) {
    for (;;) {
      if (++p >= stop) return need;
      c = buf[p]!;
      if (FIELD_VALUE[c] !== 1) break;
    }
  }
  if (c !== CR) return c === LF ? E_BARE_LF : p === start + 12 ? E_BAD_STATUS : E_BAD_REASON;
  if (p + 1 >= stop) return need;
  if (buf[p + 1] !== LF) return E_BARE_CR;
  p += 2;

  out.ensureCapacity(limits.maxHeaders);
  const headEnd = scanFields(buf, p, stop, stopIsLimit, limits.maxHeaders, out);
  if (headEnd < 0) return SCAN_RESULTS[-headEnd]!;

  const f = out.fields;
  let contentLength = -1;
  let coding = -1;
  let upgradeIndex = -1;
  let upgradeEnd = 0;
  let conn = 0;
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
      if (coding !== CODING_CHUNKED) return E_BAD_TE;
    } else if (id === H_CONNECTION) {
      const bits = scanConnection(buf, vs, ve, out);
      if (bits < 0) return E_BAD_CONNECTION;
      conn |= bits;
    } else if (id === H_UPGRADE && status === 101) {
      if (upgradeIndex !== -1) return E_BAD_UPGRADE;
      upgradeEnd = scanUpgrade(buf, vs, ve);
      if (upgradeEnd < 0) return E_BAD_UPGRADE;
      upgradeIndex = i;
    } else if (id === H_UNDERSCORE_FRAMING) {
      return E_UNDERSCORE;
    }
  }
  if (coding !== -1) {
    if (contentLength !== -1) return E_CL_TE;
    if (version === 10) return E_TE_HTTP10;
  }
  if (status === 101 && upgradeIndex === -1) return E_NO_UPGRADE;

  const noBody = status < 200 || status === 204 || status === 304 || requestMethod === 'HEAD';
  const bodyKind: ResponseBodyKind = noBody ? 'none' : coding !== -1 ? 'chunked' : contentLength > 0 ? 'length' : contentLength === 0 ? 'none' : 'close';
  out.status = status;
  out.interim = status < 200 && status !== 101;
  out.version = version;
  out.bodyKind = bodyKind;
  out.contentLength = bodyKind === 'length' ? contentLength : 0;
  out.keepAlive = (conn & CONN_CLOSE) === 0 && (version === 11 || (conn & CONN_KEEP_ALIVE) !== 0) && bodyKind !== 'close' && status !== 101;
  out.upgrade = upgradeIndex !== -1 ? upgradeName(buf, f[upgradeIndex * FIELD_STRIDE + 2]!, upgradeEnd) : undefined;
  if (out.connectionTokenCount > 0) markConnectionNamed(buf, out);
  out.headLength = headEnd - start;
  return COMPLETE;
}
