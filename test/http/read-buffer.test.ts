// Upstream connections read into a buffer of their own, reused from read to read, and client
// connections read small pieces through one buffer they all share. These tests make the balancer
// keep bytes past a read (a head split over reads, a client that does not read, responses of
// every size one after another on one kept-alive connection, a client's half-sent request while
// another client's requests come and go) and check that every byte arrives as it was sent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { startHttpBalancer } from '../helpers/http-balancer.js';
import { clientSocketsTaken } from '../../src/proxy/client-reads.js';
import { RawClient, get, headerValue, okResponse, sha256, startHttpBackend } from '../helpers/http.js';

const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

void test('a response head split over several reads reaches the client whole', async () => {
  const body = randomBytes(3000);
  const head = `HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\nX-Long: ${'a'.repeat(2000)}\r\nX-Other: b\r\n\r\n`;
  const backend = await startHttpBackend((_req, socket) => {
    void (async () => {
      // Each piece arrives in a read of its own: the balancer must hold the first ones.
      const cuts = [0, 17, 900, 2001, head.length - 1, head.length];
      for (let i = 1; i < cuts.length; i++) {
        socket.write(head.slice(cuts[i - 1], cuts[i]), 'latin1');
        await delay(30);
      }
      socket.write(body);
    })();
  });
  const { lb, port } = await startHttpBalancer([backend.port]);
  try {
    const c = await RawClient.open(port);
    try {
      c.write(get('/split'));
      const r = await c.response('GET', 5000);
      assert.equal(r.status, 200);
      assert.equal(r.headers.find(([n]) => n.toLowerCase() === 'x-long')?.[1], 'a'.repeat(2000));
      assert.equal(r.headers.find(([n]) => n.toLowerCase() === 'x-other')?.[1], 'b');
      assert.equal(sha256(r.body), sha256(body));
    } finally {
      c.close();
    }
  } finally {
    await lb.stop();
    await backend.close();
  }
});

void test('a client that stops reading gets every byte once it reads again', async () => {
  const body = randomBytes(8 * 1024 * 1024);
  const backend = await startHttpBackend((_req, socket) => {
    socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`);
    // Many writes of varying sizes, so the balancer's reads differ in size and alignment.
    let pos = 0;
    let size = 1;
    const pump = (): void => {
      while (pos < body.length) {
        const n = Math.min(size, body.length - pos);
        const more = socket.write(body.subarray(pos, pos + n));
        pos += n;
        size = size > 100_000 ? 1 : size * 3 + 7;
        if (!more) {
          socket.once('drain', pump);
          return;
        }
      }
    };
    pump();
  });
  const { lb, port } = await startHttpBalancer([backend.port]);
  const s = connect({ port, host: '127.0.0.1' });
  try {
    s.on('error', () => {});
    await new Promise<void>((r) => s.once('connect', () => r()));
    s.pause();
    s.write(get('/big'));
    // While the client does not read, the balancer's writes to it stay pending on buffers it read into.
    await delay(400);
    const chunks: Buffer[] = [];
    let total = 0;
    const done = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${total} bytes after 15 s`)), 15_000);
      s.on('data', (d: Buffer) => {
        chunks.push(d);
        total += d.length;
        const all = Buffer.concat(chunks);
        const at = all.indexOf('\r\n\r\n');
        if (at >= 0 && total - at - 4 >= body.length) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    s.resume();
    await done;
    const all = Buffer.concat(chunks);
    const at = all.indexOf('\r\n\r\n');
    assert.match(all.subarray(0, at).toString('latin1'), /^HTTP\/1\.1 200 OK\r\n/);
    assert.equal(all.length - at - 4, body.length);
    assert.equal(sha256(all.subarray(at + 4)), sha256(body));
  } finally {
    s.destroy();
    await lb.stop();
    await backend.close();
  }
});

void test('responses of every size one after another on one kept-alive upstream connection arrive intact', async () => {
  // Sizes around the read buffer's (64 KiB) and the small-response copy limit (4 KiB).
  const sizes = [0, 1, 100, 4095, 4096, 4097, 16_384, 65_000, 65_536, 65_537, 131_072, 200_000, 3, 70_000, 5];
  const bodies = sizes.map((n) => randomBytes(n));
  const backend = await startHttpBackend((req, socket) => {
    const i = Number(req.target.slice(1));
    const b = bodies[i] as Buffer;
    socket.write(Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${b.length}\r\n\r\n`), b]));
  });
  const { lb, port } = await startHttpBalancer([backend.port]);
  try {
    const c = await RawClient.open(port);
    try {
      for (let i = 0; i < sizes.length; i++) {
        c.write(get(`/${i}`));
        const r = await c.response('GET', 5000);
        assert.equal(r.status, 200);
        assert.equal(r.body.length, sizes[i], `response ${i}`);
        assert.equal(sha256(r.body), sha256(bodies[i] as Buffer), `response ${i} (${sizes[i]} B)`);
      }
    } finally {
      c.close();
    }
    assert.equal(backend.connections(), 1, 'one upstream connection carried them all');
  } finally {
    await lb.stop();
    await backend.close();
  }
});

void test("a client's half-sent head and body survive other connections' reads in between", async () => {
  const backend = await startHttpBackend((req, socket) => {
    socket.write(okResponse(`${headerValue(req.headers, 'x-tag') ?? '-'} ${req.body.length} ${sha256(req.body)}`));
  });
  const { lb, port } = await startHttpBalancer([backend.port]);
  const taken = clientSocketsTaken();
  const a = await RawClient.open(port);
  const b = await RawClient.open(port);
  // Client b's requests land where a's last read landed, unless a's bytes were kept apart.
  const otherTraffic = async (round: number): Promise<void> => {
    for (let i = 0; i < 5; i++) {
      b.write(get(`/b/${round}/${i}`, 'app.test', `X-Tag: b-${round}-${i}-${'z'.repeat(40 * i)}\r\n`));
      const r = await b.response('GET', 5000);
      assert.equal(r.status, 200);
      assert.match(r.body.toString(), new RegExp(`^b-${round}-${i}-z* 0 `));
    }
  };
  try {
    const body = randomBytes(300_000);
    a.write('POST /upload HTTP/1.1\r\nHost: app.test\r\nX-Ta');
    await delay(20);
    await otherTraffic(1);
    a.write(`g: alpha\r\nContent-Length: ${body.length}\r\n\r\n`);
    await delay(20);
    await otherTraffic(2);
    // Body pieces small and large, with the other client's requests between them.
    const cuts = [0, 10, 1000, 5000, 80_000, 80_003, 200_000, body.length];
    for (let i = 1; i < cuts.length; i++) {
      a.write(body.subarray(cuts[i - 1], cuts[i]));
      await delay(10);
      await otherTraffic(3 + i);
    }
    const r = await a.response('POST', 5000);
    assert.equal(r.status, 200);
    assert.equal(r.body.toString(), `alpha ${body.length} ${sha256(body)}`);
    assert.equal(clientSocketsTaken() - taken, 2, 'both client connections read through the shared buffer');
  } finally {
    a.close();
    b.close();
    await lb.stop();
    await backend.close();
  }
});
