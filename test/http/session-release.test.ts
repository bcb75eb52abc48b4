// When its connection closes, a session is let go: the balancer stops counting it among open
// connections, and no closed socket (client side, backend side, or a backend socket given up by
// a failover) leads to it any more. Node keeps a closed socket reachable for a while, and under
// new-connection load V8 then promotes whatever the socket still references out of the young
// generation: a session left on its sockets doubled the bytes promoted per connection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import { createBalancer, createLogger, type ConfigInput } from '../../src/index.js';
import { HttpSession } from '../../src/proxy/http/http-session.js';
import { TcpSession } from '../../src/proxy/tcp/tcp-session.js';
import { RawClient, startHttpBackend } from '../helpers/http.js';
import { EJECT_AT_ONCE } from '../helpers/balancer.js';
import { closedPort, exchange, openConnection, waitFor } from '../helpers/net.js';

/** How many of the socket's own symbol-keyed properties hold a session. */
function sessionLinks(socket: Socket): number {
  const fields = socket as unknown as Record<symbol, unknown>;
  return Object.getOwnPropertySymbols(socket).filter((k) => fields[k] instanceof HttpSession || fields[k] instanceof TcpSession).length;
}

/**
 * Every socket this process accepts or opens while `fn` runs (the test's own ones too), each
 * with its local port as it was then (a closed socket no longer tells it).
 */
async function withSockets(fn: (sockets: Socket[], localPorts: Map<Socket, number | undefined>) => Promise<void>): Promise<void> {
  const sockets: Socket[] = [];
  const localPorts = new Map<Socket, number | undefined>();
  const onSocket = (message: unknown): void => {
    const socket = (message as { socket: Socket }).socket;
    sockets.push(socket);
    localPorts.set(socket, socket.localPort);
  };
  subscribe('net.server.socket', onSocket);
  subscribe('net.client.socket', onSocket);
  try {
    await fn(sockets, localPorts);
  } finally {
    unsubscribe('net.server.socket', onSocket);
    unsubscribe('net.client.socket', onSocket);
  }
}

function startWithLog(config: ConfigInput): { lb: ReturnType<typeof createBalancer>; stoppingOpen: () => number | undefined } {
  const lines: string[] = [];
  const lb = createBalancer(config, { logger: createLogger({ level: 'info', destination: { write: (s: string) => void lines.push(s) } }) });
  return {
    lb,
    stoppingOpen: () => lines.map((l) => JSON.parse(l) as { event?: string; openConnections?: number }).find((l) => l.event === 'stopping')?.openConnections,
  };
}

void test('HTTP: a closed client connection leaves the open sessions, and its socket no longer leads to its session', async () => {
  const backend = await startHttpBackend((_req, socket) => {
    socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
  });
  const { lb, stoppingOpen } = startWithLog({
    listeners: { web: { protocol: 'http', bind: '127.0.0.1:0', pool: 'p' } },
    pools: { p: { backends: [`127.0.0.1:${backend.port}`] } },
  });
  let stillOpen: RawClient | undefined;
  try {
    await withSockets(async (sockets, localPorts) => {
      await lb.start();
      const port = lb.addresses('web')[0]?.port ?? 0;
      const accepted = (): Socket[] => sockets.filter((s) => localPorts.get(s) === port);
      // Five connections the client closes (after one request, two, none, one, and one with a
      // request in flight), and one it keeps open.
      for (const requests of [1, 2, 0, 1]) {
        const c = await RawClient.open(port);
        for (let i = 0; i < requests; i++) {
          c.write('GET / HTTP/1.1\r\nHost: app.test\r\n\r\n');
          assert.equal((await c.response()).status, 200);
        }
        c.close();
      }
      const inFlight = await RawClient.open(port);
      inFlight.write('GET / HTTP/1.1\r\nHost: app.test\r\n\r\n');
      inFlight.close();
      stillOpen = await RawClient.open(port);
      stillOpen.write('GET / HTTP/1.1\r\nHost: app.test\r\n\r\n');
      assert.equal((await stillOpen.response()).status, 200);

      await waitFor(() => accepted().length === 6 && accepted().filter((s) => s.closed).length === 5, 5000, 'five closed connections of six');
      await new Promise((r) => setImmediate(r));
      for (const s of accepted()) {
        if (s.closed) assert.equal(sessionLinks(s), 0, 'a closed socket still leads to its session');
        else assert.equal(sessionLinks(s), 1, 'an open socket leads to its session');
      }
    });
    // The balancer counts the one connection still open, and only it.
    await lb.stop({ drainTimeoutMs: 50 });
    assert.equal(stoppingOpen(), 1);
  } finally {
    stillOpen?.close();
    await lb.stop();
    await backend.close();
  }
});

void test('TCP: closed sockets, a backend socket given up by a failover among them, no longer lead to their session', async () => {
  const backend = await startHttpBackend((_req, socket) => {
    socket.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok');
  });
  const dead = await closedPort();
  const { lb, stoppingOpen } = startWithLog({
    listeners: { tcp: { bind: '127.0.0.1:0', pool: 'p' } },
    // The dead backend comes first: the first connection fails over from it.
    pools: { p: { policy: 'round-robin', backends: [`127.0.0.1:${dead}`, `127.0.0.1:${backend.port}`], health: EJECT_AT_ONCE } },
  });
  let stillOpen: Socket | undefined;
  try {
    await withSockets(async (sockets) => {
      await lb.start();
      const port = lb.addresses('tcp')[0]?.port ?? 0;
      for (let i = 0; i < 4; i++) {
        const answer = await exchange(port, 'GET / HTTP/1.1\r\nHost: app.test\r\n\r\n');
        assert.match(answer, /^HTTP\/1\.1 200 OK/);
      }
      stillOpen = await openConnection(port);
      await waitFor(() => sockets.filter((s) => !s.closed && sessionLinks(s) > 0).length === 2, 5000, 'the open connection on both sides');
      // Closed by now: four connections' client and backend sides, the failed connect to the
      // dead backend, and the test's own client sockets.
      await waitFor(() => sockets.filter((s) => s.closed).length >= 13, 5000, 'thirteen closed sockets');
      await new Promise((r) => setImmediate(r));
      const linked = sockets.filter((s) => s.closed && sessionLinks(s) > 0);
      assert.equal(linked.length, 0, `${linked.length} closed socket(s) still lead to a session`);
    });
    await lb.stop({ drainTimeoutMs: 50 });
    assert.equal(stoppingOpen(), 1);
  } finally {
    stillOpen?.destroy();
    await lb.stop();
    await backend.close();
  }
});
