import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CATALOGUE_CASES, type CatalogueCase } from './catalogue-cases.js';
import { codecVerdict } from './llhttp-oracle.js';
import { parseRequestHead, RequestHead } from '../../../src/proxy/http/codec/request-head.js';
import { DEFAULT_HEAD_LIMITS } from '../../../src/proxy/http/codec/head-result.js';

function describe(c: CatalogueCase): string {
  if (c.expect === 'accept') return `is accepted${c.requests !== undefined && c.requests > 1 ? ` as ${c.requests} requests` : ''}`;
  if (c.expect === 'body-error') return 'has its chunked body refused';
  if (c.expect === 'incomplete') return 'waits for more bytes';
  return `is refused with ${c.expect}`;
}

for (const c of CATALOGUE_CASES) {
  void test(`catalogue case ${c.id} ${describe(c)}`, () => {
    const bytes = Buffer.from(c.raw, 'latin1');
    const v = codecVerdict(bytes);
    if (c.expect === 'accept') {
      assert.equal(v.stop, undefined, `stopped: ${v.stop}`);
      assert.equal(v.requests.length, c.requests ?? 1);
    } else if (c.expect === 'body-error') {
      assert.equal(v.bodyError, true, `stop: ${v.stop}`);
    } else if (c.expect === 'incomplete') {
      assert.match(v.stop ?? '', /incomplete/);
    } else {
      assert.equal(v.status, c.expect, `stop: ${v.stop}`);
      assert.equal(v.requests.length, c.requests ?? 0);
    }
    if (c.bodyBytes !== undefined) assert.equal(v.requests[0]?.bodyBytes, c.bodyBytes);
    if (c.keepAlive !== undefined || c.upgrade !== undefined || c.expectContinue !== undefined || c.expect === 'accept') {
      const head = new RequestHead();
      const r = parseRequestHead(bytes, 0, bytes.length, DEFAULT_HEAD_LIMITS, head);
      assert.equal(r.type, 'complete');
      if (c.keepAlive !== undefined) assert.equal(head.keepAlive, c.keepAlive);
      assert.equal(head.upgrade, c.upgrade);
      if (c.expectContinue !== undefined) assert.equal(head.expectContinue, c.expectContinue);
    }
  });
}
