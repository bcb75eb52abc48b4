'use strict';
// The floor for an L4 proxy in Node: net + pipe(), round robin per connection, no features.
// usage: node node-pipe-proxy.cjs LISTEN_PORT HOST:PORT [HOST:PORT ...]   (listens on 127.0.0.1)
const net = require('node:net');

const [port, ...targets] = process.argv.slice(2);
const backends = targets.map((t) => ({ host: t.split(':')[0], port: Number(t.split(':')[1]), noDelay: true }));
let next = 0;

net.createServer({ noDelay: true }, (client) => {
  const upstream = net.connect(backends[next]);
  next = (next + 1) % backends.length;
  client.pipe(upstream);
  upstream.pipe(client);
  // Client gone: nothing left to deliver. Backend gone: flush what is queued, then FIN.
  client.on('error', () => upstream.destroy()).on('close', () => upstream.destroy());
  upstream.on('error', () => client.destroy()).on('close', () => client.end());
}).listen(Number(port), '127.0.0.1', () => console.log(`node-pipe-proxy :${port} -> ${targets.join(' ')}`));
