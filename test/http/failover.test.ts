import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startCaptureBackend } from '../helpers/capture-backend.js';
import { startHttpBalancer } from '../helpers/http-balancer.js';
import { closedPort, waitFor } from '../helpers/net.js';
import { startBlackhole } from '../helpers/blackhole.js';
import { RawClient, get, namedHttpBackend, okResponse, rawRequest, startHttpBackend, type HttpBackend } from '../helpers/http.js';

const POST = 'POST /order HTTP/1.1\r\nHost: app.test\r\nContent-Length: 5\r\n\r\nhello';

/** A backend that reads a whole request, then resets the connection without answering. */
function resetter(): Promise<HttpBackend> {
  return startHttpBackend((_req, s) => s.resetAndDestroy());
}

void test('a backend refusing connections is skipped: the request is served by the next, the backend marked down', async () => {
  const dead = await closedPort();
  const b = await namedHttpBackend('b');
  const { lb, port } = await startHttpBalancer([dead, b.port]);
  try {
    const results: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await rawRequest(port, get());
      results.push(`${r.status} ${r.body.toString()}`);
    }
    assert.deepEqual(results, Array(5).fill('200 b'));
    const backend = lb.snapshot().pools[0]?.backends[0];
    assert.equal(backend?.ejected, true);
    assert.match(backend?.downCause ?? '', /ECONNREFUSED/);
  } finally {
    await lb.stop();
    await b.close();
  }
});

void test('when every backend refuses, the client gets 502', async () => {
  const { lb, port } = await startHttpBalancer([await closedPort(), await closedPort()]);
  try {
    const r = await rawRequest(port, get());
    assert.equal(r.status, 502);
    assert.equal(lb.snapshot().listeners[0]?.terminations.UF, 1);
  } finally {
    await lb.stop();
  }
});

void test('a pool with no eligible backend answers 503 without connecting anywhere', async () => {
  const cap = await startCaptureBackend();
  const { lb, port } = await startHttpBalancer([], { pool: { backends: [{ host: '127.0.0.1', port: cap.port, weight: 0 }] } });
  try {
    const r = await rawRequest(port, get());
    assert.equal(r.status, 503);
    assert.equal(cap.connectionsAccepted(), 0);
    assert.equal(lb.snapshot().listeners[0]?.terminations.UH, 1);
  } finally {
    await lb.stop();
    await cap.close();
  }
});

void test('once every backend has been found down, the next request gets 503', async () => {
  const { lb, port } = await startHttpBalancer([await closedPort()]);
  try {
    assert.equal((await rawRequest(port, get())).status, 502);
    assert.equal((await rawRequest(port, get())).status, 503);
  } finally {
    await lb.stop();
  }
});

void test('a backend that does not accept within connectTimeout is skipped for the next one', async () => {
  const hole = await startBlackhole();
  const b = await namedHttpBackend('b');
  const { lb, port } = await startHttpBalancer([hole.port, b.port], { pool: { connectTimeout: '300ms' } });
  try {
    const started = Date.now();
    const r = await rawRequest(port, get());
    assert.equal(`${r.status} ${r.body.toString()}`, '200 b');
    assert.ok(Date.now() - started >= 250, 'the connect timeout was waited for');
    assert.equal(lb.snapshot().pools[0]?.backends[0]?.ejected, true);
  } finally {
    await lb.stop();
    await b.close();
    hole.close();
  }
});

void test('when the last backend tried does not accept within connectTimeout, the client gets 504', async () => {
  const hole = await startBlackhole();
  const { lb, port } = await startHttpBalancer([hole.port], { pool: { connectTimeout: '200ms' } });
  try {
    const started = Date.now();
    const r = await rawRequest(port, get());
    assert.equal(r.status, 504);
    assert.ok(Date.now() - started < 2000);
    assert.equal(lb.snapshot().listeners[0]?.terminations.UT, 1);
  } finally {
    await lb.stop();
    hole.close();
  }
});

void test('the keep-alive race: GETs on connections the backend closes just after answering all succeed, none gets a 502', async () => {
  // Answers with keep-alive, then closes the connection a few ms later, as a backend with a
  // short keep-alive timeout does. The client's requests are spaced to land around that moment.
  const closeAfterMs = 4;
  const backend = await startHttpBackend((_req, s) => {
    s.write(okResponse('ok', 'Connection: keep-alive\r\n'));
    setTimeout(() => s.destroy(), closeAfterMs);
  });
  // A short responseTimeout, so a request the proxy loses shows as a 504 instead of a hang.
  const { lb, port } = await startHttpBalancer([backend.port], { listener: { http: { responseTimeout: '1s' } } });
  try {
    const c = await RawClient.open(port);
    const statuses: number[] = [];
    try {
      for (let i = 0; i < 60; i++) {
        c.write(get(`/${i}`));
        const status = (await c.response()).status;
        statuses.push(status);
        if (status !== 200) break;
        await new Promise((r) => setTimeout(r, i % 9));
      }
    } finally {
      c.close();
    }
    assert.deepEqual(
      statuses.filter((s) => s !== 200),
      [],
    );
    assert.equal(lb.snapshot().listeners[0]?.terminations.UC, 0);
  } finally {
    await lb.stop();
    await backend.close();
  }
});

void test('a GET sent on a kept-alive connection the backend closes instead of answering is retried on a fresh connection', async () => {
  // Deterministic form of the race: every connection serves one request and drops the next.
  const backend = await startHttpBackend((_req, s, nth) => {
    if (nth === 0) s.write(okResponse('ok'));
    else s.destroy();
  });
  const { lb, port } = await startHttpBalancer([backend.port], { listener: { http: { responseTimeout: '1s' } } });
  try {
    const c = await RawClient.open(port);
    try {
      for (let i = 0; i < 5; i++) {
        c.write(get(`/${i}`));
        assert.equal((await c.response()).status, 200, `request ${i}`);
      }
    } finally {
      c.close();
    }
    assert.equal(backend.connections(), 5, 'each retry went to a fresh connection');
  } finally {
    await lb.stop();
    await backend.close();
  }
});

void test('a POST sent on a kept-alive connection the backend closes is not replayed', async () => {
  const backend = await startHttpBackend((_req, s, nth) => {
    if (nth === 0) s.write(okResponse('ok'));
    else s.destroy();
  });
  const { lb, port } = await startHttpBalancer([backend.port]);
  try {
    const c = await RawClient.open(port);
    try {
      c.write(get('/first'));
      assert.equal((await c.response()).status, 200);
      c.write(POST);
      assert.equal((await c.response('POST')).status, 502);
    } finally {
      c.close();
    }
    assert.equal(backend.requests.filter((r) => r.method === 'POST').length, 1, 'the POST reached the backend once');
  } finally {
    await lb.stop();
    await backend.close();
  }
});

void test('a POST is never replayed: a backend that resets after reading it gives 502 and the other backend never sees it', async () => {
  const bad = await resetter();
  const other = await startCaptureBackend();
  const { lb, port } = await startHttpBalancer([bad.port, other.port]);
  try {
    const r = await rawRequest(port, POST, 'POST');
    assert.equal(r.status, 502);
    assert.equal(bad.requests.length, 1, 'the first backend read the POST');
    assert.equal(other.received().length, 0, 'the other backend never saw it');
  } finally {
    await lb.stop();
    await bad.close();
    await other.close();
  }
});

void test('a GET on a backend that resets before answering is retried on another backend', async () => {
  const bad = await resetter();
  const good = await namedHttpBackend('good');
  const { lb, port } = await startHttpBalancer([bad.port, good.port]);
  try {
    const r = await rawRequest(port, get());
    assert.equal(`${r.status} ${r.body.toString()}`, '200 good');
    assert.equal(bad.requests.length, 1);
  } finally {
    await lb.stop();
    await bad.close();
    await good.close();
  }
});

void test('with http.retries 0, a GET on a backend that resets before answering gets 502', async () => {
  const bad = await resetter();
  const good = await startCaptureBackend();
  const { lb, port } = await startHttpBalancer([bad.port, good.port], { pool: { http: { retries: 0 } } });
  try {
    assert.equal((await rawRequest(port, get())).status, 502);
    assert.equal(good.received().length, 0);
  } finally {
    await lb.stop();
    await bad.close();
    await good.close();
  }
});

void test('a reset GET is retried at most http.retries times', async () => {
  const bad1 = await resetter();
  const bad2 = await resetter();
  const good = await startCaptureBackend();
  const { lb, port } = await startHttpBalancer([bad1.port, bad2.port, good.port], { pool: { http: { retries: 1 } } });
  try {
    assert.equal((await rawRequest(port, get())).status, 502);
    assert.equal(bad1.requests.length + bad2.requests.length, 2);
    assert.equal(good.received().length, 0, 'a third backend was not tried');
  } finally {
    await lb.stop();
    await bad1.close();
    await bad2.close();
    await good.close();
  }
});

void test('a backend response with both Content-Length and Transfer-Encoding gives 502 and its connection is not reused', async () => {
  // The first backend connection answers its request with an ambiguous head, and stays open.
  const backend = await startHttpBackend((req, s) => {
    if (req.connection === 0) s.write('HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n');
    else s.write(okResponse('fine'));
  });
  const { lb, port } = await startHttpBalancer([backend.port]);
  try {
    const bad = await rawRequest(port, get('/1'));
    assert.equal(bad.status, 502);
    assert.equal(lb.snapshot().listeners[0]?.terminations.UP, 1);
    const next = await rawRequest(port, get('/2'));
    assert.equal(`${next.status} ${next.body.toString()}`, '200 fine');
    assert.equal(backend.requests[1]?.connection, 1, 'the second request came on a new backend connection');
    assert.equal(backend.connections(), 2);
  } finally {
    await lb.stop();
    await backend.close();
  }
});

void test('a backend at its maxConnections limit is skipped, and with no other backend the request gets 503', async () => {
  // The backend holds its first request until released; a second request arrives meanwhile.
  const held: (() => void)[] = [];
  const backend = await startHttpBackend((_req, s) => held.push(() => s.write(okResponse('late'))));
  const { lb, port } = await startHttpBalancer([], { pool: { backends: [{ host: '127.0.0.1', port: backend.port, maxConnections: 1 }] } });
  try {
    const first = await RawClient.open(port);
    try {
      first.write(get('/slow'));
      await new Promise<void>((resolve, reject) => {
        const until = Date.now() + 2000;
        const check = (): void => {
          if (held.length > 0) resolve();
          else if (Date.now() > until) reject(new Error('the first request never reached the backend'));
          else setTimeout(check, 5);
        };
        check();
      });
      const second = await rawRequest(port, get('/second'));
      assert.equal(second.status, 503);
      held[0]?.();
      assert.equal((await first.response()).body.toString(), 'late');
    } finally {
      first.close();
    }
  } finally {
    await lb.stop();
    await backend.close();
  }
});

void test('a 101 answer to a request that asked for no upgrade gives 502', async () => {
  const backend = await startHttpBackend((_req, s) => s.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n'));
  const { lb, port } = await startHttpBalancer([backend.port]);
  try {
    assert.equal((await rawRequest(port, get())).status, 502);
  } finally {
    await lb.stop();
    await backend.close();
  }
});

void test('a backend response head over maxHeaderSize gives 502', async () => {
  const backend = await startHttpBackend((_req, s) => s.write(okResponse('ok', `X-Huge: ${'h'.repeat(4000)}\r\n`)));
  const { lb, port } = await startHttpBalancer([backend.port], { listener: { http: { maxHeaderSize: '2KiB' } } });
  try {
    assert.equal((await rawRequest(port, get())).status, 502);
  } finally {
    await lb.stop();
    await backend.close();
  }
});

void test('a chunked response body that turns malformed midway cuts the client connection, and its upstream connection is not reused', async () => {
  const backend = await startHttpBackend((req, s) => {
    if (req.connection === 0) {
      s.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n');
      setTimeout(() => s.write('zz\r\nnot a chunk\r\n'), 20);
    } else s.write(okResponse('fine'));
  });
  const { lb, port } = await startHttpBalancer([backend.port]);
  try {
    const c = await RawClient.open(port);
    try {
      c.write(get('/1'));
      await c.whenEnded(2000);
      assert.ok(!c.pending().toString('latin1').includes('not a chunk'), 'the malformed bytes were not relayed');
      await assert.rejects(c.response(), /closed inside a chunked body/, 'the client never saw a complete response');
    } finally {
      c.close();
    }
    const next = await rawRequest(port, get('/2'));
    assert.equal(next.body.toString(), 'fine');
    assert.equal(backend.requests[1]?.connection, 1, 'a new upstream connection');
    await waitFor(() => lb.snapshot().listeners[0]?.terminations.UP === 1, 2000, 'one UP end');
  } finally {
    await lb.stop();
    await backend.close();
  }
});
