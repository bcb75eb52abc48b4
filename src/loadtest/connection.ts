/**
 * One load-test connection on a raw TCP socket: writes the pre-serialised request, reads one
 * response at a time with the ResponseParser, and reports each outcome to its sink. It keeps
 * the socket for the next request when both sides allow (keep-alive) and opens a new one when
 * it has none. Requests are never pipelined: one in flight at a time.
 *
 * The sink decides what comes next: from inside `response` or `failure` it may call `send`
 * again at once. Timeouts are enforced from outside (`abort`), by the runner's sweep, so no
 * timer is armed per request.
 */
import { connect, type Socket } from 'node:net';
import { errorCodeOf, errorKindOf, type ErrorKind } from './error-kinds.js';
import { ResponseParser } from './response-parser.js';

/** Most sockets per connection left for the server to close. */
const MAX_RETIRING = 4;

export interface ConnectionTarget {
  /** An IP address (resolved once by the runner) or a host name. */
  readonly host: string;
  readonly port: number;
  readonly method: string;
  readonly request: Buffer;
  readonly keepAlive: boolean;
  readonly backendHeader: string;
}

export interface ConnectionSink {
  /** A complete response to the request whose latency counts from `origin`. */
  response(conn: ClientConnection, status: number, backend: string | undefined, origin: number): void;
  /** The request ended without a response. `code` is the socket error's code, if there was one. */
  failure(conn: ClientConnection, kind: ErrorKind, code: string | undefined): void;
}

export class ClientConnection {
  /** A request is in flight. */
  inFlight = false;
  /** When the request in flight was written (performance.now() ms); for the timeout. */
  sentAt = 0;
  /** Bytes read and written on all of this connection's sockets. */
  bytesRead = 0;
  bytesWritten = 0;
  /** Sockets opened (1 for a whole keep-alive run). */
  socketsOpened = 0;

  private socket: Socket | undefined = undefined;
  /** Sockets done with, waiting for the server to close them first (so TIME_WAIT stays on its side). */
  private readonly retiring = new Set<Socket>();
  private origin = 0;
  private readonly parser: ResponseParser;

  constructor(
    private readonly target: ConnectionTarget,
    private readonly sink: ConnectionSink,
  ) {
    this.parser = new ResponseParser(target.backendHeader);
  }

  /** Sends the request; its latency counts from `origin` (the scheduled time in the open model, else `now`). */
  send(origin: number, now: number): void {
    if (this.inFlight) throw new Error('loadtest connection: a request is already in flight');
    this.inFlight = true;
    this.origin = origin;
    this.sentAt = now;
    this.parser.begin(this.target.method);
    const s = this.socket ?? this.open();
    s.write(this.target.request);
    this.bytesWritten += this.target.request.length;
  }

  /** Ends the request in flight as a failure of this kind (the runner's timeout) and drops the socket. */
  abort(kind: ErrorKind): void {
    if (this.inFlight) this.fail(kind, undefined);
  }

  /** Closes the sockets. A request in flight is dropped without being reported. */
  close(): void {
    this.inFlight = false;
    this.drop();
    for (const s of this.retiring) s.destroy();
    this.retiring.clear();
  }

  private open(): Socket {
    const s = connect({ host: this.target.host, port: this.target.port });
    this.socket = s;
    this.socketsOpened++;
    s.setNoDelay(true);
    s.on('data', (chunk: Buffer) => {
      if (s === this.socket) this.onData(chunk);
    });
    s.on('end', () => {
      if (s === this.socket) this.onEnd();
    });
    s.on('error', (err) => {
      if (s !== this.socket) return;
      this.drop();
      if (this.inFlight) this.fail(errorKindOf(err), errorCodeOf(err));
    });
    s.on('close', () => {
      this.retiring.delete(s);
      if (s !== this.socket) return;
      this.socket = undefined;
      if (this.inFlight) this.fail('closed', undefined);
    });
    return s;
  }

  private onData(chunk: Buffer): void {
    this.bytesRead += chunk.length;
    if (!this.inFlight) {
      // Bytes nobody asked for: the connection is out of step; never reuse it.
      this.drop();
      return;
    }
    const r = this.parser.feed(chunk);
    if (r === 'done') this.complete();
    else if (r === 'error') this.fail('protocol', undefined);
  }

  private onEnd(): void {
    if (!this.inFlight) {
      this.drop();
      return;
    }
    const r = this.parser.finish();
    this.drop();
    if (r === 'done') this.complete();
    else this.fail('closed', undefined);
  }

  private complete(): void {
    this.inFlight = false;
    if (!this.parser.keepAlive || !this.target.keepAlive) this.retire();
    this.sink.response(this, this.parser.status, this.parser.backend, this.origin);
  }

  private fail(kind: ErrorKind, code: string | undefined): void {
    this.inFlight = false;
    this.drop();
    this.sink.failure(this, kind, code);
  }

  /** Stops using the socket but lets the server close it (it said or was told it would); close() destroys it. */
  private retire(): void {
    const s = this.socket;
    if (s === undefined) return;
    this.socket = undefined;
    if (s.readableEnded) {
      s.destroy();
      return;
    }
    this.retiring.add(s);
    if (this.retiring.size > MAX_RETIRING) {
      // A server that does not close: do not let its sockets pile up.
      const oldest = this.retiring.values().next().value;
      if (oldest !== undefined) {
        this.retiring.delete(oldest);
        oldest.destroy();
      }
    }
  }

  private drop(): void {
    const s = this.socket;
    if (s === undefined) return;
    this.socket = undefined;
    s.destroy();
  }
}
