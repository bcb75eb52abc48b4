import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import { startDemoBackend } from '../../src/demo/demo-backend.js';
import type { DemoBackend, DemoBackendEcho, DemoBackendOptions } from '../../src/demo/demo-backend.js';

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

function get(backend: DemoBackend, path: string, headers: OutgoingHttpHeaders = {}, agent?: Agent): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: backend.host, port: backend.port, path, headers, agent: agent ?? false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function withBackend(opts: Partial<DemoBackendOptions>, fn: (b: DemoBackend) => Promise<void>): Promise<void> {
  const backend = await startDemoBackend({ port: 0, name: 'backend-1', ...opts });
  try {
    await fn(backend);
  } finally {
    await backend.close();
  }
}

void describe('demo backend', () => {
  void test('it answers its name as text with an X-Backend header', () =>
    withBackend({}, async (b) => {
      const r = await get(b, '/anything');
      assert.equal(r.status, 200);
      assert.equal(r.body, 'backend-1\n');
      assert.equal(r.headers['x-backend'], 'backend-1');
      assert.match(r.headers['content-type'] ?? '', /^text\/plain/);
      assert.ok(b.port > 0);
      assert.equal(b.host, '127.0.0.1');
      assert.equal(b.requests, 1);
    }));

  void test('/health answers ok even when every other request fails', () =>
    withBackend({ failRate: 1 }, async (b) => {
      const r = await get(b, '/health');
      assert.equal(r.status, 200);
      assert.deepEqual(JSON.parse(r.body), { status: 'ok', name: 'backend-1' });
    }));

  void test('a fail rate of 1 answers every request with a 500', () =>
    withBackend({ failRate: 1 }, async (b) => {
      for (let i = 0; i < 5; i++) {
        const r = await get(b, `/r${i}`);
        assert.equal(r.status, 500);
        assert.equal(r.body, 'backend-1: simulated failure\n');
      }
    }));

  void test('a fail rate of 0 answers no request with a 500', () =>
    withBackend({ failRate: 0 }, async (b) => {
      for (let i = 0; i < 5; i++) assert.equal((await get(b, `/r${i}`)).status, 200);
    }));

  void test('a request fails when the random draw is below the fail rate', () =>
    withBackend({ failRate: 0.5, random: () => 0.3 }, async (b) => {
      assert.equal((await get(b, '/')).status, 500);
    }));

  void test('a request succeeds when the random draw is at or above the fail rate', () =>
    withBackend({ failRate: 0.5, random: () => 0.5 }, async (b) => {
      assert.equal((await get(b, '/')).status, 200);
    }));

  void test('the configured latency is waited before answering', () =>
    withBackend({ latencyMs: 60 }, async (b) => {
      const started = performance.now();
      const r = await get(b, '/');
      assert.equal(r.status, 200);
      // Timers may fire up to 1 ms early by rounding; latency is a lower bound, not a speed.
      assert.ok(performance.now() - started >= 59, 'answered before the latency had passed');
    }));

  void test('json format echoes the name, method, path, headers, address and request count', () =>
    withBackend({}, async (b) => {
      await get(b, '/first');
      const r = await get(b, '/some/path?format=json', { 'x-test': 'yes' });
      assert.equal(r.status, 200);
      assert.match(r.headers['content-type'] ?? '', /^application\/json/);
      const echo = JSON.parse(r.body) as DemoBackendEcho;
      assert.equal(echo.name, 'backend-1');
      assert.equal(echo.method, 'GET');
      assert.equal(echo.path, '/some/path?format=json');
      assert.equal(echo.headers['x-test'], 'yes');
      assert.equal(echo.remoteAddress, '127.0.0.1');
      assert.equal(echo.requests, 2);
    }));

  void test('an Accept of application/json selects the json format', () =>
    withBackend({}, async (b) => {
      const r = await get(b, '/', { accept: 'application/json' });
      assert.equal((JSON.parse(r.body) as DemoBackendEcho).name, 'backend-1');
    }));

  void test('a request body is drained and the request answered', () =>
    withBackend({}, async (b) => {
      const reply = await new Promise<Reply>((resolve, reject) => {
        const req = request({ host: b.host, port: b.port, path: '/upload', method: 'POST', agent: false }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        });
        req.on('error', reject);
        req.end(Buffer.alloc(256 * 1024, 'x'));
      });
      assert.equal(reply.status, 200);
      assert.equal(reply.body, 'backend-1\n');
    }));

  void test('a malformed request is answered 400 without crashing the backend', () =>
    withBackend({}, async (b) => {
      const raw = await new Promise<string>((resolve, reject) => {
        const socket = connect(b.port, b.host, () => socket.write('NOT HTTP AT ALL\r\n\r\n'));
        let data = '';
        socket.setEncoding('utf8');
        socket.on('data', (c: string) => (data += c));
        socket.on('error', reject);
        socket.on('close', () => resolve(data));
      });
      assert.match(raw, /^HTTP\/1\.1 400 /);
      assert.equal((await get(b, '/')).status, 200);
    }));

  void test('close() resolves while a keep-alive client is still connected', async () => {
    const b = await startDemoBackend({ port: 0, name: 'backend-1' });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      assert.equal((await get(b, '/', {}, agent)).status, 200);
      await b.close();
      await assert.rejects(get(b, '/'));
    } finally {
      agent.destroy();
    }
  });

  void test('close() resolves while a delayed answer is still pending', async () => {
    const b = await startDemoBackend({ port: 0, name: 'backend-1', latencyMs: 60_000 });
    const pending = get(b, '/');
    while (b.requests === 0) await new Promise((r) => setImmediate(r));
    await b.close();
    await assert.rejects(pending);
  });

  void test('invalid options are rejected', async () => {
    await assert.rejects(startDemoBackend({ port: 0, name: 'x', failRate: 1.5 }), RangeError);
    await assert.rejects(startDemoBackend({ port: 70000, name: 'x' }), RangeError);
  });
});
