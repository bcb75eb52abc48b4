// The head rewrite: kept fields are copied in runs, dropped ones leave no trace, and a value's
// trailing whitespace is trimmed whatever the run it falls in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RequestHead, parseRequestHead } from '../../src/proxy/http/codec/request-head.js';
import { ResponseHead, parseResponseHead } from '../../src/proxy/http/codec/response-head.js';
import { DEFAULT_HEAD_LIMITS } from '../../src/proxy/http/codec/head-result.js';
import { buildRequest, buildResponse } from '../../src/proxy/http/rewrite.js';

function request(raw: string, extra = '', dropMask = 0): string {
  const buf = Buffer.from(raw, 'latin1');
  const head = new RequestHead();
  const r = parseRequestHead(buf, 0, buf.length, DEFAULT_HEAD_LIMITS, head);
  assert.equal(r.type, 'complete', raw);
  return buildRequest(head, buf, 0, extra, head.headLength, dropMask).toString('latin1');
}

function response(raw: string): string {
  const buf = Buffer.from(raw, 'latin1');
  const head = new ResponseHead();
  const r = parseResponseHead(buf, 0, buf.length, DEFAULT_HEAD_LIMITS, 'GET', head);
  assert.equal(r.type, 'complete', raw);
  return buildResponse(head, buf, 0, '', head.headLength).toString('latin1');
}

void test('kept request fields around dropped ones and trailing whitespace come out exactly', () => {
  const out = request(
    'GET /a?b HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2  \r\nConnection: keep-alive, X-Drop\r\nX-Drop: x\r\nC: 3\r\nD:4\r\nKeep-Alive: 5\r\nE: 5\t\r\n\r\n',
    'x-extra: y\r\n',
  );
  assert.equal(out, 'GET /a?b HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\nC: 3\r\nD:4\r\nE: 5\r\nx-extra: y\r\n\r\n');
});

void test('kept response fields are copied in order with their repeats, hop-by-hop ones dropped', () => {
  const out = response('HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nTransfer-Encoding: chunked\r\nSet-Cookie: b=2 \r\nX: y\r\n\r\n');
  assert.equal(out, 'HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nX: y\r\n\r\n');
});

const name = fc.constantFrom('A', 'Bb', 'X-Forwarded-For', 'Connection', 'Keep-Alive', 'TE', 'Upgrade', 'X-Y', 'Cookie', 'Set-Cookie', 'Proxy-Connection', 'Trailer');
const value = fc.constantFrom('1', 'v w', 'a,b', 'close', 'keep-alive');
const ows = fc.constantFrom('', ' ', '\t', '  ');

void test('a rewritten request equals the field-by-field rewrite for any mix of kept and dropped fields', () => {
  const hop = new Set(['connection', 'keep-alive', 'te', 'upgrade', 'proxy-connection', 'trailer']);
  fc.assert(
    fc.property(fc.array(fc.tuple(name, ows, value, ows), { maxLength: 12 }), (fields) => {
      const lines = fields.map(([n, a, v, b]) => `${n}:${a}${v}${b}\r\n`).join('');
      const raw = `GET / HTTP/1.1\r\nHost: h\r\n${lines}\r\n`;
      const buf = Buffer.from(raw, 'latin1');
      const head = new RequestHead();
      const r = parseRequestHead(buf, 0, buf.length, DEFAULT_HEAD_LIMITS, head);
      if (r.type !== 'complete') return;
      // Fields named in Connection are dropped too.
      const named = new Set(
        fields
          .filter(([n]) => n.toLowerCase() === 'connection')
          .flatMap(([, , v]) => v.split(',').map((t) => t.trim().toLowerCase())),
      );
      let want = 'GET / HTTP/1.1\r\nHost: h\r\n';
      // The whitespace after the colon stays as sent; the one after the value goes.
      for (const [n, a, v] of fields) if (!hop.has(n.toLowerCase()) && !named.has(n.toLowerCase())) want += `${n}:${a}${v}\r\n`;
      const got = buildRequest(head, buf, 0, '', head.headLength, 0).toString('latin1');
      assert.equal(got, `${want}\r\n`, raw);
    }),
  );
});
