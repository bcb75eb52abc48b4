/** Loopback test helpers: small TCP servers and clients. Every socket has an error listener. */
import { createServer, connect, type Server, type Socket, type AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';

export interface TestServer {
  readonly port: number;
  readonly server: Server;
  readonly sockets: Set<Socket>;
  connections: number;
  close(): Promise<void>;
}

/** Starts a TCP server on 127.0.0.1 (port 0 unless given) that hands each socket to `handler`. */
export async function startServer(handler: (s: Socket) => void, opts: { port?: number; host?: string } = {}): Promise<TestServer> {
  const sockets = new Set<Socket>();
  const server = createServer({ allowHalfOpen: true }, (s) => {
    t.connections++;
    sockets.add(s);
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
    handler(s);
  });
  const t: TestServer = {
    port: 0,
    server,
    sockets,
    connections: 0,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  (t as { port: number }).port = (server.address() as AddressInfo).port;
  return t;
}

/** A server that writes `name` and closes each connection. */
export function nameServer(name: string, opts: { port?: number } = {}): Promise<TestServer> {
  return startServer((s) => {
    s.end(name);
  }, opts);
}

/** A server that echoes what it reads and half-closes when the client does. */
export function echoServer(): Promise<TestServer> {
  return startServer((s) => {
    s.pipe(s);
  });
}

/**
 * A port with nothing listening on it (a connect is refused), chosen below the kernel's range of
 * ports for bind(0), so that no server a test starts on port 0 (here or in a test file running
 * beside) can be given it later. A port that was bound and closed could be: a backend started
 * next then had the "closed" port, its balancer refused the config, and the test's cleanup never ran.
 */
export async function closedPort(): Promise<number> {
  const low = ephemeralLow();
  for (let i = 0; i < 50; i++) {
    const port = 20_000 + Math.floor(Math.random() * Math.max(1, low - 20_000));
    if (await refused(port)) return port;
  }
  throw new Error('closedPort: no refused port found below the ephemeral range');
}

/** The lowest port bind(0) hands out (Linux; 32768 elsewhere). */
function ephemeralLow(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 20_100 ? low : 32_768;
  } catch {
    return 32_768;
  }
}

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ port, host: '127.0.0.1' });
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
  });
}

/** Connects, writes `data` (if any) and half-closes, then collects everything until the server closes. */
export function exchange(port: number, data = '', host = '127.0.0.1'): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const s = connect({ port, host, allowHalfOpen: false });
    s.on('error', reject);
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('close', (hadError) => {
      if (!hadError) resolve(Buffer.concat(chunks).toString());
    });
    s.on('connect', () => {
      if (data) s.write(data);
      s.end();
    });
  });
}

/** Opens a connection and resolves once connected. */
export function openConnection(port: number, host = '127.0.0.1'): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ port, host, allowHalfOpen: true });
    s.once('error', reject);
    s.once('connect', () => {
      s.removeListener('error', reject);
      s.on('error', () => {});
      resolve(s);
    });
  });
}

/** Resolves with the next chunk of data on `s` as text. */
export function nextData(s: Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    s.once('data', (c: Buffer) => resolve(c.toString()));
    s.once('close', () => reject(new Error('closed before data')));
  });
}

/** Resolves when `s` closes. */
export function whenClosed(s: Socket): Promise<void> {
  return new Promise((resolve) => {
    if (s.destroyed && s.closed) resolve();
    else s.once('close', () => resolve());
  });
}

/** Resolves when `s` reaches the end of its stream (the peer sent FIN) or closes. */
export function whenEnded(s: Socket): Promise<void> {
  return new Promise((resolve) => {
    if (s.readableEnded || s.closed) resolve();
    else {
      s.once('end', () => resolve());
      s.once('close', () => resolve());
      s.resume();
    }
  });
}

/** Polls `cond` every 10 ms until true, failing after `ms`. */
export async function waitFor(cond: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
