/**
 * Cookies and Capabilities cases of the Http11Probe catalogue. Both test what an origin does
 * with a header (cookie parsing, conditional requests); a proxy's part is to deliver the header
 * to the backend byte for byte (or refuse a value that is invalid), so that is what is checked.
 */
import { all, at, def, either, fieldValues, forward, headerIs, http } from './build.js';
import type { ConformanceCase, RequestCheck } from './types.js';

const K = 'Cookies';
const P = 'Capabilities';
const PAIRS = Array.from({ length: 1000 }, (_, i) => `k${i}=v${i}`).join('; ');
const BIG = `big=${'A'.repeat(65_536)}`;

function cookie(value: string): Buffer {
  return http('GET', '/echo', [`Cookie: ${value}`]);
}

const bothCookies: RequestCheck = (req) => {
  const joined = fieldValues(req, 'Cookie').join('; ');
  return /(^|; ?)a=1(;|$)/.test(joined) && /(^|; ?)b=2(;|$)/.test(joined) ? undefined : `Cookie lost a=1 or b=2: ${JSON.stringify(joined)}`;
};

export const COOKIES: readonly ConformanceCase[] = [
  // Forwarded, the control characters must be gone (the generic check rejects CTLs upstream).
  def('COOK-CONTROL-CHARS', K, 'Cookie value with 0x01-0x03', cookie('foo=\x01\x02\x03'), either([400])),
  def('COOK-ECHO', K, 'Cookie: foo=bar', cookie('foo=bar'), forward({ check: headerIs('Cookie', 'foo=bar') })),
  def('COOK-EMPTY', K, 'Cookie: (empty)', cookie(''), either([400])),
  def('COOK-MALFORMED', K, 'Cookie: ===;;;', cookie('===;;;'), either([400], { check: headerIs('Cookie', '===;;;') })),
  def('COOK-MANY-PAIRS', K, '1000 cookie pairs in one field', cookie(PAIRS), either([400, 431], { check: headerIs('Cookie', PAIRS) })),
  // RFC 6265 §5.4 / RFC 9113 §8.2.3: separate Cookie fields may be kept or joined with "; ".
  def('COOK-MULTI-HEADER', K, 'Two Cookie fields', http('GET', '/echo', ['Cookie: a=1', 'Cookie: b=2']), forward({ check: bothCookies })),
  def('COOK-NUL', K, 'NUL in a cookie value', cookie('foo=\x00bar'), either([400])),
  def('COOK-OVERSIZED', K, '64 KiB Cookie value', cookie(BIG), either([400, 431], { check: headerIs('Cookie', BIG) })),
  def('COOK-PARSED-BASIC', K, 'GET /cookie with foo=bar', http('GET', '/cookie', ['Cookie: foo=bar']), forward({ check: headerIs('Cookie', 'foo=bar') })),
  def('COOK-PARSED-EMPTY-VAL', K, 'Cookie: foo=', http('GET', '/cookie', ['Cookie: foo=']), forward({ check: headerIs('Cookie', 'foo=') })),
  def('COOK-PARSED-MULTI', K, 'Cookie: a=1; b=2; c=3', http('GET', '/cookie', ['Cookie: a=1; b=2; c=3']), forward({ check: headerIs('Cookie', 'a=1; b=2; c=3') })),
  def('COOK-PARSED-SPECIAL', K, 'Cookie with a space and "=" in values', http('GET', '/cookie', ['Cookie: a=hello world; b=x=y']),
    forward({ check: headerIs('Cookie', 'a=hello world; b=x=y') })),
];

/** Two GETs on one connection, the second conditional; the backend must see the conditions intact. */
function conditional(id: string, description: string, headers: readonly string[]): ConformanceCase {
  const checks = headers.map((h) => {
    const colon = h.indexOf(':');
    return at(1, headerIs(h.slice(0, colon), h.slice(colon + 2)));
  });
  return def(id, P, description, [http('GET', '/', ['Connection: keep-alive']), http('GET', '/', headers)], forward({ check: all(...checks) }));
}

export const CAPABILITIES: readonly ConformanceCase[] = [
  conditional('CAP-ETAG-304', 'GET, then If-None-Match with the ETag', ['If-None-Match: "v1"']),
  conditional('CAP-ETAG-IN-304', 'GET, then If-None-Match (origin keeps ETag on 304)', ['If-None-Match: "v1"']),
  conditional('CAP-ETAG-WEAK', 'GET, then If-None-Match with a weak ETag', ['If-None-Match: W/"v1"']),
  conditional('CAP-IMS-FUTURE', 'GET, then If-Modified-Since in the future', ['If-Modified-Since: Thu, 01 Jan 2099 00:00:00 GMT']),
  conditional('CAP-IMS-INVALID', 'GET, then an unparseable If-Modified-Since', ['If-Modified-Since: not-a-date']),
  conditional('CAP-INM-PRECEDENCE', 'GET, then If-None-Match plus a stale If-Modified-Since', [
    'If-None-Match: "v1"',
    'If-Modified-Since: Thu, 01 Jan 1970 00:00:00 GMT',
  ]),
  conditional('CAP-INM-UNQUOTED', 'GET, then If-None-Match with an unquoted ETag', ['If-None-Match: v1']),
  conditional('CAP-INM-WILDCARD', 'GET, then If-None-Match: *', ['If-None-Match: *']),
  conditional('CAP-LAST-MODIFIED-304', 'GET, then If-Modified-Since', ['If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT']),
];
