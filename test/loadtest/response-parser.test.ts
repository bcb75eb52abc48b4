import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ResponseParser, type ParseStatus } from '../../src/loadtest/response-parser.js';

interface Outcome {
  readonly result: ParseStatus;
  readonly status: number;
  readonly backend: string | undefined;
  readonly keepAlive: boolean;
  readonly error: string;
}

/** Feeds `parts` in order, then `finish()` when `eof` and the response is not done yet. */
function parse(parts: readonly Buffer[], opts: { method?: string; eof?: boolean; header?: string } = {}): Outcome {
  const p = new ResponseParser(opts.header ?? 'x-backend');
  p.begin(opts.method ?? 'GET');
  let result: ParseStatus = 'more';
  for (const part of parts) {
    result = p.feed(part);
    if (result === 'error') break;
  }
  if (result === 'more' && opts.eof === true) result = p.finish();
  return { result, status: p.status, backend: p.backend, keepAlive: p.keepAlive, error: p.error };
}

/** Every way of cutting `text` in two, and one byte at a time: all must give the same outcome as one piece. */
function assertEverySplit(text: string, expected: Partial<Outcome>, opts: { method?: string; eof?: boolean } = {}): void {
  const whole = Buffer.from(text, 'latin1');
  const check = (parts: Buffer[], how: string): void => {
    const got = parse(parts, opts);
    for (const [key, value] of Object.entries(expected)) {
      assert.deepEqual(got[key as keyof Outcome], value, `${key} when ${how}: ${JSON.stringify(got)}`);
    }
  };
  check([whole], 'whole');
  for (let i = 1; i < whole.length; i++) check([whole.subarray(0, i), whole.subarray(i)], `split at ${i}`);
  check([...whole].map((b) => Buffer.from([b])), 'one byte at a time');
}

void test('a Content-Length response is complete after its last body byte, at any split', () => {
  assertEverySplit('HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Backend: b1\r\n\r\nhello', { result: 'done', status: 200, backend: 'b1', keepAlive: true });
});

void test('a chunked response with extensions and trailers is complete after its last CRLF, at any split', () => {
  const text = 'HTTP/1.1 503 Service Unavailable\r\nTransfer-Encoding: chunked\r\nx-backend: b2\r\n\r\n5;ext=1\r\nhello\r\n1a\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nX-Trailer: t\r\n\r\n';
  assertEverySplit(text, { result: 'done', status: 503, backend: 'b2', keepAlive: true });
});

void test('a close-delimited response is complete when the connection ends, at any split', () => {
  assertEverySplit('HTTP/1.1 200 OK\r\nX-Backend: b3\r\n\r\nbody until the end', { result: 'done', status: 200, backend: 'b3', keepAlive: false }, { eof: true });
});

void test('a close-delimited response is not complete before the connection ends', () => {
  assert.equal(parse([Buffer.from('HTTP/1.1 200 OK\r\n\r\nsome body')]).result, 'more');
});

void test('interim 1xx responses are skipped and the final response counts, at any split', () => {
  assertEverySplit('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok', { result: 'done', status: 201 });
});

void test('the response to HEAD has no body whatever its Content-Length says', () => {
  assertEverySplit('HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n', { result: 'done', status: 200, keepAlive: true }, { method: 'HEAD' });
});

void test('204 and 304 responses have no body', () => {
  assertEverySplit('HTTP/1.1 204 No Content\r\n\r\n', { result: 'done', status: 204 });
  assertEverySplit('HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n', { result: 'done', status: 304 });
});

void test('Connection: close and HTTP/1.0 without keep-alive end the connection after the response', () => {
  assertEverySplit('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n', { result: 'done', keepAlive: false });
  assertEverySplit('HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok', { result: 'done', keepAlive: false });
  assertEverySplit('HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok', { result: 'done', keepAlive: true });
});

void test('the backend header is found in any case, and is undefined when absent', () => {
  assert.equal(parse([Buffer.from('HTTP/1.1 200 OK\r\nX-BACKEND:  b9 \r\nContent-Length: 0\r\n\r\n')]).backend, 'b9');
  assert.equal(parse([Buffer.from('HTTP/1.1 200 OK\r\nX-Served-By: s1\r\nContent-Length: 0\r\n\r\n')], { header: 'x-served-by' }).backend, 's1');
  assert.equal(parse([Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n')]).backend, undefined);
});

void test('the backend value is read again for every response on a connection', () => {
  const p = new ResponseParser('x-backend');
  const values: (string | undefined)[] = [];
  for (let i = 0; i < 3; i++) {
    p.begin('GET');
    assert.equal(p.feed(Buffer.from('HTTP/1.1 200 OK\r\nX-Backend: shared\r\nContent-Length: 0\r\n\r\n')), 'done');
    values.push(p.backend);
  }
  assert.deepEqual(values, ['shared', 'shared', 'shared']);
});

void test('bytes after the end of the response are an error (requests are never pipelined)', () => {
  assertEverySplit('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA', { result: 'error', error: 'bytes after the end of the response' });
  assertEverySplit('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nX', { result: 'error', error: 'bytes after the end of the response' });
});

void test('a malformed head, a bad chunk and conflicting framing are errors', () => {
  assert.equal(parse([Buffer.from('HTTP/2 200 OK\r\n\r\n')]).result, 'error');
  assert.equal(parse([Buffer.from('HTTP/1.1 200 OK\nContent-Length: 0\n\n')]).result, 'error');
  assert.equal(parse([Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n')]).result, 'error');
  assert.equal(parse([Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n')]).result, 'error');
  assert.equal(parse([Buffer.from('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n')]).result, 'error');
});

void test('a response cut short by the end of the connection is an error', () => {
  const cut = parse([Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc')], { eof: true });
  assert.equal(cut.result, 'error');
  assert.equal(cut.error, 'connection closed before the response was complete');
  assert.equal(parse([], { eof: true }).error, 'connection closed before a response');
});

void test('one parser reads response after response on the same connection', () => {
  const p = new ResponseParser('x-backend');
  p.begin('GET');
  assert.equal(p.feed(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na')), 'done');
  p.begin('GET');
  assert.equal(p.feed(Buffer.from('HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n')), 'more');
  assert.equal(p.feed(Buffer.from('0\r\n\r\n')), 'done');
  assert.equal(p.status, 404);
});
