/**
 * A listener: one or more bound addresses sharing a connection limit and a handler.
 * Tracks open connections so it can drain (stop accepting, let them finish) or destroy.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { SwitchyardError } from '../core/errors.js';
import { formatEndpoint, type Endpoint } from '../core/address.js';
import { LiveList } from '../core/live-list.js';

export interface ListenerOptions {
  readonly name: string;
  readonly bind: readonly Endpoint[];
  /** 0 = unlimited. */
  readonly maxConnections: number;
  readonly bufferSize: number;
  /** Called for every accepted connection within the limit. Must attach an 'error' listener. */
  readonly onConnection: (socket: Socket) => void;
  /** Called for every connection closed at once because of the limit. */
  readonly onRejected: (socket: Socket) => void;
}

export interface BoundAddress {
  readonly address: string;
  readonly port: number;
  readonly family: string;
}

export class Listener {
  private readonly servers: Server[] = [];
  /** Open connections (a list, not a Set: see core/live-list.ts). */
  private readonly sockets = new LiveList<Socket>();
  private idleWaiters: (() => void)[] = [];
  private maxConnections: number;
  accepted = 0;
  rejected = 0;

  constructor(private readonly opts: ListenerOptions) {
    this.maxConnections = opts.maxConnections;
  }

  get name(): string {
    return this.opts.name;
  }

  get activeConnections(): number {
    return this.sockets.size;
  }

  /** The addresses actually bound (port 0 resolved to the chosen port). */
  addresses(): BoundAddress[] {
    const out: BoundAddress[] = [];
    for (const s of this.servers) {
      const a = s.address();
      if (a && typeof a === 'object') out.push({ address: a.address, port: a.port, family: a.family });
    }
    return out;
  }

  setMaxConnections(n: number): void {
    this.maxConnections = n;
  }

  /**
   * Binds every address (or `bind`, e.g. the exact addresses it had before, to take them back);
   * if one fails, the ones already bound are closed and the error names the address.
   */
  async start(bind: readonly Endpoint[] = this.opts.bind): Promise<void> {
    for (const ep of bind) {
      const server = createServer({ allowHalfOpen: true, pauseOnConnect: false, highWaterMark: this.opts.bufferSize, noDelay: true });
      server.on('connection', (socket) => this.accept(socket));
      try {
        await listen(server, ep);
      } catch (err) {
        await this.close();
        const e = err as NodeJS.ErrnoException;
        const why = e.code === 'EADDRINUSE' ? 'address already in use' : e.code === 'EACCES' ? 'permission denied' : e.code === 'EADDRNOTAVAIL' ? 'address not available on this host' : (e.code ?? e.message);
        throw new SwitchyardError('SY_LISTEN_FAILED', `listener "${this.opts.name}": cannot listen on ${formatEndpoint(ep)}: ${why}`, {
          cause: err,
          details: { listener: this.opts.name, address: formatEndpoint(ep), code: e.code },
        });
      }
      server.on('error', () => {
        // Errors after listen (e.g. EMFILE on accept) are transient; the server keeps listening.
      });
      this.servers.push(server);
    }
  }

  /** Stops accepting; resolves when every open connection has closed. */
  async close(): Promise<void> {
    const servers = this.servers.splice(0);
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }

  /** Resolves once no connection is open (or at once if none is). */
  whenIdle(): Promise<void> {
    if (this.sockets.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Closes every open connection at once. */
  destroyConnections(): void {
    for (const s of this.sockets) s.destroy();
  }

  private accept(socket: Socket): void {
    if (this.maxConnections > 0 && this.sockets.size >= this.maxConnections) {
      this.rejected++;
      socket.on('error', () => {});
      this.opts.onRejected(socket);
      // A reset tells the client at once that it was refused, and leaves no TIME_WAIT here.
      socket.resetAndDestroy();
      return;
    }
    this.accepted++;
    const node = this.sockets.add(socket);
    // 'close' comes once: `on` spares the wrapper `once` allocates.
    socket.on('close', () => {
      this.sockets.delete(node);
      if (this.sockets.size === 0 && this.idleWaiters.length > 0) {
        const waiters = this.idleWaiters;
        this.idleWaiters = [];
        for (const w of waiters) w();
      }
    });
    this.opts.onConnection(socket);
  }
}

function listen(server: Server, ep: Endpoint): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once('error', onError);
    const opts = ep.host === '*' ? { port: ep.port } : { port: ep.port, host: ep.host, ipv6Only: ep.host.includes(':') };
    server.listen(opts, () => {
      server.removeListener('error', onError);
      resolve();
    });
  });
}
