/**
 * Keep-alive connections to backends for the HTTP data path. Per backend, a LIFO stack of
 * idle connections (the most recently used is the least likely to have been closed by the
 * backend). An idle connection expires before the backend would close it: at our idle
 * timeout, or one second before a `Keep-Alive: timeout=N` hint from the backend.
 *
 * Socket events go to module-level handlers that dispatch to the connection's current
 * owner (the exchange using it), so no closure is created per request.
 *
 * A connection reads into a buffer of its own (net's `onread`) instead of a fresh allocation
 * per read: the bytes an owner is given are borrowed for the duration of the call. An owner
 * that keeps them longer (a write to the client still pending, say) calls `keepReadBuffer()`,
 * and the next read gets a new buffer.
 */
import { connect, type Socket, type TcpNetConnectOpts } from 'node:net';
import type { Clock } from '../../core/clock.js';
import type { Backend } from '../../upstream/backend.js';
import { giveReadBuffer, takeReadBuffer } from '../read-buffers.js';

export interface UpstreamOwner {
  onUpstreamConnect(conn: UpstreamConnection): void;
  /** Bytes `buf[0, n)` arrived; they are valid only during the call unless `conn.keepReadBuffer()` is called. */
  onUpstreamData(conn: UpstreamConnection, buf: Buffer, n: number): void;
  onUpstreamEnd(conn: UpstreamConnection): void;
  onUpstreamClose(conn: UpstreamConnection, error: NodeJS.ErrnoException | undefined): void;
  onUpstreamDrain(conn: UpstreamConnection): void;
  onUpstreamTimeout(conn: UpstreamConnection): void;
}

const kConn = Symbol('switchyard.upstream');
type TaggedSocket = Socket & { [kConn]?: UpstreamConnection };

export class UpstreamConnection {
  owner: UpstreamOwner | null;
  connected = false;
  /** Requests completed on this connection (0 = fresh). */
  uses = 0;
  /** When an idle connection must be closed (clock ms). */
  idleDeadline = 0;
  error: NodeJS.ErrnoException | undefined;
  closed = false;
  /** Idle limits of the backend's pool, set at acquire. */
  maxIdle = 0;
  idleTimeoutMs = 0;
  readonly socket: Socket;
  /** What the next read goes into; undefined once the owner kept the last one. */
  private readBuf: Buffer | undefined;

  constructor(
    readonly backend: Backend,
    owner: UpstreamOwner,
    open: (conn: UpstreamConnection) => Socket,
  ) {
    this.owner = owner;
    this.socket = open(this);
  }

  /** The buffer of the last read stays with the owner (e.g. a write still holds it): the next read gets a new one. */
  keepReadBuffer(): void {
    this.readBuf = undefined;
  }

  /** net's `onread.buffer`: called before the first read and after each one. */
  readonly nextReadBuffer = (): Buffer => (this.readBuf ??= takeReadBuffer());

  /** The socket has closed: no read lands in the buffer any more, and no pending write holds it (else it was kept). */
  giveBackReadBuffer(): void {
    if (this.readBuf !== undefined) giveReadBuffer(this.readBuf);
    this.readBuf = undefined;
  }
}

export interface IdlePolicy {
  /** Most idle connections kept per backend. */
  readonly maxIdlePerBackend: number;
  /** Longest an idle connection is kept. */
  readonly idleTimeoutMs: number;
}

export interface UpstreamPoolOptions extends IdlePolicy {
  readonly clock: Clock;
  readonly bufferSize: number;
}

export class UpstreamPool {
  private readonly idle = new Map<Backend, UpstreamConnection[]>();
  private idleTotal = 0;

  constructor(private readonly opts: UpstreamPoolOptions) {}

  /** Idle connections kept now (for one backend, or all). */
  idleCount(backend?: Backend): number {
    return backend ? (this.idle.get(backend)?.length ?? 0) : this.idleTotal;
  }

  /**
   * A connection to `backend` for `owner`: an idle one if any is still fit (unless `fresh`),
   * else a new one. A new one reports `onUpstreamConnect` when connected; a reused one is
   * ready at once. `maxIdle` and `idleTimeoutMs` are the idle limits of the backend's pool
   * (the pool-wide defaults when not given), applied when the connection is released.
   */
  acquire(
    backend: Backend,
    owner: UpstreamOwner,
    connectTimeoutMs: number,
    maxIdle = this.opts.maxIdlePerBackend,
    idleTimeoutMs = this.opts.idleTimeoutMs,
    fresh = false,
  ): UpstreamConnection {
    const stack = fresh ? undefined : this.idle.get(backend);
    const now = this.opts.clock.now();
    while (stack && stack.length > 0) {
      const conn = stack.pop() as UpstreamConnection;
      this.idleTotal--;
      if (conn.closed || conn.socket.destroyed || conn.socket.readableEnded || now >= conn.idleDeadline) {
        conn.socket.destroy();
        continue;
      }
      conn.owner = owner;
      conn.maxIdle = maxIdle;
      conn.idleTimeoutMs = idleTimeoutMs;
      return conn;
    }
    const conn = new UpstreamConnection(backend, owner, (c) => {
      const options: TcpNetConnectOpts & { highWaterMark: number } = {
        host: backend.connectHost,
        port: backend.spec.port,
        noDelay: true,
        highWaterMark: this.opts.bufferSize,
        onread: { buffer: c.nextReadBuffer, callback: onRead },
      };
      const s = connect(options) as TaggedSocket;
      s[kConn] = c;
      return s;
    });
    conn.maxIdle = maxIdle;
    conn.idleTimeoutMs = idleTimeoutMs;
    const socket = conn.socket;
    socket.setTimeout(connectTimeoutMs);
    socket.on('connect', onConnect);
    socket.on('end', onEnd);
    socket.on('drain', onDrain);
    socket.on('error', onError);
    socket.on('close', onClose);
    socket.on('timeout', onTimeout);
    return conn;
  }

  /**
   * Gives a connection back after a complete exchange. It is kept for reuse when the
   * backend allows it (`reusable`) and the stack has room; otherwise it is closed.
   * `keepAliveHintMs` is the backend's `Keep-Alive: timeout=` in ms, if it sent one.
   */
  release(conn: UpstreamConnection, reusable: boolean, keepAliveHintMs?: number): void {
    conn.owner = null;
    conn.uses++;
    const s = conn.socket;
    if (!reusable || conn.closed || s.destroyed || s.readableEnded || s.writableEnded || s.writableLength > 0) {
      s.destroy();
      return;
    }
    let stack = this.idle.get(conn.backend);
    if (!stack) {
      stack = [];
      this.idle.set(conn.backend, stack);
    }
    if (stack.length >= conn.maxIdle) {
      s.destroy();
      return;
    }
    let ttl = conn.idleTimeoutMs;
    if (keepAliveHintMs !== undefined) ttl = Math.min(ttl, Math.max(0, keepAliveHintMs - 1000));
    if (ttl <= 0) {
      s.destroy();
      return;
    }
    conn.idleDeadline = this.opts.clock.now() + ttl;
    s.resume();
    stack.push(conn);
    this.idleTotal++;
  }

  /** Closes a connection that must not be reused (framing error, abort). */
  discard(conn: UpstreamConnection): void {
    conn.owner = null;
    conn.socket.destroy();
  }

  /** Closes idle connections past their deadline; call from a shared interval. */
  sweep(): void {
    const now = this.opts.clock.now();
    for (const stack of this.idle.values()) {
      let kept = 0;
      for (const conn of stack) {
        if (now >= conn.idleDeadline || conn.closed) {
          conn.socket.destroy();
          this.idleTotal--;
        } else stack[kept++] = conn;
      }
      stack.length = kept;
    }
  }

  /** Closes every idle connection (shutdown, or a backend removed). */
  close(backend?: Backend): void {
    for (const [b, stack] of this.idle) {
      if (backend && b !== backend) continue;
      for (const conn of stack) conn.socket.destroy();
      this.idleTotal -= stack.length;
      stack.length = 0;
    }
  }
}

function connOf(s: Socket): UpstreamConnection {
  return (s as TaggedSocket)[kConn] as UpstreamConnection;
}

function onConnect(this: Socket): void {
  const c = connOf(this);
  c.connected = true;
  c.backend.totals.connections++;
  this.setTimeout(0);
  c.owner?.onUpstreamConnect(c);
}

/** net's `onread.callback`, with the socket as `this`. */
function onRead(this: Socket, n: number, buf: Buffer): boolean {
  const c = connOf(this);
  if (c.owner) {
    c.owner.onUpstreamData(c, buf, n);
    return true;
  }
  // Bytes from an idle connection are a protocol error: the backend spoke out of turn.
  c.closed = true;
  this.destroy();
  return false;
}

function onEnd(this: Socket): void {
  const c = connOf(this);
  if (c.owner) c.owner.onUpstreamEnd(c);
  else {
    c.closed = true;
    this.destroy();
  }
}

function onDrain(this: Socket): void {
  const c = connOf(this);
  c.owner?.onUpstreamDrain(c);
}

function onError(this: Socket, err: NodeJS.ErrnoException): void {
  connOf(this).error = err;
}

function onClose(this: Socket): void {
  const c = connOf(this);
  c.closed = true;
  c.giveBackReadBuffer();
  const owner = c.owner;
  c.owner = null;
  owner?.onUpstreamClose(c, c.error);
}

function onTimeout(this: Socket): void {
  const c = connOf(this);
  if (c.owner) c.owner.onUpstreamTimeout(c);
  else this.destroy();
}
