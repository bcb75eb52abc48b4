'use strict';
// Copied from the shared bench-anchors harness (the reference "minimal undici proxy"); unchanged
// apart from this note. undici comes from NPM_DIR via NODE_PATH (see common.sh), never from the repo.
// Minimal L7 round-robin HTTP/1.1 reverse proxy: node:http front, one undici Pool per
// backend (keep-alive, pipelining 1); the upstream body is streamed straight into the
// ServerResponse with pool.stream() (no intermediate Readable, no buffering).
// usage: node node-undici-proxy.cjs LISTEN_PORT http://HOST:PORT [http://HOST:PORT ...]
const http = require('node:http');
const { Pool } = require('undici');

const [port, ...origins] = process.argv.slice(2);
const pools = origins.map((o) => new Pool(o, { connections: 128, pipelining: 1, keepAliveTimeout: 60e3 }));
const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te',
  'trailer', 'upgrade', 'proxy-authorization', 'proxy-authenticate', 'expect']);
let next = 0;
let logged = 0;

function upstreamHeaders(req) { // flat [k, v, k, v, ...] from rawHeaders, hop-by-hop dropped, XFF appended
  const raw = req.rawHeaders; const out = []; let xff = ''; let body = false;
  for (let i = 0; i < raw.length; i += 2) {
    const lk = raw[i].toLowerCase();
    if (lk === 'content-length' || lk === 'transfer-encoding') body = true;
    if (HOP.has(lk)) continue;
    if (lk === 'x-forwarded-for') { xff += raw[i + 1] + ', '; continue; }
    out.push(raw[i], raw[i + 1]);
  }
  out.push('x-forwarded-for', xff + req.socket.remoteAddress);
  return { headers: out, body };
}

function factory({ statusCode, headers, opaque: res }) {
  const h = {};
  for (const k in headers) if (!HOP.has(k)) h[k] = headers[k];
  res.writeHead(statusCode, h);
  return res; // undici writes body chunks into it, honouring res.write() backpressure
}

http.createServer({ keepAliveTimeout: 65e3 }, (req, res) => {
  const pool = pools[next];
  next = (next + 1) % pools.length;
  const { headers, body } = upstreamHeaders(req);
  pool.stream({ path: req.url, method: req.method, headers, body: body ? req : null, opaque: res },
    factory, (err) => {
      if (!err) return;
      if (logged++ < 5) console.error(`proxy error: ${err.code || err.message}`);
      if (!res.headersSent) { res.writeHead(502, { 'content-type': 'text/plain' }); res.end('bad gateway\n'); }
      else res.destroy(err);
    });
}).listen(Number(port), '127.0.0.1', () => {
  console.log(`node-undici-proxy :${port} -> ${origins.join(' ')}`);
});
