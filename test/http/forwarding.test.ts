import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { startCaptureBackend } from '../helpers/capture-backend.js';
import { startHttpBalancer } from '../helpers/http-balancer.js';
import { RawClient, get, headerNames, headerValue, headerValues, namedHttpBackend, okResponse, rawRequest, startHttpBackend } from '../helpers/http.js';

interface Reply {
  status: number;
  body: string;
}

function httpGet(port: number, path: string, agent: Agent): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent, headers: { host: 'app.test' } }, (res) => {
      let body = '';
      res.setEncoding('latin1');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

async function sequentialGets(port: number, n: number): Promise<string[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const bodies: string[] = [];
    for (let i = 0; i < n; i++) {
      const r = await httpGet(port, `/r${i}`, agent);
      assert.equal(r.status, 200);
      bodies.push(r.body);
    }
    return bodies;
  } finally {
    agent.destroy();
  }
}

void test('requests from a keep-alive client are balanced round robin over two backends', async () => {
  const a = await namedHttpBackend('a');
  const b = await namedHttpBackend('b');
  const { lb, port } = await startHttpBalancer([a.port, b.port]);
  try {
    assert.deepEqual(await sequentialGets(port, 10), ['a', 'b', 'a', 'b', 'a', 'b', 'a', 'b', 'a', 'b']);
    assert.equal(lb.snapshot().listeners[0]?.acceptedConnections, 1, 'the client kept its one connection');
  } finally {
    await lb.stop();
    await a.close();
    await b.close();
  }
});

void test('upstream connections are kept alive and reused across requests', async () => {
  const a = await startCaptureBackend();
  const b = await startCaptureBackend();
  const { lb, port } = await startHttpBalancer([a.port, b.port]);
  try {
    await sequentialGets(port, 20);
    assert.equal(a.requests().length, 10);
    assert.equal(b.requests().length, 10);
    assert.ok(a.connectionsAccepted() < 10, `backend a saw ${a.connectionsAccepted()} connections for 10 requests`);
    assert.ok(b.connectionsAccepted() < 10, `backend b saw ${b.connectionsAccepted()} connections for 10 requests`);
  } finally {
    await lb.stop();
    await a.close();
    await b.close();
  }
});

void test('hop-by-hop request headers and the headers Connection names are not forwarded', async () => {
  const cap = await startCaptureBackend();
  const { lb, port } = await startHttpBalancer([cap.port]);
  try {
    const r = await rawRequest(
      port,
      get('/hop', 'app.test', 'Connection: keep-alive, TE, X-Private\r\nKeep-Alive: timeout=5\r\nTE: trailers\r\nProxy-Connection: keep-alive\r\nX-Private: secret\r\nX-Kept: yes\r\n'),
    );
    assert.equal(r.status, 200);
    const seen = cap.requests()[0];
    assert.ok(seen, 'the backend got the request');
    const names = headerNames(seen.headers);
    for (const hop of ['connection', 'keep-alive', 'te', 'proxy-connection', 'x-private']) assert.ok(!names.includes(hop), `${hop} was forwarded: ${names.join(', ')}`);
    assert.equal(headerValue(seen.headers, 'x-kept'), 'yes');
  } finally {
    await lb.stop();
    await cap.close();
  }
});

void test("a client's Connection header cannot remove the forwarding headers Switchyard adds", async () => {
  const cap = await startCaptureBackend();
  const { lb, port } = await startHttpBalancer([cap.port], { listener: { http: { via: 'switchyard' } } });
  try {
    const r = await rawRequest(port, get('/', 'app.test', 'Connection: x-forwarded-for, x-forwarded-proto, x-forwarded-host, forwarded, via\r\n'));
    assert.equal(r.status, 200);
    const h = cap.requests()[0]?.headers ?? [];
    assert.deepEqual(headerValues(h, 'x-forwarded-for'), ['127.0.0.1']);
    assert.deepEqual(headerValues(h, 'x-forwarded-proto'), ['http']);
    assert.deepEqual(headerValues(h, 'x-forwarded-host'), ['app.test']);
    assert.deepEqual(headerValues(h, 'forwarded'), ['for=127.0.0.1;proto=http;host=app.test']);
    assert.deepEqual(headerValues(h, 'via'), ['1.1 switchyard']);
  } finally {
    await lb.stop();
    await cap.close();
  }
});

void test('hop-by-hop response headers and the headers Connection names are not passed to the client', async () => {
  const backend = await startHttpBackend((_req, s) => {
    s.write(
      okResponse(
        'ok',
        'Connection: keep-alive, X-Internal\r\nKeep-Alive: timeout=30\r\nProxy-Connection: keep-alive\r\nTE: trailers\r\nTrailer: X-Checksum\r\nX-Internal: secret\r\nX-Kept: yes\r\n',
      ),
    );
  });
  const { lb, port } = await startHttpBalancer([backend.port]);
  try {
    const r = await rawRequest(port, get());
    assert.equal(r.status, 200);
    assert.equal(r.body.toString(), 'ok');
    const names = headerNames(r.headers);
    for (const hop of ['keep-alive', 'proxy-connection', 'te', 'trailer', 'x-internal']) assert.ok(!names.includes(hop), `${hop} reached the client: ${names.join(', ')}`);
    for (const c of headerValues(r.headers, 'connection')) assert.doesNotMatch(c, /x-internal/i);
    assert.equal(headerValue(r.headers, 'x-kept'), 'yes');
  } finally {
    await lb.stop();
    await backend.close();
  }
});

const SPOOFED = 'X-Forwarded-For: 6.6.6.6\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Host: evil.test\r\nForwarded: for=6.6.6.6;proto=https\r\n';

void test('forwarding headers from an untrusted client are replaced with what Switchyard saw', async () => {
  const cap = await startCaptureBackend();
  const { lb, port } = await startHttpBalancer([cap.port]);
  try {
    assert.equal((await rawRequest(port, get('/', 'app.test', SPOOFED))).status, 200);
    const h = cap.requests()[0]?.headers ?? [];
    assert.deepEqual(headerValues(h, 'x-forwarded-for'), ['127.0.0.1']);
    assert.deepEqual(headerValues(h, 'x-forwarded-proto'), ['http']);
    assert.deepEqual(headerValues(h, 'x-forwarded-host'), ['app.test']);
    assert.deepEqual(headerValues(h, 'forwarded'), ['for=127.0.0.1;proto=http;host=app.test']);
  } finally {
    await lb.stop();
    await cap.close();
  }
});

void test('forwarding headers from a trusted proxy are appended to', async () => {
  const cap = await startCaptureBackend();
  const { lb, port } = await startHttpBalancer([cap.port], { listener: { http: { trustedProxies: ['127.0.0.1'] } } });
  try {
    assert.equal((await rawRequest(port, get('/', 'app.test', SPOOFED))).status, 200);
    const h = cap.requests()[0]?.headers ?? [];
    assert.deepEqual(headerValues(h, 'x-forwarded-for'), ['6.6.6.6, 127.0.0.1']);
    assert.deepEqual(headerValues(h, 'x-forwarded-proto'), ['https']);
    assert.deepEqual(headerValues(h, 'x-forwarded-host'), ['evil.test']);
    assert.deepEqual(headerValues(h, 'forwarded'), ['for=6.6.6.6;proto=https, for=127.0.0.1;proto=http;host=app.test']);
  } finally {
    await lb.stop();
    await cap.close();
  }
});

void test('Via is added to the request and to the response when configured', async () => {
  const cap = await startCaptureBackend();
  const { lb, port } = await startHttpBalancer([cap.port], { listener: { http: { via: 'edge-1' } } });
  try {
    const r = await rawRequest(port, get());
    assert.deepEqual(headerValues(r.headers, 'via'), ['1.1 edge-1']);
    assert.deepEqual(headerValues(cap.requests()[0]?.headers ?? [], 'via'), ['1.1 edge-1']);
  } finally {
    await lb.stop();
    await cap.close();
  }
});

void test('no Via is added when it is not configured', async () => {
  const cap = await startCaptureBackend();
  const { lb, port } = await startHttpBalancer([cap.port]);
  try {
    const r = await rawRequest(port, get());
    assert.deepEqual(headerValues(r.headers, 'via'), []);
    assert.deepEqual(headerValues(cap.requests()[0]?.headers ?? [], 'via'), []);
  } finally {
    await lb.stop();
    await cap.close();
  }
});

void test('every Set-Cookie and repeated response header reaches the client, in order', async () => {
  const backend = await startHttpBackend((_req, s) => {
    s.write(
      'HTTP/1.1 200 OK\r\nSet-Cookie: a=1; Path=/\r\nX-Multi: one\r\nSet-Cookie: b=2; HttpOnly\r\nContent-Length: 2\r\nX-Multi: two\r\n' +
        'Set-Cookie: c=3; Expires=Wed, 21 Oct 2015 07:28:00 GMT\r\n\r\nok',
    );
  });
  const { lb, port } = await startHttpBalancer([backend.port]);
  try {
    const r = await rawRequest(port, get());
    const kept = r.headers.filter(([n]) => /^(set-cookie|x-multi)$/i.test(n));
    assert.deepEqual(kept, [
      ['Set-Cookie', 'a=1; Path=/'],
      ['X-Multi', 'one'],
      ['Set-Cookie', 'b=2; HttpOnly'],
      ['X-Multi', 'two'],
      ['Set-Cookie', 'c=3; Expires=Wed, 21 Oct 2015 07:28:00 GMT'],
    ]);
  } finally {
    await lb.stop();
    await backend.close();
  }
});

void test('repeated request headers reach the backend, in order', async () => {
  const cap = await startCaptureBackend();
  const { lb, port } = await startHttpBalancer([cap.port]);
  try {
    await rawRequest(port, get('/', 'app.test', 'Cookie: a=1\r\nX-Multi: one\r\nCookie: b=2\r\nX-Multi: two\r\n'));
    const kept = (cap.requests()[0]?.headers ?? []).filter(([n]) => /^(cookie|x-multi)$/i.test(n));
    assert.deepEqual(kept, [
      ['Cookie', 'a=1'],
      ['X-Multi', 'one'],
      ['Cookie', 'b=2'],
      ['X-Multi', 'two'],
    ]);
  } finally {
    await lb.stop();
    await cap.close();
  }
});

void test('an HTTP/1.0 request without keep-alive is answered and then the connection is closed', async () => {
  const cap = await startCaptureBackend();
  const { lb, port } = await startHttpBalancer([cap.port]);
  try {
    const c = await RawClient.open(port);
    try {
      c.write('GET /old HTTP/1.0\r\nHost: app.test\r\n\r\n');
      const r = await c.response();
      assert.equal(r.status, 200);
      assert.equal(r.body.toString(), 'ok');
      assert.notEqual(headerValue(r.headers, 'connection')?.toLowerCase(), 'keep-alive');
      await c.whenEnded(2000);
      assert.equal(cap.requests()[0]?.target, '/old');
    } finally {
      c.close();
    }
  } finally {
    await lb.stop();
    await cap.close();
  }
});

void test('an HTTP/1.0 client asking for keep-alive gets several responses on one connection', async () => {
  const cap = await startCaptureBackend();
  const { lb, port } = await startHttpBalancer([cap.port]);
  try {
    const c = await RawClient.open(port);
    try {
      for (let i = 0; i < 3; i++) {
        c.write(`GET /k${i} HTTP/1.0\r\nHost: app.test\r\nConnection: keep-alive\r\n\r\n`);
        const r = await c.response();
        assert.equal(r.status, 200);
        assert.equal(r.framing, 'length');
        assert.equal(headerValue(r.headers, 'connection')?.toLowerCase(), 'keep-alive');
      }
      assert.equal(c.isEnded, false);
      assert.deepEqual(
        cap.requests().map((q) => q.target),
        ['/k0', '/k1', '/k2'],
      );
    } finally {
      c.close();
    }
  } finally {
    await lb.stop();
    await cap.close();
  }
});

void test('a HEAD response has no body and the connection stays usable for the next request', async () => {
  const cap = await startCaptureBackend();
  const { lb, port } = await startHttpBalancer([cap.port]);
  try {
    const c = await RawClient.open(port);
    try {
      c.write(`HEAD / HTTP/1.1\r\nHost: app.test\r\n\r\n`);
      const head = await c.response('HEAD');
      assert.equal(head.status, 200);
      assert.equal(headerValue(head.headers, 'content-length'), '2');
      c.write(get('/after'));
      const next = await c.response();
      assert.equal(next.status, 200);
      assert.equal(next.body.toString(), 'ok');
      assert.equal(c.pending().length, 0, 'no stray body bytes');
    } finally {
      c.close();
    }
  } finally {
    await lb.stop();
    await cap.close();
  }
});

for (const [status, head] of [
  ['204', 'HTTP/1.1 204 No Content\r\nX-A: 1\r\n\r\n'],
  ['304', 'HTTP/1.1 304 Not Modified\r\nETag: "v1"\r\nContent-Length: 10\r\n\r\n'],
] as const) {
  void test(`a ${status} response carries no body and the connection stays usable`, async () => {
    const backend = await startHttpBackend((req, s) => s.write(req.target === '/nobody' ? head : okResponse('after')));
    const { lb, port } = await startHttpBalancer([backend.port]);
    try {
      const c = await RawClient.open(port);
      try {
        c.write(get('/nobody'));
        const r = await c.response();
        assert.equal(r.status, Number(status));
        assert.equal(headerValue(r.headers, 'transfer-encoding'), undefined);
        c.write(get('/next'));
        const next = await c.response();
        assert.equal(next.body.toString(), 'after');
        assert.equal(c.pending().length, 0);
      } finally {
        c.close();
      }
    } finally {
      await lb.stop();
      await backend.close();
    }
  });
}

void test('a close-delimited response reaches the client whole, and then the client connection is closed', async () => {
  const body = 'streamed until the backend closes\n'.repeat(2000);
  const backend = await startHttpBackend((_req, s) => {
    s.write('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n');
    s.write(body.slice(0, 1000));
    setTimeout(() => s.end(body.slice(1000)), 20);
  });
  const { lb, port } = await startHttpBalancer([backend.port]);
  try {
    const c = await RawClient.open(port);
    try {
      c.write(get());
      const r = await c.response('GET', 5000);
      assert.equal(r.status, 200);
      assert.equal(r.body.toString(), body);
      assert.equal(headerValue(r.headers, 'connection')?.toLowerCase(), 'close');
      await c.whenEnded(2000);
    } finally {
      c.close();
    }
  } finally {
    await lb.stop();
    await backend.close();
  }
});

void test('a chunked response is passed through byte for byte, extensions and trailers included', async () => {
  const pieces = ['5\r\nhello\r\n', '1;ext=1\r\n \r\n', '400\r\n' + 'x'.repeat(0x400) + '\r\n', '6\r\nworld!\r\n', '0\r\nX-Checksum: abc\r\n\r\n'];
  const backend = await startHttpBackend((_req, s) => {
    s.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Checksum\r\n\r\n');
    let i = 0;
    const next = (): void => {
      const p = pieces[i++];
      if (p === undefined) return;
      s.write(p);
      setTimeout(next, 5);
    };
    next();
  });
  const { lb, port } = await startHttpBalancer([backend.port]);
  try {
    const c = await RawClient.open(port);
    try {
      c.write(get());
      const r = await c.response();
      assert.equal(r.framing, 'chunked');
      assert.equal(r.body.toString(), 'hello ' + 'x'.repeat(0x400) + 'world!');
      const bodyStart = r.raw.indexOf('\r\n\r\n') + 4;
      assert.equal(r.raw.subarray(bodyStart).toString('latin1'), pieces.join(''));
    } finally {
      c.close();
    }
  } finally {
    await lb.stop();
    await backend.close();
  }
});

void test('a 100 Continue from the backend reaches a client that waits for it before sending its body', async () => {
  const cap = await startCaptureBackend();
  const { lb, port } = await startHttpBalancer([cap.port]);
  try {
    const c = await RawClient.open(port);
    try {
      c.write('POST /upload HTTP/1.1\r\nHost: app.test\r\nContent-Length: 11\r\nExpect: 100-continue\r\n\r\n');
      const interim = await c.response('POST', 3000);
      assert.equal(interim.status, 100);
      c.write('hello world');
      const final = await c.response('POST');
      assert.equal(final.status, 200);
      assert.equal(cap.requests()[0]?.body.toString(), 'hello world');
    } finally {
      c.close();
    }
  } finally {
    await lb.stop();
    await cap.close();
  }
});

void test('five pipelined requests written at once get five responses in order', async () => {
  // The backends answer later requests faster, so an out-of-order proxy would show it.
  const slowFirst = (): Promise<Awaited<ReturnType<typeof startHttpBackend>>> =>
    startHttpBackend((req, s) => {
      const n = Number(req.target.slice(1));
      setTimeout(() => s.write(okResponse(req.target)), (5 - n) * 10);
    });
  const a = await slowFirst();
  const b = await slowFirst();
  const { lb, port } = await startHttpBalancer([a.port, b.port]);
  try {
    const c = await RawClient.open(port);
    try {
      c.write([1, 2, 3, 4, 5].map((i) => get(`/${i}`)).join(''));
      const bodies: string[] = [];
      for (let i = 0; i < 5; i++) bodies.push((await c.response()).body.toString());
      assert.deepEqual(bodies, ['/1', '/2', '/3', '/4', '/5']);
    } finally {
      c.close();
    }
  } finally {
    await lb.stop();
    await a.close();
    await b.close();
  }
});

void test("a client's Connection: close ends the connection after the response", async () => {
  const cap = await startCaptureBackend();
  const { lb, port } = await startHttpBalancer([cap.port]);
  try {
    const c = await RawClient.open(port);
    try {
      c.write(get('/', 'app.test', 'Connection: close\r\n'));
      const r = await c.response();
      assert.equal(r.status, 200);
      assert.equal(headerValue(r.headers, 'connection')?.toLowerCase(), 'close');
      await c.whenEnded(2000);
    } finally {
      c.close();
    }
  } finally {
    await lb.stop();
    await cap.close();
  }
});

void test('an upstream connection whose response said Connection: close is not used again', async () => {
  // The backend says close but leaves its socket open: reusing it would be a protocol error.
  const backend = await startHttpBackend((req, s) => s.write(okResponse(req.target, 'Connection: close\r\n')));
  const { lb, port } = await startHttpBalancer([backend.port]);
  try {
    const c = await RawClient.open(port);
    try {
      for (const path of ['/1', '/2', '/3']) {
        c.write(get(path));
        const r = await c.response();
        assert.equal(r.body.toString(), path);
        assert.notEqual(headerValue(r.headers, 'connection')?.toLowerCase(), 'close', 'the client connection is not the backend’s to close');
      }
    } finally {
      c.close();
    }
    assert.equal(backend.connections(), 3);
  } finally {
    await lb.stop();
    await backend.close();
  }
});

void test('with maxIdleConnections 0 every request opens a new upstream connection', async () => {
  const cap = await startCaptureBackend();
  const { lb, port } = await startHttpBalancer([cap.port], { pool: { http: { maxIdleConnections: 0 } } });
  try {
    const c = await RawClient.open(port);
    try {
      for (let i = 0; i < 3; i++) {
        c.write(get(`/${i}`));
        assert.equal((await c.response()).status, 200);
      }
    } finally {
      c.close();
    }
    assert.equal(cap.connectionsAccepted(), 3);
  } finally {
    await lb.stop();
    await cap.close();
  }
});

void test("a backend's Keep-Alive timeout hint retires an idle upstream connection a second before it", async () => {
  // timeout=2 → kept for at most 1 s; the second request, 1.3 s later, needs a new connection.
  const backend = await startHttpBackend((_req, s) => s.write(okResponse('ok', 'Keep-Alive: timeout=2\r\n')));
  const { lb, port } = await startHttpBalancer([backend.port]);
  try {
    assert.equal((await rawRequest(port, get('/1'))).status, 200);
    await new Promise((r) => setTimeout(r, 1300));
    assert.equal((await rawRequest(port, get('/2'))).status, 200);
    assert.equal(backend.connections(), 2);
    assert.equal(backend.requests[1]?.connection, 1);
  } finally {
    await lb.stop();
    await backend.close();
  }
});

void test('without a Keep-Alive hint an idle upstream connection is reused within the pool idleTimeout', async () => {
  const backend = await startHttpBackend((_req, s) => s.write(okResponse('ok')));
  const { lb, port } = await startHttpBalancer([backend.port]);
  try {
    assert.equal((await rawRequest(port, get('/1'))).status, 200);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await rawRequest(port, get('/2'))).status, 200);
    assert.equal(backend.connections(), 1);
  } finally {
    await lb.stop();
    await backend.close();
  }
});

void test('a 103 Early Hints response reaches an HTTP/1.1 client before the final response', async () => {
  const backend = await startHttpBackend((_req, s) => {
    s.write('HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n');
    setTimeout(() => s.write(okResponse('final')), 10);
  });
  const { lb, port } = await startHttpBalancer([backend.port]);
  try {
    const c = await RawClient.open(port);
    try {
      c.write(get());
      const hints = await c.response();
      assert.equal(hints.status, 103);
      assert.equal(headerValue(hints.headers, 'link'), '</style.css>; rel=preload');
      const final = await c.response();
      assert.equal(final.body.toString(), 'final');
    } finally {
      c.close();
    }
  } finally {
    await lb.stop();
    await backend.close();
  }
});

void test('an absolute-form request target is forwarded in origin form', async () => {
  const cap = await startCaptureBackend();
  const { lb, port } = await startHttpBalancer([cap.port]);
  try {
    const r = await rawRequest(port, 'GET http://app.test/x/y?z=1 HTTP/1.1\r\nHost: app.test\r\n\r\n');
    assert.equal(r.status, 200);
    assert.equal(cap.requests()[0]?.target, '/x/y?z=1');
    assert.deepEqual(headerValues(cap.requests()[0]?.headers ?? [], 'host'), ['app.test']);
  } finally {
    await lb.stop();
    await cap.close();
  }
});

void test('pipelined POSTs are each forwarded with exactly their own body', async () => {
  const cap = await startCaptureBackend();
  const { lb, port } = await startHttpBalancer([cap.port]);
  try {
    const c = await RawClient.open(port);
    try {
      c.write(
        'POST /1 HTTP/1.1\r\nHost: app.test\r\nContent-Length: 3\r\n\r\nabc' +
          'POST /2 HTTP/1.1\r\nHost: app.test\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nde\r\n0\r\n\r\n' +
          'GET /3 HTTP/1.1\r\nHost: app.test\r\n\r\n',
      );
      for (let i = 0; i < 3; i++) assert.equal((await c.response()).status, 200);
    } finally {
      c.close();
    }
    assert.deepEqual(
      cap.requests().map((q) => `${q.method} ${q.target} ${q.body.toString()}`),
      ['POST /1 abc', 'POST /2 de', 'GET /3 '],
    );
    assert.deepEqual(cap.leftovers(), []);
  } finally {
    await lb.stop();
    await cap.close();
  }
});

void test('an HTTP/1.0 client is never sent a chunked response', async () => {
  // A node:http backend streams without a length: chunked for HTTP/1.1, close-delimited for 1.0.
  const { createServer } = await import('node:http');
  const server = createServer((_req, res) => {
    res.write('part one, ');
    setTimeout(() => res.end('part two'), 10);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const backendPort = (server.address() as { port: number }).port;
  const { lb, port } = await startHttpBalancer([backendPort]);
  try {
    const c = await RawClient.open(port);
    try {
      c.write('GET / HTTP/1.0\r\nHost: app.test\r\n\r\n');
      const r = await c.response();
      assert.equal(headerValue(r.headers, 'transfer-encoding'), undefined);
      assert.equal(r.body.toString(), 'part one, part two');
    } finally {
      c.close();
    }
  } finally {
    await lb.stop();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
});

void test('a client that half-closes after its request still gets the whole response', async () => {
  const cap = await startCaptureBackend();
  const { lb, port } = await startHttpBalancer([cap.port]);
  try {
    const c = await RawClient.open(port);
    try {
      c.write(get('/half'));
      c.socket.end();
      const r = await c.response();
      assert.equal(r.status, 200);
      assert.equal(r.body.toString(), 'ok');
      await c.whenEnded(2000);
    } finally {
      c.close();
    }
  } finally {
    await lb.stop();
    await cap.close();
  }
});

void test('a backend answering in HTTP/1.0 and closing does not end the client’s kept-alive connection', async () => {
  const backend = await startHttpBackend((req, s) => s.end(`HTTP/1.0 200 OK\r\nContent-Length: ${req.target.length}\r\n\r\n${req.target}`));
  const { lb, port } = await startHttpBalancer([backend.port]);
  try {
    const c = await RawClient.open(port);
    try {
      for (const path of ['/one', '/two']) {
        c.write(get(path));
        const r = await c.response();
        assert.equal(r.version, 'HTTP/1.1');
        assert.equal(r.body.toString(), path);
      }
      assert.equal(c.isEnded, false);
    } finally {
      c.close();
    }
  } finally {
    await lb.stop();
    await backend.close();
  }
});

void test('an IPv6 client is written as a quoted, bracketed node in Forwarded and plainly in X-Forwarded-For', async () => {
  const cap = await startCaptureBackend();
  const { lb, port } = await startHttpBalancer([cap.port], { listener: { bind: '[::1]:0' } });
  try {
    const c = await RawClient.open(port, '::1');
    try {
      c.write(get());
      assert.equal((await c.response()).status, 200);
    } finally {
      c.close();
    }
    const h = cap.requests()[0]?.headers ?? [];
    assert.deepEqual(headerValues(h, 'x-forwarded-for'), ['::1']);
    assert.deepEqual(headerValues(h, 'forwarded'), ['for="[::1]";proto=http;host=app.test']);
  } finally {
    await lb.stop();
    await cap.close();
  }
});

void test('Via names the protocol version the request was received in (1.0 from an HTTP/1.0 client)', async () => {
  // RFC 9110 §7.6.3: received-protocol is the version of the message as this hop received it.
  const cap = await startCaptureBackend();
  const { lb, port } = await startHttpBalancer([cap.port], { listener: { http: { via: 'edge-1' } } });
  try {
    const r = await rawRequest(port, 'GET / HTTP/1.0\r\nHost: app.test\r\n\r\n');
    assert.equal(r.status, 200);
    assert.deepEqual(headerValues(cap.requests()[0]?.headers ?? [], 'via'), ['1.0 edge-1']);
  } finally {
    await lb.stop();
    await cap.close();
  }
});

void test('an interim 100 Continue is not passed to an HTTP/1.0 client', async () => {
  const backend = await startHttpBackend((_req, s) => s.write(Buffer.concat([Buffer.from('HTTP/1.1 100 Continue\r\n\r\n', 'latin1'), okResponse('done')])));
  const { lb, port } = await startHttpBalancer([backend.port]);
  try {
    const c = await RawClient.open(port);
    try {
      c.write('POST / HTTP/1.0\r\nHost: app.test\r\nContent-Length: 2\r\n\r\nhi');
      const r = await c.response('POST');
      assert.equal(r.status, 200);
      assert.equal(r.body.toString(), 'done');
    } finally {
      c.close();
    }
  } finally {
    await lb.stop();
    await backend.close();
  }
});

void test("a client's own Via is kept and Switchyard's hop appended to it", async () => {
  // RFC 9110 §7.6.3: each intermediary appends its entry to the Via it received.
  const cap = await startCaptureBackend();
  const { lb, port } = await startHttpBalancer([cap.port], { listener: { http: { via: 'edge-1' } } });
  try {
    assert.equal((await rawRequest(port, get('/', 'app.test', 'Via: 1.1 corporate-proxy\r\n'))).status, 200);
    assert.deepEqual(headerValues(cap.requests()[0]?.headers ?? [], 'via'), ['1.1 corporate-proxy, 1.1 edge-1']);
  } finally {
    await lb.stop();
    await cap.close();
  }
});
