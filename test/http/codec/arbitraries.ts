/** fast-check generators of HTTP/1.1 requests and chunked bodies, nasty ones included. */
import fc from 'fast-check';

const TOKEN_RE = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,10}$/;
export const token = fc.stringMatching(TOKEN_RE);

const nastyChar = fc.constantFrom('\x00', '\x01', '\t', '\x0b', '\x0c', '\r', '\n', '\x7f', '\x80', '\xff', ' ', ',', ';', '"', '\\', '#', '%', '@', '/', ':', '_', '*');
const plainChar = fc.constantFrom(...'abcXYZ019-._~/?=&'.split(''));

/** Mostly plain characters, now and then a nasty one. */
export function text(maxLength: number): fc.Arbitrary<string> {
  return fc.array(fc.oneof({ weight: 10, arbitrary: plainChar }, { weight: 1, arbitrary: nastyChar }), { maxLength }).map((a) => a.join(''));
}

function weighted<T>(...pairs: [number, fc.Arbitrary<T>][]): fc.Arbitrary<T> {
  return fc.oneof(...pairs.map(([weight, arbitrary]) => ({ weight, arbitrary })));
}

// ---- chunked bodies ----

const qdtext = fc.array(fc.constantFrom(...'ab =;,\t!#~'.split(''), '\\"', '\\\\', '\x80'), { maxLength: 6 }).map((a) => a.join(''));
const extension = weighted<string>(
  [3, fc.constant('')],
  [2, token.map((n) => `;${n}`)],
  [2, fc.tuple(token, token).map(([n, v]) => `;${n}=${v}`)],
  [1, fc.tuple(token, qdtext).map(([n, v]) => `;${n}="${v}"`)],
);
const trailer = fc.tuple(token, fc.stringMatching(/^[ -~]{0,12}$/)).map(([n, v]) => `X-${n}: ${v}\r\n`);

export interface ChunkedPlan {
  readonly payload: string;
  readonly cuts: number[];
  readonly extensions: string[];
  readonly trailers: string[];
  readonly upper: boolean;
  readonly zeros: number;
}

export const chunkedPlan: fc.Arbitrary<ChunkedPlan> = fc.record({
  payload: fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: 300 }),
  cuts: fc.array(fc.nat(300), { maxLength: 8 }),
  extensions: fc.array(extension, { maxLength: 10 }),
  trailers: fc.array(trailer, { maxLength: 3 }),
  upper: fc.boolean(),
  zeros: fc.nat(3),
});

/** The chunked encoding (latin1) of a plan: the payload cut at the plan's points. */
export function encodeChunked(plan: ChunkedPlan): string {
  const cuts = [...new Set(plan.cuts.filter((c) => c > 0 && c < plan.payload.length))].sort((a, b) => a - b);
  const bounds = [0, ...cuts, plan.payload.length];
  let out = '';
  let k = 0;
  const ext = (): string => plan.extensions[k++ % Math.max(1, plan.extensions.length)] ?? '';
  for (let i = 0; i + 1 < bounds.length; i++) {
    const piece = plan.payload.slice(bounds[i], bounds[i + 1]);
    if (piece.length === 0) continue;
    const size = piece.length.toString(16);
    out += `${'0'.repeat(plan.zeros)}${plan.upper ? size.toUpperCase() : size}${ext()}\r\n${piece}\r\n`;
  }
  return `${out}0${ext()}\r\n${plan.trailers.join('')}\r\n`;
}

/** A valid encoding with one byte replaced, inserted or removed. */
export const corruptedChunked = fc
  .tuple(chunkedPlan, fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('replace', 'insert', 'delete'))
  .map(([plan, at, byte, how]) => {
    const s = encodeChunked(plan);
    const i = at % s.length;
    const c = String.fromCharCode(byte);
    if (how === 'replace') return s.slice(0, i) + c + s.slice(i + 1);
    if (how === 'insert') return s.slice(0, i) + c + s.slice(i);
    return s.slice(0, i) + s.slice(i + 1);
  });

// ---- requests ----

/** The parts of a request; `nasty` mixes in invalid and ambiguous choices everywhere. */
function requestParts(nasty: boolean): fc.Arbitrary<string> {
  const n = nasty ? 1 : 0;
  const words = (maxLength: number): fc.Arbitrary<string> => (nasty ? text(maxLength) : fc.array(plainChar, { maxLength }).map((a) => a.join('')));
  const method = weighted<string>(
    [12, fc.constantFrom('GET', 'POST', 'PUT', 'HEAD', 'DELETE', 'OPTIONS', 'PATCH', 'PROPFIND')],
    [n, fc.constantFrom('CONNECT', 'TRACE', 'get', 'PRI', 'FOO')],
    [n, token],
    [n, text(6)],
  );
  const target = weighted<string>(
    [12, words(16).map((s) => `/${s}`)],
    [2, fc.constantFrom('http://localhost/x', 'HTTP://LOCALHOST/', '/?q=%00')],
    [n, fc.constantFrom('*', 'http://other/', 'https://localhost:443/', '/%00', '/a%0d', '/a#b', '/a\\b', 'localhost:80', '')],
    [n, text(8)],
  );
  const version = weighted<string>([10, fc.constant('HTTP/1.1')], [2, fc.constant('HTTP/1.0')], [n, fc.constantFrom('HTTP/1.2', 'HTTP/2.0', 'http/1.1', 'HTTP/1', 'HTTP/01.1', 'HTTP/1.1 ')]);
  const space = weighted<string>([20, fc.constant(' ')], [n, fc.constantFrom('  ', '\t', '')]);
  const eol = weighted<string>([30, fc.constant('\r\n')], [n, fc.constantFrom('\n', '\r', '\r\r\n')]);
  const host = weighted<string>(
    [10, fc.constantFrom('Host: localhost', 'Host: LOCALHOST', 'host: localhost:8080', 'Host: [::1]:80')],
    [n, fc.constantFrom('', 'Host: localhost\r\nHost: localhost', 'Host: a,b', 'Host:', 'host: other')],
    [n, text(10).map((s) => `Host: ${s}`)],
  );
  const headerName = weighted<string>(
    [4, fc.constantFrom('X-A', 'Cookie', 'Accept', 'Connection', 'Upgrade', 'Expect', 'TE', 'Trailer', 'Keep-Alive')],
    [2, token],
    [n, fc.constantFrom('Content_Length', 'Transfer_Encoding')],
    [n, text(6)],
  );
  const headerSep = weighted<string>([12, fc.constantFrom(': ', ':', ':\t', ': \t')], [n, fc.constantFrom(' :', '')]);
  const headerValue = weighted<string>([2, fc.constantFrom('close', 'keep-alive', 'upgrade', 'Upgrade, keep-alive', 'websocket', '100-continue', 'trailers', 'x-a', 'a, b')], [n, fc.constant('h2c')], [3, words(16)]);
  const header = fc.tuple(headerName, headerSep, headerValue, eol).map(([a, b, c, d]) => `${a}${b}${c}${d}`);
  const clFormat = weighted<(k: number) => string>(
    [8, fc.constantFrom((k: number) => `${k}`, (k: number) => ` ${k} `)],
    [n, fc.constantFrom((k: number) => `0${k}`, (k: number) => `+${k}`, (k: number) => `${k}, ${k}`, (k: number) => `${k}\r\nContent-Length: ${k}`, (k: number) => `${k + 1}`)],
  );
  const teValue = weighted<string>(
    [8, fc.constantFrom('chunked', 'Chunked', 'CHUNKED', 'chunked ')],
    [n, fc.constantFrom('gzip, chunked', 'chunked, chunked', 'identity', 'gzip', 'chunked;x=1', ', chunked', '')],
  );
  const body = fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: 40 });
  const framing = weighted<string>(
    [3, fc.constant('\r\n')],
    [3, fc.tuple(clFormat, body).map(([f, b]) => `Content-Length: ${f(b.length)}\r\n\r\n${b}`)],
    [3, fc.tuple(teValue, weighted<string>([6, chunkedPlan.map(encodeChunked)], [n, corruptedChunked])).map(([te, b]) => `Transfer-Encoding: ${te}\r\n\r\n${b}`)],
    [n, fc.tuple(teValue, body, fc.boolean()).map(([te, b, clFirst]) => {
      const cl = `Content-Length: ${b.length}\r\n`;
      const t = `Transfer-Encoding: ${te}\r\n`;
      return `${clFirst ? cl + t : t + cl}\r\n${b}`;
    })],
  );
  return fc
    .tuple(method, space, target, space, version, eol, host, fc.array(header, { maxLength: 5 }), framing)
    .map(([m, s1, t, s2, v, e, h, hs, f]) => `${m}${s1}${t}${s2}${v}${e}${h === '' ? '' : `${h}\r\n`}${hs.join('')}${f}`);
}

/** One request (or two pipelined): request line, Host, up to 5 fields, then framing and body; half of them clean, half nasty. */
export const request: fc.Arbitrary<Buffer> = weighted<string[]>([4, fc.tuple(requestParts(false))], [4, fc.tuple(requestParts(true))], [1, fc.tuple(requestParts(false), fc.oneof(requestParts(false), requestParts(true)))]).map((parts) =>
  Buffer.from(parts.join(''), 'latin1'),
);

// ---- responses ----

/** One response head (and maybe a body), half clean, half nasty. */
export const response: fc.Arbitrary<Buffer> = fc
  .tuple(
    weighted<string>([8, fc.constantFrom('HTTP/1.1', 'HTTP/1.0')], [1, fc.constantFrom('HTTP/2.0', 'http/1.1', 'HTTP/1.1 ', 'HTTP/1')]),
    weighted<string>([8, fc.constantFrom('200', '204', '304', '101', '100', '103', '404', '500')], [1, fc.constantFrom('20', '2000', '600', '099', 'abc')]),
    weighted<string>([8, fc.constantFrom(' OK', '', ' ', ' Not Found')], [1, text(10).map((s) => ` ${s}`)]),
    fc.array(
      fc.tuple(
        weighted<string>([4, fc.constantFrom('Content-Length', 'Transfer-Encoding', 'Connection', 'Upgrade', 'Set-Cookie', 'Keep-Alive')], [1, token], [1, text(6)]),
        weighted<string>([10, fc.constant(': ')], [1, fc.constantFrom(' :', ':', '')]),
        weighted<string>([3, fc.constantFrom('0', '5', 'chunked', 'close', 'keep-alive', 'websocket', 'x, y')], [2, text(12)]),
        weighted<string>([20, fc.constant('\r\n')], [1, fc.constantFrom('\n', '\r')]),
      ).map(([a, b, c, d]) => `${a}${b}${c}${d}`),
      { maxLength: 5 },
    ),
    weighted<string>([3, fc.constant('')], [1, text(12)]),
  )
  .map(([v, s, r, hs, b]) => Buffer.from(`${v} ${s}${r}\r\n${hs.join('')}\r\n${b}`, 'latin1'));
