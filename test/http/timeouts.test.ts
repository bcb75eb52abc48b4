import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startCaptureBackend } from '../helpers/capture-backend.js';
import { startHttpBalancer } from '../helpers/http-balancer.js';
import { RawClient, get, headerValue, okResponse, startHttpBackend } from '../helpers/http.js';
import { waitFor } from '../helpers/net.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Sends `head` one byte every `everyMs` until the server ends the connection (at most `maxBytes`); returns ms from the first byte to the end. */
async function dribble(c: RawClient, head: string, everyMs: number, maxBytes: number): Promise<number> {
  const started = Date.now();
  for (let i = 0; i < Math.min(maxBytes, head.length) && !c.isEnded; i++) {
    c.write(head[i] ?? '');
    await sleep(everyMs);
  }
  await c.whenEnded(5000);
  return (c.endedAt ?? Date.now()) - started;
}

const SLOW_HEAD = 'GET /slow HTTP/1.1\r\nHost: app.test\r\nX-Padding: ' + 'a'.repeat(100) + '\r\n\r\n';

void test('slowloris: a client sending one header byte every 200 ms is answered 408 and closed at headerTimeout', async () => {
  const cap = await startCaptureBackend();
  const { lb, port } = await startHttpBalancer([cap.port], { listener: { http: { headerTimeout: '1s' } } });
  try {
    const c = await RawClient.open(port);
    try {
      const took = await dribble(c, SLOW_HEAD, 200, 25);
      assert.ok(took > 800, `cut after ${took} ms, before the header timeout`);
      assert.ok(took < 2500, `cut after ${took} ms, long after the 1 s header timeout`);
      assert.equal((await c.response()).status, 408);
    } finally {
      c.close();
    }
    assert.equal(cap.received().length, 0, 'nothing reached the backend');
    assert.equal(lb.snapshot().listeners[0]?.terminations.CT, 1);
  } finally {
    await lb.stop();
    await cap.close();
  }
});

void test('slowloris on the second request of a kept-alive connection is cut at headerTimeout too', async () => {
  const cap = await startCaptureBackend();
  const { lb, port } = await startHttpBalancer([cap.port], { listener: { http: { headerTimeout: '1s', keepAliveTimeout: '30s' } } });
  try {
    const c = await RawClient.open(port);
    try {
      c.write(get('/first'));
      assert.equal((await c.response()).status, 200);
      const took = await dribble(c, SLOW_HEAD, 200, 25);
      assert.ok(took > 800 && took < 2500, `cut after ${took} ms`);
      assert.equal((await c.response()).status, 408);
    } finally {
      c.close();
    }
  } finally {
    await lb.stop();
    await cap.close();
  }
});

void test('an idle keep-alive connection is closed after keepAliveTimeout, without a response', async () => {
  const cap = await startCaptureBackend();
  const { lb, port } = await startHttpBalancer([cap.port], { listener: { http: { keepAliveTimeout: '500ms' } } });
  try {
    const c = await RawClient.open(port);
    try {
      c.write(get());
      assert.equal((await c.response()).status, 200);
      const idleFrom = Date.now();
      await c.whenEnded(3000);
      const idle = (c.endedAt ?? Date.now()) - idleFrom;
      assert.ok(idle >= 400 && idle < 2000, `closed after ${idle} ms idle`);
      assert.equal(c.pending().length, 0, 'no bytes were sent on the idle close');
    } finally {
      c.close();
    }
  } finally {
    await lb.stop();
    await cap.close();
  }
});

void test('a backend that never answers gets the client a 504 at responseTimeout', async () => {
  const silent = await startHttpBackend(() => {});
  const { lb, port } = await startHttpBalancer([silent.port], { listener: { http: { responseTimeout: '500ms' } } });
  try {
    const c = await RawClient.open(port);
    try {
      const started = Date.now();
      c.write(get());
      const r = await c.response('GET', 5000);
      const took = Date.now() - started;
      assert.equal(r.status, 504);
      assert.ok(took >= 400 && took < 2000, `answered after ${took} ms`);
    } finally {
      c.close();
    }
    assert.equal(silent.requests.length, 1);
    assert.equal(lb.snapshot().listeners[0]?.terminations.RT, 1);
  } finally {
    await lb.stop();
    await silent.close();
  }
});

void test('a request body that stops arriving is answered 408 at requestTimeout', async () => {
  const cap = await startCaptureBackend();
  const { lb, port } = await startHttpBalancer([cap.port], { listener: { http: { requestTimeout: '500ms' } } });
  try {
    const c = await RawClient.open(port);
    try {
      const started = Date.now();
      c.write('POST /up HTTP/1.1\r\nHost: app.test\r\nContent-Length: 100\r\n\r\n0123456789');
      const r = await c.response('POST', 5000);
      const took = Date.now() - started;
      assert.equal(r.status, 408);
      assert.ok(took >= 400 && took < 2000, `answered after ${took} ms`);
      await c.whenEnded(2000);
    } finally {
      c.close();
    }
    assert.equal(cap.requests().length, 0, 'the backend never got a complete request');
    assert.equal(lb.snapshot().listeners[0]?.terminations.CT, 1);
  } finally {
    await lb.stop();
    await cap.close();
  }
});

void test('connections over the listener maxConnections are closed at once and counted', async () => {
  const cap = await startCaptureBackend();
  const { lb, port } = await startHttpBalancer([cap.port], { listener: { maxConnections: 1 } });
  try {
    const kept = await RawClient.open(port);
    try {
      kept.write(get());
      assert.equal((await kept.response()).status, 200);
      // The refused connection may be reset before or after the client sees it connected.
      const extra = await RawClient.open(port).catch((e: NodeJS.ErrnoException) => e.code ?? 'error');
      if (typeof extra === 'string') assert.equal(extra, 'ECONNRESET');
      else {
        try {
          extra.write(get());
          await extra.whenEnded(2000);
          assert.equal(extra.pending().length, 0, 'no response on the refused connection');
        } finally {
          extra.close();
        }
      }
      await waitFor(() => lb.snapshot().listeners[0]?.rejectedConnections === 1, 2000, 'one rejected connection');
      assert.equal(lb.snapshot().listeners[0]?.terminations.LC, 1);
    } finally {
      kept.close();
    }
  } finally {
    await lb.stop();
    await cap.close();
  }
});

void test('stopping the balancer closes idle keep-alive connections at once and lets a request in flight finish', async () => {
  const held: (() => void)[] = [];
  const backend = await startHttpBackend((req, s) => {
    if (req.target === '/slow') held.push(() => s.write(okResponse('finished')));
    else s.write(okResponse('ok'));
  });
  const { lb, port } = await startHttpBalancer([backend.port]);
  try {
    const idle = await RawClient.open(port);
    const busy = await RawClient.open(port);
    try {
      idle.write(get('/quick'));
      assert.equal((await idle.response()).status, 200);
      busy.write(get('/slow'));
      const until = Date.now() + 2000;
      while (held.length === 0 && Date.now() < until) await sleep(5);
      const stopping = lb.stop({ drainTimeoutMs: 5000 });
      await idle.whenEnded(1000);
      assert.equal(busy.isEnded, false, 'the busy connection is still open');
      held[0]?.();
      const r = await busy.response();
      assert.equal(r.body.toString(), 'finished');
      assert.equal(headerValue(r.headers, 'connection')?.toLowerCase(), 'close', 'the last response says the connection closes');
      await busy.whenEnded(1000);
      busy.close();
      idle.close();
      const stopFrom = Date.now();
      await stopping;
      assert.ok(Date.now() - stopFrom < 1000, 'stopped without waiting for the drain timeout');
    } finally {
      idle.close();
      busy.close();
    }
  } finally {
    await lb.stop();
    await backend.close();
  }
});

void test('a backend that goes quiet mid-body has the client connection closed at responseTimeout, counted RT', async () => {
  const stalls = await startHttpBackend((_req, s) => s.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nfirst ten.'));
  const { lb, port } = await startHttpBalancer([stalls.port], { listener: { http: { responseTimeout: '400ms' } } });
  try {
    const c = await RawClient.open(port);
    try {
      const started = Date.now();
      c.write(get());
      await c.whenEnded(5000);
      const took = Date.now() - started;
      assert.ok(took >= 350 && took < 2000, `closed after ${took} ms`);
      assert.ok(c.text().includes('first ten.'), 'the part sent was passed on');
    } finally {
      c.close();
    }
    await waitFor(() => lb.snapshot().listeners[0]?.terminations.RT === 1, 2000, 'one RT end');
  } finally {
    await lb.stop();
    await stalls.close();
  }
});

void test('a body that keeps arriving more slowly than responseTimeout in all is not cut', async () => {
  const timers = new Set<NodeJS.Timeout>();
  const slow = await startHttpBackend((_req, s) => {
    s.write('HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\n');
    let n = 0;
    const t = setInterval(() => {
      s.write(String(n));
      if (++n === 6) {
        clearInterval(t);
        timers.delete(t);
      }
    }, 150);
    timers.add(t);
  });
  const { lb, port } = await startHttpBalancer([slow.port], { listener: { http: { responseTimeout: '400ms' } } });
  try {
    const r = await (async () => {
      const c = await RawClient.open(port);
      try {
        c.write(get());
        return await c.finalResponse('GET', 5000);
      } finally {
        c.close();
      }
    })();
    assert.equal(`${r.status} ${r.body.toString()}`, '200 012345', 'six bytes over 900 ms, none more than 400 ms apart');
  } finally {
    for (const t of timers) clearInterval(t);
    await lb.stop();
    await slow.close();
  }
});
