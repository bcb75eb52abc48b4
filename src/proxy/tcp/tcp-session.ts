/**
 * One client connection on a TCP listener: pick a backend, connect with a timeout, fail
 * over to the next eligible backend (never one already tried) on refusal, reset or
 * timeout, then tunnel both ways with backpressure and half-close until both sides end.
 *
 * A backend that accepts and then resets before a byte was exchanged (a dying process's
 * accept queue) counts as a failed connect too: failing over is safe, nothing was sent.
 * With `retryOnEmptyResponse`, what the client sent (while it fits in the buffer size) is
 * kept until the backend answers; if the backend closes or resets without answering, it
 * is replayed to the next backend (HAProxy's `retry-on empty-response`).
 *
 * Socket events reach module-level handlers that find the session on the socket: no closure is
 * made per connection (a new TCP connection is the common case, and each closure is garbage).
 */
import { connect, type Socket, type TcpNetConnectOpts } from 'node:net';
import type { Clock } from '../../core/clock.js';
import type { Backend } from '../../upstream/backend.js';
import type { Pool } from '../../upstream/pool.js';
import { connectFailureCause, type TerminationCode } from '../outcomes.js';
import { giveReadBuffer, takeReadBuffer } from '../read-buffers.js';

export interface TcpSessionEnd {
  readonly termination: TerminationCode;
  readonly client: string;
  readonly backend: Backend | undefined;
  readonly pool: string;
  readonly attempts: number;
  readonly bytesFromClient: number;
  readonly bytesToClient: number;
  readonly durationMs: number;
}

/** What the sessions of one TCP listener share (one object per listener, not per connection). */
export interface TcpSessionContext {
  readonly clock: Clock;
  /** The pool receiving new connections now (read once per connection). */
  activePool(): Pool;
  /** Read when a connection's tunnel starts. */
  readonly idleTimeoutMs: number;
  readonly bufferSize: number;
  onEnd(end: TcpSessionEnd, session: TcpSession): void;
}

const kSession = Symbol('switchyard.tcp');
type TaggedSocket = Socket & { [kSession]?: TcpSession | undefined };

type Phase = 'connecting' | 'tunnel' | 'done';


export class TcpSession {
  private phase: Phase = 'connecting';
  private upstream: Socket | undefined;
  private backend: Backend | undefined;
  private readonly tried = new Set<string>();
  private readonly pool: Pool;
  private readonly startedAt: number;
  private termination: TerminationCode | undefined;
  private connectTimedOut = false;
  private openSockets = 1;
  private clientWired = false;
  private clientEnded = false;
  /**
   * What the client sent to the current backend before it answered, kept for a replay;
   * undefined once the backend answered or what was sent can no longer be replayed.
   */
  private held: Buffer[] | undefined = [];
  private heldBytes = 0;
  private readonly holdLimit: number;
  /**
   * Backend sockets read into this buffer (net's `onread`), skipping a fresh allocation and
   * the stream machinery per read. While a write to the client still references it, the
   * next read gets another one. Taken from the shared spares, given back at the end.
   */
  private readBuf: Buffer | undefined;

  /** Where the owner keeps this session in its list of open ones. */
  listNode: unknown;

  constructor(
    private readonly client: Socket,
    private readonly ctx: TcpSessionContext,
  ) {
    (client as TaggedSocket)[kSession] = this;
    this.startedAt = ctx.clock.now();
    this.pool = ctx.activePool();
    this.holdLimit = this.pool.spec.retryOnEmptyResponse ? ctx.bufferSize : 0;
    client.on('error', ignoreError);
    client.on('close', onClientClose);
    this.attempt();
  }

  /** Shutdown has begun: a TCP tunnel simply runs to its end (or the drain timeout). */
  drain(): void {
    // Nothing to do: the tunnel carries no requests to stop between.
  }

  /** Closes the session at once (shutdown after the drain timeout). */
  destroy(code: TerminationCode = 'LR'): void {
    this.termination ??= code;
    this.upstream?.destroy();
    this.client.destroy();
  }

  private attempt(): void {
    // The client address costs a getpeername() call: read it only for the policy that hashes it.
    const key = this.pool.spec.policy === 'source-hash' ? this.client.remoteAddress : undefined;
    const backend = this.pool.pick(key, this.tried);
    if (!backend) {
      this.termination ??= this.tried.size === 0 ? 'UH' : this.connectTimedOut ? 'UT' : 'UF';
      this.client.destroy();
      return;
    }
    this.tried.add(backend.id);
    this.backend = backend;
    backend.active++;
    this.connectTimedOut = false;
    const opts: TcpNetConnectOpts & { highWaterMark: number } = {
      host: backend.connectHost,
      port: backend.spec.port,
      allowHalfOpen: true,
      noDelay: true,
      // Accepted at run time (passed on to the stream) though missing from @types/node.
      highWaterMark: this.ctx.bufferSize,
      onread: { buffer: this.nextReadBuffer, callback: onUpstreamRead },
    };
    const up = connect(opts) as TaggedSocket;
    up[kSession] = this;
    this.upstream = up;
    up.setTimeout(this.pool.spec.connectTimeoutMs);
    up.on('timeout', onUpstreamTimeout);
    up.on('error', onUpstreamError);
    up.once('connect', onUpstreamConnect);
    up.on('close', onUpstreamClose);
    up.on('end', onUpstreamEnd);
    up.on('drain', onUpstreamDrain);
  }

  // ---- backend socket events (module-level handlers below pass only the current socket's) ----

  /** @internal */
  upstreamTimeout(up: Socket): void {
    // Only armed while connecting; the idle timeout lives on the client socket.
    this.connectTimedOut = true;
    up.destroy();
  }

  /** @internal */
  upstreamError(up: Socket, err: NodeJS.ErrnoException): void {
    if (this.phase === 'connecting') this.connectFailed(up, this.backend as Backend, err);
  }

  /** @internal */
  upstreamConnect(up: Socket): void {
    this.connected(up, this.backend as Backend);
  }

  /** @internal */
  upstreamClose(up: Socket, hadError: boolean): void {
    if (this.phase === 'connecting') this.connectFailed(up, this.backend as Backend, undefined);
    else if (this.phase === 'tunnel') this.onUpstreamClose(up, this.backend as Backend, hadError);
  }

  /** @internal */
  upstreamEnd(up: Socket): void {
    if (this.phase !== 'tunnel') return;
    if (this.replayable(true)) this.failOverUnanswered(up, this.backend as Backend);
    else this.client.end();
  }

  /** @internal */
  upstreamDrain(): void {
    this.client.resume();
  }

  private connectFailed(up: Socket, backend: Backend, err: NodeJS.ErrnoException | undefined): void {
    if (this.upstream !== up) return;
    this.upstream = undefined;
    this.backend = undefined;
    backend.active--;
    forget(up);
    up.destroy();
    if (this.client.destroyed) {
      // The client left while we were connecting; nothing more to try.
      this.finish();
      return;
    }
    this.pool.reportConnectFailure(backend, connectFailureCause(err, this.connectTimedOut, this.pool.spec.connectTimeoutMs));
    this.retryOrGiveUp();
  }

  private retryOrGiveUp(): void {
    if (this.tried.size < this.pool.spec.failoverAttempts) {
      this.attempt();
    } else {
      this.termination ??= this.connectTimedOut ? 'UT' : 'UF';
      this.client.destroy();
    }
  }

  private connected(up: Socket, backend: Backend): void {
    if (this.upstream !== up) return;
    if (this.client.destroyed) {
      up.destroy();
      return;
    }
    this.phase = 'tunnel';
    this.openSockets = 2;
    up.setTimeout(0);
    backend.totals.connections++;
    if (backend.failureStreak) this.pool.reportOutcome(backend, 'success');
    const client = this.client;
    if (!this.clientWired) this.wireClient();
    // Backend → client goes through upstreamRead.
    if (this.held) for (const chunk of this.held) up.write(chunk);
    if (this.clientEnded) up.end();
    else client.resume();
  }

  /** What the backend sockets' buffer callback reaches this session by: cleared when the session ends. */
  private readonly bufferRef: { session: TcpSession | undefined } = { session: this };
  private readonly nextReadBuffer = readBufferSource(this.bufferRef);

  /** @internal The buffer the next backend read goes into. */
  readBuffer(): Buffer {
    return (this.readBuf ??= takeReadBuffer());
  }

  /** @internal Whether `s` is the backend socket in use (not one left behind by a failover). */
  isCurrentUpstream(s: Socket): boolean {
    return this.upstream === s;
  }

  /** @internal Backend → client, for every read. Returning false pauses the backend socket until the client drains. */
  upstreamRead(up: Socket, n: number, buf: Buffer): boolean {
    if (this.phase !== 'tunnel' || up !== this.upstream) return false;
    // The first byte means the backend answered: nothing is replayed after that.
    if (this.held !== undefined) {
      this.held = undefined;
      this.heldBytes = 0;
    }
    const client = this.client;
    const ok = client.write(n === buf.length ? buf : buf.subarray(0, n));
    if (client.writableLength > 0) this.readBuf = undefined;
    return ok;
  }

  /** Client → backend, wired once: writes go to whichever backend is current, so a replay needs no re-wiring. */
  private wireClient(): void {
    this.clientWired = true;
    const client = this.client;
    if (this.ctx.idleTimeoutMs > 0) {
      // Reads and writes in either direction touch the client socket, so one timer covers both.
      client.setTimeout(this.ctx.idleTimeoutMs);
      client.on('timeout', onClientIdle);
    }
    client.on('drain', onClientDrain);
    client.on('data', onClientData);
    // A client may have sent its FIN before the backend connected: its 'end' has then been
    // emitted already (nothing was buffered), and the half-close is passed on at connect.
    if (client.readableEnded) this.clientEnded = true;
    else client.on('end', onClientEnd);
  }

  // ---- client socket events ----

  /** @internal */
  clientIdle(): void {
    this.termination ??= 'IT';
    this.upstream?.destroy();
    this.client.destroy();
  }

  /** @internal */
  clientDrain(): void {
    this.upstream?.resume();
  }

  /** @internal Client → backend: writes go to whichever backend is current, so a replay needs no re-wiring. */
  clientData(chunk: Buffer): void {
    if (this.held) {
      if (this.heldBytes + chunk.length <= this.holdLimit) {
        this.held.push(chunk);
        this.heldBytes += chunk.length;
      } else {
        this.held = undefined;
      }
    }
    const up = this.upstream;
    if (up && this.phase === 'tunnel' && !up.write(chunk)) this.client.pause();
  }

  /** @internal */
  clientEnd(): void {
    this.clientEnded = true;
    if (this.phase === 'tunnel') this.upstream?.end();
  }

  /** @internal */
  clientClose(hadError: boolean): void {
    if (this.phase === 'connecting') {
      this.termination ??= 'DC';
      const up = this.upstream;
      if (up) {
        this.upstream = undefined;
        forget(up);
        up.destroy();
        if (this.backend) this.backend.active--;
        this.backend = undefined;
      }
      this.finish();
      return;
    }
    if (this.phase === 'tunnel') {
      const clean = this.client.readableEnded && this.client.writableFinished;
      if (!clean) {
        this.termination ??= 'DC';
        // An abort travels on as an abort: a reset client resets the backend connection.
        if (hadError) this.upstream?.resetAndDestroy();
        else this.upstream?.destroy();
      }
      this.socketClosed();
    }
  }

  private onUpstreamClose(up: Socket, backend: Backend, hadError: boolean): void {
    const clean = up.readableEnded && up.writableFinished;
    if (!clean && hadError && this.replayable(false)) {
      this.failOverUnanswered(up, backend);
      return;
    }
    if (!clean) {
      this.termination ??= 'UC';
      if (hadError) this.client.resetAndDestroy();
      else this.client.destroy();
    }
    this.socketClosed();
  }

  /**
   * Whether the backend's end (`fin`) or reset, before it sent a byte, may be failed over:
   * after a reset with nothing sent by the client, always; after the client sent bytes, only
   * when all of them are still held for a replay (retryOnEmptyResponse). A FIN when nothing
   * was sent is an ordinary end (a backend's own idle timeout, say), never a failure.
   */
  private replayable(fin: boolean): boolean {
    const up = this.upstream;
    if (!up || up.bytesRead > 0 || this.held === undefined) return false;
    if (this.client.destroyed || this.client.writableEnded) return false;
    return this.heldBytes > 0 || !fin;
  }

  /** The backend closed or reset without answering and the exchange can be replayed: fail over. */
  private failOverUnanswered(up: Socket, backend: Backend): void {
    this.client.pause();
    this.phase = 'connecting';
    this.openSockets = 1;
    this.upstream = undefined;
    this.backend = undefined;
    backend.active--;
    backend.totals.bytesOut += up.bytesWritten;
    forget(up);
    up.destroy();
    this.pool.reportConnectFailure(backend, this.heldBytes > 0 ? 'closed by the backend before it answered' : 'reset by the backend before any byte was exchanged');
    this.retryOrGiveUp();
  }

  private socketClosed(): void {
    this.openSockets--;
    if (this.openSockets === 0) this.finish();
  }

  private finish(): void {
    if (this.phase === 'done') return;
    const wasTunnel = this.phase === 'tunnel';
    this.phase = 'done';
    // Closed sockets no longer lead here. Node keeps a closed socket reachable for a while (it is
    // promoted out of V8's young generation under new-connection load), and everything it still
    // references goes with it (bench/gc-promotion.sh).
    forget(this.client);
    if (this.upstream) forget(this.upstream);
    this.bufferRef.session = undefined;
    // Every socket is closed or destroyed (no read lands any more), and a buffer still held by
    // a write was dropped when the write went pending.
    if (this.readBuf !== undefined) {
      giveReadBuffer(this.readBuf);
      this.readBuf = undefined;
    }
    const backend = this.backend;
    const up = this.upstream;
    if (wasTunnel && backend && up) {
      backend.active--;
      backend.totals.bytesIn += up.bytesRead;
      backend.totals.bytesOut += up.bytesWritten;
    }
    const client = this.client;
    this.ctx.onEnd({
      termination: this.termination ?? '--',
      get client() {
        return client.remoteAddress ?? '';
      },
      backend,
      pool: this.pool.name,
      attempts: this.tried.size,
      bytesFromClient: this.client.bytesRead,
      bytesToClient: this.client.bytesWritten,
      durationMs: this.ctx.clock.now() - this.startedAt,
    }, this);
  }
}

/** The client socket's session; undefined once the session ended (a 'close' may still follow). */
function sessionOf(s: Socket): TcpSession | undefined {
  return (s as TaggedSocket)[kSession];
}

/** The socket no longer leads to its session (a backend socket given up, or the session ended). */
function forget(s: Socket): void {
  (s as TaggedSocket)[kSession] = undefined;
}

/** net's `onread.buffer` for a session's backend sockets, reaching the session through `ref`. */
function readBufferSource(ref: { session: TcpSession | undefined }): () => Buffer {
  return () => ref.session?.readBuffer() ?? takeReadBuffer();
}

/** The session whose current backend socket `s` is, or undefined (a socket left behind by a failover). */
function currentOf(s: Socket): TcpSession | undefined {
  const session = (s as TaggedSocket)[kSession];
  return session !== undefined && session.isCurrentUpstream(s) ? session : undefined;
}

function ignoreError(): void {
  // The 'close' that follows decides the outcome.
}

function onClientClose(this: Socket, hadError: boolean): void {
  sessionOf(this)?.clientClose(hadError);
}

function onClientIdle(this: Socket): void {
  sessionOf(this)?.clientIdle();
}

function onClientDrain(this: Socket): void {
  sessionOf(this)?.clientDrain();
}

function onClientData(this: Socket, chunk: Buffer): void {
  sessionOf(this)?.clientData(chunk);
}

function onClientEnd(this: Socket): void {
  sessionOf(this)?.clientEnd();
}

function onUpstreamTimeout(this: Socket): void {
  const s = currentOf(this);
  if (s) s.upstreamTimeout(this);
  else this.destroy();
}

function onUpstreamError(this: Socket, err: NodeJS.ErrnoException): void {
  currentOf(this)?.upstreamError(this, err);
}

function onUpstreamConnect(this: Socket): void {
  const s = currentOf(this);
  if (s) s.upstreamConnect(this);
  else this.destroy();
}

function onUpstreamClose(this: Socket, hadError: boolean): void {
  currentOf(this)?.upstreamClose(this, hadError);
}

function onUpstreamEnd(this: Socket): void {
  currentOf(this)?.upstreamEnd(this);
}

function onUpstreamDrain(this: Socket): void {
  currentOf(this)?.upstreamDrain();
}

/** net's `onread.callback`, with the backend socket as `this`. */
function onUpstreamRead(this: Socket, n: number, buf: Buffer): boolean {
  const s = currentOf(this);
  return s !== undefined && s.upstreamRead(this, n, buf);
}
