'use strict';
// The least a Node server can do per `ab` connection: answer the first read with a fixed
// HTTP/1.0 response of 18 KiB and end. No backend, no parsing. A measuring stick for what Node
// itself keeps per connection (bench/gc-promotion.sh).
// usage: node node-answer.cjs LISTEN_PORT   (127.0.0.1 only)
const net = require('node:net');

const port = Number(process.argv[2]);
const body = Buffer.alloc(18432, 120);
const response = Buffer.concat([Buffer.from(`HTTP/1.0 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`), body]);

net
  .createServer({ noDelay: true }, (socket) => {
    socket.on('error', () => {});
    socket.once('data', () => socket.end(response));
  })
  .listen(port, '127.0.0.1', () => console.log(`node-answer :${port}`));
