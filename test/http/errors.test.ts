import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import type { ConfigInput, ListenerSnapshot } from '../../src/index.js';
import { startBalancer, EJECT_AT_ONCE } from '../helpers/balancer.js';
import { startCaptureBackend, type CaptureBackend } from '../helpers/capture-backend.js';
import { startHttpBalancer } from '../helpers/http-balancer.js';
import { closedPort, waitFor } from '../helpers/net.js';
import { tempFile } from '../helpers/files.js';
import { RawClient, get, headerValue, rawRequest, startHttpBackend, type HttpBackend } from '../helpers/http.js';
import { request as generatedRequest } from './codec/arbitraries.js';

/** Writes `bytes` on a fresh connection and half-closes; resolves with what came back once the listener closed it (rejects if it stalls). */
async function throwAt(port: number, bytes: Buffer): Promise<Buffer> {
  const c = await RawClient.open(port);
  try {
    c.write(bytes);
    c.socket.end();
    await c.whenEnded(3000);
    return c.pending();
  } finally {
    c.close();
  }
}

const SPECIAL = [0x00, 0x09, 0x0a, 0x0d, 0x20, 0x22, 0x2c, 0x3a, 0x3b, 0x7f, 0x80, 0xff];
const byteArb = fc.oneof(fc.constantFrom(...SPECIAL), fc.integer({ min: 0, max: 255 }));

const VALID = [
  'GET /a HTTP/1.1\r\nHost: app.test\r\nAccept: */*\r\n\r\n',
  'POST /b HTTP/1.1\r\nHost: app.test\r\nContent-Length: 5\r\n\r\nhello',
  'POST /c HTTP/1.1\r\nHost: app.test\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n',
  'HEAD /d HTTP/1.0\r\nHost: app.test\r\nConnection: keep-alive\r\n\r\n',
  'GET /ws HTTP/1.1\r\nHost: app.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
  'GET /a HTTP/1.1\r\nHost: app.test\r\n\r\nGET /b HTTP/1.1\r\nHost: app.test\r\n\r\n',
];

type Mutation = { kind: 'insert' | 'replace' | 'delete' | 'duplicate'; at: number; byte: number; length: number };
const mutationArb: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom('insert', 'replace', 'delete', 'duplicate'),
  at: fc.nat(),
  byte: byteArb,
  length: fc.integer({ min: 1, max: 12 }),
});

function mutate(base: string, mutations: readonly Mutation[]): Buffer {
  let b = Buffer.from(base, 'latin1');
  for (const m of mutations) {
    const at = b.length === 0 ? 0 : m.at % b.length;
    const end = Math.min(b.length, at + m.length);
    if (m.kind === 'insert') b = Buffer.concat([b.subarray(0, at), Buffer.from([m.byte]), b.subarray(at)]);
    else if (m.kind === 'replace' && b.length > 0) b[at] = m.byte;
    else if (m.kind === 'delete') b = Buffer.concat([b.subarray(0, at), b.subarray(end)]);
    else b = Buffer.concat([b.subarray(0, end), b.subarray(at, end), b.subarray(end)]);
  }
  return b;
}

/** The listener is still healthy: a normal request works and no connection is left open. */
async function assertStillServing(port: number, lb: { snapshot(): { listeners: readonly { activeConnections: number }[] } }): Promise<void> {
  const r = await rawRequest(port, get('/after'));
  assert.equal(r.status, 200);
  assert.equal(r.body.toString(), 'ok');
  await waitFor(() => lb.snapshot().listeners[0]?.activeConnections === 0, 5000, 'every connection to close');
}

async function fuzzTarget(): Promise<{ port: number; lb: Awaited<ReturnType<typeof startHttpBalancer>>['lb']; cap: CaptureBackend; stop(): Promise<void> }> {
  const cap = await startCaptureBackend();
  const { lb, port } = await startHttpBalancer([cap.port], { listener: { http: { headerTimeout: '2s', responseTimeout: '2s', maxHeaderSize: '2KiB' } } });
  return {
    port,
    lb,
    cap,
    stop: async () => {
      await lb.stop({ drainTimeoutMs: 100 });
      await cap.close();
    },
  };
}

void test('random bytes on fresh connections never crash or stall the listener', async () => {
  const t = await fuzzTarget();
  try {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 300 }).map((a) => Buffer.from(a)), async (bytes) => {
        const back = await throwAt(t.port, bytes);
        assert.ok(back.length === 0 || back.toString('latin1').startsWith('HTTP/1.1 '), `answer: ${JSON.stringify(back.toString('latin1').slice(0, 80))}`);
      }),
      { numRuns: 150, endOnFailure: true },
    );
    await assertStillServing(t.port, t.lb);
  } finally {
    await t.stop();
  }
});

void test('mutated valid requests on fresh connections never crash or stall the listener', async () => {
  const t = await fuzzTarget();
  try {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...VALID), fc.array(mutationArb, { minLength: 1, maxLength: 4 }), async (base, mutations) => {
        const back = await throwAt(t.port, mutate(base, mutations));
        assert.ok(back.length === 0 || back.toString('latin1').startsWith('HTTP/1.1 '), `answer: ${JSON.stringify(back.toString('latin1').slice(0, 80))}`);
      }),
      { numRuns: 200, endOnFailure: true },
    );
    await assertStillServing(t.port, t.lb);
  } finally {
    await t.stop();
  }
});

void test('generated requests, clean and nasty, on fresh connections never crash or stall the listener', async () => {
  const t = await fuzzTarget();
  try {
    await fc.assert(
      fc.asyncProperty(generatedRequest, async (bytes) => {
        const back = await throwAt(t.port, bytes);
        assert.ok(back.length === 0 || back.toString('latin1').startsWith('HTTP/1.1 '), `answer: ${JSON.stringify(back.toString('latin1').slice(0, 80))}`);
      }),
      { numRuns: 200, endOnFailure: true },
    );
    await assertStillServing(t.port, t.lb);
  } finally {
    await t.stop();
  }
});

void test('a malformed request after a served one on the same connection is answered 400', async () => {
  const t = await fuzzTarget();
  try {
    const c = await RawClient.open(t.port);
    try {
      c.write(get('/first'));
      assert.equal((await c.response()).status, 200);
      c.write('GET /second HTTP/1.1\r\nHost: a.test\r\nHost: b.test\r\n\r\n');
      assert.equal((await c.response()).status, 400);
      await c.whenEnded(2000);
    } finally {
      c.close();
    }
  } finally {
    await t.stop();
  }
});

// ---- Switchyard's own error answers ----

interface ErrorSetup {
  port: number;
  backendPorts: number[];
  snapshot(): ListenerSnapshot;
  stop(): Promise<void>;
}

async function errorListener(): Promise<ErrorSetup> {
  const cap = await startCaptureBackend();
  const silent: HttpBackend = await startHttpBackend(() => {});
  const dead = await closedPort();
  const config: ConfigInput = {
    listeners: {
      web: {
        protocol: 'http',
        bind: '127.0.0.1:0',
        routes: [
          { pathPrefix: '/app/', pool: 'app' },
          { pathPrefix: '/none/', pool: 'none' },
          { pathPrefix: '/dead/', pool: 'dead' },
          { pathPrefix: '/slow/', pool: 'slow' },
        ],
        http: { maxBodySize: 10, maxUriLength: 100, maxHeaderSize: '1KiB', headerTimeout: '500ms', responseTimeout: '300ms' },
      },
    },
    pools: {
      app: { backends: [`127.0.0.1:${cap.port}`] },
      none: { backends: [{ host: '127.0.0.1', port: cap.port, weight: 0 }] },
      dead: { backends: [`127.0.0.1:${dead}`], health: EJECT_AT_ONCE },
      slow: { backends: [`127.0.0.1:${silent.port}`] },
    },
  };
  const { lb, port } = await startBalancer(config);
  return {
    port,
    backendPorts: [cap.port, silent.port, dead],
    snapshot: () => lb.snapshot().listeners[0] as ListenerSnapshot,
    stop: async () => {
      await lb.stop({ drainTimeoutMs: 100 });
      await cap.close();
      await silent.close();
    },
  };
}

const ERROR_CASES: [status: number, what: string, bytes: string][] = [
  [400, 'a request with two Host headers', 'GET /app/ HTTP/1.1\r\nHost: a.test\r\nHost: b.test\r\n\r\n'],
  [404, 'a request no route matches', get('/elsewhere')],
  [408, 'a request head not finished in time', 'GET /app/ HTTP/1.1\r\nHost: app.test\r\n'],
  [413, 'a body over maxBodySize', 'POST /app/ HTTP/1.1\r\nHost: app.test\r\nContent-Length: 100\r\n\r\n'],
  [414, 'a URI over maxUriLength', get('/app/' + 'u'.repeat(200))],
  [431, 'a head over maxHeaderSize', get('/app/', 'app.test', `X-Big: ${'b'.repeat(2000)}\r\n`)],
  [501, 'an unsupported transfer coding', 'POST /app/ HTTP/1.1\r\nHost: app.test\r\nTransfer-Encoding: gzip\r\n\r\n'],
  [502, 'a backend refusing the connection', get('/dead/')],
  [503, 'a pool with no eligible backend', get('/none/')],
  [504, 'a backend that never answers', get('/slow/')],
  [505, 'an unsupported HTTP version', 'GET /app/ HTTP/1.2\r\nHost: app.test\r\n\r\n'],
];

for (const [status, what, bytes] of ERROR_CASES) {
  void test(`the ${status} answer to ${what} has a short generic body`, async () => {
    const s = await errorListener();
    try {
      const r = await rawRequest(s.port, bytes);
      assert.equal(r.status, status);
      const body = r.body.toString('latin1');
      assert.match(body, /^\d{3} [A-Za-z ]+\n$/, `generic body: ${JSON.stringify(body)}`);
      assert.ok(body.length <= 64);
      assert.match(headerValue(r.headers, 'content-type') ?? '', /^text\/plain/);
      for (const p of s.backendPorts) assert.ok(!r.raw.toString('latin1').includes(String(p)), 'no backend port in the answer');
      assert.doesNotMatch(r.raw.toString('latin1'), /127\.0\.0\.1|ECONN|Error|\bat /);
    } finally {
      await s.stop();
    }
  });
}

// ---- access log ----

void test('the JSON access log has one line per request with status, method, path, backend and termination', async () => {
  const cap = await startCaptureBackend();
  const log = tempFile('access.log', '');
  const { lb, port } = await startBalancer({
    listeners: {
      web: { protocol: 'http', bind: '127.0.0.1:0', routes: [{ pathPrefix: '/app/', pool: 'p' }], http: { accessLog: 'json', accessLogFile: log.path } },
    },
    pools: { p: { backends: [{ host: '127.0.0.1', port: cap.port, name: 'cap' }] } },
  });
  try {
    assert.equal((await rawRequest(port, get('/app/one?x=1'))).status, 200);
    assert.equal((await rawRequest(port, 'POST /app/two HTTP/1.1\r\nHost: app.test\r\nContent-Length: 3\r\n\r\nabc', 'POST')).status, 200);
    assert.equal((await rawRequest(port, get('/missing'))).status, 404);
    await lb.stop();
    const lines = readFileSync(log.path, 'utf8').split('\n').filter((l) => l !== '');
    assert.equal(lines.length, 3, lines.join('\n'));
    const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const pick = (r: Record<string, unknown>): unknown => [r.status, r.method, r.path, r.backend, r.termination];
    assert.deepEqual(records.map(pick), [
      [200, 'GET', '/app/one?x=1', 'p/cap', '--'],
      [200, 'POST', '/app/two', 'p/cap', '--'],
      [404, 'GET', '/missing', '-', 'NR'],
    ]);
    assert.equal(records[0]?.host, 'app.test');
    assert.equal(records[0]?.client, '127.0.0.1');
  } finally {
    await lb.stop();
    await cap.close();
    log.remove();
  }
});

void test('the listener snapshot counts requests by status and termination', async () => {
  const s = await errorListener();
  try {
    const c = await RawClient.open(s.port);
    try {
      for (const path of ['/app/1', '/app/2', '/elsewhere']) {
        c.write(get(path));
        await c.response();
      }
    } finally {
      c.close();
    }
    assert.equal((await rawRequest(s.port, get('/dead/'))).status, 502);
    await waitFor(() => s.snapshot().requests?.requests === 4, 2000, 'four requests recorded');
    const l = s.snapshot();
    assert.deepEqual(l.requests?.byStatus, { '200': 2, '404': 1, '502': 1 });
    assert.equal(l.terminations['--'], 2);
    assert.equal(l.terminations.NR, 1);
    assert.equal(l.terminations.UF, 1);
  } finally {
    await s.stop();
  }
});

void test('a quote in a logged path is escaped: every access log line stays one valid JSON object', async () => {
  const cap = await startCaptureBackend();
  const log = tempFile('access.log', '');
  const { lb, port } = await startHttpBalancer([cap.port], { listener: { http: { accessLog: 'json', accessLogFile: log.path } } });
  try {
    assert.equal((await rawRequest(port, get('/a"b'))).status, 200);
    assert.equal((await rawRequest(port, get('/next'))).status, 200);
    await lb.stop();
    const lines = readFileSync(log.path, 'utf8').split('\n').filter((l) => l !== '');
    assert.deepEqual(
      lines.map((l) => (JSON.parse(l) as { path: string }).path),
      ['/a"b', '/next'],
    );
  } finally {
    await lb.stop();
    await cap.close();
    log.remove();
  }
});
