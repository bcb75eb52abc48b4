/**
 * Raw-socket HTTP/1.1 helpers for integration tests of HTTP listeners: a client that writes
 * exact bytes and reads responses framed by hand (so nothing is hidden or repaired by
 * node:http), and a backend that frames requests by hand (capture-backend's parser) and
 * lets each test write exactly the response bytes it wants.
 */
import { connect, type Socket } from 'node:net';
import { createHash } from 'node:crypto';
import { startServer, type TestServer } from './net.js';
import { parseRequestAt, readChunkedBody, type CapturedRequest, type HeaderList } from './capture-backend.js';

export type { CapturedRequest, HeaderList };

export interface RawResponse {
  readonly version: string;
  readonly status: number;
  readonly reason: string;
  /** In received order, names as sent. */
  readonly headers: HeaderList;
  readonly framing: 'none' | 'length' | 'chunked' | 'close';
  /** The body, de-chunked. */
  readonly body: Buffer;
  /** The exact bytes of the response (head and body as framed). */
  readonly raw: Buffer;
}

/** Every value of a header (case-insensitive name), in order. */
export function headerValues(headers: HeaderList, name: string): string[] {
  const lower = name.toLowerCase();
  return headers.filter(([n]) => n.toLowerCase() === lower).map(([, v]) => v);
}

/** The first value of a header, or undefined. */
export function headerValue(headers: HeaderList, name: string): string | undefined {
  return headerValues(headers, name)[0];
}

/** Lower-cased header names, in order. */
export function headerNames(headers: HeaderList): string[] {
  return headers.map(([n]) => n.toLowerCase());
}

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

type ResponseStep = { kind: 'incomplete' } | { kind: 'invalid'; reason: string } | { kind: 'complete'; response: RawResponse; end: number };

/**
 * Frames one response at buf[pos] (RFC 9112 §6.3): no body after HEAD and for 1xx, 204 and 304;
 * then chunked, Content-Length, or up to the close (complete only once `ended`).
 */
export function parseResponseAt(buf: Buffer, pos: number, method: string, ended: boolean): ResponseStep {
  const headEnd = buf.indexOf('\r\n\r\n', pos, 'latin1');
  if (headEnd < 0) return ended && buf.length > pos ? { kind: 'invalid', reason: 'connection closed inside a response head' } : { kind: 'incomplete' };
  const lines = buf.toString('latin1', pos, headEnd).split('\r\n');
  const m = /^(HTTP\/\d\.\d) (\d{3})(?: (.*))?$/.exec(lines[0] ?? '');
  if (!m) return { kind: 'invalid', reason: `bad status line ${JSON.stringify((lines[0] ?? '').slice(0, 80))}` };
  const headers: HeaderList = [];
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) return { kind: 'invalid', reason: `bad header line ${JSON.stringify(line.slice(0, 80))}` };
    headers.push([line.slice(0, colon), line.slice(colon + 1).trim()]);
  }
  const status = Number(m[2]);
  const bodyStart = headEnd + 4;
  const base = { version: m[1] ?? '', status, reason: m[3] ?? '', headers };
  const done = (framing: RawResponse['framing'], body: Buffer, end: number): ResponseStep => ({
    kind: 'complete',
    response: { ...base, framing, body: Buffer.from(body), raw: Buffer.from(buf.subarray(pos, end)) },
    end,
  });
  if (method === 'HEAD' || (status >= 100 && status < 200) || status === 204 || status === 304) return done('none', Buffer.alloc(0), bodyStart);
  const te = headerValues(headers, 'transfer-encoding');
  if (te.length > 0) {
    if (te.join(',').trim().toLowerCase() !== 'chunked') return { kind: 'invalid', reason: `unexpected Transfer-Encoding ${te.join(', ')}` };
    const chunked = readChunkedBody(buf, bodyStart, []);
    if (chunked.kind === 'incomplete') return ended ? { kind: 'invalid', reason: 'connection closed inside a chunked body' } : chunked;
    if (chunked.kind === 'invalid') return chunked;
    return done('chunked', chunked.body, chunked.end);
  }
  const cl = headerValues(headers, 'content-length');
  if (cl.length > 0) {
    const n = Number(cl[0]);
    if (buf.length < bodyStart + n) return ended ? { kind: 'invalid', reason: 'connection closed inside a body' } : { kind: 'incomplete' };
    return done('length', buf.subarray(bodyStart, bodyStart + n), bodyStart + n);
  }
  if (!ended) return { kind: 'incomplete' };
  return done('close', buf.subarray(bodyStart), buf.length);
}

/** A client connection that writes raw bytes and reads responses one at a time. */
export class RawClient {
  private buf: Buffer = Buffer.alloc(0);
  private ended = false;
  private closedFlag = false;
  private readonly waiters = new Set<() => void>();
  /** When the peer's FIN or the close was seen (Date.now()), else undefined. */
  endedAt: number | undefined;

  private constructor(readonly socket: Socket) {
    socket.on('error', () => {});
    socket.on('data', (d: Buffer) => {
      this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
      this.wake();
    });
    const onEnd = (): void => {
      this.ended = true;
      this.endedAt ??= Date.now();
      this.wake();
    };
    socket.on('end', onEnd);
    socket.on('close', () => {
      this.closedFlag = true;
      onEnd();
    });
  }

  static open(port: number, host = '127.0.0.1'): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = connect({ port, host, allowHalfOpen: true });
      s.once('error', reject);
      s.once('connect', () => {
        s.removeListener('error', reject);
        resolve(new RawClient(s));
      });
    });
  }

  /** Whether the server ended or the socket closed. */
  get isEnded(): boolean {
    return this.ended;
  }

  get isClosed(): boolean {
    return this.closedFlag;
  }

  write(data: string | Buffer): void {
    this.socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  /** Bytes received and not consumed by response(). */
  pending(): Buffer {
    return this.buf;
  }

  /** Resolves with the next complete response (1xx included), consuming it; rejects on a close or after `ms`. */
  async response(method = 'GET', ms = 5000): Promise<RawResponse> {
    const until = Date.now() + ms;
    for (;;) {
      const step = parseResponseAt(this.buf, 0, method, this.ended);
      if (step.kind === 'complete') {
        this.buf = this.buf.subarray(step.end);
        return step.response;
      }
      if (step.kind === 'invalid') throw new Error(`${step.reason}; received ${JSON.stringify(this.buf.toString('latin1').slice(0, 300))}`);
      if (this.ended) throw new Error(`connection ended before a complete response; received ${JSON.stringify(this.buf.toString('latin1').slice(0, 300))}`);
      await this.wait(until, 'a response');
    }
  }

  /** The next final (non-1xx) response, skipping interim ones. */
  async finalResponse(method = 'GET', ms = 5000): Promise<RawResponse> {
    for (let i = 0; i < 10; i++) {
      const r = await this.response(method, ms);
      if (r.status >= 200) return r;
    }
    throw new Error('more than 10 interim responses');
  }

  /** Resolves when the server has ended the connection (FIN or close); rejects after `ms`. */
  async whenEnded(ms = 5000): Promise<void> {
    const until = Date.now() + ms;
    while (!this.ended) await this.wait(until, 'the end of the connection');
  }

  /** Everything received and not yet read as a response, as latin1 text. */
  text(): string {
    return this.buf.toString('latin1');
  }

  /** Resolves when at least `n` bytes are buffered. */
  async waitForBytes(n: number, ms = 5000): Promise<void> {
    const until = Date.now() + ms;
    while (this.buf.length < n) {
      if (this.ended) throw new Error('connection ended');
      await this.wait(until, `${n} bytes`);
    }
  }

  close(): void {
    this.socket.destroy();
  }

  private wait(until: number, what: string): Promise<void> {
    const left = until - Date.now();
    if (left <= 0) return Promise.reject(new Error(`timed out waiting for ${what}; received ${JSON.stringify(this.buf.toString('latin1').slice(0, 300))}`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(wake);
        reject(new Error(`timed out waiting for ${what}; received ${JSON.stringify(this.buf.toString('latin1').slice(0, 300))}`));
      }, left);
      const wake = (): void => {
        clearTimeout(timer);
        this.waiters.delete(wake);
        resolve();
      };
      this.waiters.add(wake);
    });
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }
}

/** Opens a connection, writes `data`, reads one response and closes. */
export async function rawRequest(port: number, data: string | Buffer, method = 'GET'): Promise<RawResponse> {
  const c = await RawClient.open(port);
  try {
    c.write(data);
    return await c.finalResponse(method);
  } finally {
    c.close();
  }
}

/** A simple request head (HTTP/1.1, Host first). */
export function get(path = '/', host = 'app.test', extra = ''): string {
  return `GET ${path} HTTP/1.1\r\nHost: ${host}\r\n${extra}\r\n`;
}

/** A response with a Content-Length body. */
export function okResponse(body: string | Buffer = 'ok', extraHeaders = '', status = '200 OK'): Buffer {
  const b = typeof body === 'string' ? Buffer.from(body, 'latin1') : body;
  return Buffer.concat([Buffer.from(`HTTP/1.1 ${status}\r\nContent-Length: ${b.length}\r\n${extraHeaders}\r\n`, 'latin1'), b]);
}

export interface HttpBackend {
  readonly port: number;
  readonly server: TestServer;
  /** Every complete request, in arrival order, with the index of its backend connection. */
  readonly requests: CapturedRequest[];
  /** Connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

/** What a scripted backend does with a complete request: write a response, close, reset… */
export type Responder = (req: CapturedRequest, socket: Socket, nth: number) => void;

/**
 * A raw HTTP backend: frames requests with the capture backend's parser and hands each complete
 * one to `respond` (nth counts requests on this connection, from 0). `onHead` is called once a
 * request head (without its body) is there, for 100-continue style tests.
 */
export async function startHttpBackend(respond: Responder, opts: { onHead?: (head: string, socket: Socket) => void } = {}): Promise<HttpBackend> {
  const requests: CapturedRequest[] = [];
  let connection = 0;
  const server = await startServer((s) => {
    const index = connection++;
    let pending: Buffer = Buffer.alloc(0);
    let nth = 0;
    let headSeen = false;
    s.on('data', (d: Buffer) => {
      pending = pending.length === 0 ? d : Buffer.concat([pending, d]);
      for (let guard = 0; guard < 1000 && pending.length > 0 && !s.destroyed; guard++) {
        const step = parseRequestAt(pending, 0);
        if (step.kind === 'incomplete') {
          if (!headSeen && opts.onHead) {
            const end = pending.indexOf('\r\n\r\n');
            if (end >= 0) {
              headSeen = true;
              opts.onHead(pending.toString('latin1', 0, end), s);
            }
          }
          return;
        }
        if (step.kind === 'invalid') {
          s.destroy();
          return;
        }
        pending = pending.subarray(step.end);
        headSeen = false;
        const req = { connection: index, ...step.request };
        requests.push(req);
        respond(req, s, nth++);
      }
    });
  });
  return {
    port: server.port,
    server,
    requests,
    connections: () => server.connections,
    close: () => server.close(),
  };
}

/** A backend answering every request with 200 and `name` as the body, on a kept-alive connection. */
export function namedHttpBackend(name: string): Promise<HttpBackend> {
  const full = okResponse(name, `X-Backend: ${name}\r\n`);
  const head = full.subarray(0, full.length - Buffer.byteLength(name, 'latin1'));
  return startHttpBackend((req, s) => s.write(req.method === 'HEAD' ? head : full));
}
