/**
 * Rewritten heads are written into buffers an exchange takes from a spare list and gives back
 * at its end (src/proxy/http/head-buffers.ts), so keep-alive traffic allocates none outside the
 * V8 heap. A buffer a pending write still holds must never be written into again.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { HEAD_BUFFER_BYTES, giveHeadBuffer, headOut, spareHeadBuffers, takeHeadBuffer } from '../../src/proxy/http/head-buffers.js';
import { startHttpBalancer } from '../helpers/http-balancer.js';
import { RawClient, get, namedHttpBackend, okResponse, parseResponseAt, startHttpBackend } from '../helpers/http.js';

const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

void test('a head is written into the given buffer when it fits, else into one of its own', () => {
  const into = takeHeadBuffer();
  assert.equal(into.length, HEAD_BUFFER_BYTES);
  assert.equal(headOut(into, 100), into);
  assert.equal(headOut(into, HEAD_BUFFER_BYTES), into);
  const big = headOut(into, HEAD_BUFFER_BYTES + 1);
  assert.notEqual(big.buffer, into.buffer);
  assert.equal(big.length, HEAD_BUFFER_BYTES + 1);
  assert.equal(headOut(undefined, 10).length, 10);
  const before = spareHeadBuffers();
  giveHeadBuffer(into);
  assert.equal(spareHeadBuffers(), before + 1);
  assert.equal(takeHeadBuffer(), into, 'a spare buffer is taken before a new one is made');
  giveHeadBuffer(Buffer.alloc(10));
  assert.equal(spareHeadBuffers(), before, 'a buffer of another size is not kept');
});

void test('keep-alive exchanges write their heads into spare buffers and give them back', async () => {
  // Empty the spare list, so what it holds afterwards is what the exchanges gave back.
  const held: Buffer[] = [];
  while (spareHeadBuffers() > 0) held.push(takeHeadBuffer());
  const a = await namedHttpBackend('a');
  const { lb, port } = await startHttpBalancer([a.port]);
  try {
    const c = await RawClient.open(port);
    for (let i = 0; i < 5; i++) {
      c.write(get('/x'));
      assert.equal((await c.finalResponse('GET')).body.toString(), 'a');
    }
    c.close();
    // Each exchange takes a buffer for its request head and one for its response, and the next
    // exchange takes the same two again: the list ends with those two, not ten or none.
    const spare = spareHeadBuffers();
    assert.ok(spare >= 1 && spare <= 2, `spare head buffers after 5 exchanges: ${spare}`);
  } finally {
    await lb.stop();
    await a.close();
    for (const b of held) giveHeadBuffer(b);
  }
});

/** A body of `size` bytes that names request `i` throughout. */
function bodyFor(i: number, size: number): Buffer {
  const unit = Buffer.from(`<${i}>`, 'latin1');
  const b = Buffer.alloc(size);
  for (let p = 0; p < size; p += unit.length) unit.copy(b, p, 0, Math.min(unit.length, size - p));
  return b;
}

void test('responses queued behind a client that does not read keep their own bytes', async () => {
  // 3 KB bodies ride in the head's buffer; 2,500 of them (7.5 MB) are more than the loopback
  // socket's buffers take, so the balancer's writes stay pending while the client does not read.
  const N = 2500;
  const SIZE = 3000;
  const backend = await startHttpBackend((req, socket) => {
    socket.write(okResponse(bodyFor(Number(req.target.slice(1)), SIZE)));
  });
  const { lb, port } = await startHttpBalancer([backend.port]);
  try {
    const chunks: Buffer[] = [];
    const done = await new Promise<Buffer>((resolve, reject) => {
      const s = connect({ port, host: '127.0.0.1' });
      s.on('error', reject);
      s.pause();
      s.once('connect', () => {
        let reqs = '';
        for (let i = 0; i < N; i++) reqs += `GET /${i} HTTP/1.1\r\nHost: app.test\r\n${i === N - 1 ? 'Connection: close\r\n' : ''}\r\n`;
        s.write(reqs);
        // Read nothing for a while: the responses back up into the balancer.
        void delay(1500).then(() => {
          s.on('data', (d: Buffer) => chunks.push(d));
          s.on('end', () => resolve(Buffer.concat(chunks)));
          s.resume();
        });
      });
    });
    let pos = 0;
    for (let i = 0; i < N; i++) {
      const step = parseResponseAt(done, pos, 'GET', true);
      assert.equal(step.kind, 'complete', `response ${i} at byte ${pos}: ${JSON.stringify(step)}`);
      if (step.kind !== 'complete') return;
      assert.equal(step.response.status, 200);
      assert.ok(step.response.body.equals(bodyFor(i, SIZE)), `response ${i} carries its own body (got ${step.response.body.toString('latin1', 0, 24)}…)`);
      pos = step.end;
    }
    assert.equal(pos, done.length, 'nothing after the last response');
  } finally {
    await lb.stop();
    await backend.close();
  }
});
