// Sessions give their parsed-head objects back when their connection closes, and new sessions
// take them: these tests run many short connections through listeners of different limits and
// check that each one is parsed and forwarded on its own terms.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startBalancer } from '../helpers/balancer.js';
import { RawClient, headerValue, startHttpBackend } from '../helpers/http.js';

function requestWith(fields: number, tag: string): string {
  let head = `GET /${tag} HTTP/1.1\r\nHost: app.test\r\n`;
  for (let i = 0; i < fields - 1; i++) head += `X-F${i}: ${tag}-${i}\r\n`;
  return `${head}\r\n`;
}

void test('connections alternating between listeners of different maxHeaders are each held to their own limit', async () => {
  const backend = await startHttpBackend((req, socket) => {
    const body = `${req.target} ${req.headers.length} ${headerValue(req.headers, 'x-f0') ?? '-'}`;
    socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
  });
  const { lb } = await startBalancer({
    listeners: {
      small: { protocol: 'http', bind: '127.0.0.1:0', pool: 'p', http: { maxHeaders: 10 } },
      large: { protocol: 'http', bind: '127.0.0.1:0', pool: 'p', http: { maxHeaders: 300 } },
    },
    pools: { p: { backends: [`127.0.0.1:${backend.port}`] } },
  });
  const small = lb.addresses('small')[0]?.port ?? 0;
  const large = lb.addresses('large')[0]?.port ?? 0;
  try {
    for (let round = 0; round < 20; round++) {
      // On the small listener, 10 fields pass and 11 are refused.
      const a = await RawClient.open(small);
      a.write(requestWith(10, `s${round}`));
      const ra = await a.response();
      assert.equal(ra.status, 200, `round ${round}: 10 fields on the small listener`);
      assert.match(ra.body.toString(), new RegExp(`^/s${round} \\d+ s${round}-0$`));
      a.write(requestWith(11, `t${round}`));
      assert.equal((await a.response()).status, 431, `round ${round}: 11 fields on the small listener`);
      a.close();
      // On the large one, 250 fields pass: a head object that served the small listener grows.
      const b = await RawClient.open(large);
      b.write(requestWith(250, `l${round}`));
      const rb = await b.response();
      assert.equal(rb.status, 200, `round ${round}: 250 fields on the large listener`);
      assert.match(rb.body.toString(), new RegExp(`^/l${round} \\d+ l${round}-0$`));
      b.close();
      await new Promise((r) => setTimeout(r, 5));
    }
    // What reached the backend: each request's own fields, none of another connection's.
    for (const req of backend.requests) {
      const tag = req.target.slice(1);
      for (const [name, value] of req.headers) if (/^x-f\d+$/i.test(name)) assert.ok(value.startsWith(`${tag}-`), `${name}: ${value} in the request for ${tag}`);
    }
  } finally {
    await lb.stop();
    await backend.close();
  }
});
