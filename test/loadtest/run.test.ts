import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startDemoBackend } from '../../src/demo/demo-backend.js';
import { startLoadtest } from '../../src/loadtest/run.js';
import { resolveSettings, type LoadtestFlags } from '../../src/loadtest/settings.js';
import type { LoadtestResult } from '../../src/loadtest/results.js';
import type { Balancer } from '../../src/index.js';
import { startBalancer } from '../helpers/balancer.js';
import { closedPort, startServer } from '../helpers/net.js';

interface CountingServer {
  readonly port: number;
  readonly requests: () => number;
  readonly connections: () => number;
  close(): Promise<void>;
}

/** A node:http server on 127.0.0.1:0 that counts requests and connections and lets `answer` reply. */
async function countingServer(answer: (req: IncomingMessage, res: ServerResponse, n: number) => void): Promise<CountingServer> {
  let requests = 0;
  let connections = 0;
  const server: Server = createServer((req, res) => {
    requests++;
    req.resume();
    req.on('end', () => answer(req, res, requests));
  });
  server.keepAliveTimeout = 30_000;
  server.on('connection', (s) => {
    connections++;
    s.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    requests: () => requests,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const ok = (_req: IncomingMessage, res: ServerResponse): void => {
  res.writeHead(200, { 'content-length': 2, 'x-backend': 'only' });
  res.end('ok');
};

/** Runs a load test, failing it if the run takes longer than `ms`. */
async function run(flags: LoadtestFlags, ms = 10_000): Promise<LoadtestResult> {
  const r = await startLoadtest(resolveSettings(flags));
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      r.stop();
      reject(new Error(`the run did not end within ${ms} ms`));
    }, ms);
  });
  try {
    return await Promise.race([r.done, limit]);
  } finally {
    clearTimeout(timer);
  }
}

void test('-n sends exactly that many requests over -c reused connections with keep-alive', async () => {
  const srv = await countingServer(ok);
  try {
    const r = await run({ url: `http://127.0.0.1:${srv.port}/`, requests: '1000', connections: '7' });
    assert.equal(r.summary.requests, 1000);
    assert.equal(r.summary.responses, 1000);
    assert.deepEqual(r.statuses, { '200': 1000 });
    assert.equal(srv.requests(), 1000);
    assert.equal(srv.connections(), 7);
    assert.equal(r.summary.connectionsOpened, 7);
    assert.equal(r.summary.errors, 0);
  } finally {
    await srv.close();
  }
});

void test('-n with --no-keep-alive sends exactly that many requests, each on a new connection', async () => {
  const srv = await countingServer(ok);
  try {
    const r = await run({ url: `http://127.0.0.1:${srv.port}/`, requests: '200', connections: '5', keepAlive: false });
    assert.equal(r.summary.responses, 200);
    assert.equal(srv.requests(), 200);
    assert.equal(srv.connections(), 200);
    assert.equal(r.summary.connectionsOpened, 200);
    assert.equal(r.summary.errors, 0);
  } finally {
    await srv.close();
  }
});

void test('responses are counted per status code, and non-2xx apart from errors', async () => {
  const srv = await countingServer((_req, res, n) => {
    res.writeHead(n % 3 === 0 ? 500 : 200, { 'content-length': 0 });
    res.end();
  });
  try {
    const r = await run({ url: `http://127.0.0.1:${srv.port}/`, requests: '300', connections: '4' });
    assert.deepEqual(r.statuses, { '200': 200, '500': 100 });
    assert.equal(r.summary.non2xx, 100);
    assert.equal(r.summary.errors, 0);
  } finally {
    await srv.close();
  }
});

void test('responses are counted per backend through Switchyard in front of two demo backends', async () => {
  const a = await startDemoBackend({ port: 0, name: 'alpha' });
  const b = await startDemoBackend({ port: 0, name: 'beta' });
  let lb: Balancer | undefined;
  try {
    const started = await startBalancer({
      listeners: { web: { protocol: 'http', bind: '127.0.0.1:0', pool: 'p' } },
      pools: { p: { policy: 'round-robin', backends: [`127.0.0.1:${a.port}`, `127.0.0.1:${b.port}`] } },
    });
    lb = started.lb;
    const r = await run({ url: `http://127.0.0.1:${started.port}/`, requests: '200', connections: '4' });
    assert.equal(r.summary.responses, 200);
    assert.deepEqual(r.backends, { alpha: 100, beta: 100 });
    assert.equal(r.withoutBackendHeader, 0);
  } finally {
    await lb?.stop();
    await a.close();
    await b.close();
  }
});

void test('chunked response bodies are read to their end and the connection is reused', async () => {
  const srv = await countingServer((_req, res) => {
    res.writeHead(200, { 'x-backend': 'chunky' });
    res.write('first chunk,');
    setImmediate(() => res.end('second chunk'));
  });
  try {
    const r = await run({ url: `http://127.0.0.1:${srv.port}/`, requests: '100', connections: '2' });
    assert.equal(r.summary.responses, 100);
    assert.deepEqual(r.backends, { chunky: 100 });
    assert.equal(srv.connections(), 2);
  } finally {
    await srv.close();
  }
});

void test('close-delimited response bodies end with the connection, and the next request opens a new one', async () => {
  const srv = await startServer((s) => {
    s.once('data', () => {
      s.write('HTTP/1.1 200 OK\r\nX-Backend: closer\r\n\r\n');
      s.end('a body that runs until the server closes');
    });
  });
  try {
    const r = await run({ url: `http://127.0.0.1:${srv.port}/`, requests: '20', connections: '2' });
    assert.equal(r.summary.responses, 20);
    assert.equal(r.summary.errors, 0);
    assert.deepEqual(r.backends, { closer: 20 });
    assert.equal(srv.connections, 20);
  } finally {
    await srv.close();
  }
});

void test('refused connections are counted as errors of their kind and the run still ends', async () => {
  const port = await closedPort();
  const r = await run({ url: `http://127.0.0.1:${port}/`, requests: '50', connections: '5' });
  assert.equal(r.summary.requests, 50);
  assert.equal(r.summary.responses, 0);
  assert.equal(r.errors.refused, 50);
  assert.deepEqual(r.errorCodes, { ECONNREFUSED: 50 });
});

void test('requests without an answer within --timeout are counted as timeouts and the run still ends', async () => {
  const srv = await startServer(() => {});
  try {
    const started = performance.now();
    const r = await run({ url: `http://127.0.0.1:${srv.port}/`, requests: '4', connections: '2', timeout: '200ms' });
    const took = performance.now() - started;
    assert.equal(r.errors.timeout, 4);
    assert.equal(r.summary.responses, 0);
    assert.ok(took >= 400 && took < 2000, `two rounds of 200 ms timeouts took ${Math.round(took)} ms`);
  } finally {
    await srv.close();
  }
});

void test('connections reset by the server are counted as resets', async () => {
  const srv = await startServer((s) => {
    s.once('data', () => s.resetAndDestroy());
  });
  try {
    const r = await run({ url: `http://127.0.0.1:${srv.port}/`, requests: '10', connections: '2' });
    assert.equal(r.errors.reset, 10);
  } finally {
    await srv.close();
  }
});

void test('a server closing before it answers is counted as closed early, and an invalid response as such', async () => {
  const closer = await startServer((s) => s.once('data', () => s.end()));
  const garbler = await startServer((s) => s.once('data', () => s.end('HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n')));
  try {
    assert.equal((await run({ url: `http://127.0.0.1:${closer.port}/`, requests: '6', connections: '2' })).errors.closed, 6);
    assert.equal((await run({ url: `http://127.0.0.1:${garbler.port}/`, requests: '6', connections: '2' })).errors.protocol, 6);
  } finally {
    await closer.close();
    await garbler.close();
  }
});

void test('-d stops issuing requests after the duration', async () => {
  const srv = await countingServer(ok);
  try {
    const started = performance.now();
    const r = await run({ url: `http://127.0.0.1:${srv.port}/`, duration: '300ms', connections: '2' });
    const took = performance.now() - started;
    assert.ok(took >= 290 && took < 1500, `took ${Math.round(took)} ms`);
    assert.ok(r.summary.responses > 0);
    assert.equal(srv.requests(), r.summary.responses);
  } finally {
    await srv.close();
  }
});

/*
 * Coordinated omission. The server answers at once, except that the 20th request it gets
 * stalls for 300 ms. At 200 requests/s over one connection, the ~60 requests that fall due
 * during the stall cannot be sent until it ends. The open model (--rate) counts each one's
 * latency from when it was due, so the run shows the stall in many requests (~60 delayed by
 * 300 ms down to 0, so p90 is well above the server's normal sub-millisecond answer). The
 * closed model, which only sends when the connection is free, sees a single slow request.
 */
void test('--rate measures latency from each request\'s scheduled time, so a stall shows in every request it delayed', async () => {
  const stalling = (): Promise<CountingServer> =>
    countingServer((_req, res, n) => {
      const reply = (): void => ok(_req, res);
      if (n === 20) setTimeout(reply, 300);
      else reply();
    });
  const open = await stalling();
  const closed = await stalling();
  try {
    const o = await run({ url: `http://127.0.0.1:${open.port}/`, requests: '200', rate: '200', connections: '1' });
    assert.equal(o.summary.responses, 200);
    assert.ok(o.summary.latencyMs.max >= 290, `max ${o.summary.latencyMs.max} ms`);
    assert.ok(o.summary.latencyMs.p90 >= 50, `p90 ${o.summary.latencyMs.p90} ms: the requests that waited behind the stall count`);
    const c = await run({ url: `http://127.0.0.1:${closed.port}/`, requests: '200', connections: '1' });
    assert.ok(c.summary.latencyMs.max >= 290, `max ${c.summary.latencyMs.max} ms`);
    assert.ok(c.summary.latencyMs.p90 < 50, `closed model p90 ${c.summary.latencyMs.p90} ms hides the stall`);
  } finally {
    await open.close();
    await closed.close();
  }
});

void test('--rate holds the rate: requests are sent on the schedule, not as fast as possible', async () => {
  const srv = await countingServer(ok);
  try {
    const started = performance.now();
    const r = await run({ url: `http://127.0.0.1:${srv.port}/`, requests: '50', rate: '100', connections: '4' });
    const took = performance.now() - started;
    assert.equal(r.summary.responses, 50);
    assert.ok(took >= 480 && took < 2000, `50 requests at 100/s took ${Math.round(took)} ms`);
    assert.equal(r.summary.unsent, 0);
  } finally {
    await srv.close();
  }
});

void test('--rate with -d counts requests that fell due but found every connection busy as unsent', async () => {
  const srv = await countingServer((req, res) => setTimeout(() => ok(req, res), 200));
  try {
    const r = await run({ url: `http://127.0.0.1:${srv.port}/`, duration: '500ms', rate: '100', connections: '1' });
    // One connection answering every 200 ms gets through about 3 of the 50 due in 500 ms.
    assert.ok(r.summary.responses >= 2 && r.summary.responses <= 4, `responses ${r.summary.responses}`);
    assert.equal(r.summary.responses + r.summary.unsent, 50);
  } finally {
    await srv.close();
  }
});

void test('stop() ends a run early, and a second stop() drops the requests still in flight', async () => {
  const srv = await startServer(() => {});
  try {
    const r = await startLoadtest(resolveSettings({ url: `http://127.0.0.1:${srv.port}/`, duration: '1m', connections: '3' }));
    const started = performance.now();
    r.stop();
    r.stop();
    const result = await r.done;
    assert.ok(performance.now() - started < 1000);
    assert.equal(result.summary.requests, 0, 'dropped requests are not counted');
  } finally {
    await srv.close();
  }
});
