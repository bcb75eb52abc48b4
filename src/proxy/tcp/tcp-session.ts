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

export interface TcpSessionContext {
  readonly clock: Clock;
  /** The pool receiving new connections now (read once per connection). */
  activePool(): Pool;
  readonly idleTimeoutMs: number;
  readonly bufferSize: number;
  onEnd(end: TcpSessionEnd): void;
}

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

  constructor(
    private readonly client: Socket,
    private readonly ctx: TcpSessionContext,
  ) {
    this.startedAt = ctx.clock.now();
    this.pool = ctx.activePool();
    this.holdLimit = this.pool.spec.retryOnEmptyResponse ? ctx.bufferSize : 0;
    client.on('error', () => {
      // The 'close' that follows decides the outcome.
    });
    client.on('close', (hadError: boolean) => this.onClientClose(hadError));
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
      onread: { buffer: this.nextReadBuffer, callback: this.onUpstreamRead },
    };
    const up = connect(opts);
    this.upstream = up;
    up.setTimeout(this.pool.spec.connectTimeoutMs);
    up.on('timeout', () => {
      // Only armed while connecting; the idle timeout lives on the client socket.
      this.connectTimedOut = true;
      up.destroy();
    });
    up.on('error', (err: NodeJS.ErrnoException) => {
      if (this.phase === 'connecting') this.connectFailed(up, backend, err);
    });
    up.once('connect', () => this.connected(up, backend));
    up.on('close', (hadError: boolean) => {
      if (this.upstream !== up) return;
      if (this.phase === 'connecting') this.connectFailed(up, backend, undefined);
      else if (this.phase === 'tunnel') this.onUpstreamClose(up, backend, hadError);
    });
  }

  private connectFailed(up: Socket, backend: Backend, err: NodeJS.ErrnoException | undefined): void {
    if (this.upstream !== up) return;
    this.upstream = undefined;
    this.backend = undefined;
    backend.active--;
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
    // Backend → client goes through onUpstreamRead.
    up.on('end', () => {
      if (this.replayable(true)) this.failOverUnanswered(up, backend);
      else client.end();
    });
    up.on('drain', () => {
      client.resume();
    });
    if (this.held) for (const chunk of this.held) up.write(chunk);
    if (this.clientEnded) up.end();
    else client.resume();
  }

  private readonly nextReadBuffer = (): Buffer => (this.readBuf ??= takeReadBuffer());

  /** Backend → client, for every read. Returning false pauses the backend socket until the client drains. */
  private readonly onUpstreamRead = (n: number, buf: Buffer): boolean => {
    if (this.phase !== 'tunnel') return false;
    // The first byte means the backend answered: nothing is replayed after that.
    if (this.held !== undefined) {
      this.held = undefined;
      this.heldBytes = 0;
    }
    const client = this.client;
    const ok = client.write(n === buf.length ? buf : buf.subarray(0, n));
    if (client.writableLength > 0) this.readBuf = undefined;
    return ok;
  };

  /** Client → backend, wired once: writes go to whichever backend is current, so a replay needs no re-wiring. */
  private wireClient(): void {
    this.clientWired = true;
    const client = this.client;
    if (this.ctx.idleTimeoutMs > 0) {
      // Reads and writes in either direction touch the client socket, so one timer covers both.
      client.setTimeout(this.ctx.idleTimeoutMs);
      client.on('timeout', () => {
        this.termination ??= 'IT';
        this.upstream?.destroy();
        client.destroy();
      });
    }
    client.on('drain', () => {
      this.upstream?.resume();
    });
    client.on('data', (chunk: Buffer) => {
      if (this.held) {
        if (this.heldBytes + chunk.length <= this.holdLimit) {
          this.held.push(chunk);
          this.heldBytes += chunk.length;
        } else {
          this.held = undefined;
        }
      }
      const up = this.upstream;
      if (up && this.phase === 'tunnel' && !up.write(chunk)) client.pause();
    });
    // A client may have sent its FIN before the backend connected: its 'end' has then been
    // emitted already (nothing was buffered), and the half-close is passed on at connect.
    if (client.readableEnded) this.clientEnded = true;
    else
      client.on('end', () => {
        this.clientEnded = true;
        if (this.phase === 'tunnel') this.upstream?.end();
      });
  }

  private onClientClose(hadError: boolean): void {
    if (this.phase === 'connecting') {
      this.termination ??= 'DC';
      const up = this.upstream;
      if (up) {
        this.upstream = undefined;
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
    });
  }
}
