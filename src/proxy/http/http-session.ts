/**
 * One client connection on an HTTP listener. Requests are read and answered one at a time,
 * in order (pipelined requests wait in the buffer, as in HAProxy):
 *
 *   head      read and check a request head (nothing goes upstream before it is whole and valid)
 *   connect   route, pick a backend, get a kept-alive or new connection (failover on connect errors)
 *   body      stream the request body upstream, its framing tracked
 *   response  relay the response head (hop-by-hop fields dropped) and body, framing tracked
 *   tunnel    after a 101 to a WebSocket upgrade: bytes both ways until either side ends
 *
 * Socket events reach module-level handlers that look the session up on the socket, and
 * deadlines are checked by a shared ticker: no closure or timer is created per request.
 */
import type { Socket } from 'node:net';
import { parseRequestHead, RequestHead } from './codec/request-head.js';
import { parseResponseHead, ResponseHead } from './codec/response-head.js';
import { ChunkedTracker } from './codec/chunked.js';
import { FIELD_STRIDE, F_NAME_END, F_NAME_START, F_VALUE_END, F_VALUE_START } from './codec/fields.js';
import type { UpstreamConnection, UpstreamOwner } from './upstream-pool.js';
import type { HasDeadline } from './deadlines.js';
import type { LiveNode } from '../../core/live-list.js';
import type { HttpContext } from './http-context.js';
import { ownJsonResponse, ownResponse, type OwnStatus } from './responses.js';
import { giveHeadBuffer, takeHeadBuffer } from './head-buffers.js';
import { buildRequest, buildResponse, keepAliveHintMs, readIncomingForwarded, DROP_FORWARDED, DROP_VIA, DROP_X_FORWARDED } from './rewrite.js';
import { forwardedTail, type IncomingForwarded } from './forwarded.js';
import { connectFailureCause, type TerminationCode } from '../outcomes.js';
import { createAccessRecord } from '../../observability/access-log.js';
import type { Backend } from '../../upstream/backend.js';
import { stickyToken, type Pool } from '../../upstream/pool.js';
import { readClient } from '../client-reads.js';

type State = 'head' | 'connect' | 'body' | 'response' | 'tunnel' | 'closing';

const kSession = Symbol('switchyard.http');
type TaggedSocket = Socket & { [kSession]?: HttpSession | undefined };

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

const EMPTY = Buffer.alloc(0);

/** How long a connection Switchyard has ended waits for the client to close its side. */
const LINGER_MS = 5000;

/**
 * Parsed-head objects of closed sessions, taken by new ones: their offset tables are typed
 * arrays, the costliest part of setting up a connection. A session gives its heads back when
 * its client socket has closed, after which nothing of it runs any more.
 */
const spareRequestHeads: RequestHead[] = [];
const spareResponseHeads: ResponseHead[] = [];
const SPARE_HEADS_MAX = 1024;

/** Response body bytes up to this size are copied next to the head (one write); larger ones are written as they are. */
const COPY_BODY_MAX = 4096;

export class HttpSession implements UpstreamOwner, HasDeadline {
  deadline = 0;
  private state: State = 'head';
  private readonly req: RequestHead;
  private readonly res: ResponseHead;
  /** Chunked-body trackers, made the first time a body is chunked. */
  private reqTracker: ChunkedTracker | undefined;
  private resTracker: ChunkedTracker | undefined;
  private readonly record = createAccessRecord();
  private incoming: IncomingForwarded | undefined;
  private readonly peer: string;
  private readonly trusted: boolean;
  /** Which incoming forwarding headers are replaced (the ones this listener emits). */
  private readonly dropMask: number;
  /** Unconsumed client bytes: inBuf[inStart, inEnd). */
  private inBuf: Buffer | undefined;
  private inStart = 0;
  private inEnd = 0;
  /** The buffer and offset the current request head was parsed from (field offsets point there). */
  private headBuf: Buffer = EMPTY;
  private headStart = 0;
  private headStartedAt = 0;
  private clientEnded = false;
  private draining = false;
  /** A response was sent on this connection: between requests it is idle, not waiting for its first one. */
  private served = false;
  /** A request is being handled (its end not yet counted). */
  private inRequest = false;
  // The exchange in progress.
  private pool: Pool | undefined;
  private backend: Backend | undefined;
  private conn: UpstreamConnection | undefined;
  /** Backends tried for this request: how many, the first, and all of them once there is a second. */
  private triedCount = 0;
  private triedFirst = '';
  private tried: Set<string> | undefined;
  private retriesLeft = 0;
  private connectTimedOut = false;
  private freshOnly = false;
  private upgrading = false;
  private reqRemaining = 0;
  private reqDone = false;
  private pendingBody = 0;
  /** What was sent upstream, kept while the request may still be replayed. */
  private sentHead: Buffer | undefined;
  private sentBody: Buffer | undefined;
  /** The buffers this exchange's rewritten heads are written into, while no pending write holds them (head-buffers.ts). */
  private reqOut: Buffer | undefined;
  private resOut: Buffer | undefined;
  private replayable = false;
  private startedAt = 0;
  private sentAt = 0;
  private bytesIn = 0;
  private bytesOut = 0;
  // The response.
  private rBuf: Buffer | undefined;
  private rStart = 0;
  private rEnd = 0;
  private resHeadDone = false;
  private resStarted = false;
  private resRemaining = 0;
  private resBodyKind: ResponseHead['bodyKind'] = 'none';
  private clientKeepAlive = true;
  private upstreamReusable = true;
  private hintMs: number | undefined;
  private status = 0;
  /** bytesOut when the response-body deadline was last set. */
  private progressMark = 0;
  private forwardHost: string | undefined;
  private forwardTail = '';
  private forwardVersion = '';
  /** A Set-Cookie line for cookie stickiness, or ''. */
  private setCookie = '';
  private readonly tickerNode: LiveNode<HasDeadline>;
  /** The heads went back to the spares (the client socket closed). */
  private headsGiven = false;
  /** Where the owner keeps this session in its list of open ones (undefined: not listed yet; null: closed). */
  listNode: unknown;

  constructor(
    private readonly client: Socket,
    private readonly ctx: HttpContext,
  ) {
    (client as TaggedSocket)[kSession] = this;
    this.req = spareRequestHeads.pop() ?? new RequestHead();
    this.res = spareResponseHeads.pop() ?? new ResponseHead();
    this.peer = client.remoteAddress ?? '';
    const spec = ctx.spec;
    this.dropMask = (spec.xForwarded ? DROP_X_FORWARDED : 0) | (spec.forwarded ? DROP_FORWARDED : 0) | (spec.via !== undefined ? DROP_VIA : 0);
    this.trusted = ctx.trusted.size > 0 && ctx.trusted.contains(this.peer);
    this.req.ensureCapacity(ctx.limits.maxHeaders);
    this.res.ensureCapacity(ctx.limits.maxHeaders);
    if (!readClient(client, onClientData)) client.on('data', onClientData);
    client.on('end', onClientEnd);
    client.on('drain', onClientDrain);
    client.on('error', onClientError);
    client.on('close', onClientClose);
    this.deadline = ctx.clock.now() + ctx.spec.headerTimeoutMs;
    this.tickerNode = ctx.ticker.add(this);
  }

  /**
   * Shutdown: close now if idle between requests, else after the response in progress. A new
   * connection whose first request has not arrived yet is kept: its client is sending it now, so
   * it is answered (with `connection: close`); a silent one ends at the header timeout.
   */
  drain(): void {
    this.draining = true;
    if (this.served && this.state === 'head' && this.inStart === this.inEnd && this.headStartedAt === 0) this.closeClient();
  }

  /** Closes the connection at once (after the drain timeout); a request in progress ends as LR. */
  destroy(): void {
    this.endRequest('LR');
    this.conn?.socket.destroy();
    this.client.destroy();
  }

  // ---- client side ----

  clientData(chunk: Buffer): void {
    this.bytesIn += chunk.length;
    switch (this.state) {
      case 'head':
        this.append(chunk);
        this.readHead();
        return;
      case 'body':
        this.requestBody(chunk);
        return;
      case 'tunnel':
        if (this.conn && !this.conn.socket.write(chunk)) this.client.pause();
        return;
      case 'connect':
      case 'response':
        // Pipelined bytes wait until the current exchange is over.
        this.append(chunk);
        this.client.pause();
        return;
      case 'closing':
        return;
    }
  }

  clientEnd(): void {
    this.clientEnded = true;
    if (this.state === 'tunnel') this.conn?.socket.end();
    else if (this.state === 'head') this.closeClient();
    // A request body cut short by the client's end can never complete.
    else if (this.state === 'body') this.ownAnswer(400, 'DC', true);
  }

  clientDrain(): void {
    if (this.conn && (this.state === 'response' || this.state === 'body' || this.state === 'tunnel')) this.conn.socket.resume();
  }

  clientClose(): void {
    this.ctx.ticker.delete(this.tickerNode);
    if (this.state !== 'head' && this.state !== 'closing') {
      if (this.conn) this.dropUpstream();
      this.endRequest('DC');
    }
    this.state = 'closing';
    // Nothing reaches this session any more: no upstream connection, no deadline, no socket event.
    if (!this.headsGiven) {
      this.headsGiven = true;
      this.releaseHeadBuffers();
      if (spareRequestHeads.length < SPARE_HEADS_MAX) spareRequestHeads.push(this.req);
      if (spareResponseHeads.length < SPARE_HEADS_MAX) spareResponseHeads.push(this.res);
    }
    // The closed socket no longer leads here. Node keeps a closed socket reachable for a while
    // (it is promoted out of V8's young generation under new-connection load on Node 24), and
    // everything it still references goes with it: measured, this halves the bytes promoted per
    // connection (bench/gc-promotion.sh).
    (this.client as TaggedSocket)[kSession] = undefined;
    if (this.listNode !== null) this.ctx.onSessionClosed(this);
    this.listNode = null;
  }

  private append(chunk: Buffer): void {
    if (this.inBuf === undefined || this.inStart === this.inEnd) {
      this.inBuf = chunk;
      this.inStart = 0;
      this.inEnd = chunk.length;
      return;
    }
    const n = this.inEnd - this.inStart;
    const joined = Buffer.allocUnsafe(n + chunk.length);
    this.inBuf.copy(joined, 0, this.inStart, this.inEnd);
    chunk.copy(joined, n);
    this.inBuf = joined;
    this.inStart = 0;
    this.inEnd = joined.length;
  }

  private readHead(): void {
    const buf = this.inBuf;
    if (buf === undefined || this.inStart === this.inEnd) return;
    const now = this.ctx.clock.now();
    if (this.headStartedAt === 0) {
      this.headStartedAt = now;
      this.deadline = now + this.ctx.spec.headerTimeoutMs;
    }
    const r = parseRequestHead(buf, this.inStart, this.inEnd, this.ctx.limits, this.req);
    if (r.type === 'incomplete') return;
    this.startedAt = now;
    this.inRequest = true;
    if (r.type === 'error') {
      this.fillRecord(false);
      this.ownAnswer(r.status, 'PR', true);
      return;
    }
    this.headBuf = buf;
    this.headStart = this.inStart;
    this.inStart += this.req.headLength;
    this.fillRecord(true);
    this.startRequest();
  }

  private startRequest(): void {
    const req = this.req;
    const spec = this.ctx.spec;
    this.reqDone = false;
    this.pendingBody = 0;
    const avail = this.inEnd - this.inStart;
    if (req.bodyKind === 'length') {
      if (spec.maxBodyBytes > 0 && req.contentLength > spec.maxBodyBytes) return this.ownAnswer(413, 'PR', true);
      this.pendingBody = Math.min(req.contentLength, avail);
      this.reqRemaining = req.contentLength - this.pendingBody;
      this.reqDone = this.reqRemaining === 0;
    } else if (req.bodyKind === 'chunked') {
      // Check the body bytes already here before anything goes upstream.
      const tracker = (this.reqTracker ??= new ChunkedTracker(spec.maxBodyBytes > 0 ? { maxBodyBytes: spec.maxBodyBytes } : {}));
      tracker.reset();
      this.pendingBody = avail > 0 ? tracker.feed(this.inBuf as Buffer, this.inStart, this.inEnd) : 0;
      if (tracker.error !== undefined) return this.ownAnswer(tracker.tooLarge ? 413 : 400, 'PR', true);
      this.reqDone = tracker.done;
    } else {
      this.reqDone = true;
    }
    const path = req.target.slice(req.pathOffset) || '/';
    const internal = this.ctx.spec.internal;
    if (internal !== undefined && (req.method === 'GET' || req.method === 'HEAD')) {
      const p = path.includes('?') ? path.slice(0, path.indexOf('?')) : path;
      const kind = p === internal.health ? 'health' : p === internal.status ? 'status' : p === internal.metrics ? 'metrics' : undefined;
      if (kind !== undefined) return this.internalAnswer(kind);
    }
    // A listener without routes sends everything to its pool: no matching to do.
    let pool = this.ctx.routes.size === 0 ? this.ctx.defaultPool() : undefined;
    if (pool === undefined) {
      const match = this.ctx.routes.match(req.host, path, this.lookupHeader);
      pool = match.matched ? this.ctx.pool(match.target) : this.ctx.defaultPool();
      if (pool === undefined) {
        const status = !match.matched && match.miss === 'host' ? this.ctx.spec.unknownHost : 404;
        return this.ownAnswer(status, 'NR', req.bodyKind !== 'none' || !req.keepAlive);
      }
    }
    this.pool = pool;
    this.record.pool = pool.name;
    this.upgrading = req.upgrade === 'websocket' && req.method === 'GET';
    this.triedCount = 0;
    this.tried = undefined;
    this.retriesLeft = pool.spec.http.retries;
    this.replayable = false;
    this.freshOnly = false;
    this.resetResponse();
    // The client is not paused: bytes it sends meanwhile (a pipelined request) pause it then.
    this.state = 'connect';
    this.deadline = 0;
    this.attempt();
  }

  private readonly lookupHeader = (lowerName: string): string | undefined => {
    const f = this.req.fields;
    const buf = this.headBuf;
    const n = lowerName.length;
    for (let i = 0; i < this.req.fieldCount; i++) {
      const o = i * FIELD_STRIDE;
      const s = f[o + F_NAME_START]!;
      if (f[o + F_NAME_END]! - s !== n) continue;
      let j = 0;
      while (j < n && (buf[s + j]! | 0x20) === lowerName.charCodeAt(j)) j++;
      if (j === n) return buf.toString('latin1', f[o + F_VALUE_START], f[o + F_VALUE_END]);
    }
    return undefined;
  };

  // ---- upstream side ----

  private attempt(): void {
    const pool = this.pool as Pool;
    const sticky = pool.spec.http.stickyCookie;
    let backend: Backend | undefined;
    let token: string | undefined;
    if (sticky !== undefined && this.triedCount === 0) {
      token = cookieValue(this.lookupHeader('cookie'), sticky);
      if (token !== undefined) backend = pool.stickyBackend(token);
    }
    backend ??= pool.pick(this.hashKey(pool), this.triedCount === 0 ? undefined : (this.tried ??= new Set([this.triedFirst])));
    if (sticky !== undefined && backend !== undefined) {
      const want = stickyToken(backend.id);
      this.setCookie = want === token ? '' : `set-cookie: ${sticky}=${want}; Path=/; HttpOnly; SameSite=Lax\r\n`;
    }
    if (backend === undefined) {
      if (this.triedCount === 0) return this.ownAnswer(503, 'UH', !this.reqDone);
      return this.ownAnswer(this.connectTimedOut ? 504 : 502, this.connectTimedOut ? 'UT' : 'UF', !this.reqDone);
    }
    if (this.triedCount === 0) this.triedFirst = backend.id;
    else (this.tried ??= new Set([this.triedFirst])).add(backend.id);
    this.triedCount++;
    this.useBackend(backend);
  }

  /** The key source-hash hashes for this request (others ignore it). */
  private hashKey(pool: Pool): string | undefined {
    if (pool.spec.policy !== 'source-hash') return undefined;
    const on = pool.spec.http.hashOn;
    if (on === 'client') return this.peer;
    if (on === 'path') {
      const t = this.req.target.slice(this.req.pathOffset);
      const q = t.indexOf('?');
      return q === -1 ? t : t.slice(0, q);
    }
    return this.lookupHeader(on.header) ?? this.peer;
  }

  private useBackend(backend: Backend): void {
    const pool = this.pool as Pool;
    this.backend = backend;
    backend.active++;
    this.record.attempts++;
    this.record.backend = backend.id;
    this.connectTimedOut = false;
    const http = pool.spec.http;
    const conn = this.ctx.upstreams.acquire(backend, this, pool.spec.connectTimeoutMs, http.maxIdleConnections, http.idleTimeoutMs, this.freshOnly);
    this.conn = conn;
    if (conn.connected) this.sendRequest();
  }

  onUpstreamConnect(conn: UpstreamConnection): void {
    if (conn === this.conn && this.state === 'connect') this.sendRequest();
  }

  private sendRequest(): void {
    const conn = this.conn as UpstreamConnection;
    const req = this.req;
    if (this.sentHead === undefined) {
      let extra = req.bodyKind === 'chunked' ? 'transfer-encoding: chunked\r\n' : '';
      if (this.upgrading) extra += 'connection: upgrade\r\nupgrade: websocket\r\n';
      else if (req.version === 10) extra += 'connection: keep-alive\r\n';
      extra += this.forwardingHeaders();
      this.sentHead = buildRequest(req, this.headBuf, this.headStart, extra, this.headStart + req.headLength, this.dropMask, (this.reqOut ??= takeHeadBuffer()));
      if (this.pendingBody > 0) {
        this.sentBody = (this.inBuf as Buffer).subarray(this.inStart, this.inStart + this.pendingBody);
        this.inStart += this.pendingBody;
      } else this.sentBody = undefined;
      this.replayable = this.reqDone && IDEMPOTENT.has(req.method) && (this.sentBody === undefined || this.sentBody.length <= this.ctx.bufferSize);
    }
    const s = conn.socket;
    if (this.sentBody === undefined) s.write(this.sentHead);
    else {
      s.cork();
      s.write(this.sentHead);
      s.write(this.sentBody);
      s.uncork();
    }
    // A write still pending holds the head's buffer: the next head goes into another.
    if (s.writableLength > 0) this.reqOut = undefined;
    const now = this.ctx.clock.now();
    this.sentAt = now;
    if (this.reqDone) {
      this.state = 'response';
      this.deadline = now + this.ctx.spec.responseTimeoutMs;
    } else {
      this.state = 'body';
      this.deadline = this.ctx.spec.requestTimeoutMs > 0 ? this.startedAt + this.ctx.spec.requestTimeoutMs : 0;
      // Body bytes that arrived with the next chunk are already in the buffer.
      if (this.inStart < this.inEnd) {
        const rest = (this.inBuf as Buffer).subarray(this.inStart, this.inEnd);
        this.inStart = this.inEnd;
        this.requestBody(rest);
      }
      if (this.state !== 'body') return;
      // The client already ended its side: the body can never complete.
      if (this.clientEnded) this.ownAnswer(400, 'DC', true);
      else this.client.resume();
    }
  }

  private requestBody(chunk: Buffer): void {
    const conn = this.conn as UpstreamConnection;
    let n: number;
    if (this.req.bodyKind === 'length') {
      n = Math.min(this.reqRemaining, chunk.length);
      this.reqRemaining -= n;
      this.reqDone = this.reqRemaining === 0;
    } else {
      const tracker = this.reqTracker as ChunkedTracker;
      n = tracker.feed(chunk, 0, chunk.length);
      if (tracker.error !== undefined) {
        this.dropUpstream();
        if (this.resStarted) this.client.destroy();
        else this.ownAnswer(tracker.tooLarge ? 413 : 400, 'PR', true);
        return;
      }
      this.reqDone = tracker.done;
    }
    this.replayable = false;
    if (n > 0 && !conn.socket.write(n === chunk.length ? chunk : chunk.subarray(0, n))) this.client.pause();
    if (n < chunk.length) {
      this.append(chunk.subarray(n));
      this.client.pause();
    }
    if (this.reqDone) {
      this.state = 'response';
      if (!this.resHeadDone) this.deadline = this.ctx.clock.now() + this.ctx.spec.responseTimeoutMs;
    }
  }

  onUpstreamDrain(conn: UpstreamConnection): void {
    if (conn === this.conn && (this.state === 'body' || this.state === 'tunnel')) this.client.resume();
  }

  onUpstreamData(conn: UpstreamConnection, buf: Buffer, n: number): void {
    if (conn !== this.conn) return;
    if (this.state === 'tunnel') {
      const ok = this.client.write(buf.subarray(0, n));
      this.afterBorrowedWrite(conn);
      if (!ok) conn.socket.pause();
      return;
    }
    if (this.resHeadDone) {
      this.relayBody(buf, 0, n);
      return;
    }
    // Accumulate the response head.
    if (this.rBuf === undefined || this.rStart === this.rEnd) {
      this.rBuf = buf;
      this.rStart = 0;
      this.rEnd = n;
    } else {
      const held = this.rEnd - this.rStart;
      const joined = Buffer.allocUnsafe(held + n);
      this.rBuf.copy(joined, 0, this.rStart, this.rEnd);
      buf.copy(joined, held, 0, n);
      this.rBuf = joined;
      this.rStart = 0;
      this.rEnd = joined.length;
    }
    this.readResponseHead();
    // A head still incomplete waits for the next read: its bytes cannot stay in the read buffer.
    if (this.rBuf === buf && this.rStart < this.rEnd && !this.resHeadDone && this.conn === conn) {
      this.rBuf = Buffer.from(buf.subarray(this.rStart, this.rEnd));
      this.rEnd -= this.rStart;
      this.rStart = 0;
    }
  }

  /** After a write of bytes borrowed from the upstream's read buffer: if it did not finish at once, the buffer stays with the write. */
  private afterBorrowedWrite(conn: UpstreamConnection | undefined): void {
    if (conn !== undefined && this.client.writableLength > 0) conn.keepReadBuffer();
  }

  private readResponseHead(): void {
    for (;;) {
      const buf = this.rBuf as Buffer;
      const r = parseResponseHead(buf, this.rStart, this.rEnd, this.ctx.limits, this.req.method, this.res);
      if (r.type === 'incomplete') return;
      if (r.type === 'error') return this.upstreamBroken('UP');
      const res = this.res;
      if (res.interim) {
        // 100 Continue and friends: passed on to HTTP/1.1 clients, then the final head follows.
        if (this.req.version === 11) this.client.write(buildResponse(res, buf, this.rStart, '', this.rStart + res.headLength));
        this.rStart += res.headLength;
        if (this.rStart === this.rEnd) return;
        continue;
      }
      this.resHeadDone = true;
      this.status = res.status;
      // From here the deadline watches the body: no byte from the backend for responseTimeout ends it.
      this.deadline = this.ctx.clock.now() + this.ctx.spec.responseTimeoutMs;
      this.progressMark = this.bytesOut;
      const backend = this.backend as Backend;
      if (res.status >= 500) (this.pool as Pool).reportOutcome(backend, '5xx', `HTTP ${res.status}`);
      else if (backend.failureStreak) (this.pool as Pool).reportOutcome(backend, 'success');
      if (res.status === 101) return this.startTunnel(buf);
      this.respond(buf);
      return;
    }
  }

  private respond(buf: Buffer): void {
    const res = this.res;
    const req = this.req;
    this.resBodyKind = res.bodyKind;
    this.resRemaining = res.contentLength;
    if (res.bodyKind === 'chunked') (this.resTracker ??= new ChunkedTracker()).reset();
    this.upstreamReusable = res.keepAlive && res.bodyKind !== 'close';
    this.hintMs = keepAliveHintMs(res, buf);
    this.clientKeepAlive = req.keepAlive && !this.clientEnded && !this.draining && res.bodyKind !== 'close' && (res.bodyKind !== 'chunked' || req.version === 11) && this.reqDone;
    let extra = '';
    if (res.bodyKind === 'chunked') extra += 'transfer-encoding: chunked\r\n';
    if (req.version === 11) {
      if (!this.clientKeepAlive) extra += 'connection: close\r\n';
    } else if (this.clientKeepAlive) extra += 'connection: keep-alive\r\n';
    extra += this.setCookie;
    if (this.ctx.spec.via !== undefined) extra += `via: ${res.version === 10 ? '1.0' : '1.1'} ${this.ctx.spec.via}\r\n`;
    const headEnd = this.rStart + res.headLength;
    const bodyEnd = this.bodyBytesIn(buf, headEnd, this.rEnd);
    this.resStarted = true;
    let ok: boolean;
    if (bodyEnd - headEnd <= COPY_BODY_MAX) {
      // A small body rides in the head's buffer: one buffer, one write.
      const out = buildResponse(res, buf, this.rStart, extra, bodyEnd, (this.resOut ??= takeHeadBuffer()));
      this.bytesOut += out.length;
      ok = this.client.write(out);
    } else {
      // A large one is not copied: head and body go out together in one corked write.
      const out = buildResponse(res, buf, this.rStart, extra, headEnd, (this.resOut ??= takeHeadBuffer()));
      this.bytesOut += out.length + (bodyEnd - headEnd);
      this.client.cork();
      this.client.write(out);
      ok = this.client.write(buf.subarray(headEnd, bodyEnd));
      this.client.uncork();
      this.afterBorrowedWrite(this.conn);
    }
    if (this.client.writableLength > 0) this.resOut = undefined;
    if (bodyEnd < this.rEnd) this.upstreamReusable = false;
    this.rStart = this.rEnd;
    if (!ok) this.conn?.socket.pause();
    if (this.resRemainingDone()) this.responseDone();
  }

  /** Counts the body bytes in buf[s, e) against the response framing; returns where the body ends. */
  private bodyBytesIn(buf: Buffer, s: number, e: number): number {
    switch (this.resBodyKind) {
      case 'none':
        return s;
      case 'length': {
        const n = Math.min(this.resRemaining, e - s);
        this.resRemaining -= n;
        return s + n;
      }
      case 'chunked': {
        const tracker = this.resTracker as ChunkedTracker;
        const n = tracker.feed(buf, s, e);
        if (tracker.error !== undefined) this.upstreamReusable = false;
        return s + n;
      }
      case 'close':
        return e;
    }
  }

  private resRemainingDone(): boolean {
    switch (this.resBodyKind) {
      case 'none':
        return true;
      case 'length':
        return this.resRemaining === 0;
      case 'chunked':
        return (this.resTracker as ChunkedTracker).done;
      case 'close':
        return false;
    }
  }

  private relayBody(chunk: Buffer, s: number, e: number): void {
    if (this.state === 'closing') return;
    const end = this.bodyBytesIn(chunk, s, e);
    if (this.resBodyKind === 'chunked' && (this.resTracker as ChunkedTracker).error !== undefined) {
      // A malformed chunked body half-way: the client cannot be told cleanly any more.
      this.dropUpstream();
      this.endRequest('UP');
      this.client.destroy();
      return;
    }
    if (end > s) {
      this.bytesOut += end - s;
      const ok = this.client.write(chunk.subarray(s, end));
      this.afterBorrowedWrite(this.conn);
      if (!ok) this.conn?.socket.pause();
    }
    if (end < e) this.upstreamReusable = false;
    if (this.resRemainingDone()) this.responseDone();
  }

  private responseDone(): void {
    if (this.reqDone) this.finishExchange();
    else {
      // The backend answered before the request body was complete: nothing after it can be trusted.
      this.upstreamReusable = false;
      this.clientKeepAlive = false;
      this.finishExchange();
    }
  }

  onUpstreamEnd(conn: UpstreamConnection): void {
    if (conn !== this.conn) return;
    if (this.state === 'tunnel') {
      this.client.end();
      return;
    }
    if (this.resHeadDone && this.resBodyKind === 'close') {
      this.upstreamReusable = false;
      this.finishExchange();
      return;
    }
    conn.socket.destroy();
  }

  onUpstreamTimeout(conn: UpstreamConnection): void {
    if (conn !== this.conn) return;
    // Only armed while connecting.
    this.connectTimedOut = true;
    conn.socket.destroy();
  }

  onUpstreamClose(conn: UpstreamConnection, err: NodeJS.ErrnoException | undefined): void {
    if (conn !== this.conn) return;
    const backend = this.backend as Backend;
    const pool = this.pool as Pool;
    this.conn = undefined;
    backend.active--;
    this.backend = undefined;
    if (this.state === 'tunnel') {
      if (err) this.client.resetAndDestroy();
      else this.client.end();
      this.endRequest(err ? 'UC' : '--');
      return;
    }
    if (this.state === 'closing') return;
    if (!conn.connected) {
      pool.reportConnectFailure(backend, connectFailureCause(err, this.connectTimedOut, pool.spec.connectTimeoutMs));
      if (this.triedCount < pool.spec.failoverAttempts) this.attempt();
      else this.ownAnswer(this.connectTimedOut ? 504 : 502, this.connectTimedOut ? 'UT' : 'UF', !this.reqDone);
      return;
    }
    if (this.resStarted) {
      // Cut mid-response: the client can only be told by closing.
      this.endRequest('UC');
      this.client.destroy();
      return;
    }
    this.upstreamFailedBeforeResponse(conn, backend);
  }

  /** The backend closed or reset before sending any response byte. */
  private upstreamFailedBeforeResponse(conn: UpstreamConnection, backend: Backend): void {
    // A fresh connection closed without an answer says something about the backend; a reused
    // one may just have met the backend's keep-alive timeout.
    if (conn.uses === 0) (this.pool as Pool).reportOutcome(backend, 'local-failure', 'closed by the backend before it answered');
    if (this.replayable && this.rEnd === this.rStart && !this.resHeadDone) {
      if (conn.uses > 0 && !this.freshOnly) {
        // The keep-alive race: the backend closed an idle connection as we reused it. Once, on a fresh one.
        this.freshOnly = true;
        this.state = 'connect';
        this.useBackend(backend);
        return;
      }
      if (this.retriesLeft > 0) {
        this.retriesLeft--;
        this.freshOnly = false;
        this.state = 'connect';
        this.attempt();
        return;
      }
    }
    this.ownAnswer(502, 'UC', true);
  }

  private upstreamBroken(code: TerminationCode): void {
    this.dropUpstream();
    if (this.resStarted) {
      this.endRequest(code);
      this.client.destroy();
    } else this.ownAnswer(502, code, true);
  }

  private startTunnel(buf: Buffer): void {
    const conn = this.conn as UpstreamConnection;
    if (!this.upgrading || this.res.upgrade !== 'websocket') return this.upstreamBroken('UP');
    const out = buildResponse(this.res, buf, this.rStart, 'connection: upgrade\r\nupgrade: websocket\r\n', this.rEnd);
    this.rStart = this.rEnd;
    this.resStarted = true;
    this.bytesOut += out.length;
    this.state = 'tunnel';
    this.deadline = 0;
    this.client.write(out);
    if (this.ctx.tunnelIdleMs > 0) {
      this.client.setTimeout(this.ctx.tunnelIdleMs);
      this.client.on('timeout', onTunnelIdle);
    }
    // Bytes the client sent after its upgrade request belong to the tunnel.
    if (this.inStart < this.inEnd) {
      conn.socket.write((this.inBuf as Buffer).subarray(this.inStart, this.inEnd));
      this.inStart = this.inEnd;
    }
    this.client.resume();
  }

  // ---- ends of exchanges ----

  private finishExchange(): void {
    const conn = this.conn;
    if (conn !== undefined) {
      this.conn = undefined;
      (this.backend as Backend).active--;
      this.backend = undefined;
      this.ctx.upstreams.release(conn, this.upstreamReusable && this.reqDone, this.hintMs);
    }
    this.endRequest('--');
    this.nextRequest(!this.clientKeepAlive);
  }

  private internalAnswer(kind: 'health' | 'status' | 'metrics'): void {
    const answer = this.ctx.internalAnswer(kind);
    const close = this.draining || this.clientEnded || !this.req.keepAlive || this.req.bodyKind !== 'none';
    const out = ownJsonResponse(answer.status, answer.body, close, this.req.method === 'HEAD');
    this.status = answer.status;
    this.bytesOut += out.length;
    this.client.write(out);
    this.endRequest('--');
    this.nextRequest(close);
  }

  /** Answers with one of Switchyard's own responses; `close` ends the connection after it. */
  private ownAnswer(status: OwnStatus, code: TerminationCode, close: boolean): void {
    if (this.conn) this.dropUpstream();
    if (this.resStarted) {
      this.endRequest(code);
      this.client.destroy();
      return;
    }
    const mustClose = close || this.draining || this.clientEnded || !this.req.keepAlive;
    const out = ownResponse(status, mustClose, this.req.method === 'HEAD');
    this.status = status;
    this.bytesOut += out.length;
    this.client.write(out);
    this.endRequest(code);
    this.nextRequest(mustClose);
  }

  private nextRequest(close: boolean): void {
    this.served = true;
    this.headStartedAt = 0;
    this.sentHead = undefined;
    this.sentBody = undefined;
    this.releaseHeadBuffers();
    this.resetResponse();
    if (close) {
      this.closeClient();
      return;
    }
    this.state = 'head';
    this.deadline = this.ctx.clock.now() + this.ctx.spec.keepAliveTimeoutMs;
    this.client.resume();
    if (this.inStart < this.inEnd) {
      this.readHead();
      return;
    }
    // Nothing the client sent is needed any more. Its chunks can share memory with other
    // connections' (client-reads.ts): an idle connection holds none of it.
    this.inBuf = undefined;
    this.headBuf = EMPTY;
    if (this.draining || this.clientEnded) this.closeClient();
  }

  /** The exchange is over: its head buffers go back to the spare list (no write holds one still kept; see sendRequest and respond). */
  private releaseHeadBuffers(): void {
    if (this.reqOut !== undefined) giveHeadBuffer(this.reqOut);
    if (this.resOut !== undefined) giveHeadBuffer(this.resOut);
    this.reqOut = undefined;
    this.resOut = undefined;
  }

  private closeClient(): void {
    this.state = 'closing';
    this.inStart = this.inEnd;
    this.client.end();
    // A client that does not close its side is not waited for long.
    this.deadline = this.ctx.clock.now() + LINGER_MS;
  }

  private dropUpstream(): void {
    const conn = this.conn;
    if (conn === undefined) return;
    this.conn = undefined;
    if (this.backend) {
      this.backend.active--;
      this.backend = undefined;
    }
    this.ctx.upstreams.discard(conn);
  }

  private resetResponse(): void {
    this.setCookie = '';
    this.rBuf = undefined;
    this.rStart = this.rEnd = 0;
    this.resHeadDone = false;
    this.resStarted = false;
    this.status = 0;
    this.hintMs = undefined;
    this.upstreamReusable = true;
    this.clientKeepAlive = true;
  }

  private forwardingHeaders(): string {
    const spec = this.ctx.spec;
    if (!spec.xForwarded && !spec.forwarded && spec.via === undefined) return '';
    const version = this.req.version === 10 ? '1.0' : '1.1';
    // Without a trusted peer or Via, the tail depends only on the peer, the host and the version.
    const plain = !this.trusted && spec.via === undefined;
    if (plain && this.req.host === this.forwardHost && version === this.forwardVersion && this.forwardTail !== '') return this.forwardTail;
    const last = this.ctx.lastForward;
    let tail: string;
    if (plain && last.peer === this.peer && last.host === this.req.host && last.version === version && last.tail !== '') tail = last.tail;
    else {
      const incoming = (this.incoming ??= {});
      if (!plain) readIncomingForwarded(this.req, this.headBuf, incoming);
      tail = forwardedTail({ xForwarded: spec.xForwarded, forwarded: spec.forwarded, via: spec.via }, this.peer, this.req.host, 'http', this.trusted, incoming, version);
      if (plain) {
        last.peer = this.peer;
        last.host = this.req.host;
        last.version = version;
        last.tail = tail;
      }
    }
    this.forwardHost = this.req.host;
    this.forwardVersion = version;
    this.forwardTail = tail;
    return tail;
  }

  private fillRecord(parsed: boolean): void {
    const r = this.record;
    r.time = 0;
    r.client = this.peer;
    r.method = parsed ? this.req.method : '-';
    r.host = parsed ? (this.req.host ?? '-') : '-';
    r.path = parsed ? this.req.target : '-';
    r.protocol = parsed && this.req.version === 10 ? 'HTTP/1.0' : 'HTTP/1.1';
    r.backend = '-';
    r.pool = '-';
    r.attempts = 0;
    r.userAgent = parsed ? (this.lookupHeader('user-agent') ?? '-') : '-';
    r.referer = parsed ? (this.lookupHeader('referer') ?? '-') : '-';
    this.bytesIn = parsed ? this.req.headLength : this.inEnd - this.inStart;
    this.bytesOut = 0;
  }

  private endRequest(code: TerminationCode): void {
    if (!this.inRequest) return;
    this.inRequest = false;
    const now = this.ctx.clock.now();
    const r = this.record;
    r.status = this.status;
    r.bytesIn = this.bytesIn;
    r.bytesOut = this.bytesOut;
    r.totalMs = Math.round(now - this.startedAt);
    r.upstreamMs = this.sentAt >= this.startedAt && this.sentAt > 0 ? Math.round(now - this.sentAt) : 0;
    r.termination = code;
    this.ctx.onRequestEnd(code, r);
    this.bytesIn = 0;
    this.bytesOut = 0;
    this.sentAt = 0;
  }

  onDeadline(now: number): void {
    this.deadline = 0;
    switch (this.state) {
      case 'head':
        if (this.headStartedAt !== 0) {
          this.startedAt = this.headStartedAt;
          this.inRequest = true;
          this.fillRecord(false);
          this.ownAnswer(408, 'CT', true);
        } else this.closeClient();
        return;
      case 'body':
        this.ownAnswer(408, 'CT', true);
        return;
      case 'connect':
      case 'response':
        if (!this.resHeadDone) {
          if (this.backend && this.pool) this.pool.reportOutcome(this.backend, 'local-failure', `no response within ${this.ctx.spec.responseTimeoutMs} ms`);
          this.ownAnswer(504, 'RT', true);
        } else if (this.bytesOut !== this.progressMark || this.client.writableNeedDrain) {
          // Body bytes moved, or the client is the slow side: wait again.
          this.progressMark = this.bytesOut;
          this.deadline = now + this.ctx.spec.responseTimeoutMs;
        } else {
          // The backend went quiet mid-body: the client can only be told by closing.
          this.upstreamBroken('RT');
        }
        return;
      case 'closing':
        this.client.destroy();
        return;
      default:
        return;
    }
  }

  tunnelIdle(): void {
    if (this.state !== 'tunnel') return;
    this.conn?.socket.destroy();
    this.client.destroy();
  }
}

/** The value of cookie `name` in a Cookie header, or undefined. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The socket's session; undefined once its 'close' was handled (no other event comes after it). */
function sessionOf(s: Socket): HttpSession | undefined {
  return (s as TaggedSocket)[kSession];
}

function onClientData(this: Socket, chunk: Buffer): void {
  sessionOf(this)?.clientData(chunk);
}

function onClientEnd(this: Socket): void {
  sessionOf(this)?.clientEnd();
}

function onClientDrain(this: Socket): void {
  sessionOf(this)?.clientDrain();
}

function onClientError(): void {
  // The 'close' that follows ends the session.
}

function onClientClose(this: Socket): void {
  sessionOf(this)?.clientClose();
}

function onTunnelIdle(this: Socket): void {
  sessionOf(this)?.tunnelIdle();
}


