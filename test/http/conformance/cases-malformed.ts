/** Malformed Input and Normalization cases of the Http11Probe catalogue. */
import { absent, def, either, headerIs, HOST, http, POLICY_UNDERSCORE, raw, reject } from './build.js';
import type { ConformanceCase } from './types.js';

const M = 'Malformed Input';
const N = 'Normalization';
const TIMEOUT_OK = { allowTimeout: true } as const;

/** Deterministic "random" bytes (mulberry32), so the garbage case sends the same bytes every run. */
function garbage(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  let a = seed >>> 0;
  for (let i = 0; i < length; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((t ^ (t >>> 14)) >>> 0) & 0xff;
  }
  return out;
}

const RANGES = `bytes=${Array.from({ length: 1000 }, (_, i) => `0-${i}`).join(',')}`;

export const MALFORMED: readonly ConformanceCase[] = [
  def('MAL-BINARY-GARBAGE', M, '256 bytes of seeded random garbage', garbage(256, 42), reject([400, 408], TIMEOUT_OK)),
  def('MAL-CHUNK-EXT-64K', M, 'Chunk extension of 64 KiB', http('POST', '/', ['Transfer-Encoding: chunked'], `5;ext=${'x'.repeat(65_536)}\r\nhello\r\n0\r\n\r\n`),
    either([400, 413, 431])),
  def('MAL-CHUNK-SIZE-OVERFLOW', M, 'Chunk size FFFFFFFFFFFFFFFF0 (over 64 bits)', http('POST', '/', ['Transfer-Encoding: chunked'], 'FFFFFFFFFFFFFFFF0\r\nhello\r\n0\r\n\r\n'),
    reject([400, 413])),
  def('MAL-CL-EMPTY', M, 'Content-Length: (empty)', http('POST', '/', ['Content-Length: ']), reject()),
  def('MAL-CL-OVERFLOW', M, 'Content-Length: 99999999999999999999', http('POST', '/', ['Content-Length: 99999999999999999999']), reject([400, 413])),
  // HTAB is valid OWS (RFC 9110 §5.6.3): forwarding is right if the value is re-serialized cleanly.
  def('MAL-CL-TAB-BEFORE-VALUE', M, 'Content-Length:<HTAB>5', http('POST', '/', ['Content-Length:\t5'], 'hello'), either([400])),
  // HAProxy 2.6 forwards BEL/BS/VT and even NUL (MAL-NUL-IN-HEADER-VALUE, COOK-NUL, COOK-CONTROL-CHARS) in
  // field values; RFC 9110 §5.5: CTLs are not field-vchar, and NUL MUST be rejected or replaced by SP.
  def('MAL-CONTROL-CHARS-HEADER', M, 'BEL, BS, VT in a header value', http('GET', '/', ['X-Test: abc\x07\x08\x0bdef']), reject()),
  def('MAL-EMPTY-REQUEST', M, 'Connect, send nothing, close', Buffer.alloc(0), reject([400, 408], TIMEOUT_OK), { clientCloses: true }),
  // HAProxy 2.6 switches to HTTP/2 on the preface and closes with a GOAWAY frame (non-HTTP/1 bytes): a close.
  def('MAL-H2-PREFACE', M, 'HTTP/2 connection preface on HTTP/1.1', raw('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), reject([400, 505], TIMEOUT_OK)),
  def('MAL-INCOMPLETE-REQUEST', M, 'Head without its final CRLF, then close', raw(`GET / HTTP/1.1\r\n${HOST}\r\nX-Test: value`), reject([400, 408], TIMEOUT_OK),
    { clientCloses: true }),
  def('MAL-LONG-HEADER-NAME', M, '100 KB header name', http('GET', '/', [`${'A'.repeat(100_000)}: val`]), reject([400, 431])),
  def('MAL-LONG-HEADER-VALUE', M, '100 KB header value', http('GET', '/', [`X-Big: ${'B'.repeat(100_000)}`]), reject([400, 431])),
  // RFC 9112 §3: a method longer than any implemented SHOULD get 501.
  def('MAL-LONG-METHOD', M, '100 KB method', http('A'.repeat(100_000), '/'), reject([400, 414, 501])),
  def('MAL-LONG-URL', M, '100 KB URL', http('GET', `/${'A'.repeat(100_000)}`), reject([400, 414, 431])),
  def('MAL-MANY-HEADERS', M, '10,000 header fields', http('GET', '/', Array.from({ length: 10_000 }, (_, i) => `X-H-${i}: value`)), reject([400, 431])),
  def('MAL-NON-ASCII-HEADER-NAME', M, 'UTF-8 bytes in a header name', http('GET', '/', ['X-T\xc3\xabst: value']), reject()),
  def('MAL-NON-ASCII-URL', M, 'UTF-8 bytes in the URL', http('GET', '/caf\xc3\xa9'), reject()),
  def('MAL-NUL-IN-HEADER-VALUE', M, 'NUL in a header value', http('GET', '/', ['X-Test: abc\x00def']), reject()),
  def('MAL-NUL-IN-URL', M, 'NUL in the URL', http('GET', '/\x00test'), reject()),
  def('MAL-POST-CL-HUGE-NO-BODY', M, 'Content-Length: 1 GiB and no body, then silence', http('POST', '/', ['Content-Length: 1073741824']),
    reject([400, 408, 413], { allowTimeout: true, upstream: 'incomplete' })),
  def('MAL-RANGE-OVERLAPPING', M, 'Range with 1000 overlapping ranges', http('GET', '/', [`Range: ${RANGES}`]), either([400, 416, 431], { check: headerIs('Range', RANGES) })),
  def('MAL-URL-BACKSLASH', M, 'GET /foo\\bar', http('GET', '/foo\\bar'), either([400])),
  def('MAL-URL-OVERLONG-UTF8', M, 'Overlong UTF-8 (0xC0 0xAF) in the path', http('GET', '/\xc0\xaf'), reject()),
  // Forwarded, the target must stay percent-encoded (never decoded into a header break).
  def('MAL-URL-PERCENT-CRLF', M, 'GET /foo%0d%0aX-Injected:%20true', http('GET', '/foo%0d%0aX-Injected:%20true'), either([400], { check: absent('X-Injected') })),
  def('MAL-URL-PERCENT-NULL', M, 'GET /foo%00bar', http('GET', '/foo%00bar'), either([400])),
  def('MAL-WHITESPACE-ONLY-LINE', M, 'A line of spaces and tabs', raw(' \t  \t\r\n\r\n'), reject([400, 408], TIMEOUT_OK)),
];

/** Each carries a valid `Content-Length: 11` + "hello world" plus one malformed framing field. */
export const NORMALIZATION: readonly ConformanceCase[] = [
  def('NORM-CASE-TE', N, 'TRANSFER-ENCODING: chunked next to Content-Length: 11', http('POST', '/echo', ['Content-Length: 11', 'TRANSFER-ENCODING: chunked'], 'hello world'),
    reject([400, 501])),
  def('NORM-SP-BEFORE-COLON-CL', N, '"Content-Length : 5" next to Content-Length: 11', http('POST', '/echo', ['Content-Length: 11', 'Content-Length : 5'], 'hello world'), reject()),
  def('NORM-TAB-IN-NAME', N, '"Content<HTAB>Length: 99" next to Content-Length: 11', http('POST', '/echo', ['Content-Length: 11', 'Content\tLength: 99'], 'hello world'), reject()),
  // HAProxy 2.6 forwards Content_Length / Transfer_Encoding unchanged (also SMUG-TRANSFER_ENCODING).
  def('NORM-UNDERSCORE-CL', N, 'Content_Length: 99 next to Content-Length: 11', http('POST', '/echo', ['Content-Length: 11', 'Content_Length: 99'], 'hello world'),
    either([400], { check: absent('Content_Length') }), { policy: POLICY_UNDERSCORE }),
  def('NORM-UNDERSCORE-TE', N, 'Transfer_Encoding: chunked next to Content-Length: 11', http('POST', '/echo', ['Content-Length: 11', 'Transfer_Encoding: chunked'], 'hello world'),
    either([400], { check: absent('Transfer_Encoding') }), { policy: POLICY_UNDERSCORE }),
];
