/** The capture backend: hand-rolled framing, lenient parsing with anomalies, answers, logs and reset. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { parseRequestAt, parseRequests, startCaptureBackend } from '../../helpers/capture-backend.js';
import { waitFor } from '../../helpers/net.js';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');

/** A client that collects what the backend answers. */
async function client(port: number): Promise<{ socket: Socket; text: () => string; closed: () => boolean }> {
  const socket = connect({ host: '127.0.0.1', port });
  let buf = '';
  let closed = false;
  socket.on('data', (d: Buffer) => (buf += d.toString('latin1')));
  socket.on('close', () => (closed = true));
  socket.on('error', () => {});
  await new Promise((resolve) => socket.once('connect', resolve));
  return { socket, text: () => buf, closed: () => closed };
}

void test('a Content-Length request is framed by its length, headers kept in order with their case', () => {
  const step = parseRequestAt(b('POST /a?b HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nX-One: 1\r\nx-one: 2\r\n\r\nhelloGET'), 0);
  assert.equal(step.kind, 'complete');
  if (step.kind !== 'complete') return;
  const r = step.request;
  assert.deepEqual([r.method, r.target, r.version, r.framing], ['POST', '/a?b', 'HTTP/1.1', 'content-length']);
  assert.deepEqual(r.headers, [['Host', 'x'], ['Content-Length', '5'], ['X-One', '1'], ['x-one', '2']]);
  assert.equal(r.body.toString(), 'hello');
  assert.deepEqual(r.anomalies, []);
  assert.equal(r.raw.toString('latin1').endsWith('hello'), true);
});

void test('a chunked body is decoded, extensions skipped and trailers kept apart', () => {
  const bytes = b('POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;a=b\r\nhello\r\nA\r\n0123456789\r\n0\r\nX-Sum: 1\r\n\r\n');
  const { requests, rest } = parseRequests(bytes);
  assert.equal(rest.length, 0);
  const r = requests[0]?.request;
  assert.equal(r?.body.toString(), 'hello0123456789');
  assert.deepEqual(r?.trailers, [['X-Sum', '1']]);
  assert.equal(r?.framing, 'chunked');
  assert.deepEqual(r?.anomalies, []);
});

void test('sloppy bytes are parsed leniently and every deviation is recorded', () => {
  const step = parseRequestAt(b('\r\nGET  /  HTTP/1.1\nHost: x\r\nX-A: 1\r\n  folded\r\nBad Name: v\r\nX-C: a\x00b\r\n\r\n'), 0);
  assert.equal(step.kind, 'complete');
  if (step.kind !== 'complete') return;
  const a = step.request.anomalies.join(' | ');
  for (const s of ['empty line before', 'irregular whitespace', 'bare LF', 'obs-fold', 'invalid header name', 'control character']) {
    assert.ok(a.includes(s), `missing "${s}" in ${a}`);
  }
  assert.deepEqual(step.request.headers[1], ['X-A', '1 folded']);
});

void test('incomplete heads and bodies wait; unframeable bytes are invalid', () => {
  assert.equal(parseRequestAt(b('GET / HTTP/1.1\r\nHost: x\r\n'), 0).kind, 'incomplete');
  assert.equal(parseRequestAt(b('POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nhello'), 0).kind, 'incomplete');
  assert.equal(parseRequestAt(b('POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n'), 0).kind, 'incomplete');
  assert.equal(parseRequestAt(b('POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n'), 0).kind, 'invalid');
  assert.equal(parseRequestAt(b('POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!'), 0).kind, 'invalid');
  assert.equal(parseRequestAt(b('POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'), 0).kind, 'invalid');
  assert.equal(parseRequestAt(b('GARBAGE\r\n\r\n'), 0).kind, 'invalid');
  const both = parseRequestAt(b('POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'), 0);
  assert.ok(both.kind === 'complete' && both.request.anomalies.includes('both Transfer-Encoding and Content-Length'));
});

void test('the backend answers each pipelined request, HEAD without a body, and logs the raw bytes', async () => {
  const backend = await startCaptureBackend();
  try {
    const c = await client(backend.port);
    const sent = 'GET /1 HTTP/1.1\r\nHost: x\r\n\r\nHEAD /2 HTTP/1.1\r\nHost: x\r\n\r\nPOST /3 HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi';
    c.socket.write(sent);
    const ok = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Backend: capture\r\n\r\n';
    await waitFor(() => c.text() === `${ok}ok${ok}${ok}ok`, 2000, 'three answers');
    assert.equal(backend.received().toString('latin1'), sent);
    assert.deepEqual(backend.requests().map((r) => `${r.method} ${r.target}`), ['GET /1', 'HEAD /2', 'POST /3']);
    assert.deepEqual(backend.connectionLogs().map((l) => l.length), [sent.length]);
    assert.deepEqual(backend.leftovers(), []);
    assert.equal(c.closed(), false);
    c.socket.destroy();
  } finally {
    await backend.close();
  }
});

void test('the backend sends 100 Continue when a body is held back for it, and 400 + close for bytes it cannot frame', async () => {
  const backend = await startCaptureBackend();
  try {
    const c = await client(backend.port);
    c.socket.write('POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n');
    await waitFor(() => c.text() === 'HTTP/1.1 100 Continue\r\n\r\n', 2000, '100 Continue');
    c.socket.write('hi');
    await waitFor(() => c.text().endsWith('ok'), 2000, 'the final answer');
    const bad = await client(backend.port);
    bad.socket.write('POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n');
    await waitFor(() => bad.closed(), 2000, 'close');
    assert.match(bad.text(), /^HTTP\/1\.1 400 /);
    assert.equal(backend.leftovers()[0]?.reason, 'cannot frame Transfer-Encoding: gzip');
    c.socket.destroy();
  } finally {
    await backend.close();
  }
});

void test('reset forgets the logs, keeps clean connections and drops ones stuck mid-request', async () => {
  const backend = await startCaptureBackend();
  try {
    const clean = await client(backend.port);
    const stuck = await client(backend.port);
    clean.socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    stuck.socket.write('GET / HTTP/1.1\r\nHost: x\r\n');
    await waitFor(() => clean.text().endsWith('ok') && backend.received().length > 50, 2000, 'both requests');
    assert.equal(backend.leftovers()[0]?.reason, 'incomplete');
    backend.reset();
    await waitFor(() => stuck.closed(), 2000, 'the stuck connection to be dropped');
    assert.equal(backend.received().length, 0);
    assert.deepEqual(backend.requests(), []);
    clean.socket.write('GET /again HTTP/1.1\r\nHost: x\r\n\r\n');
    await waitFor(() => backend.requests().length === 1, 2000, 'the next request');
    assert.equal(backend.requests()[0]?.target, '/again');
    assert.equal(clean.closed(), false);
    clean.socket.destroy();
  } finally {
    await backend.close();
  }
});
