/**
 * One client connection on a TCP listener: pick a backend, connect with a timeout, fail
 * over to the next eligible backend (never one already tried) on refusal, reset or
 * timeout, then tunnel both ways with backpressure and half-close until both sides end.
 */
import { connect, type Socket, type TcpNetConnectOpts } from 'node:net';
import type { Clock } from '../../core/clock.js';
import type { Backend } from '../../upstream/backend.js';
import type { Pool } from '../../upstream/pool.js';
import { connectFailureCause, type TerminationCode } from '../outcomes.js';
import { pipeOneWay } from './pipe.js';

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

  constructor(
    private readonly client: Socket,
    private readonly ctx: TcpSessionContext,
  ) {
    this.startedAt = ctx.clock.now();
    this.pool = ctx.activePool();
    client.on('error', () => {
      // The 'close' that follows decides the outcome.
    });
    client.on('close', (hadError: boolean) => this.onClientClose(hadError));
    this.attempt();
  }

  /** Closes the session at once (shutdown after the drain timeout). */
  destroy(code: TerminationCode = 'LR'): void {
    this.termination ??= code;
    this.upstream?.destroy();
    this.client.destroy();
  }

  private attempt(): void {
    const backend = this.pool.pick(this.client.remoteAddress, this.tried);
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
    };
    const up = connect(opts);
    this.upstream = up;
    up.setTimeout(this.pool.spec.connectTimeoutMs);
    up.on('timeout', () => {
      if (this.phase === 'connecting') {
        this.connectTimedOut = true;
        up.destroy();
      } else {
        // Idle timeout is tracked on the client socket; nothing to do here.
      }
    });
    up.on('error', (err: NodeJS.ErrnoException) => {
      if (this.phase === 'connecting') this.connectFailed(up, backend, err);
    });
    up.once('connect', () => this.connected(up, backend));
    up.on('close', (hadError: boolean) => {
      if (this.upstream !== up) return;
      if (this.phase === 'connecting') this.connectFailed(up, backend, undefined);
      else if (this.phase === 'tunnel') this.onUpstreamClose(up, hadError);
    });
  }

  private connectFailed(up: Socket, backend: Backend, err: NodeJS.ErrnoException | undefined): void {
    if (this.upstream !== up) return;
    this.upstream = undefined;
    backend.active--;
    up.destroy();
    if (this.client.destroyed) {
      // The client left while we were connecting; nothing more to try.
      this.backend = undefined;
      this.finish();
      return;
    }
    this.pool.reportConnectFailure(backend, connectFailureCause(err, this.connectTimedOut, this.pool.spec.connectTimeoutMs));
    this.backend = undefined;
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
    const client = this.client;
    if (this.ctx.idleTimeoutMs > 0) {
      // Reads and writes in either direction touch the client socket, so one timer covers both.
      client.setTimeout(this.ctx.idleTimeoutMs);
      client.on('timeout', () => {
        this.termination ??= 'IT';
        up.destroy();
        client.destroy();
      });
    }
    pipeOneWay(client, up);
    pipeOneWay(up, client);
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
    } else {
      this.finish();
    }
  }

  private onUpstreamClose(up: Socket, hadError: boolean): void {
    const clean = up.readableEnded && up.writableFinished;
    if (!clean) {
      this.termination ??= 'UC';
      if (hadError) this.client.resetAndDestroy();
      else this.client.destroy();
    }
    this.socketClosed();
  }

  private socketClosed(): void {
    this.openSockets--;
    if (this.openSockets === 0) this.finish();
  }

  private finish(): void {
    if (this.phase === 'done') return;
    const wasTunnel = this.phase === 'tunnel';
    this.phase = 'done';
    const backend = this.backend;
    const up = this.upstream;
    if (wasTunnel && backend && up) {
      backend.active--;
      backend.totals.bytesIn += up.bytesRead;
      backend.totals.bytesOut += up.bytesWritten;
    }
    this.ctx.onEnd({
      termination: this.termination ?? '--',
      client: this.client.remoteAddress ?? '',
      backend,
      pool: this.pool.name,
      attempts: this.tried.size,
      bytesFromClient: this.client.bytesRead,
      bytesToClient: this.client.bytesWritten,
      durationMs: this.ctx.clock.now() - this.startedAt,
    });
  }
}
