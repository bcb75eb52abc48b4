import { test } from 'node:test';
import assert from 'node:assert/strict';
import { READ_BUFFER_BYTES, giveReadBuffer, spareReadBuffers, takeReadBuffer } from '../../src/proxy/read-buffers.js';
import { startBalancer } from '../helpers/balancer.js';
import { exchange, nameServer } from '../helpers/net.js';

void test('read buffers given back are taken again, up to a bounded number of spares', () => {
  const taken: Buffer[] = [];
  while (spareReadBuffers() > 0) taken.push(takeReadBuffer());
  const a = takeReadBuffer();
  assert.equal(a.length, READ_BUFFER_BYTES);
  giveReadBuffer(a);
  assert.equal(spareReadBuffers(), 1);
  assert.equal(takeReadBuffer(), a, 'the spare is reused');
  // A buffer of another size is not kept.
  giveReadBuffer(Buffer.alloc(10));
  assert.equal(spareReadBuffers(), 0);
  // Never more than the cap, however many come back.
  for (let i = 0; i < 1000; i++) giveReadBuffer(Buffer.allocUnsafe(READ_BUFFER_BYTES));
  assert.ok(spareReadBuffers() <= 64, `${spareReadBuffers()} spares`);
  for (const b of taken) giveReadBuffer(b);
});

void test('TCP connections give their read buffer back when they end, and the next ones reuse it', async () => {
  const server = await nameServer('b1');
  const { lb, port } = await startBalancer({
    listeners: { tcp: { bind: '127.0.0.1:0', pool: 'p' } },
    pools: { p: { backends: [`127.0.0.1:${server.port}`] } },
  });
  try {
    while (spareReadBuffers() > 0) takeReadBuffer();
    assert.equal(await exchange(port), 'b1');
    const until = Date.now() + 2000;
    while (spareReadBuffers() === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    assert.equal(spareReadBuffers(), 1, 'given back after the connection closed');
    for (let i = 0; i < 20; i++) assert.equal(await exchange(port), 'b1');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(spareReadBuffers(), 1, 'one connection at a time: one buffer, reused each time');
  } finally {
    await lb.stop();
    await server.close();
  }
});
