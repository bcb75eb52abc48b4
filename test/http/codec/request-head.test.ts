import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRequestHead, RequestHead } from '../../../src/proxy/http/codec/request-head.js';
import { DEFAULT_HEAD_LIMITS, type HeadLimits, type HeadResult } from '../../../src/proxy/http/codec/head-result.js';
import { FIELD_STRIDE, F_NAME_END, F_NAME_START, F_VALUE_END, F_VALUE_START, H_CONTENT_LENGTH, H_HOST } from '../../../src/proxy/http/codec/fields.js';

const L = DEFAULT_HEAD_LIMITS;

function parse(raw: string, limits: HeadLimits = L, head = new RequestHead()): { r: HeadResult; head: RequestHead; buf: Buffer } {
  const buf = Buffer.from(raw, 'latin1');
  return { r: parseRequestHead(buf, 0, buf.length, limits, head), head, buf };
}

function ok(raw: string, limits: HeadLimits = L): { head: RequestHead; buf: Buffer } {
  const { r, head, buf } = parse(raw, limits);
  assert.deepEqual(r, { type: 'complete' });
  return { head, buf };
}

function fieldsOf(head: RequestHead, buf: Buffer): string[] {
  return Array.from({ length: head.fieldCount }, (_, i) => `${head.name(buf, i)}=${head.value(buf, i)}${head.isHopByHop(i) ? ' (hop)' : ''}`);
}

void test('a minimal GET fills method, target, version, host and headLength', () => {
  const { head } = ok('GET /a?b=c HTTP/1.1\r\nHost: example.com\r\n\r\n');
  assert.equal(head.method, 'GET');
  assert.equal(head.target, '/a?b=c');
  assert.equal(head.targetForm, 'origin');
  assert.equal(head.version, 11);
  assert.equal(head.host, 'example.com');
  assert.equal(head.headLength, 'GET /a?b=c HTTP/1.1\r\nHost: example.com\r\n\r\n'.length);
  assert.equal(head.bodyKind, 'none');
  assert.equal(head.keepAlive, true);
  assert.equal(head.upgrade, undefined);
});

void test('an extension method is passed on as sent', () => {
  assert.equal(ok('PROPFIND / HTTP/1.1\r\nHost: a\r\n\r\n').head.method, 'PROPFIND');
  assert.equal(ok('M-SEARCH / HTTP/1.1\r\nHost: a\r\n\r\n').head.method, 'M-SEARCH');
});

void test('header fields are offsets into the buffer with OWS trimmed from values', () => {
  const { head, buf } = ok('GET / HTTP/1.1\r\nHost:a\r\nX-Pad: \t v  w \t\r\nX-Empty:   \r\n\r\n');
  assert.equal(head.fieldCount, 3);
  const o = FIELD_STRIDE;
  assert.equal(buf.toString('latin1', head.fields[o + F_NAME_START], head.fields[o + F_NAME_END]), 'X-Pad');
  assert.equal(buf.toString('latin1', head.fields[o + F_VALUE_START], head.fields[o + F_VALUE_END]), 'v  w');
  assert.equal(head.value(buf, 2), '');
  assert.equal(head.fieldId(0), H_HOST);
});

void test('offsets are absolute when the head starts inside the buffer', () => {
  const buf = Buffer.from('xxxxxGET / HTTP/1.1\r\nHost: h\r\n\r\nyyyy', 'latin1');
  const head = new RequestHead();
  assert.equal(parseRequestHead(buf, 5, buf.length, L, head).type, 'complete');
  assert.equal(head.headLength, 27);
  assert.equal(head.lineStart, 5);
  assert.equal(head.value(buf, 0), 'h');
});

void test('hop-by-hop fields are flagged, and so are the fields Connection names', () => {
  const raw =
    'GET / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive, X-Secret\r\nKeep-Alive: timeout=5\r\nTE: trailers\r\nTrailer: X\r\n' +
    'Proxy-Connection: x\r\nUpgrade: foo\r\nx-secret: 1\r\nX-Kept: 2\r\n\r\n';
  const { head, buf } = ok(raw);
  assert.deepEqual(fieldsOf(head, buf), [
    'Host=h',
    'Connection=keep-alive, X-Secret (hop)',
    'Keep-Alive=timeout=5 (hop)',
    'TE=trailers (hop)',
    'Trailer=X (hop)',
    'Proxy-Connection=x (hop)',
    'Upgrade=foo (hop)',
    'x-secret=1 (hop)',
    'X-Kept=2',
  ]);
  assert.deepEqual(head.connectionTokens, ['x-secret']);
});

void test('the usual Connection tokens set keep-alive and upgrade without being listed as fields to drop', () => {
  const { head } = ok('GET / HTTP/1.1\r\nHost: h\r\nConnection: Keep-Alive, Upgrade, TE\r\nUpgrade: websocket\r\n\r\n');
  assert.deepEqual(head.connectionTokens, []);
  assert.equal(head.keepAlive, true);
  assert.equal(head.upgrade, 'websocket');
});

void test('Connection cannot make Content-Length or Host hop-by-hop', () => {
  const { head, buf } = ok('POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\nConnection: content-length, host\r\n\r\nhi');
  assert.equal(head.isHopByHop(head.indexOf(H_CONTENT_LENGTH)), false);
  assert.equal(head.isHopByHop(head.indexOf(H_HOST)), false);
  assert.equal(head.bodyKind, 'length');
  assert.equal(fieldsOf(head, buf).length, 3);
});

void test('keep-alive follows the version and the Connection tokens', () => {
  const cases: [string, string, boolean][] = [
    ['1.1', '', true],
    ['1.1', 'Connection: close\r\n', false],
    ['1.1', 'Connection: Keep-Alive\r\n', true],
    ['1.1', 'Connection: keep-alive\r\nConnection: close\r\n', false],
    ['1.0', '', false],
    ['1.0', 'Connection: keep-alive\r\n', true],
    ['1.0', 'Connection: keep-alive, close\r\n', false],
  ];
  for (const [v, extra, keepAlive] of cases) assert.equal(ok(`GET / HTTP/${v}\r\nHost: h\r\n${extra}\r\n`).head.keepAlive, keepAlive, `${v} ${extra}`);
});

void test('the body kind and length follow Content-Length and Transfer-Encoding', () => {
  assert.deepEqual(pick(ok('POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 12\r\n\r\n').head), ['length', 12]);
  assert.deepEqual(pick(ok('POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n').head), ['none', 0]);
  assert.deepEqual(pick(ok('POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: CHUNKED\r\n\r\n').head), ['chunked', 0]);
  assert.deepEqual(pick(ok('POST / HTTP/1.1\r\nHost: h\r\n\r\n').head), ['none', 0]);
  function pick(h: RequestHead): [string, number] {
    return [h.bodyKind, h.contentLength];
  }
});

void test('a Content-Length of 2^53 - 1 is accepted and one of 2^53 is refused', () => {
  assert.equal(ok(`POST / HTTP/1.1\r\nHost: h\r\nContent-Length: ${Number.MAX_SAFE_INTEGER}\r\n\r\n`).head.contentLength, Number.MAX_SAFE_INTEGER);
  assert.equal(status(`POST / HTTP/1.1\r\nHost: h\r\nContent-Length: ${Number.MAX_SAFE_INTEGER + 1}\r\n\r\n`), 400);
});

void test('an absolute-form target with the same authority as Host is accepted, case-insensitively', () => {
  const { head } = ok('GET HTTP://Example.COM:8080/p?q HTTP/1.1\r\nHost: example.com:8080\r\n\r\n');
  assert.equal(head.targetForm, 'absolute');
  assert.equal(head.target.slice(head.pathOffset), '/p?q');
  assert.equal(head.host, 'example.com:8080');
});

void test('an absolute-form target on HTTP/1.0 without Host gives the host', () => {
  const { head } = ok('GET https://[::1]:443 HTTP/1.0\r\n\r\n');
  assert.equal(head.host, '[::1]:443');
  assert.equal(head.target.slice(head.pathOffset), '');
});

void test('upgrade is reported only on HTTP/1.1 with Connection: upgrade', () => {
  assert.equal(ok('GET / HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: WebSocket\r\n\r\n').head.upgrade, 'websocket');
  assert.equal(ok('GET / HTTP/1.1\r\nHost: h\r\nConnection: upgrade\r\nUpgrade: foo/2, bar\r\n\r\n').head.upgrade, 'foo/2');
  assert.equal(ok('GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\n\r\n').head.upgrade, undefined);
  assert.equal(ok('GET / HTTP/1.0\r\nHost: h\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n').head.upgrade, undefined);
});

void test('Expect: 100-continue is reported on HTTP/1.1 only', () => {
  assert.equal(ok('PUT / HTTP/1.1\r\nHost: h\r\nExpect: 100-Continue\r\nContent-Length: 1\r\n\r\n').head.expectContinue, true);
  assert.equal(ok('PUT / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n').head.expectContinue, false);
});

void test('up to four empty lines before the request line are skipped and counted in headLength', () => {
  const { head } = ok('\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n');
  assert.equal(head.lineStart, 8);
  assert.equal(head.headLength, 35);
  assert.equal(status('\r\n\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n'), 400);
});

function status(raw: string, limits: HeadLimits = L): number | string {
  const { r } = parse(raw, limits);
  return r.type === 'error' ? r.status : r.type;
}

const G = (line: string, headers = 'Host: h\r\n'): string => `${line}\r\n${headers}\r\n`;

const REFUSED: [string, string, number][] = [
  ['NUL in the method', G('G\x00T / HTTP/1.1'), 400],
  ['a method longer than 64 bytes', G(`${'A'.repeat(65)} / HTTP/1.1`), 400],
  ['CONNECT', G('CONNECT h:443 HTTP/1.1'), 400],
  ['authority-form with GET', G('GET h:443 HTTP/1.1'), 400],
  ['an absolute-form target with userinfo', G('GET http://u@h/ HTTP/1.1'), 400],
  ['an absolute-form target with another scheme', G('GET ftp://h/ HTTP/1.1'), 400],
  ['an absolute-form target with an empty authority', G('GET http:///x HTTP/1.1'), 400],
  ['DEL in the target', G('GET /\x7f HTTP/1.1'), 400],
  ['a tab in the target', G('GET /a\tb HTTP/1.1'), 400],
  ['a percent-encoded LF in the path', G('GET /a%0A HTTP/1.1'), 400],
  ['HTTP/2.0', G('GET / HTTP/2.0'), 505],
  ['HTTP/1.1 followed by a space', G('GET / HTTP/1.1 '), 400],
  ['HTTP/1.10', G('GET / HTTP/1.10'), 400],
  ['a bare CR ending the request line', 'GET / HTTP/1.1\rHost: h\r\n\r\n', 400],
  ['a Host with a space', G('GET / HTTP/1.1', 'Host: a b\r\n'), 400],
  ['a Host with a percent sign', G('GET / HTTP/1.1', 'Host: a%41\r\n'), 400],
  ['a Host with an empty port', G('GET / HTTP/1.1', 'Host: a:\r\n'), 400],
  ['a Host with a six-digit port', G('GET / HTTP/1.1', 'Host: a:123456\r\n'), 400],
  ['a Host with an unclosed IP literal', G('GET / HTTP/1.1', 'Host: [::1\r\n'), 400],
  ['h2c anywhere in Upgrade', G('GET / HTTP/1.1', 'Host: h\r\nUpgrade: websocket, H2C\r\n'), 400],
  ['two Upgrade fields', G('GET / HTTP/1.1', 'Host: h\r\nUpgrade: a\r\nUpgrade: b\r\n'), 400],
  ['an Upgrade with an empty version', G('GET / HTTP/1.1', 'Host: h\r\nUpgrade: a/\r\n'), 400],
  ['a Connection token that is not a token', G('GET / HTTP/1.1', 'Host: h\r\nConnection: a b\r\n'), 400],
  ['more than 16 Connection tokens naming fields', G('GET / HTTP/1.1', `Host: h\r\nConnection: ${Array.from({ length: 17 }, (_, i) => `x${i}`).join(',')}\r\n`), 400],
  ['a Transfer-Encoding with parameters', G('POST / HTTP/1.1', 'Host: h\r\nTransfer-Encoding: chunked;q=1\r\n'), 400],
  ['a Content-Length with a comma list of equal values', G('POST / HTTP/1.1', 'Host: h\r\nContent-Length: 1,1\r\n'), 400],
  ['a Content-Length of 17 digits', G('POST / HTTP/1.1', 'Host: h\r\nContent-Length: 12345678901234567\r\n'), 400],
  ['an obs-text byte in a field name', G('GET / HTTP/1.1', 'Host: h\r\nX\xa0: v\r\n'), 400],
  ['a bare CR inside a value', G('GET / HTTP/1.1', 'Host: h\r\nX: a\rb\r\n'), 400],
];

for (const [what, raw, expected] of REFUSED) {
  void test(`a request with ${what} is refused with ${expected}`, () => {
    assert.equal(status(raw), expected);
  });
}

void test('an obs-text byte and a tab inside a field value are accepted', () => {
  const { head, buf } = ok('GET / HTTP/1.1\r\nHost: h\r\nX: caf\xe9\tau lait\r\n\r\n');
  assert.equal(head.value(buf, 1), 'caf\xe9\tau lait');
});

void test('an IPv6 literal Host with a port is accepted', () => {
  assert.equal(ok('GET / HTTP/1.1\r\nHost: [2001:db8::1]:8080\r\n\r\n').head.host, '[2001:db8::1]:8080');
});

void test('an unfinished head that reaches maxHeadBytes is refused with 431', () => {
  const limits = { ...L, maxHeadBytes: 64 };
  const raw = `GET / HTTP/1.1\r\nHost: h\r\nX: ${'v'.repeat(40)}`;
  assert.equal(status(raw.slice(0, 63), limits), 'incomplete');
  assert.equal(status(raw.slice(0, 64), limits), 431);
  assert.equal(status(`${raw}\r\n\r\n`, limits), 431);
});

void test('a head of exactly maxHeadBytes is accepted', () => {
  const raw = `GET / HTTP/1.1\r\nHost: h\r\nX: ${'v'.repeat(32)}\r\n\r\n`;
  assert.equal(raw.length, 64);
  assert.equal(status(raw, { ...L, maxHeadBytes: 64 }), 'complete');
});

void test('a target longer than maxUriBytes is refused with 414 before the head ends', () => {
  const limits = { ...L, maxUriBytes: 10 };
  assert.equal(status('GET /123456789', limits), 'incomplete');
  assert.equal(status('GET /1234567890', limits), 414);
  assert.equal(status('GET /123456789 HTTP/1.1\r\nHost: h\r\n\r\n', limits), 'complete');
});

void test('more fields than maxHeaders are refused with 431, and maxHeaders fields are accepted', () => {
  const limits = { ...L, maxHeaders: 3 };
  assert.equal(status('GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\n\r\n', limits), 'complete');
  assert.equal(status('GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n', limits), 431);
});

void test('a larger maxHeaders than the head was built for grows its field table', () => {
  const head = new RequestHead(2);
  const raw = `GET / HTTP/1.1\r\nHost: h\r\n${Array.from({ length: 150 }, (_, i) => `X-${i}: ${i}\r\n`).join('')}\r\n`;
  const { r } = parse(raw, { ...L, maxHeaders: 200 }, head);
  assert.equal(r.type, 'complete');
  assert.equal(head.fieldCount, 151);
});

void test('an end past the buffer is clamped to its length', () => {
  const buf = Buffer.from('GET / HTTP/1.1\r\nHost: h\r\n', 'latin1');
  assert.equal(parseRequestHead(buf, 0, buf.length + 100, L, new RequestHead()).type, 'incomplete');
});

const SAMPLES = [
  'GET / HTTP/1.1\r\nHost: h\r\n\r\n',
  '\r\nPOST /up?x=%41 HTTP/1.1\r\nHost: example.com:81\r\nContent-Length: 5\r\nConnection: keep-alive, X-A\r\nX-A: 1\r\n\r\n',
  'PUT http://h/a HTTP/1.1\r\nHost: H\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n',
  'GET /ws HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nX: a\tb\r\n\r\n',
  'OPTIONS * HTTP/1.0\r\n\r\n',
];

function facts(h: RequestHead, buf: Buffer): unknown {
  return {
    method: h.method,
    target: h.target,
    version: h.version,
    host: h.host,
    bodyKind: h.bodyKind,
    contentLength: h.contentLength,
    keepAlive: h.keepAlive,
    upgrade: h.upgrade,
    expectContinue: h.expectContinue,
    headLength: h.headLength,
    tokens: [...h.connectionTokens],
    fields: fieldsOf(h, buf),
  };
}

void test('every split point of a head gives incomplete until the end, then the same result', () => {
  for (const raw of SAMPLES) {
    const buf = Buffer.from(raw, 'latin1');
    const whole = new RequestHead();
    assert.equal(parseRequestHead(buf, 0, buf.length, L, whole).type, 'complete');
    const part = new RequestHead();
    for (let k = 0; k < buf.length; k++) assert.equal(parseRequestHead(buf, 0, k, L, part).type, 'incomplete', `${JSON.stringify(raw)} at ${k}`);
    assert.equal(parseRequestHead(buf, 0, buf.length, L, part).type, 'complete');
    assert.deepEqual(facts(part, buf), facts(whole, buf));
  }
});

void test('every prefix of an invalid head is incomplete or the same error', () => {
  for (const [, raw] of REFUSED) {
    const buf = Buffer.from(raw, 'latin1');
    const whole = parseRequestHead(buf, 0, buf.length, L, new RequestHead());
    for (let k = 0; k < buf.length; k++) {
      const r = parseRequestHead(buf, 0, k, L, new RequestHead());
      if (r.type !== 'incomplete') assert.equal(r, whole, `${JSON.stringify(raw)} at ${k}`);
    }
  }
});

void test('reusing one head object gives each request its own independent facts', () => {
  const reused = new RequestHead();
  const order = [...SAMPLES, ...SAMPLES.slice().reverse()];
  for (const raw of order) {
    const buf = Buffer.from(raw, 'latin1');
    const fresh = new RequestHead();
    parseRequestHead(buf, 0, buf.length, L, fresh);
    assert.equal(parseRequestHead(buf, 0, buf.length, L, reused).type, 'complete');
    assert.deepEqual(facts(reused, buf), facts(fresh, buf));
  }
});

void test('a failed parse in between does not leak into the next request', () => {
  const head = new RequestHead();
  parse('GET / HTTP/1.1\r\nHost: h\r\nConnection: X-A\r\nUpgrade: h2c\r\n\r\n', L, head);
  const { buf } = parse(SAMPLES[0]!, L, head);
  assert.deepEqual(head.connectionTokens, []);
  assert.deepEqual(fieldsOf(head, buf), ['Host=h']);
});

void test('two pipelined heads are found one after the other by headLength', () => {
  const first = 'POST /1 HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\n';
  const buf = Buffer.from(`${first}abcGET /2 HTTP/1.1\r\nHost: h\r\n\r\n`, 'latin1');
  const head = new RequestHead();
  assert.equal(parseRequestHead(buf, 0, buf.length, L, head).type, 'complete');
  assert.equal(head.headLength, first.length);
  const next = head.headLength + head.contentLength;
  assert.equal(parseRequestHead(buf, next, buf.length, L, head).type, 'complete');
  assert.equal(head.target, '/2');
  assert.equal(next + head.headLength, buf.length);
});
