import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ownResponse, OWN_STATUSES, type OwnStatus } from '../../src/proxy/http/responses.js';

void test('every own response is a complete HTTP/1.1 message with a matching content-length', () => {
  for (const s of Object.keys(OWN_STATUSES)) {
    const status = Number(s) as OwnStatus;
    for (const close of [false, true]) {
      const text = ownResponse(status, close).toString('latin1');
      const [head = '', body = ''] = text.split('\r\n\r\n');
      assert.match(head, new RegExp(`^HTTP/1\\.1 ${status} ${OWN_STATUSES[status]}\\r\\n`));
      assert.match(head, new RegExp(`\\r\\nconnection: ${close ? 'close' : 'keep-alive'}$`));
      const len = Number(/content-length: (\d+)/.exec(head)?.[1]);
      assert.equal(Buffer.byteLength(body), len);
      assert.equal(body, `${status} ${OWN_STATUSES[status]}\n`, 'a short, generic body');
    }
  }
});

void test('a response to HEAD carries the same head and no body', () => {
  const full = ownResponse(404, false).toString('latin1');
  const head = ownResponse(404, false, true).toString('latin1');
  assert.ok(full.startsWith(head));
  assert.ok(head.endsWith('\r\n\r\n'));
});
