/**
 * Compliance cases (RFC 9110/9112 grammar and semantics) of the Http11Probe catalogue, as a
 * reverse proxy must handle them. Response-side properties the catalogue checks on an origin
 * (Date, Content-Type, Allow, 405, 304...) belong to the backend; for a proxy those cases
 * become "the request passes through cleanly and the backend's answer comes back".
 */
import { absent, def, either, forward, headerIs, HOST, http, raw, reject } from './build.js';
import type { ConformanceCase } from './types.js';

const C = 'Compliance';
const WS_KEY = 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==';
const WS = [WS_KEY, 'Sec-WebSocket-Version: 13'];
const BARE_LF =
  'Issue #3 requires 400 for bare LF; RFC 9112 §2.2 lets a recipient accept a bare LF as a line terminator in the start-line and header section.';

export const COMPLIANCE: readonly ConformanceCase[] = [
  def('COMP-BASELINE', C, 'Minimal valid GET', http('GET', '/'), forward()),

  // ── bodies ──
  def('COMP-CHUNKED-BODY', C, 'Chunked POST, one 5-byte chunk', http('POST', '/', ['Transfer-Encoding: chunked'], '5\r\nhello\r\n0\r\n\r\n'), forward()),
  def('COMP-CHUNKED-EMPTY', C, 'Chunked POST with only the last chunk', http('POST', '/', ['Transfer-Encoding: chunked'], '0\r\n\r\n'), forward()),
  // RFC 9112 §7.1.1: a recipient MUST ignore unrecognized chunk extensions, so a proxy forwards.
  def('COMP-CHUNKED-EXTENSION', C, 'Chunk size line with extension 5;ext=value', http('POST', '/', ['Transfer-Encoding: chunked'], '5;ext=value\r\nhello\r\n0\r\n\r\n'), forward()),
  def('COMP-CHUNKED-HEX-UPPERCASE', C, 'Chunk size A (uppercase hex)', http('POST', '/', ['Transfer-Encoding: chunked'], 'A\r\nhelloworld\r\n0\r\n\r\n'), forward()),
  def('COMP-CHUNKED-MULTI', C, 'Two chunks then the last chunk', http('POST', '/', ['Transfer-Encoding: chunked'], '5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n'), forward()),
  // A streaming proxy may already have sent the head and the first chunk; the request never completes.
  def('COMP-CHUNKED-NO-FINAL', C, 'Chunked POST without the last chunk, then silence', http('POST', '/', ['Transfer-Encoding: chunked'], '5\r\nhello\r\n'),
    reject([400, 408], { allowTimeout: true, upstream: 'incomplete' })),
  // RFC 9110 §6.5.1: trailers must not be merged into the header section.
  def('COMP-CHUNKED-TRAILER-VALID', C, 'Chunked POST with trailer X-Checksum', http('POST', '/', ['Transfer-Encoding: chunked'], '5\r\nhello\r\n0\r\nX-Checksum: abc\r\n\r\n'),
    forward({ check: absent('X-Checksum') })),
  def('COMP-GET-WITH-CL-BODY', C, 'GET with Content-Length: 5 and body', http('GET', '/', ['Content-Length: 5'], 'hello'), either([400])),
  def('COMP-POST-CL-BODY', C, 'POST with Content-Length: 5 and body', http('POST', '/', ['Content-Length: 5'], 'hello'), forward()),
  def('COMP-POST-CL-UNDERSEND', C, 'Content-Length: 10 with 5 bytes sent, then silence', http('POST', '/', ['Content-Length: 10'], 'hello'),
    reject([400, 408], { allowTimeout: true, upstream: 'incomplete' })),
  def('COMP-POST-CL-ZERO', C, 'POST with Content-Length: 0', http('POST', '/', ['Content-Length: 0']), forward()),
  def('COMP-POST-NO-CL-NO-TE', C, 'POST with no framing headers (empty body)', http('POST', '/'), forward()),
  def('COMP-POST-UNSUPPORTED-CT', C, 'POST with an unknown Content-Type', http('POST', '/', ['Content-Length: 5', 'Content-Type: application/x-nonsense'], 'hello'),
    forward({ check: headerIs('Content-Type', 'application/x-nonsense') })),
  def('COMP-RANGE-INVALID', C, 'GET with an invalid Range', http('GET', '/', ['Range: bytes=abc-xyz']), forward({ check: headerIs('Range', 'bytes=abc-xyz') })),
  def('COMP-RANGE-POST', C, 'POST with a Range header', http('POST', '/', ['Content-Length: 5', 'Range: bytes=0-10'], 'hello'), forward({ check: headerIs('Range', 'bytes=0-10') })),
  def('RFC9112-6.1-CL-NON-NUMERIC', C, 'Content-Length: abc', http('POST', '/', ['Content-Length: abc']), reject()),
  def('RFC9112-6.1-CL-PLUS-SIGN', C, 'Content-Length: +5', http('POST', '/', ['Content-Length: +5'], 'hello'), reject()),

  // ── response-side properties of the origin: the proxy's part is a clean pass-through ──
  def('COMP-NO-CL-IN-204', C, 'OPTIONS / (origin may answer 204)', http('OPTIONS', '/'), forward()),
  def('COMP-ACCEPT-NONSENSE', C, 'Accept: application/x-nonsense', http('GET', '/', ['Accept: application/x-nonsense']), forward({ check: headerIs('Accept', 'application/x-nonsense') })),
  def('COMP-CONNECTION-CLOSE', C, 'Connection: close: 2xx, then the proxy closes', http('GET', '/', ['Connection: close']), forward({ closeAfter: true })),
  def('COMP-CONTENT-TYPE', C, 'Plain GET (origin should send Content-Type)', http('GET', '/'), forward()),
  def('COMP-DATE-FORMAT', C, 'Plain GET (origin Date in IMF-fixdate)', http('GET', '/'), forward()),
  def('COMP-DATE-HEADER', C, 'Plain GET (origin must send Date)', http('GET', '/'), forward()),
  def('COMP-DUPLICATE-CT', C, 'Two conflicting Content-Type fields', http('POST', '/', ['Content-Length: 5', 'Content-Type: text/plain', 'Content-Type: text/html'], 'hello'), either([400])),
  def('RFC9112-5-EMPTY-HEADER-NAME', C, 'Header line ": value" (empty name)', http('GET', '/', [': empty-name']), reject()),
  def('COMP-EXPECT-UNKNOWN', C, 'Expect: 200-ok', http('GET', '/', ['Expect: 200-ok']), either([417, 400])),
  def('RFC9112-5-HEADER-NO-COLON', C, 'Header line without a colon', http('GET', '/', ['NoColonHere']), reject()),
  def('COMP-HTTP10-DEFAULT-CLOSE', C, 'HTTP/1.0 GET: 2xx, then the proxy closes', http('GET', '/', [], '', 'HTTP/1.0'), forward({ closeAfter: true })),
  def('RFC9112-5-INVALID-HEADER-NAME', C, 'Header name Bad[Name', http('GET', '/', ['Bad[Name: value']), reject()),
  // RFC 9110 §15.2: no 1xx to an HTTP/1.0 client, even if the proxy forwards Expect.
  def('COMP-NO-1XX-HTTP10', C, 'HTTP/1.0 POST with Expect: 100-continue and body', http('POST', '/', ['Expect: 100-continue', 'Content-Length: 5'], 'hello', 'HTTP/1.0'),
    forward({ noInterim: true })),
  // HAProxy 2.6 unfolds obs-fold (RFC 9112 §5.2 lets a server replace it with SP); the catalogue and issue #3 want 400.
  def('RFC9112-5.1-OBS-FOLD', C, 'Header value continued on an obs-fold line', http('GET', '/', ['X-Test: value', ' continued']), reject(),
    { policy: 'Issue #3 requires 400 for obs-fold; RFC 9112 §5.2 also lets a server replace each obs-fold with SP and go on.' }),
  def('RFC9110-5.6.2-SP-BEFORE-COLON', C, 'X-Test : value (space before colon)', http('GET', '/', ['X-Test : value']), reject()),
  // RFC 9112 §2.2 also allows consuming the whitespace-preceded line; the catalogue wants 400/close.
  def('COMP-WHITESPACE-BEFORE-HEADERS', C, 'Whitespace line between request-line and headers', raw(`GET / HTTP/1.1\r\n \r\n${HOST}\r\n\r\n`), reject()),
  // RFC 9112 §3.2: MUST 400 for more than one Host line, for a missing Host (HTTP/1.1) and for an invalid
  // Host value (RFC 9110 §4.2.1: an http URI with an empty host MUST be rejected). HAProxy 2.6 forwards
  // all of these (a single Host for the duplicate, the others as received); the RFC decides.
  def('COMP-DUPLICATE-HOST-SAME', C, 'Two identical Host fields', http('GET', '/', [HOST]), reject()),
  def('RFC9110-5.4-DUPLICATE-HOST', C, 'Two different Host fields', http('GET', '/', ['Host: other.example.com']), reject()),
  def('COMP-HOST-EMPTY-VALUE', C, 'Host: (empty)', raw('GET / HTTP/1.1\r\nHost: \r\n\r\n'), reject()),
  def('COMP-HOST-WITH-PATH', C, 'Host: localhost/path', raw('GET / HTTP/1.1\r\nHost: localhost/path\r\n\r\n'), reject()),
  def('COMP-HOST-WITH-USERINFO', C, 'Host: user@localhost', raw('GET / HTTP/1.1\r\nHost: user@localhost\r\n\r\n'), reject()),
  def('COMP-HTTP10-NO-HOST', C, 'HTTP/1.0 GET without Host', raw('GET / HTTP/1.0\r\n\r\n'), either([400])),
  def('RFC9112-7.1-MISSING-HOST', C, 'HTTP/1.1 GET without Host', raw('GET / HTTP/1.1\r\n\r\n'), reject()),
  // HAProxy 2.6 accepts bare LF in the head and forwards clean CRLF lines (the RFC's MAY; see policy).
  def('RFC9112-2.2-BARE-LF-HEADER', C, 'A header line ended by bare LF', raw(`GET / HTTP/1.1\r\n${HOST}\nX-Test: value\r\n\r\n`), reject(), { policy: BARE_LF }),
  def('RFC9112-2.2-BARE-LF-REQUEST-LINE', C, 'Request-line ended by bare LF', raw(`GET / HTTP/1.1\n${HOST}\r\n\r\n`), reject(), { policy: BARE_LF }),
  def('RFC9112-3-CR-ONLY-LINE-ENDING', C, 'Request-line ended by bare CR', raw(`GET / HTTP/1.1\r${HOST}\r\n\r\n`), reject()),
  // RFC 9112 §2.2: a server SHOULD ignore at least one empty line before the request-line.
  def('COMP-LEADING-CRLF', C, 'Two CRLF before the request-line', raw(`\r\n\r\nGET / HTTP/1.1\r\n${HOST}\r\n\r\n`), either([400])),
  def('COMP-405-ALLOW', C, 'DELETE / (origin may answer 405 + Allow)', http('DELETE', '/'), forward()),
  // RFC 9112 §3.2.2: a server MUST accept absolute-form; the proxy may rewrite it to origin-form.
  def('COMP-ABSOLUTE-FORM', C, 'GET http://localhost/ with matching Host', http('GET', 'http://localhost/'),
    forward({ requests: [{ method: 'GET', targets: ['http://localhost/', '/'], body: Buffer.alloc(0) }], check: headerIs('Host', 'localhost') })),
  // HAProxy 2.6 forwards GET * unchanged; RFC 9112 §3.2.4 reserves asterisk-form for OPTIONS.
  def('COMP-ASTERISK-WITH-GET', C, 'GET * (asterisk-form is for OPTIONS only)', http('GET', '*'), reject()),
  def('RFC9112-3.2-FRAGMENT-IN-TARGET', C, 'GET /path#frag', http('GET', '/path#frag'),
    either([400], { requests: [{ method: 'GET', targets: ['/path#frag', '/path'], body: Buffer.alloc(0) }] })),
  def('COMP-HEAD-NO-BODY', C, 'HEAD / (the answer has no body)', http('HEAD', '/'), forward()),
  def('RFC9112-2.3-HTTP09-REQUEST', C, 'HTTP/0.9 request "GET /"', raw('GET /\r\n'), reject([400, 408, 505], { allowTimeout: true })),
  def('COMP-HTTP12-VERSION', C, 'GET / HTTP/1.2', http('GET', '/', [], '', 'HTTP/1.2'), either([505, 400])),
  // HAProxy 2.6 forwards HTTP/9.9 as an HTTP/1.1 request; a major version it does not speak is not 1.1
  // syntax (RFC 9112 §2.3), so 400/505 with nothing upstream.
  def('RFC9112-2.3-INVALID-VERSION', C, 'GET / HTTP/9.9', http('GET', '/', [], '', 'HTTP/9.9'), reject([400, 505])),
  // RFC 9112 §3: support request-lines of at least 8000 octets.
  def('COMP-LONG-URL-OK', C, 'GET with a 7901-byte path', http('GET', `/${'a'.repeat(7900)}`), forward()),
  def('COMP-METHOD-CASE', C, 'Lowercase method "get" (forwarded unchanged if at all)', http('get', '/'), either([400, 405, 501])),
  // HAProxy 2.6 in mode http forwards CONNECT to the backend (rewriting Host to example.com); issue #3:
  // never forward CONNECT, Switchyard is not an open proxy.
  def('COMP-METHOD-CONNECT', C, 'CONNECT example.com:443', raw('CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n'), reject([400, 405, 501])),
  def('COMP-METHOD-TRACE', C, 'TRACE /', http('TRACE', '/'), either([405, 501])),
  def('RFC9112-3-MISSING-TARGET', C, 'GET HTTP/1.1 (no target)', raw(`GET HTTP/1.1\r\n${HOST}\r\n\r\n`), reject()),
  def('RFC9112-3-MULTI-SP-REQUEST-LINE', C, 'GET  /  HTTP/1.1 (double spaces)', raw(`GET  /  HTTP/1.1\r\n${HOST}\r\n\r\n`),
    either([400], { requests: [{ method: 'GET', targets: ['/'], body: Buffer.alloc(0) }] })),
  def('COMP-OPTIONS-ALLOW', C, 'OPTIONS / (origin should send Allow)', http('OPTIONS', '/'), forward()),
  def('COMP-OPTIONS-STAR', C, 'OPTIONS *', http('OPTIONS', '*'), forward()),
  def('COMP-REQUEST-LINE-TAB', C, 'Tab between method and target', raw(`GET\t/ HTTP/1.1\r\n${HOST}\r\n\r\n`),
    either([400], { requests: [{ method: 'GET', targets: ['/'], body: Buffer.alloc(0) }] })),
  def('COMP-SPACE-IN-TARGET', C, 'GET /pa th (space in target)', http('GET', '/pa th'), reject()),
  def('COMP-TRACE-SENSITIVE', C, 'TRACE with Authorization (origin must not echo it)', http('TRACE', '/', ['Authorization: Bearer secret-token-123']), either([405, 501])),
  def('COMP-TRACE-WITH-BODY', C, 'TRACE with Content-Length and body', http('TRACE', '/', ['Content-Length: 5'], 'hello'), either([400, 405, 501])),
  // Extension methods are the origin's business; a proxy forwards them (the origin says 501).
  def('COMP-UNKNOWN-METHOD', C, 'Method FOOBAR', http('FOOBAR', '/'), either([400, 405, 501])),
  def('COMP-UNKNOWN-TE-501', C, 'Transfer-Encoding: gzip, no Content-Length', http('POST', '/', ['Transfer-Encoding: gzip']), reject([400, 501])),
  def('COMP-VERSION-CASE', C, 'GET / http/1.1 (lowercase)', http('GET', '/', [], '', 'http/1.1'), reject()),
  def('COMP-VERSION-LEADING-ZEROS', C, 'GET / HTTP/01.01', http('GET', '/', [], '', 'HTTP/01.01'), reject([400, 505])),
  def('COMP-VERSION-MISSING-MINOR', C, 'GET / HTTP/1', http('GET', '/', [], '', 'HTTP/1'), reject([400, 505])),
  def('COMP-VERSION-WHITESPACE', C, 'GET / HTTP/ 1.1', http('GET', '/', [], '', 'HTTP/ 1.1'), reject([400, 505])),

  // ── Upgrade ── the capture backend answers 200, so no tunnel may start in any of these.
  // RFC 9110 §7.8: Upgrade in an HTTP/1.0 request MUST be ignored, so it must not be forwarded.
  // HAProxy 2.6 forwards Connection: Upgrade and Upgrade: websocket in the HTTP/1.0 request; RFC 9110 §7.8
  // (MUST ignore Upgrade from HTTP/1.0) and §7.6.1 (remove Connection-named fields) say strip them.
  def('COMP-UPGRADE-HTTP10', C, 'HTTP/1.0 request with WebSocket upgrade headers', http('GET', '/', ['Connection: Upgrade', 'Upgrade: websocket', ...WS], '', 'HTTP/1.0'),
    either([400, 426])),
  def('COMP-UPGRADE-INVALID-VER', C, 'WebSocket upgrade with Sec-WebSocket-Version: 99', http('GET', '/', ['Connection: Upgrade', 'Upgrade: websocket', WS_KEY, 'Sec-WebSocket-Version: 99']),
    either([400, 426], { allowUpgrade: true, check: headerIs('Sec-WebSocket-Version', '99') })),
  // HAProxy 2.6 forwards the lone Upgrade header.
  def('COMP-UPGRADE-MISSING-CONN', C, 'Upgrade: websocket without Connection: Upgrade', http('GET', '/', ['Upgrade: websocket', ...WS]), either([400, 426]), {
    policy: 'RFC 9110 §7.6.1: intermediaries SHOULD (not MUST) remove Upgrade even when Connection does not name it; issue #3 strips it unless tunnelling.',
  }),
  def('COMP-UPGRADE-POST', C, 'WebSocket upgrade with POST', http('POST', '/', ['Connection: Upgrade', 'Upgrade: websocket', ...WS]),
    either([400, 405, 426], { allowUpgrade: true })),
  def('COMP-UPGRADE-UNKNOWN', C, 'Upgrade: totally-made-up/1.0', http('GET', '/', ['Connection: Upgrade', 'Upgrade: totally-made-up/1.0']),
    either([400, 426, 501], { allowUpgrade: true })),
];
