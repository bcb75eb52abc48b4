import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { probeTcp } from '../../src/health/active/tcp-probe.js';
import { probeHttp } from '../../src/health/active/http-probe.js';
import { parseStatusRanges, socketErrorCause, type HttpProbeSpec, type ProbeResult } from '../../src/health/active/probe.js';
import { closedPort, startServer, waitFor, type TestServer } from '../helpers/net.js';
import { startBlackhole } from '../helpers/blackhole.js';

const HOST = '127.0.0.1';

interface HttpTestServer {
  readonly port: number;
  readonly requests: IncomingMessage[];
  close(): Promise<void>;
}

/** A node:http server on a loopback port that records every request and answers with `handler`. */
async function httpServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<HttpTestServer> {
  const requests: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    requests.push(req);
    handler(req, res);
  });
  server.on('clientError', (_err, s) => s.destroy());
  await new Promise<void>((resolve) => server.listen(0, HOST, () => resolve()));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A raw server that writes `response` (one string or a list of writes, 10 ms apart) to each connection. */
function rawServer(response: string | readonly string[]): Promise<TestServer> {
  const parts = typeof response === 'string' ? [response] : response;
  return startServer((s) => {
    s.resume();
    let i = 0;
    const next = (): void => {
      const part = parts[i++];
      if (part === undefined || s.destroyed) return;
      s.write(part);
      setTimeout(next, 10).unref();
    };
    next();
  });
}

/** Reads and discards; closes when the peer does (the helper servers allow half-open connections). */
function closeOnEnd(c: Socket): void {
  c.resume();
  c.once('end', () => c.destroy());
}

function spec(overrides: Partial<HttpProbeSpec> = {}): HttpProbeSpec {
  return { method: 'GET', path: '/health', expectStatus: [{ from: 200, to: 399 }], maxBodyBytes: 4096, timeoutMs: 2000, ...overrides };
}

function assertFailure(r: ProbeResult, cause: string | RegExp): void {
  assert.equal(r.ok, false, `expected a failure, got ${JSON.stringify(r)}`);
  if (r.ok) return;
  if (typeof cause === 'string') assert.equal(r.cause, cause);
  else assert.match(r.cause, cause);
}

// --- TCP -----------------------------------------------------------------------------------

void test('a TCP probe of a listening port succeeds and reports its latency', async () => {
  const s = await startServer(closeOnEnd);
  try {
    const r = await probeTcp({ host: HOST, port: s.port }, { timeoutMs: 2000 });
    assert.equal(r.ok, true);
    assert.ok(r.latencyMs > 0 && r.latencyMs < 2000);
    if (r.ok) assert.match(r.detail, /^connected in \d+\.\d ms$/);
    await waitFor(() => s.sockets.size === 0, 2000, 'the probe connection to close');
  } finally {
    await s.close();
  }
});

void test('a TCP probe of a closed port fails with "connection refused"', async () => {
  const r = await probeTcp({ host: HOST, port: await closedPort() }, { timeoutMs: 2000 });
  assertFailure(r, 'connection refused');
});

void test('a TCP probe of a port that never completes the handshake times out with the timeout in the cause', async () => {
  const hole = await startBlackhole();
  try {
    const r = await probeTcp({ host: HOST, port: hole.port }, { timeoutMs: 200 });
    assertFailure(r, 'probe timeout after 200 ms');
    assert.ok(r.latencyMs >= 190 && r.latencyMs < 1500, `latency ${r.latencyMs}`);
  } finally {
    hole.close();
  }
});

void test('aborting a TCP probe ends it at once with "probe aborted"', async () => {
  const hole = await startBlackhole();
  try {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 30);
    const r = await probeTcp({ host: HOST, port: hole.port }, { timeoutMs: 5000 }, ac.signal);
    assertFailure(r, 'probe aborted');
    assert.ok(r.latencyMs < 1000, `latency ${r.latencyMs}`);
  } finally {
    hole.close();
  }
});

void test('a TCP probe given an already aborted signal does not connect', async () => {
  const s = await startServer(() => {});
  try {
    const r = await probeTcp({ host: HOST, port: s.port }, { timeoutMs: 2000 }, AbortSignal.abort());
    assertFailure(r, 'probe aborted');
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(s.connections, 0);
  } finally {
    await s.close();
  }
});

void test('a probe of an invalid port fails without connecting', async () => {
  assertFailure(await probeTcp({ host: HOST, port: 0 }, { timeoutMs: 100 }), 'invalid probe target: port 0');
  assertFailure(await probeHttp({ host: HOST, port: 70000 }, spec()), 'invalid probe target: port 70000');
});

void test('socket error codes become short stable causes', () => {
  const cause = (code: string): string => socketErrorCause(Object.assign(new Error('x'), { code }));
  assert.equal(cause('ENOTFOUND'), 'host not found');
  assert.equal(cause('ECONNRESET'), 'connection reset');
  assert.equal(cause('ECONNREFUSED'), 'connection refused');
  assert.equal(cause('EWHATEVER'), 'socket error EWHATEVER');
});

// --- HTTP: status ----------------------------------------------------------------------------

void test('an HTTP probe answered 200 succeeds with the status and latency in its detail', async () => {
  const s = await httpServer((_req, res) => res.end('ok'));
  try {
    const r = await probeHttp({ host: HOST, port: s.port }, spec());
    assert.equal(r.ok, true, JSON.stringify(r));
    if (r.ok) assert.match(r.detail, /^HTTP 200 in \d+\.\d ms$/);
    assert.ok(r.latencyMs > 0 && r.latencyMs < 2000);
  } finally {
    await s.close();
  }
});

void test('an HTTP probe answered 500 fails naming the status and the expected ranges', async () => {
  const s = await httpServer((_req, res) => {
    res.statusCode = 500;
    res.end('down');
  });
  try {
    const r = await probeHttp({ host: HOST, port: s.port }, spec({ expectStatus: [{ from: 200, to: 299 }, { from: 301, to: 301 }] }));
    assertFailure(r, 'HTTP 500 not in 200-299,301');
  } finally {
    await s.close();
  }
});

void test('an HTTP probe does not follow a redirect and checks the 3xx against the ranges', async () => {
  const elsewhere = await httpServer((_req, res) => res.end('ok'));
  const s = await httpServer((_req, res) => {
    res.writeHead(302, { Location: `http://${HOST}:${elsewhere.port}/health` });
    res.end();
  });
  try {
    const target = { host: HOST, port: s.port };
    assertFailure(await probeHttp(target, spec({ expectStatus: [{ from: 200, to: 299 }] })), 'HTTP 302 not in 200-299');
    const r = await probeHttp(target, spec({ expectStatus: [{ from: 200, to: 399 }] }));
    assert.equal(r.ok, true);
    if (r.ok) assert.match(r.detail, /^HTTP 302 /);
    assert.equal(elsewhere.requests.length, 0);
  } finally {
    await s.close();
    await elsewhere.close();
  }
});

void test('interim 1xx responses are skipped and the final status is checked', async () => {
  const s = await rawServer('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n');
  try {
    const r = await probeHttp({ host: HOST, port: s.port }, spec());
    assert.equal(r.ok, true, JSON.stringify(r));
    if (r.ok) assert.match(r.detail, /^HTTP 204 /);
  } finally {
    await s.close();
  }
});

// --- HTTP: request -------------------------------------------------------------------------

void test('an HTTP probe sends the configured method, path, Host and headers on HTTP/1.1 with Connection: close', async () => {
  const s = await httpServer((_req, res) => res.end());
  try {
    const r = await probeHttp({ host: HOST, port: s.port }, spec({ method: 'OPTIONS', path: '/status?full=1', host: 'svc.internal', headers: { 'X-Probe': 'switchyard' } }));
    assert.equal(r.ok, true, JSON.stringify(r));
    const req = s.requests[0];
    assert.equal(req?.method, 'OPTIONS');
    assert.equal(req.url, '/status?full=1');
    assert.equal(req.httpVersion, '1.1');
    assert.equal(req.headers.host, 'svc.internal');
    assert.equal(req.headers['x-probe'], 'switchyard');
    assert.equal(req.headers.connection, 'close');
  } finally {
    await s.close();
  }
});

void test('the Host header defaults to the target host and port', async () => {
  const s = await httpServer((_req, res) => res.end());
  try {
    await probeHttp({ host: HOST, port: s.port }, spec());
    assert.equal(s.requests[0]?.headers.host, `${HOST}:${s.port}`);
  } finally {
    await s.close();
  }
});

void test('a request that cannot be sent as configured fails without connecting', async () => {
  const s = await httpServer((_req, res) => res.end());
  try {
    const target = { host: HOST, port: s.port };
    assertFailure(await probeHttp(target, spec({ headers: { 'X-Bad': 'a\r\nInjected: 1' } })), 'invalid probe request: value of header "X-Bad"');
    assertFailure(await probeHttp(target, spec({ path: 'health' })), 'invalid probe request: path "health"');
    assertFailure(await probeHttp(target, spec({ headers: { connection: 'keep-alive' } })), 'invalid probe request: header "connection" is set by the probe');
    assert.equal(s.requests.length, 0);
  } finally {
    await s.close();
  }
});

// --- HTTP: body ----------------------------------------------------------------------------

void test('an HTTP probe finds the expected substring in a Content-Length body', async () => {
  const s = await httpServer((_req, res) => res.end('{"status":"ready"}'));
  try {
    const r = await probeHttp({ host: HOST, port: s.port }, spec({ bodyContains: 'ready' }));
    assert.equal(r.ok, true, JSON.stringify(r));
  } finally {
    await s.close();
  }
});

void test('an HTTP probe whose body lacks the substring fails naming it and the bytes read', async () => {
  const s = await httpServer((_req, res) => res.end('{"status":"starting"}'));
  try {
    const r = await probeHttp({ host: HOST, port: s.port }, spec({ bodyContains: 'ready' }));
    assertFailure(r, 'body does not contain "ready" (read 21 B)');
  } finally {
    await s.close();
  }
});

void test('a substring beyond maxBodyBytes is not looked for', async () => {
  const s = await httpServer((_req, res) => res.end(`${'x'.repeat(100)}ready`));
  try {
    const r = await probeHttp({ host: HOST, port: s.port }, spec({ bodyContains: 'ready', maxBodyBytes: 50 }));
    assertFailure(r, 'body does not contain "ready" (read 50 B)');
  } finally {
    await s.close();
  }
});

void test('a substring split across chunks of a chunked body is found', async () => {
  const s = await rawServer(['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n', 'xxre\r\n', '3', '\r\nady\r\n0\r\n\r\n']);
  try {
    const r = await probeHttp({ host: HOST, port: s.port }, spec({ bodyContains: 'ready' }));
    assert.equal(r.ok, true, JSON.stringify(r));
  } finally {
    await s.close();
  }
});

void test('chunk framing does not count as body when looking for the substring', async () => {
  const s = await rawServer('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n2\r\ncd\r\n0\r\n\r\n');
  try {
    const r = await probeHttp({ host: HOST, port: s.port }, spec({ bodyContains: 'b\r\n2' }));
    assertFailure(r, 'body does not contain "b\\r\\n2" (read 4 B)');
  } finally {
    await s.close();
  }
});

void test('a close-delimited body is read until the backend closes', async () => {
  const s = await startServer((c) => {
    c.resume();
    c.end('HTTP/1.1 200 OK\r\n\r\nall systems go');
  });
  try {
    assert.equal((await probeHttp({ host: HOST, port: s.port }, spec({ bodyContains: 'go' }))).ok, true);
    assertFailure(await probeHttp({ host: HOST, port: s.port }, spec({ bodyContains: 'ready' })), 'body does not contain "ready" (read 14 B)');
  } finally {
    await s.close();
  }
});

void test('a HEAD probe expects no body and does not wait for the Content-Length bytes', async () => {
  const s = await httpServer((_req, res) => {
    res.setHeader('Content-Length', '100');
    res.end();
  });
  try {
    const target = { host: HOST, port: s.port };
    const r = await probeHttp(target, spec({ method: 'HEAD', timeoutMs: 1000 }));
    assert.equal(r.ok, true, JSON.stringify(r));
    assert.ok(r.latencyMs < 900, `latency ${r.latencyMs}`);
    assert.equal(s.requests[0]?.method, 'HEAD');
    assertFailure(await probeHttp(target, spec({ method: 'HEAD', bodyContains: 'ok' })), 'body does not contain "ok" (read 0 B)');
  } finally {
    await s.close();
  }
});

void test('a backend streaming an endless body cannot make the probe read past maxBodyBytes or run long', async () => {
  const s = await startServer((c) => {
    c.resume();
    c.write('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n');
    const block = 'x'.repeat(16 * 1024);
    let writes = 0;
    const pump = (): void => {
      while (!c.destroyed && writes < 20_000 && c.write(block)) writes++;
      if (!c.destroyed && writes < 20_000) c.once('drain', pump);
    };
    pump();
  });
  try {
    const t0 = performance.now();
    const r = await probeHttp({ host: HOST, port: s.port }, spec({ bodyContains: 'ready', maxBodyBytes: 8192, timeoutMs: 5000 }));
    assertFailure(r, 'body does not contain "ready" (read 8192 B)');
    assert.ok(performance.now() - t0 < 1000, 'the probe ended well before its timeout');
    await waitFor(() => s.sockets.size === 0, 2000, 'the probe connection to close');
  } finally {
    await s.close();
  }
});

void test('an endless chunked body of mostly framing stops the probe after a bounded number of bytes', async () => {
  const chunk = `1;${'ext=v;'.repeat(600)}e=v\r\nx\r\n`;
  const s = await startServer((c) => {
    c.resume();
    c.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n');
    let writes = 0;
    const pump = (): void => {
      while (!c.destroyed && writes < 50_000 && c.write(chunk)) writes++;
      if (!c.destroyed && writes < 50_000) c.once('drain', pump);
    };
    pump();
  });
  try {
    const t0 = performance.now();
    const r = await probeHttp({ host: HOST, port: s.port }, spec({ bodyContains: 'ready', maxBodyBytes: 1024, timeoutMs: 5000 }));
    assertFailure(r, /^body does not contain "ready" \(read \d B\)$/);
    assert.ok(performance.now() - t0 < 1000, 'the probe ended well before its timeout');
  } finally {
    await s.close();
  }
});

// --- HTTP: failures --------------------------------------------------------------------------

void test('a backend that accepts and never answers fails with the probe timeout', async () => {
  const s = await startServer(closeOnEnd);
  try {
    const r = await probeHttp({ host: HOST, port: s.port }, spec({ timeoutMs: 200 }));
    assertFailure(r, 'probe timeout after 200 ms');
    assert.ok(r.latencyMs >= 190 && r.latencyMs < 1500, `latency ${r.latencyMs}`);
    await waitFor(() => s.sockets.size === 0, 2000, 'the probe connection to close');
  } finally {
    await s.close();
  }
});

void test('a backend answering garbage fails with a malformed response naming the status line', async () => {
  const s = await rawServer('SSH-2.0-OpenSSH_9.6\r\n\r\n');
  try {
    assertFailure(await probeHttp({ host: HOST, port: s.port }, spec()), 'malformed response: invalid status line');
  } finally {
    await s.close();
  }
});

void test('a backend that closes without answering fails with "connection closed before response"', async () => {
  const s = await startServer((c) => c.end());
  try {
    assertFailure(await probeHttp({ host: HOST, port: s.port }, spec()), 'connection closed before response');
  } finally {
    await s.close();
  }
});

void test('a backend that resets the connection fails with "connection reset"', async () => {
  const s = await startServer((c: Socket) => {
    c.once('data', () => c.resetAndDestroy());
  });
  try {
    assertFailure(await probeHttp({ host: HOST, port: s.port }, spec()), 'connection reset');
  } finally {
    await s.close();
  }
});

void test('a closed port fails an HTTP probe with "connection refused"', async () => {
  assertFailure(await probeHttp({ host: HOST, port: await closedPort() }, spec()), 'connection refused');
});

void test('aborting an HTTP probe mid-response ends it at once and frees the connection', async () => {
  const s = await startServer((c) => {
    closeOnEnd(c);
    c.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nnot yet');
  });
  try {
    const ac = new AbortController();
    const pending = probeHttp({ host: HOST, port: s.port }, spec({ bodyContains: 'ready', timeoutMs: 5000 }), ac.signal);
    await waitFor(() => s.connections === 1, 2000, 'the probe to connect');
    await new Promise((resolve) => setTimeout(resolve, 30));
    ac.abort();
    const r = await pending;
    assertFailure(r, 'probe aborted');
    assert.ok(r.latencyMs < 1000, `latency ${r.latencyMs}`);
    await waitFor(() => s.sockets.size === 0, 2000, 'the probe connection to close');
  } finally {
    await s.close();
  }
});

// --- status ranges -------------------------------------------------------------------------

void test('status ranges are read from a number, a range, a class, a list and a comma-separated string', () => {
  assert.deepEqual(parseStatusRanges(200), { ok: true, ranges: [{ from: 200, to: 200 }] });
  assert.deepEqual(parseStatusRanges('200-399'), { ok: true, ranges: [{ from: 200, to: 399 }] });
  assert.deepEqual(parseStatusRanges('2xx'), { ok: true, ranges: [{ from: 200, to: 299 }] });
  assert.deepEqual(parseStatusRanges(['200', '301-302']), { ok: true, ranges: [{ from: 200, to: 200 }, { from: 301, to: 302 }] });
  assert.deepEqual(parseStatusRanges([204, '3XX']), { ok: true, ranges: [{ from: 204, to: 204 }, { from: 300, to: 399 }] });
  assert.deepEqual(parseStatusRanges('200-299, 301'), { ok: true, ranges: [{ from: 200, to: 299 }, { from: 301, to: 301 }] });
});

void test('a bad status list is refused with a reason naming the bad item', () => {
  const reason = (input: Parameters<typeof parseStatusRanges>[0]): string => {
    const r = parseStatusRanges(input);
    assert.equal(r.ok, false);
    return r.ok ? '' : r.reason;
  };
  assert.equal(reason(['200', 'ok']), '"ok" is not a status (200), a range (200-399) or a class (2xx)');
  assert.equal(reason('399-200'), '"399-200" starts above its end');
  assert.equal(reason('6xx'), '"6xx" is not a status (200), a range (200-399) or a class (2xx)');
  assert.equal(reason(700), '700 is not a status code in 100-599');
  assert.equal(reason('200-700'), '"200-700" is not within 100-599');
  assert.equal(reason([]), 'the status list is empty');
  assert.equal(reason('200,,301'), 'an empty item in the status list');
});
