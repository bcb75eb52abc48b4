import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseResponseHead, ResponseHead } from '../../../src/proxy/http/codec/response-head.js';
import { DEFAULT_HEAD_LIMITS, type HeadLimits, type HeadResult } from '../../../src/proxy/http/codec/head-result.js';

const L = DEFAULT_HEAD_LIMITS;

function parse(raw: string, method = 'GET', head = new ResponseHead(), limits: HeadLimits = L): { r: HeadResult; head: ResponseHead; buf: Buffer } {
  const buf = Buffer.from(raw, 'latin1');
  return { r: parseResponseHead(buf, 0, buf.length, limits, method, head), head, buf };
}

function ok(raw: string, method = 'GET'): ResponseHead {
  const { r, head } = parse(raw, method);
  assert.deepEqual(r, { type: 'complete' });
  return head;
}

function framing(h: ResponseHead): [string, number, boolean] {
  return [h.bodyKind, h.contentLength, h.keepAlive];
}

void test('a 200 with Content-Length has a body of that length and keeps the connection', () => {
  const h = ok('HTTP/1.1 200 OK\r\nContent-Length: 18\r\n\r\n');
  assert.equal(h.status, 200);
  assert.equal(h.version, 11);
  assert.equal(h.interim, false);
  assert.deepEqual(framing(h), ['length', 18, true]);
  assert.equal(h.headLength, 'HTTP/1.1 200 OK\r\nContent-Length: 18\r\n\r\n'.length);
});

void test('a chunked response is reported as chunked', () => {
  assert.deepEqual(framing(ok('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n')), ['chunked', 0, true]);
});

void test('a response without framing runs until close and does not keep the connection', () => {
  assert.deepEqual(framing(ok('HTTP/1.1 200 OK\r\n\r\n')), ['close', 0, false]);
});

void test('a Content-Length of 0 means no body', () => {
  assert.deepEqual(framing(ok('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n')), ['none', 0, true]);
});

void test('HEAD responses, 204 and 304 have no body whatever their framing fields say', () => {
  assert.deepEqual(framing(ok('HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n', 'HEAD')), ['none', 0, true]);
  assert.deepEqual(framing(ok('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n', 'HEAD')), ['none', 0, true]);
  assert.deepEqual(framing(ok('HTTP/1.1 204 No Content\r\n\r\n')), ['none', 0, true]);
  assert.deepEqual(framing(ok('HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n')), ['none', 0, true]);
});

void test('a 1xx other than 101 is interim and the final response follows it', () => {
  const raw = 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n';
  const buf = Buffer.from(raw, 'latin1');
  const head = new ResponseHead();
  const seen: [number, boolean][] = [];
  for (let p = 0; p < buf.length; p += head.headLength) {
    assert.equal(parseResponseHead(buf, p, buf.length, L, 'POST', head).type, 'complete');
    seen.push([head.status, head.interim]);
  }
  assert.deepEqual(seen, [
    [100, true],
    [103, true],
    [201, false],
  ]);
});

void test('a 101 reports the protocol switched to and ends HTTP on the connection', () => {
  const h = ok('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n');
  assert.equal(h.upgrade, 'websocket');
  assert.equal(h.interim, false);
  assert.deepEqual(framing(h), ['none', 0, false]);
});

void test('Upgrade on a response other than 101 is not an upgrade', () => {
  assert.equal(ok('HTTP/1.1 426 Upgrade Required\r\nUpgrade: websocket\r\nContent-Length: 0\r\n\r\n').upgrade, undefined);
});

void test('keep-alive follows the version and the Connection tokens', () => {
  assert.equal(ok('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n').keepAlive, false);
  assert.equal(ok('HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n').keepAlive, false);
  assert.equal(ok('HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n').keepAlive, true);
});

void test('a status line without a reason phrase, with or without its space, is accepted', () => {
  assert.equal(ok('HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n').status, 200);
  assert.equal(ok('HTTP/1.1 404 \r\nContent-Length: 0\r\n\r\n').status, 404);
  assert.equal(ok('HTTP/1.1 500 Erreur \xe9trange\tici\r\nContent-Length: 0\r\n\r\n').status, 500);
});

void test('hop-by-hop fields of a response are flagged, and so are those Connection names', () => {
  const { r, head, buf } = parse('HTTP/1.1 200 OK\r\nConnection: X-Internal\r\nX-Internal: 1\r\nKeep-Alive: timeout=5\r\nSet-Cookie: a=1\r\nContent-Length: 0\r\n\r\n');
  assert.equal(r.type, 'complete');
  const hop = Array.from({ length: head.fieldCount }, (_, i) => `${head.name(buf, i)}${head.isHopByHop(i) ? ' (hop)' : ''}`);
  assert.deepEqual(hop, ['Connection (hop)', 'X-Internal (hop)', 'Keep-Alive (hop)', 'Set-Cookie', 'Content-Length']);
});

const REFUSED: [string, string][] = [
  ['both Content-Length and Transfer-Encoding', 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n'],
  ['an invalid Content-Length', 'HTTP/1.1 200 OK\r\nContent-Length: 5a\r\n\r\n'],
  ['two Content-Length fields', 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n'],
  ['a Transfer-Encoding other than chunked', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n'],
  ['two Transfer-Encoding fields', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n'],
  ['Transfer-Encoding on HTTP/1.0', 'HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n'],
  ['a bare LF', 'HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n'],
  ['a bare LF between fields', 'HTTP/1.1 200 OK\r\nA: b\nContent-Length: 0\r\n\r\n'],
  ['obs-fold', 'HTTP/1.1 200 OK\r\nX-A: b\r\n c\r\n\r\n'],
  ['a two-digit status', 'HTTP/1.1 20 OK\r\n\r\n'],
  ['a four-digit status', 'HTTP/1.1 2000 OK\r\n\r\n'],
  ['status 600', 'HTTP/1.1 600 Odd\r\n\r\n'],
  ['status 099', 'HTTP/1.1 099 Odd\r\n\r\n'],
  ['HTTP/2.0', 'HTTP/2.0 200 OK\r\n\r\n'],
  ['HTTP/1.2', 'HTTP/1.2 200 OK\r\n\r\n'],
  ['a lower-case version', 'http/1.1 200 OK\r\n\r\n'],
  ['a NUL in the reason', 'HTTP/1.1 200 O\x00K\r\n\r\n'],
  ['an invalid field name', 'HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n'],
  ['whitespace before the colon', 'HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n'],
  ['a Content_Length field', 'HTTP/1.1 200 OK\r\nContent_Length: 0\r\n\r\n'],
  ['a 101 without Upgrade', 'HTTP/1.1 101 Switching Protocols\r\nConnection: upgrade\r\n\r\n'],
  ['an empty line before the status line', '\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'],
];

for (const [what, raw] of REFUSED) {
  void test(`a response with ${what} is an error answered with 502`, () => {
    const { r } = parse(raw);
    assert.equal(r.type, 'error');
    assert.equal(r.type === 'error' ? r.status : 0, 502);
  });
}

void test('a response head larger than maxHeadBytes is an error even before it ends', () => {
  const { r } = parse(`HTTP/1.1 200 OK\r\nX: ${'v'.repeat(100)}`, 'GET', new ResponseHead(), { ...L, maxHeadBytes: 64 });
  assert.equal(r.type === 'error' ? r.status : r.type, 502);
});

void test('more fields than maxHeaders is an error', () => {
  const { r } = parse('HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\n\r\n', 'GET', new ResponseHead(), { ...L, maxHeaders: 1 });
  assert.equal(r.type, 'error');
});

const SAMPLES = [
  'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\n',
  'HTTP/1.0 404\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n',
  'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n',
  'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: X-A, close\r\nX-A: 1\r\n\r\n',
];

function facts(h: ResponseHead, buf: Buffer): unknown {
  const fields = Array.from({ length: h.fieldCount }, (_, i) => `${h.name(buf, i)}=${h.value(buf, i)}${h.isHopByHop(i) ? ' (hop)' : ''}`);
  return [h.status, h.version, h.interim, h.bodyKind, h.contentLength, h.keepAlive, h.upgrade, h.headLength, [...h.connectionTokens], fields];
}

void test('every split point of a response head gives incomplete until the end, then the same result', () => {
  for (const raw of SAMPLES) {
    const buf = Buffer.from(raw, 'latin1');
    const whole = new ResponseHead();
    assert.equal(parseResponseHead(buf, 0, buf.length, L, 'GET', whole).type, 'complete');
    const part = new ResponseHead();
    for (let k = 0; k < buf.length; k++) assert.equal(parseResponseHead(buf, 0, k, L, 'GET', part).type, 'incomplete', `${JSON.stringify(raw)} at ${k}`);
    assert.equal(parseResponseHead(buf, 0, buf.length, L, 'GET', part).type, 'complete');
    assert.deepEqual(facts(part, buf), facts(whole, buf));
  }
});

void test('reusing one response head object gives each response its own independent facts', () => {
  const reused = new ResponseHead();
  for (const raw of [...SAMPLES, ...SAMPLES.slice().reverse()]) {
    const buf = Buffer.from(raw, 'latin1');
    const fresh = new ResponseHead();
    parseResponseHead(buf, 0, buf.length, L, 'GET', fresh);
    assert.equal(parseResponseHead(buf, 0, buf.length, L, 'GET', reused).type, 'complete');
    assert.deepEqual(facts(reused, buf), facts(fresh, buf));
  }
});

void test('two pipelined responses are found one after the other by headLength', () => {
  const buf = Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhiHTTP/1.1 204 No Content\r\n\r\n', 'latin1');
  const head = new ResponseHead();
  assert.equal(parseResponseHead(buf, 0, buf.length, L, 'GET', head).type, 'complete');
  const next = head.headLength + head.contentLength;
  assert.equal(parseResponseHead(buf, next, buf.length, L, 'GET', head).type, 'complete');
  assert.equal(head.status, 204);
  assert.equal(next + head.headLength, buf.length);
});
