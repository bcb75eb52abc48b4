/**
 * Smuggling cases of the Http11Probe catalogue. For a proxy the bar is: an ambiguous request
 * never reaches the backend (400 and close, zero bytes upstream), and whatever is forwarded is
 * re-framed so that the backend cannot read it two ways.
 */
import { absent, def, either, fieldValues, forward, headerIs, HOST, http, POLICY_UNDERSCORE, raw, reject } from './build.js';
import type { ConformanceCase, RequestCheck } from './types.js';

const S = 'Smuggling';
const TE = 'Transfer-Encoding: chunked';
const GET = `GET / HTTP/1.1\r\n${HOST}\r\n\r\n`;
const CLTE =
  'Issue #3 requires 400 whenever Content-Length and Transfer-Encoding are both present; RFC 9112 §6.1 lets a server ' +
  'process such a request by Transfer-Encoding alone and close the connection after the response.';
const FOLD_CLTE =
  'Issue #3 requires 400 for obs-fold and for CL+TE; RFC 9112 §5.2/§6.1 allow unfolding, then TE-only processing and a close.';
const CL_ZEROS =
  'Stricter than RFC 9110 §8.6 (1*DIGIT allows leading zeros): forwarded, the value must be canonical (or the request ' +
  'refused), since a backend that reads 0200 as octal frames 128 bytes.';
const CL_LIST =
  'Issue #3 requires 400 for duplicate Content-Length values; RFC 9110 §8.6 lets a recipient replace a list of identical values by one.';
const LF_CHUNK =
  'Issue #3 requires 400 for bare LF; RFC 9112 §2.2 lets a recipient accept bare LF as a line terminator ' +
  '(the catalogue extends that MAY to chunked framing: 400 or 2xx).';
/** POST whose body starts with the last chunk and then holds a whole request. */
function poisoned(framing: (bodyLength: number) => readonly string[], embedded = GET): Buffer {
  const body = `0\r\n\r\n${embedded}`;
  return http('POST', '/', framing(body.length), body);
}

/** The header section must not contain a field that came in the trailer section. */
function notMerged(name: string, badValue: string): RequestCheck {
  return (req) =>
    fieldValues(req, name).includes(badValue) ? `trailer ${name}: ${badValue} was merged into the header section` : undefined;
}

export const SMUGGLING: readonly ConformanceCase[] = [
  def('SMUG-ABSOLUTE-URI-HOST-MISMATCH', S, 'GET http://other.example.com/ with Host: localhost', http('GET', 'http://other.example.com/'), reject(), {
    policy:
      'Issue #3 requires 400 when an absolute-form authority differs from Host; RFC 9112 §3.2.2 has an origin ignore Host ' +
      'and a proxy regenerate Host from the target (forward with Host: other.example.com).',
  }),
  def('SMUG-BARE-CR-HEADER-VALUE', S, 'Bare CR inside a header value', http('POST', '/', ['Content-Length: 5', 'X-Test: val\rue'], 'hello'), reject(), {
    policy: 'Issue #3 requires 400 for a bare CR; RFC 9112 §2.2 also lets a recipient replace each bare CR with SP before forwarding.',
  }),

  // ── chunk framing ──
  def('SMUG-CHUNK-BARE-CR-TERM', S, 'Chunk size line ended by bare CR', http('POST', '/', [TE], '5\rhello\r\n0\r\n\r\n'), reject()),
  // HAProxy 2.6 skips chunk extensions unparsed here and in the next cases (EXT-CTRL, EXT-INVALID-TOKEN,
  // EXT-LF) and re-chunks cleanly, so its own backend is safe; the grammar (RFC 9112 §7.1.1) still
  // makes each invalid, the catalogue says 400 or close, so nothing may go upstream.
  def('SMUG-CHUNK-BARE-SEMICOLON', S, 'Chunk size "5;" (no extension name)', http('POST', '/', [TE], '5;\r\nhello\r\n0\r\n\r\n'), reject()),
  def('SMUG-CHUNK-EXT-CR', S, 'Bare CR inside a chunk extension', http('POST', '/', [TE], '5;a\rX\r\nhello\r\n0\r\n\r\n'), reject()),
  def('SMUG-CHUNK-EXT-CTRL', S, 'NUL inside a chunk extension', http('POST', '/', [TE], '5;\x00ext\r\nhello\r\n0\r\n\r\n'), reject()),
  def('SMUG-CHUNK-EXT-INVALID-TOKEN', S, 'Chunk extension name "bad["', http('POST', '/', [TE], '5;bad[=x\r\nhello\r\n0\r\n\r\n'), reject()),
  // Invalid twice over: a bare semicolon and a bare LF; the catalogue's "2xx" allowance is for the LF alone.
  def('SMUG-CHUNK-EXT-LF', S, 'Chunk line "5;" ended by bare LF', http('POST', '/', [TE], '5;\nhello\r\n0\r\n\r\n'), reject()),
  def('SMUG-CHUNK-HEX-PREFIX', S, 'Chunk size 0x5', http('POST', '/', [TE], '0x5\r\nhello\r\n0\r\n\r\n'), reject()),
  def('SMUG-CHUNK-INVALID-SIZE-DESYNC', S, 'Chunk size +0 with a poison byte, then a GET', [http('POST', '/', [TE], '+0\r\n\r\nX'), raw(GET)], reject()),
  def('SMUG-CHUNK-LEADING-SP', S, 'Chunk size " 5"', http('POST', '/', [TE], ' 5\r\nhello\r\n0\r\n\r\n'), reject()),
  def('SMUG-CHUNK-LF-TERM', S, 'Chunk data ended by bare LF', http('POST', '/', [TE], '5\r\nhello\n0\r\n\r\n'), reject(), { policy: LF_CHUNK }),
  def('SMUG-CHUNK-LF-TRAILER', S, 'Trailer section ended by bare LF', http('POST', '/', [TE], '5\r\nhello\r\n0\r\n\n'), reject(), { policy: LF_CHUNK }),
  def('SMUG-CHUNK-MISSING-TRAILING-CRLF', S, 'Chunk data without its CRLF', http('POST', '/', [TE], '5\r\nhello0\r\n\r\n'), reject()),
  def('SMUG-CHUNK-NEGATIVE', S, 'Chunk size -1', http('POST', '/', [TE], '-1\r\nhello\r\n0\r\n\r\n'), reject()),
  def('SMUG-CHUNK-SIZE-PLUS', S, 'Chunk size +5', http('POST', '/', [TE], '+5\r\nhello\r\n0\r\n\r\n'), reject()),
  // HAProxy 2.6 skips spaces after the chunk size and re-chunks cleanly, so its backend is safe;
  // the grammar (RFC 9112 §7.1: chunk-size [ chunk-ext ] CRLF) has no room for them: 400.
  def('SMUG-CHUNK-SIZE-TRAILING-OWS', S, 'Chunk size "5 " (trailing space)', http('POST', '/', [TE], '5 \r\nhello\r\n0\r\n\r\n'), reject()),
  def('SMUG-CHUNK-SPILL', S, 'Chunk size 5 with 7 data bytes', http('POST', '/', [TE], '5\r\nhello!!\r\n0\r\n\r\n'), reject()),
  def('SMUG-CHUNK-UNDERSCORE', S, 'Chunk size 1_0', http('POST', '/', [TE], '1_0\r\nhello world!!!!!\r\n0\r\n\r\n'), reject()),
  def('SMUG-CHUNKED-WITH-PARAMS', S, 'Transfer-Encoding: chunked;ext=val with Content-Length', http('POST', '/', ['Transfer-Encoding: chunked;ext=val', 'Content-Length: 5'], 'hello'),
    reject([400, 501]), { policy: CLTE }),

  // ── Content-Length values ──
  def('SMUG-CL-COMMA-DIFFERENT', S, 'Content-Length: 5, 10', http('POST', '/', ['Content-Length: 5, 10'], 'hello'), reject()),
  // HAProxy 2.6 folds identical values into one Content-Length: 5 (RFC-allowed, see policy).
  def('SMUG-CL-COMMA-SAME', S, 'Content-Length: 5, 5', http('POST', '/', ['Content-Length: 5, 5'], 'hello'), reject(), { policy: CL_LIST }),
  def('SMUG-CL-COMMA-TRIPLE', S, 'Content-Length: 5, 5, 5', http('POST', '/', ['Content-Length: 5, 5, 5'], 'hello'), reject(), { policy: CL_LIST }),
  // HAProxy 2.6 forwards the value as received (00, 005, 0200): clean for an RFC backend, not for an
  // octal-reading one; hence the canonical-value rule every forward is checked against.
  def('SMUG-CL-DOUBLE-ZERO', S, 'Content-Length: 00', http('POST', '/', ['Content-Length: 00']), either([400]), { policy: CL_ZEROS }),
  def('SMUG-CL-EXTRA-LEADING-SP', S, 'Content-Length:  5 (two spaces)', http('POST', '/', ['Content-Length:  5'], 'hello'), either([400])),
  def('SMUG-CL-HEX-PREFIX', S, 'Content-Length: 0x5', http('POST', '/', ['Content-Length: 0x5'], 'hello'), reject()),
  def('SMUG-CL-INTERNAL-SPACE', S, 'Content-Length: 1 0', http('POST', '/', ['Content-Length: 1 0'], 'hello12345'), reject()),
  def('SMUG-CL-LEADING-ZEROS-OCTAL', S, 'Content-Length: 0200 with 200 bytes', http('POST', '/', ['Content-Length: 0200'], 'A'.repeat(200)), either([400]), { policy: CL_ZEROS }),
  def('SMUG-CL-LEADING-ZEROS', S, 'Content-Length: 005', http('POST', '/', ['Content-Length: 005'], 'hello'), either([400]), { policy: CL_ZEROS }),
  def('SMUG-CL-NEGATIVE-ZERO', S, 'Content-Length: -0', http('POST', '/', ['Content-Length: -0']), reject()),
  def('SMUG-CL-NEGATIVE', S, 'Content-Length: -1', http('POST', '/', ['Content-Length: -1']), reject()),
  def('SMUG-CL-OCTAL', S, 'Content-Length: 0o5', http('POST', '/', ['Content-Length: 0o5'], 'hello'), reject()),
  // HAProxy 2.6 does what RFC 9112 §6.1 allows for every CL+TE case below: drops Content-Length, forwards
  // re-chunked, closes the client connection after the answer (the smuggled bytes die with it). Safe, and
  // the catalogue's "close" passes it; Switchyard's bar is 400 with nothing upstream (policy).
  def('SMUG-CL-TE-BOTH', S, 'Content-Length and Transfer-Encoding: chunked', http('POST', '/', ['Content-Length: 23', TE], 'D\r\nhello-bananas\r\n0\r\n\r\n'), reject(), { policy: CLTE }),
  def('SMUG-CL-TRAILING-SPACE', S, 'Content-Length: 5 (trailing space)', http('POST', '/', ['Content-Length: 5 '], 'hello'), either([400])),
  def('SMUG-CL-UNDERSCORE', S, 'Content-Length: 1_0', http('POST', '/', ['Content-Length: 1_0'], 'helloworld'), reject()),
  // The stray "X" starts the next request: with the GET it reads "XGET / HTTP/1.1", a valid extension
  // method. Forwarding POST then XGET follows the client's bytes exactly; closing on "X" is also fine.
  def('SMUG-CL0-BODY-POISON', S, 'Content-Length: 0 plus one stray byte, then a GET', [http('POST', '/', ['Content-Length: 0'], 'X'), raw(GET)],
    either([400, 501], { prefixOk: true })),

  // ── CL.TE / TE.CL ──
  def('SMUG-CLTE-CONN-CLOSE', S, 'CL+TE POST, then a GET on the same connection', [http('POST', '/', ['Content-Length: 5', TE], '0\r\n\r\n'), raw(GET)], reject(), { policy: CLTE }),
  def('SMUG-CLTE-DESYNC', S, 'CL 6 + TE with a poison byte, then a GET', [http('POST', '/', ['Content-Length: 6', TE], '0\r\n\r\nX'), raw(GET)], reject(), { policy: CLTE }),
  def('SMUG-CLTE-PIPELINE', S, 'Content-Length: 4 + TE, body 0 CRLF CRLF', http('POST', '/', ['Content-Length: 4', TE], '0\r\n\r\n'), reject(), { policy: CLTE }),
  def('SMUG-CLTE-SMUGGLED-GET-CL-NON-NUMERIC', S, 'CL "Nx" + TE, a GET after the last chunk', poisoned((n) => [`Content-Length: ${n}x`, TE]), reject()),
  def('SMUG-CLTE-SMUGGLED-GET-CL-PLUS', S, 'CL "+N" + TE, a GET after the last chunk', poisoned((n) => [`Content-Length: +${n}`, TE]), reject()),
  // HAProxy 2.6 forwards this one with the value unchanged, `transfer-encoding: Chunked`: a backend that
  // compares case-sensitively would read no body and take "0\r\n\r\n" as the next request.
  def('SMUG-CLTE-SMUGGLED-GET-TE-CASE-MISMATCH', S, 'CL + "Chunked", a GET after the last chunk', poisoned((n) => [`Content-Length: ${n}`, 'Transfer-Encoding: Chunked']), reject(), { policy: CLTE }),
  // HAProxy 2.6 answers 422 and closes here and for SMUG-TE-LEADING-COMMA: safe, but not the 400 asked for.
  def('SMUG-CLTE-SMUGGLED-GET-TE-LEADING-COMMA', S, 'CL + ", chunked", a GET after the last chunk', poisoned((n) => [`Content-Length: ${n}`, 'Transfer-Encoding: , chunked']), reject(), { policy: CLTE }),
  def('SMUG-CLTE-SMUGGLED-GET-TE-OBS-FOLD', S, 'Folded TE + CL, a GET after the last chunk', poisoned((n) => ['Transfer-Encoding:', ' chunked', `Content-Length: ${n}`]), reject(), { policy: FOLD_CLTE }),
  def('SMUG-CLTE-SMUGGLED-GET-TE-TRAILING-SPACE', S, 'CL + "chunked ", a GET after the last chunk', poisoned((n) => [`Content-Length: ${n}`, 'Transfer-Encoding: chunked ']), reject(), { policy: CLTE }),
  def('SMUG-CLTE-SMUGGLED-GET', S, 'CL + TE, a GET after the last chunk', poisoned((n) => [`Content-Length: ${n}`, TE]), reject(), { policy: CLTE }),
  def('SMUG-CLTE-SMUGGLED-HEAD', S, 'CL + TE, a HEAD after the last chunk', poisoned((n) => [`Content-Length: ${n}`, TE], `HEAD / HTTP/1.1\r\n${HOST}\r\n\r\n`), reject(), { policy: CLTE }),
  def('SMUG-DUPLICATE-CL-SMUGGLED-GET', S, 'Content-Length 4 and N, a GET after "PING"', http('POST', '/', ['Content-Length: 4', `Content-Length: ${4 + GET.length}`], `PING${GET}`), reject()),
  def('SMUG-DUPLICATE-CL', S, 'Content-Length: 5 and Content-Length: 10', http('POST', '/', ['Content-Length: 5', 'Content-Length: 10'], 'helloworld'), reject()),

  // ── bodies on methods without body semantics, Expect ──
  def('SMUG-EXPECT-100-CL-DESYNC', S, 'Expect: 100-continue with the body at once, then a GET',
    [http('POST', '/', ['Content-Length: 5', 'Expect: 100-continue'], 'hello'), raw(GET)], either([400, 417])),
  def('SMUG-EXPECT-100-CL', S, 'Expect: 100-continue with the body at once', http('POST', '/', ['Content-Length: 5', 'Expect: 100-continue'], 'hello'), either([400, 417])),
  def('SMUG-GET-CL-BODY-DESYNC', S, 'GET with a 5-byte body, then a GET', [http('GET', '/', ['Content-Length: 5'], 'hello'), raw(GET)], either([400])),
  // The body is an unfinished request head; step 2 starts with the CRLF that would finish it.
  // Honouring Content-Length, the backend must see a GET with that body, then a plain GET.
  def('SMUG-GET-CL-PREFIX-DESYNC', S, 'GET whose body is a request prefix, then CRLF + GET',
    [http('GET', '/', [`Content-Length: ${`GET / HTTP/1.1\r\n${HOST}\r\n`.length}`], `GET / HTTP/1.1\r\n${HOST}\r\n`), raw(`\r\n${GET}`)],
    either([400], { prefixOk: true })),
  def('SMUG-HEAD-CL-BODY', S, 'HEAD with a 5-byte body', http('HEAD', '/', ['Content-Length: 5'], 'hello'), either([400])),
  // HAProxy 2.6 forwards this Host unchanged; RFC 9112 §3.2: an invalid Host value MUST get 400.
  def('SMUG-MULTIPLE-HOST-COMMA', S, 'Host: localhost, other.example.com', raw(`GET / HTTP/1.1\r\nHost: localhost, other.example.com\r\n\r\n`), reject()),
  def('SMUG-OPTIONS-CL-BODY-DESYNC', S, 'OPTIONS with a 5-byte body, then a GET', [http('OPTIONS', '/', ['Content-Length: 5'], 'hello'), raw(GET)], either([400])),
  def('SMUG-OPTIONS-CL-BODY', S, 'OPTIONS with a 5-byte body', http('OPTIONS', '/', ['Content-Length: 5'], 'hello'), either([400])),
  def('SMUG-OPTIONS-TE-OBS-FOLD', S, 'OPTIONS with folded TE + CL, then a GET',
    [http('OPTIONS', '/', ['Transfer-Encoding:', ' chunked', 'Content-Length: 5'], 'hello'), raw(GET)], reject(), {
      policy: FOLD_CLTE,
    }),
  def('SMUG-PIPELINE-SAFE', S, 'Two clean GETs on one connection', [raw(GET), raw(GET)], forward()),

  // ── Transfer-Encoding values ──
  def('SMUG-TE-CASE-MISMATCH', S, 'Transfer-Encoding: Chunked with Content-Length', http('POST', '/', ['Transfer-Encoding: Chunked', 'Content-Length: 5'], 'hello'), reject(), { policy: CLTE }),
  def('SMUG-TE-DOUBLE-CHUNKED', S, 'Transfer-Encoding: chunked, chunked with Content-Length', http('POST', '/', ['Transfer-Encoding: chunked, chunked', 'Content-Length: 5'], 'hello'), reject()),
  def('SMUG-TE-DUPLICATE-HEADERS-SMUGGLED-GET', S, 'TE chunked + TE identity + CL, a GET after the last chunk',
    poisoned((n) => [TE, 'Transfer-Encoding: identity', `Content-Length: ${n}`]), reject([400, 501])),
  def('SMUG-TE-DUPLICATE-HEADERS', S, 'TE chunked + TE identity + Content-Length', http('POST', '/', [TE, 'Transfer-Encoding: identity', 'Content-Length: 5'], 'hello'), reject([400, 501])),
  def('SMUG-TE-EMPTY-VALUE', S, 'Transfer-Encoding: (empty) with Content-Length', http('POST', '/', ['Transfer-Encoding: ', 'Content-Length: 5'], 'hello'), reject([400, 501])),
  def('SMUG-TE-FORMFEED', S, 'Transfer-Encoding: <FF>chunked with Content-Length', http('POST', '/', ['Transfer-Encoding: \x0cchunked', 'Content-Length: 5'], 'hello'), reject([400, 501])),
  def('SMUG-TE-HTTP10', S, 'HTTP/1.0 POST with TE chunked + Content-Length', http('POST', '/', [TE, 'Content-Length: 5'], 'hello', 'HTTP/1.0'), reject()),
  def('SMUG-TE-IDENTITY', S, 'Transfer-Encoding: identity with Content-Length', http('POST', '/', ['Transfer-Encoding: identity', 'Content-Length: 5'], 'hello'), reject([400, 501])),
  def('SMUG-TE-LEADING-COMMA', S, 'Transfer-Encoding: , chunked with Content-Length', http('POST', '/', ['Transfer-Encoding: , chunked', 'Content-Length: 5'], 'hello'), reject(), { policy: CLTE }),
  def('SMUG-TE-NOT-FINAL-CHUNKED', S, 'Transfer-Encoding: chunked, gzip', http('POST', '/', ['Transfer-Encoding: chunked, gzip'], '0\r\n\r\n'), reject()),
  def('SMUG-TE-NULL', S, 'Transfer-Encoding: chunked<NUL> with Content-Length', http('POST', '/', ['Transfer-Encoding: chunked\x00', 'Content-Length: 5'], 'hello'), reject([400, 501])),
  def('SMUG-TE-OBS-FOLD', S, 'Folded Transfer-Encoding with Content-Length', http('POST', '/', ['Transfer-Encoding:', ' chunked', 'Content-Length: 5'], 'hello'), reject(), {
    policy: FOLD_CLTE,
  }),
  def('SMUG-TE-SP-BEFORE-COLON', S, 'Transfer-Encoding : chunked with Content-Length', http('POST', '/', ['Transfer-Encoding : chunked', 'Content-Length: 5'], 'hello'), reject()),
  def('SMUG-TE-TAB-BEFORE-VALUE', S, 'Transfer-Encoding:<HTAB>chunked with Content-Length', http('POST', '/', ['Transfer-Encoding:\tchunked', 'Content-Length: 5'], 'hello'), reject(), { policy: CLTE }),
  def('SMUG-TE-TRAILING-COMMA', S, 'Transfer-Encoding: chunked, with Content-Length', http('POST', '/', ['Transfer-Encoding: chunked,', 'Content-Length: 5'], 'hello'), reject(), { policy: CLTE }),
  def('SMUG-TE-TRAILING-SPACE', S, 'Transfer-Encoding: "chunked " with Content-Length', http('POST', '/', ['Transfer-Encoding: chunked ', 'Content-Length: 5'], 'hello'), reject([400, 501]), { policy: CLTE }),
  def('SMUG-TE-VTAB', S, 'Transfer-Encoding: <VT>chunked with Content-Length', http('POST', '/', ['Transfer-Encoding: \x0bchunked', 'Content-Length: 5'], 'hello'), reject([400, 501])),
  def('SMUG-TE-XCHUNKED', S, 'Transfer-Encoding: xchunked with Content-Length', http('POST', '/', ['Transfer-Encoding: xchunked', 'Content-Length: 5'], 'hello'), reject([400, 501])),
  def('SMUG-TECL-CONN-CLOSE', S, 'TE+CL POST, then a GET on the same connection', [http('POST', '/', [TE, 'Content-Length: 5'], '0\r\n\r\n'), raw(GET)], reject(), { policy: CLTE }),
  def('SMUG-TECL-DESYNC', S, 'TE + CL 30 with a poison byte, then a GET', [http('POST', '/', [TE, 'Content-Length: 30'], '0\r\n\r\nX'), raw(GET)], reject(), { policy: CLTE }),
  def('SMUG-TECL-PIPELINE', S, 'TE + Content-Length: 30, body 0 CRLF CRLF', http('POST', '/', [TE, 'Content-Length: 30'], '0\r\n\r\n'), reject(), { policy: CLTE }),
  def('SMUG-TECL-SMUGGLED-GET', S, 'TE + CL covering only the chunk-size line, a GET as chunk data', tecl(), reject(), { policy: CLTE }),

  // ── trailers: RFC 9110 §6.5.1, fields that must not be acted on (or merged) from trailers ──
  def('SMUG-TRAILER-AUTH', S, 'Authorization in the trailer section', http('POST', '/', [TE], '5\r\nhello\r\n0\r\nAuthorization: Bearer evil\r\n\r\n'),
    either([400], { check: absent('Authorization') })),
  def('SMUG-TRAILER-CL', S, 'Content-Length: 50 in the trailer section', http('POST', '/', [TE], '5\r\nhello\r\n0\r\nContent-Length: 50\r\n\r\n'),
    either([400], { check: notMerged('Content-Length', '50') })),
  def('SMUG-TRAILER-CONTENT-TYPE', S, 'Content-Type: text/evil in the trailer section', http('POST', '/', [TE], '5\r\nhello\r\n0\r\nContent-Type: text/evil\r\n\r\n'),
    either([400], { check: absent('Content-Type') })),
  def('SMUG-TRAILER-HOST', S, 'Host: evil.example.com in the trailer section', http('POST', '/', [TE], '5\r\nhello\r\n0\r\nHost: evil.example.com\r\n\r\n'),
    either([400], { check: headerIs('Host', 'localhost') })),
  def('SMUG-TRAILER-TE', S, 'Transfer-Encoding: chunked in the trailer section', http('POST', '/', [TE], '5\r\nhello\r\n0\r\nTransfer-Encoding: chunked\r\n\r\n'), either([400])),
  def('SMUG-TRANSFER_ENCODING', S, 'Transfer_Encoding: chunked with Content-Length', http('POST', '/', ['Transfer_Encoding: chunked', 'Content-Length: 5'], 'hello'),
    either([400], { check: absent('Transfer_Encoding') }), { policy: POLICY_UNDERSCORE }),
];

/** TE.CL: Content-Length covers only the chunk-size line, the chunk data is a whole GET. */
function tecl(): Buffer {
  const smuggled = `GET / HTTP/1.1\r\n${HOST}\r\nContent-Length: 7\r\n\r\n`;
  const hex = smuggled.length.toString(16);
  return http('POST', '/', [TE, `Content-Length: ${hex.length + 2}`], `${hex}\r\n${smuggled}\r\n0\r\n\r\n`);
}
