/** Property tests of the codec on generated and arbitrary bytes (fast-check). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseRequestHead, RequestHead } from '../../../src/proxy/http/codec/request-head.js';
import { parseResponseHead, ResponseHead } from '../../../src/proxy/http/codec/response-head.js';
import { ChunkedTracker } from '../../../src/proxy/http/codec/chunked.js';
import { DEFAULT_HEAD_LIMITS, type HeadLimits, type HeadResult } from '../../../src/proxy/http/codec/head-result.js';
import { FIELD_STRIDE } from '../../../src/proxy/http/codec/fields.js';
import { chunkedPlan, corruptedChunked, encodeChunked, request, response } from './arbitraries.js';

const RUNS = 1000;
const L = DEFAULT_HEAD_LIMITS;

const bytes = fc.uint8Array({ maxLength: 400 }).map((a) => Buffer.from(a));
/** Generated requests, with a byte replaced now and then. */
const requestish = fc.tuple(request, fc.option(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { freq: 3 })).map(([b, m]) => {
  if (m !== null && b.length > 0) b[m[0] % b.length] = m[1];
  return b;
});
const limits: fc.Arbitrary<HeadLimits> = fc.record({ maxHeadBytes: fc.integer({ min: 16, max: 300 }), maxUriBytes: fc.integer({ min: 1, max: 40 }), maxHeaders: fc.integer({ min: 1, max: 8 }) });

/** What a result says, comparable across parses: the error (a singleton), or completion at a length. */
function outcome(r: HeadResult, headLength: number): unknown {
  return r.type === 'complete' ? ['complete', headLength] : r;
}

function requestFacts(h: RequestHead, buf: Buffer): unknown {
  const fields = Array.from(h.fields.subarray(0, h.fieldCount * FIELD_STRIDE));
  return [h.method, h.target, h.version, h.host, h.bodyKind, h.contentLength, h.keepAlive, h.upgrade, h.expectContinue, h.headLength, [...h.connectionTokens], fields, buf.length];
}

void test('the request head parser never throws and keeps its offsets inside the head', () => {
  fc.assert(
    fc.property(fc.oneof(bytes, requestish), limits, (buf, lim) => {
      const head = new RequestHead(2);
      const r = parseRequestHead(buf, 0, buf.length, lim, head);
      assert.ok(r.type === 'incomplete' || r.type === 'complete' || r.type === 'error');
      if (r.type !== 'complete') return;
      assert.ok(head.headLength <= buf.length && head.headLength <= lim.maxHeadBytes);
      assert.ok(head.fieldCount <= lim.maxHeaders);
      for (let i = 0; i < head.fieldCount * FIELD_STRIDE; i += FIELD_STRIDE) {
        for (let k = 0; k < 4; k++) assert.ok(head.fields[i + k]! >= 0 && head.fields[i + k]! < head.headLength);
      }
    }),
    { numRuns: RUNS * 3 },
  );
});

void test('the response head parser never throws on arbitrary bytes', () => {
  fc.assert(
    fc.property(fc.oneof(bytes, response), limits, fc.constantFrom('GET', 'HEAD'), (buf, lim, method) => {
      const r = parseResponseHead(buf, 0, buf.length, lim, method, new ResponseHead(2));
      assert.ok(r.type !== 'error' || r.status === 502);
    }),
    { numRuns: RUNS * 3 },
  );
});

void test('the chunked tracker never throws and never counts more bytes than it was given', () => {
  fc.assert(
    fc.property(fc.oneof(bytes, corruptedChunked.map((s) => Buffer.from(s, 'latin1'))), (buf) => {
      const t = new ChunkedTracker();
      const n = t.feed(buf, 0, buf.length);
      assert.ok(n >= 0 && n <= buf.length);
      assert.ok(!(t.done && t.error !== undefined));
    }),
    { numRuns: RUNS * 3 },
  );
});

void test('a request head fed in any prefix gives incomplete or exactly the result of the whole', () => {
  fc.assert(
    fc.property(requestish, limits, (buf, lim) => {
      const head = new RequestHead();
      const whole = outcome(parseRequestHead(buf, 0, buf.length, lim, head), head.headLength);
      for (let k = 0; k < buf.length; k++) {
        const r = parseRequestHead(buf, 0, k, lim, head);
        if (r.type !== 'incomplete') assert.deepEqual(outcome(r, head.headLength), whole, `prefix ${k}`);
      }
    }),
    { numRuns: RUNS },
  );
});

void test('a response head fed in any prefix gives incomplete or exactly the result of the whole', () => {
  fc.assert(
    fc.property(response, limits, (buf, lim) => {
      const head = new ResponseHead();
      const whole = outcome(parseResponseHead(buf, 0, buf.length, lim, 'GET', head), head.headLength);
      for (let k = 0; k < buf.length; k++) {
        const r = parseResponseHead(buf, 0, k, lim, 'GET', head);
        if (r.type !== 'incomplete') assert.deepEqual(outcome(r, head.headLength), whole, `prefix ${k}`);
      }
    }),
    { numRuns: RUNS },
  );
});

void test('a reused request head reports the same facts as a fresh one, whatever came before', () => {
  const reused = new RequestHead();
  fc.assert(
    fc.property(requestish, requestish, (before, buf) => {
      parseRequestHead(before, 0, before.length, L, reused);
      const fresh = new RequestHead();
      const a = parseRequestHead(buf, 0, buf.length, L, fresh);
      const b = parseRequestHead(buf, 0, buf.length, L, reused);
      assert.equal(b, a);
      if (a.type === 'complete') assert.deepEqual(requestFacts(reused, buf), requestFacts(fresh, buf));
    }),
    { numRuns: RUNS },
  );
});

void test('any valid chunking of any payload is followed to its end, counting exactly the encoded bytes', () => {
  fc.assert(
    fc.property(chunkedPlan, fc.array(fc.nat(), { maxLength: 6 }), fc.uint8Array({ maxLength: 20 }), (plan, cuts, next) => {
      const encoded = Buffer.from(encodeChunked(plan), 'latin1');
      const buf = Buffer.concat([encoded, next]);
      const points = [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((a, b) => a - b);
      const t = new ChunkedTracker();
      let consumed = 0;
      let p = 0;
      for (const q of [...points, buf.length]) {
        if (t.done) break;
        consumed += t.feed(buf, p, q);
        p = q;
      }
      assert.equal(t.error, undefined);
      assert.equal(t.done, true);
      assert.equal(consumed, encoded.length);
      assert.equal(t.bodyBytes, plan.payload.length);
    }),
    { numRuns: RUNS },
  );
});

function followIn(buf: Buffer, step: number): unknown {
  const t = new ChunkedTracker();
  let consumed = 0;
  for (let p = 0; p < buf.length && !t.done && t.error === undefined; p += step) consumed += t.feed(buf, p, Math.min(buf.length, p + step));
  return { consumed, done: t.done, error: t.error, bodyBytes: t.bodyBytes };
}

void test('a corrupted chunked body is refused or followed the same way whatever the feeding', () => {
  fc.assert(
    fc.property(corruptedChunked, fc.integer({ min: 1, max: 7 }), (s, step) => {
      const buf = Buffer.from(s, 'latin1');
      const whole = followIn(buf, buf.length || 1);
      assert.deepEqual(followIn(buf, 1), whole);
      assert.deepEqual(followIn(buf, step), whole);
    }),
    { numRuns: RUNS },
  );
});
