'use strict';
// The floor of a new connection per request for an HTTP proxy in Node: the least a Node process
// can do per `ab` request (HTTP/1.0, no keep-alive) while still relaying it to a backend over a
// kept-alive upstream connection. No parsing beyond Content-Length, no checks, no logging: not a
// proxy, a measuring stick (bench/README.md, "The floor of a new connection").
// usage: node node-floor-l7.cjs LISTEN_PORT BACKEND_PORT   (127.0.0.1 only)
const net = require('node:net');

const [port, upPort] = process.argv.slice(2).map(Number);
const idle = [];
const kSession = Symbol('session');

function upstream(s) {
  let u = idle.pop();
  if (!u) {
    u = net.connect({ port: upPort, host: '127.0.0.1', noDelay: true });
    u.on('data', onUpstreamData);
    u.on('error', () => {});
    u.on('close', function () {
      const i = idle.indexOf(this);
      if (i >= 0) idle.splice(i, 1);
    });
  }
  u[kSession] = s;
  s.up = u;
  return u;
}

function onUpstreamData(chunk) {
  const s = this[kSession];
  if (!s) return;
  if (s.need < 0) {
    const end = chunk.indexOf('\r\n\r\n');
    const m = /content-length: *(\d+)/i.exec(chunk.latin1Slice(0, end));
    s.need = end + 4 + Number(m[1]);
  }
  s.got += chunk.length;
  s.client.write(chunk);
  if (s.got >= s.need) {
    this[kSession] = null;
    idle.push(this);
    s.client.end();
  }
}

function onClientData(chunk) {
  const s = this[kSession];
  // The request line's target, then a fixed head: enough for ab's GET.
  const target = chunk.latin1Slice(0, chunk.indexOf('\r\n')).split(' ')[1];
  upstream(s).write(`GET ${target} HTTP/1.1\r\nhost: 127.0.0.1\r\nx-forwarded-for: ${s.client.remoteAddress}\r\n\r\n`);
}

net
  .createServer({ allowHalfOpen: true, noDelay: true }, (client) => {
    client[kSession] = { client, up: null, need: -1, got: 0 };
    client.on('data', onClientData);
    client.on('error', () => {});
    client.on('end', () => client.end());
  })
  .listen(port, '127.0.0.1', () => console.log(`node-floor-l7 :${port} -> 127.0.0.1:${upPort}`));
