import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChunkedTracker, type ChunkedOptions } from '../../../src/proxy/http/codec/chunked.js';

interface Outcome {
  consumed: number;
  done: boolean;
  error: string | undefined;
  bodyBytes: number;
}

/** Feeds `raw` in pieces of `step` bytes (whole when 0) and reports where the tracker stopped. */
function follow(raw: string, step = 0, options: ChunkedOptions = {}): Outcome {
  const buf = Buffer.from(raw, 'latin1');
  const t = new ChunkedTracker(options);
  let consumed = 0;
  const size = step > 0 ? step : buf.length;
  for (let p = 0; p < buf.length && !t.done && t.error === undefined; p += size) consumed += t.feed(buf, p, Math.min(buf.length, p + size));
  return { consumed, done: t.done, error: t.error, bodyBytes: t.bodyBytes };
}

const VALID: [string, string, number][] = [
  ['a single chunk', '5\r\nhello\r\n0\r\n\r\n', 5],
  ['only the last chunk', '0\r\n\r\n', 0],
  ['several chunks', '5\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\n\r\n', 11],
  ['upper- and lower-case hex sizes', 'A\r\n0123456789\r\na\r\n0123456789\r\n0\r\n\r\n', 20],
  ['a size with leading zeros up to 16 digits', '0000000000000005\r\nhello\r\n0\r\n\r\n', 5],
  ['an extension with a token value', '5;name=value\r\nhello\r\n0\r\n\r\n', 5],
  ['an extension without a value', '5;flag\r\nhello\r\n0;last\r\n\r\n', 5],
  ['several extensions', '5;a=1;b;c=x\r\nhello\r\n0\r\n\r\n', 5],
  ['a quoted-string extension with escapes', '5;q="a \\"b\\" ;=\tc"\r\nhello\r\n0\r\n\r\n', 5],
  ['data containing CRLF and NUL', '6\r\n\r\n\x00\r\n\xff\r\n0\r\n\r\n', 6],
  ['a trailer field', '5\r\nhello\r\n0\r\nX-Checksum: abc\r\n\r\n', 5],
  ['several trailer fields with odd spacing', '0\r\nA:1\r\nB: \t two words \r\nC:\r\n\r\n', 0],
];

for (const [what, raw, bodyBytes] of VALID) {
  void test(`a chunked body with ${what} is followed to its end`, () => {
    assert.deepEqual(follow(raw), { consumed: raw.length, done: true, error: undefined, bodyBytes });
  });
}

const INVALID: [string, string][] = [
  ['no hex digit', '\r\n'],
  ['a 0x prefix', '0x5\r\nhello\r\n0\r\n\r\n'],
  ['a plus sign', '+5\r\nhello\r\n0\r\n\r\n'],
  ['a minus sign', '-1\r\nhello\r\n0\r\n\r\n'],
  ['an underscore in the size', '1_0\r\n0123456789\r\n0\r\n\r\n'],
  ['a space before the size', ' 5\r\nhello\r\n0\r\n\r\n'],
  ['a space after the size', '5 \r\nhello\r\n0\r\n\r\n'],
  ['a space before the extension', '5 ;a=b\r\nhello\r\n0\r\n\r\n'],
  ['a tab in the extension', '5;a=\tb\r\nhello\r\n0\r\n\r\n'],
  ['17 hex digits', '00000000000000005\r\nhello\r\n0\r\n\r\n'],
  ['a size over 2^53 - 1', '20000000000000\r\n'],
  ['a semicolon without an extension name', '5;\r\nhello\r\n0\r\n\r\n'],
  ['an invalid extension name', '5;bad[=x\r\nhello\r\n0\r\n\r\n'],
  ['an empty extension value', '5;a=\r\nhello\r\n0\r\n\r\n'],
  ['an unterminated quoted extension', '5;a="b\r\nhello\r\n0\r\n\r\n'],
  ['text after a quoted extension', '5;a="b"c\r\nhello\r\n0\r\n\r\n'],
  ['a NUL in the extension', '5;\x00ext\r\nhello\r\n0\r\n\r\n'],
  ['a bare CR after the size', '5\rhello\r\n0\r\n\r\n'],
  ['a bare LF after the size', '5\nhello\r\n0\r\n\r\n'],
  ['a bare LF after the data', '5\r\nhello\n0\r\n\r\n'],
  ['more data than the size', '5\r\nhello!!\r\n0\r\n\r\n'],
  ['no CRLF after the data', '5\r\nhello0\r\n\r\n'],
  ['a bare LF at the end', '0\r\n\n'],
  ['a bare LF after the last chunk', '0\n\r\n'],
  ['a bare LF after a trailer field', '0\r\nA: b\n\r\n'],
  ['an obs-folded trailer field', '0\r\nA: b\r\n c\r\n\r\n'],
  ['a trailer field with whitespace before the colon', '0\r\nA : b\r\n\r\n'],
  ['a trailer field without a colon', '0\r\nAb\r\n\r\n'],
  ['a trailer field with an empty name', '0\r\n: b\r\n\r\n'],
  ['a control character in a trailer value', '0\r\nA: b\x01\r\n\r\n'],
  ['Content-Length in the trailer', '0\r\nContent-Length: 5\r\n\r\n'],
  ['Transfer-Encoding in the trailer', '0\r\ntransfer-encoding: chunked\r\n\r\n'],
  ['Host in the trailer', '0\r\nHOST: evil\r\n\r\n'],
  ['Connection in the trailer', '0\r\nConnection: close\r\n\r\n'],
];

for (const [what, raw] of INVALID) {
  void test(`a chunked body with ${what} is refused`, () => {
    const o = follow(raw);
    assert.equal(o.done, false);
    assert.equal(typeof o.error, 'string');
  });
}

void test('the bytes after the end of the body are not counted', () => {
  const body = '3\r\nabc\r\n0\r\n\r\n';
  const buf = Buffer.from(`${body}GET / HTTP/1.1\r\n`, 'latin1');
  const t = new ChunkedTracker();
  assert.equal(t.feed(buf, 0, buf.length), body.length);
  assert.equal(t.done, true);
});

void test('a body fed one byte at a time gives the same result as a body fed whole', () => {
  for (const [, raw] of [...VALID.map(([w, r]) => [w, r] as const), ...INVALID]) {
    const whole = follow(raw);
    const bytewise = follow(raw, 1);
    assert.deepEqual({ ...bytewise, consumed: 0 }, { ...whole, consumed: 0 }, JSON.stringify(raw));
    if (whole.done) assert.equal(bytewise.consumed, whole.consumed);
  }
});

void test('a body split at every point gives the same result', () => {
  const raw = '1a;ext="q";x=y\r\nabcdefghijklmnopqrstuvwxyz\r\n2\r\n\r\n\r\n0\r\nT: v\r\n\r\n';
  const buf = Buffer.from(raw, 'latin1');
  for (let k = 0; k <= buf.length; k++) {
    const t = new ChunkedTracker();
    const n = t.feed(buf, 0, k) + t.feed(buf, k, buf.length);
    assert.equal(n, buf.length, `split at ${k}`);
    assert.equal(t.done, true);
    assert.equal(t.bodyBytes, 28);
  }
});

void test('feeding after the end consumes nothing', () => {
  const t = new ChunkedTracker();
  const buf = Buffer.from('0\r\n\r\n0\r\n\r\n', 'latin1');
  assert.equal(t.feed(buf, 0, buf.length), 5);
  assert.equal(t.feed(buf, 5, buf.length), 0);
});

void test('after an error the count is of the bytes before the offending one and nothing more is consumed', () => {
  const t = new ChunkedTracker();
  const buf = Buffer.from('5\r\nhello!\r\n', 'latin1');
  assert.equal(t.feed(buf, 0, buf.length), 8);
  assert.equal(t.error, 'missing CRLF after chunk data');
  assert.equal(t.feed(buf, 0, buf.length), 0);
});

void test('reset makes the tracker ready for the next body', () => {
  const t = new ChunkedTracker();
  const bad = Buffer.from('x', 'latin1');
  t.feed(bad, 0, 1);
  assert.notEqual(t.error, undefined);
  t.reset();
  const good = Buffer.from('2\r\nhi\r\n0\r\n\r\n', 'latin1');
  assert.equal(t.feed(good, 0, good.length), good.length);
  assert.deepEqual([t.done, t.error, t.bodyBytes, t.tooLarge], [true, undefined, 2, false]);
});

void test('a chunk that would take the body past maxBodyBytes is refused as too large', () => {
  assert.equal(follow('5\r\nhello\r\n5\r\nworld\r\n0\r\n\r\n', 0, { maxBodyBytes: 10 }).done, true);
  const t = new ChunkedTracker({ maxBodyBytes: 9 });
  const buf = Buffer.from('5\r\nhello\r\n5\r\nworld\r\n0\r\n\r\n', 'latin1');
  t.feed(buf, 0, buf.length);
  assert.equal(t.tooLarge, true);
  assert.equal(t.error, 'body too large');
});

void test('a size line longer than maxLineBytes is refused', () => {
  assert.equal(follow(`5;e=${'a'.repeat(21)}\r\nhello\r\n0\r\n\r\n`, 0, { maxLineBytes: 25 }).done, true);
  assert.equal(follow(`5;e=${'a'.repeat(22)}\r\nhello\r\n0\r\n\r\n`, 0, { maxLineBytes: 25 }).error, 'chunk size line too long');
});

void test('a trailer section larger than maxTrailerBytes is refused', () => {
  assert.equal(follow('0\r\nA: 1234\r\n\r\n', 0, { maxTrailerBytes: 11 }).done, true);
  assert.equal(follow('0\r\nA: 12345\r\n\r\n', 0, { maxTrailerBytes: 11 }).error, 'trailer section too large');
});

void test('a chunk of 2^53 - 1 bytes is followed as data without being buffered', () => {
  const t = new ChunkedTracker();
  const head = Buffer.from('1fffffffffffff\r\n', 'latin1');
  assert.equal(t.feed(head, 0, head.length), head.length);
  const data = Buffer.alloc(65536);
  assert.equal(t.feed(data, 0, data.length), data.length);
  assert.equal(t.bodyBytes, 65536);
  assert.equal(t.done, false);
});
