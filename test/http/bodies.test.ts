import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, createHash } from 'node:crypto';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startCaptureBackend } from '../helpers/capture-backend.js';
import { startHttpBalancer } from '../helpers/http-balancer.js';
import { RawClient, get, headerValue, sha256, startHttpBackend } from '../helpers/http.js';
import { startServer, waitFor } from '../helpers/net.js';
import { spawnCli, currentRss, assertBoundedGrowth, type Spawned } from '../helpers/cli.js';
import { tempFile } from '../helpers/files.js';

const MB = 1024 * 1024;

/** Writes `body` as chunks of varying sizes, a few writes apart. */
function chunked(body: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let pos = 0;
  let size = 1;
  while (pos < body.length) {
    const n = Math.min(size, body.length - pos);
    out.push(Buffer.from(`${n.toString(16)}\r\n`, 'latin1'), body.subarray(pos, pos + n), Buffer.from('\r\n', 'latin1'));
    pos += n;
    size = size >= 200_000 ? 1 : size * 7 + 3;
  }
  out.push(Buffer.from('0\r\n\r\n', 'latin1'));
  return out;
}

for (const size of [MB, 0]) {
  for (const framing of ['content-length', 'chunked'] as const) {
    void test(`a ${size === 0 ? '0 B' : '1 MB'} POST body with ${framing} framing reaches the backend unchanged`, async () => {
      const cap = await startCaptureBackend();
      const { lb, port } = await startHttpBalancer([cap.port]);
      try {
        const body = randomBytes(size);
        const c = await RawClient.open(port);
        try {
          if (framing === 'content-length') {
            c.write(`POST /up HTTP/1.1\r\nHost: app.test\r\nContent-Length: ${size}\r\n\r\n`);
            // In pieces, so the body spans many reads.
            for (let p = 0; p < size; p += 100_000) c.write(body.subarray(p, p + 100_000));
          } else {
            c.write('POST /up HTTP/1.1\r\nHost: app.test\r\nTransfer-Encoding: chunked\r\n\r\n');
            for (const piece of chunked(body)) c.write(piece);
          }
          const r = await c.response('POST', 10_000);
          assert.equal(r.status, 200);
        } finally {
          c.close();
        }
        const seen = cap.requests();
        assert.equal(seen.length, 1);
        assert.equal(seen[0]?.framing, framing);
        assert.equal(seen[0]?.body.length, size);
        assert.equal(sha256(seen[0]?.body ?? Buffer.alloc(0)), sha256(body));
      } finally {
        await lb.stop();
        await cap.close();
      }
    });
  }
}

void test('a Content-Length body over maxBodySize is answered 413 and nothing reaches the backend', async () => {
  const cap = await startCaptureBackend();
  const { lb, port } = await startHttpBalancer([cap.port], { listener: { http: { maxBodySize: '1KiB' } } });
  try {
    const c = await RawClient.open(port);
    try {
      c.write('POST /up HTTP/1.1\r\nHost: app.test\r\nContent-Length: 2048\r\n\r\n');
      c.write(Buffer.alloc(2048, 0x61));
      const r = await c.response('POST');
      assert.equal(r.status, 413);
      await c.whenEnded(2000);
    } finally {
      c.close();
    }
    assert.equal(cap.received().length, 0, 'nothing reached the backend');
    assert.equal(lb.snapshot().listeners[0]?.terminations.PR, 1);
  } finally {
    await lb.stop();
    await cap.close();
  }
});

void test('a Content-Length body exactly at maxBodySize is forwarded', async () => {
  const cap = await startCaptureBackend();
  const { lb, port } = await startHttpBalancer([cap.port], { listener: { http: { maxBodySize: '1KiB' } } });
  try {
    const c = await RawClient.open(port);
    try {
      c.write('POST /up HTTP/1.1\r\nHost: app.test\r\nContent-Length: 1024\r\n\r\n');
      c.write(Buffer.alloc(1024, 0x61));
      assert.equal((await c.response('POST')).status, 200);
    } finally {
      c.close();
    }
    assert.equal(cap.requests()[0]?.body.length, 1024);
  } finally {
    await lb.stop();
    await cap.close();
  }
});

void test('a chunked body growing over maxBodySize is answered 413 and no complete request reaches the backend', async () => {
  const cap = await startCaptureBackend();
  const { lb, port } = await startHttpBalancer([cap.port], { listener: { http: { maxBodySize: '1KiB' } } });
  try {
    const c = await RawClient.open(port);
    try {
      c.write('POST /up HTTP/1.1\r\nHost: app.test\r\nTransfer-Encoding: chunked\r\n\r\n');
      // The head goes first on its own; the chunks follow in later writes.
      await new Promise((r) => setTimeout(r, 30));
      for (let i = 0; i < 4; i++) {
        c.write(`200\r\n${'b'.repeat(0x200)}\r\n`);
        await new Promise((r) => setTimeout(r, 5));
      }
      const r = await c.response('POST');
      assert.equal(r.status, 413);
      await c.whenEnded(2000);
    } finally {
      c.close();
    }
    assert.equal(cap.requests().length, 0, 'the backend never saw a complete request');
    const bodyBytes = cap.received().toString('latin1').split('b').length - 1;
    assert.ok(bodyBytes <= 1024, `at most maxBodySize of body data reached the backend, got ${bodyBytes} bytes`);
  } finally {
    await lb.stop();
    await cap.close();
  }
});

void test('a chunked body over maxBodySize arriving with its head is answered 413 before anything is forwarded', async () => {
  const cap = await startCaptureBackend();
  const { lb, port } = await startHttpBalancer([cap.port], { listener: { http: { maxBodySize: '1KiB' } } });
  try {
    const c = await RawClient.open(port);
    try {
      c.write(`POST /up HTTP/1.1\r\nHost: app.test\r\nTransfer-Encoding: chunked\r\n\r\n800\r\n${'b'.repeat(0x800)}\r\n0\r\n\r\n`);
      const r = await c.response('POST');
      assert.equal(r.status, 413);
    } finally {
      c.close();
    }
    assert.equal(cap.received().length, 0);
  } finally {
    await lb.stop();
    await cap.close();
  }
});

void test('a client that goes away mid-download makes Switchyard close the upstream connection', async () => {
  let backendClosed = false;
  const backend = await startServer((s) => {
    s.once('data', () => {
      s.write(`HTTP/1.1 200 OK\r\nContent-Length: ${100 * MB}\r\n\r\n`);
      const piece = Buffer.alloc(64 * 1024, 0x61);
      // Streams slowly, for at most ~10 s, until the connection goes.
      let left = 1000;
      const timer = setInterval(() => {
        if (s.destroyed || left-- === 0) clearInterval(timer);
        else s.write(piece);
      }, 10);
      s.on('close', () => {
        backendClosed = true;
        clearInterval(timer);
      });
    });
  });
  const { lb, port } = await startHttpBalancer([backend.port]);
  try {
    const c = await RawClient.open(port);
    c.write(get('/big'));
    await c.waitForBytes(100 * 1024, 5000);
    c.close();
    await waitFor(() => backendClosed, 3000, 'the upstream connection to close');
    await waitFor(() => lb.snapshot().listeners[0]?.terminations.DC === 1, 2000, 'one DC end');
  } finally {
    await lb.stop();
    await backend.close();
  }
});

void test('a backend answering before the request body is complete: the client gets its answer and the connection is closed', async () => {
  const backend = await startHttpBackend(() => {}, {
    onHead: (_head, s) => s.write('HTTP/1.1 413 Content Too Large\r\nContent-Length: 8\r\nX-From: backend\r\n\r\ntoo big\n'),
  });
  const { lb, port } = await startHttpBalancer([backend.port]);
  try {
    const c = await RawClient.open(port);
    try {
      c.write(`POST /up HTTP/1.1\r\nHost: app.test\r\nContent-Length: ${MB}\r\n\r\n`);
      c.write(Buffer.alloc(1000, 0x61));
      const r = await c.response('POST');
      assert.equal(r.status, 413);
      assert.equal(headerValue(r.headers, 'x-from'), 'backend');
      assert.equal(r.body.toString(), 'too big\n');
      await c.whenEnded(2000);
    } finally {
      c.close();
    }
  } finally {
    await lb.stop();
    await backend.close();
  }
});

// ---- 200 MB each way through the spawned CLI ----

async function startCli(backendPort: number): Promise<{ cli: Spawned; port: number; cleanup: () => Promise<void> }> {
  const file = tempFile(
    'switchyard.yaml',
    `
listeners:
  web: { protocol: http, bind: "127.0.0.1:0", pool: p }
pools:
  p: { backends: ["127.0.0.1:${backendPort}"] }
`,
  );
  const cli = spawnCli(['run', '-c', file.path]);
  const m = await cli.waitForOutput(/listening on 127\.0\.0\.1:(\d+)/);
  return {
    cli,
    port: Number(m[1]),
    cleanup: async () => {
      if (cli.child.exitCode === null && cli.child.signalCode === null) {
        cli.child.kill('SIGKILL');
        await cli.exited;
      }
      file.remove();
    },
  };
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

const TOTAL = 200 * MB;
const CHUNK = Buffer.alloc(64 * 1024, 0x5a);

/** Writes TOTAL bytes of CHUNK to a writable with backpressure, then ends it. */
function pump(w: NodeJS.WritableStream & { once(e: 'drain', f: () => void): unknown }): void {
  let sent = 0;
  const go = (): void => {
    while (sent < TOTAL) {
      sent += CHUNK.length;
      if (!w.write(CHUNK)) {
        w.once('drain', go);
        return;
      }
    }
    w.end();
  };
  go();
}

void test('a 200 MB upload streams through the spawned balancer with its memory bounded', async (t) => {
  const server = createServer((req, res) => {
    const h = createHash('sha256');
    let n = 0;
    req.on('data', (c: Buffer) => {
      n += c.length;
      h.update(c);
    });
    req.on('end', () => res.end(`${n} ${h.digest('hex')}`));
  });
  const backendPort = await listen(server);
  const { cli, port, cleanup } = await startCli(backendPort);
  try {
    const atStart = await currentRss(cli.child.pid ?? 0);
    const expected = createHash('sha256');
    for (let i = 0; i < TOTAL / CHUNK.length; i++) expected.update(CHUNK);
    const reply = await new Promise<string>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/upload', headers: { 'content-length': String(TOTAL) }, agent: false }, (res) => {
        let body = '';
        res.setEncoding('latin1');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve(`${res.statusCode} ${body}`));
      });
      req.on('error', reject);
      pump(req);
    });
    assert.equal(reply, `200 ${TOTAL} ${expected.digest('hex')}`);
    await assertBoundedGrowth(t, cli.child.pid ?? 0, atStart, 120 * MB, 'a 200 MB upload');
  } finally {
    await cleanup();
    await close(server);
  }
});

void test('a 200 MB download to a slow-reading client streams through the spawned balancer with its memory bounded', async (t) => {
  const server = createServer((_req, res) => {
    // No Content-Length: the response is chunked.
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    pump(res);
  });
  const backendPort = await listen(server);
  const { cli, port, cleanup } = await startCli(backendPort);
  try {
    const atStart = await currentRss(cli.child.pid ?? 0);
    const received = await new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/download', agent: false }, (res) => {
        assert.equal(res.headers['transfer-encoding'], 'chunked');
        let n = 0;
        let pauses = 0;
        res.on('data', (c: Buffer) => {
          n += c.length;
          // Reads slowly at first: the balancer must stop reading from the backend, not buffer.
          if (pauses < 20 && n > (pauses + 1) * 2 * MB) {
            pauses++;
            res.pause();
            setTimeout(() => res.resume(), 25);
          }
        });
        res.on('end', () => resolve(n));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(received, TOTAL);
    await assertBoundedGrowth(t, cli.child.pid ?? 0, atStart, 120 * MB, 'a 200 MB download');
  } finally {
    await cleanup();
    await close(server);
  }
});

void test('the trailer section of a chunked request body is forwarded', async () => {
  const cap = await startCaptureBackend();
  const { lb, port } = await startHttpBalancer([cap.port]);
  try {
    const c = await RawClient.open(port);
    try {
      c.write('POST /up HTTP/1.1\r\nHost: app.test\r\nTransfer-Encoding: chunked\r\nTrailer: X-Checksum\r\n\r\n4\r\nbody\r\n0\r\nX-Checksum: 1234\r\n\r\n');
      assert.equal((await c.response('POST')).status, 200);
    } finally {
      c.close();
    }
    const seen = cap.requests()[0];
    assert.equal(seen?.body.toString(), 'body');
    assert.deepEqual(seen?.trailers, [['X-Checksum', '1234']]);
  } finally {
    await lb.stop();
    await cap.close();
  }
});
