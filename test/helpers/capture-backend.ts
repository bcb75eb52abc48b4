/**
 * A capturing HTTP/1.1 backend for proxy conformance tests.
 *
 * It is a raw `net` server (not node:http, which would refuse odd bytes itself): it logs every
 * byte any client (the proxy under test) sends, frames requests by hand (head end, then
 * Content-Length or chunked body) and answers each complete request with
 * `HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Backend: capture\r\n\r\nok` on a kept-alive
 * connection (the same head without the body for HEAD, as a correct origin does).
 *
 * The parser is lenient on purpose: it accepts what a sloppy proxy might forward (bare LF,
 * obs-fold, odd names) so the tests can see it, and records every such deviation in
 * `anomalies`. Only bytes it cannot frame at all make it answer 400 and close.
 */
import { createServer, type AddressInfo, type Socket } from 'node:net';

export type HeaderList = [name: string, value: string][];

/** One request as the backend received it. Strings are latin1, so every byte survives. */
export interface CapturedRequest {
  /** Index of the backend connection it arrived on (into `connectionLogs()`). */
  readonly connection: number;
  readonly method: string;
  readonly target: string;
  readonly version: string;
  /** Header section in received order, names as sent, values without surrounding OWS. */
  readonly headers: HeaderList;
  /** Trailer section of a chunked body (empty otherwise). */
  readonly trailers: HeaderList;
  readonly framing: 'none' | 'content-length' | 'chunked';
  /** The body bytes, de-chunked. */
  readonly body: Buffer;
  /** The exact bytes of this request. */
  readonly raw: Buffer;
  /** Everything the lenient parser had to tolerate (bare LF, obs-fold, invalid names, CTLs...). */
  readonly anomalies: readonly string[];
}

/** Bytes on a backend connection that are not (part of) a complete request. */
export interface Leftover {
  readonly connection: number;
  readonly bytes: Buffer;
  /** 'incomplete' when more bytes could still complete it, otherwise why it cannot be framed. */
  readonly reason: string;
}

export interface CaptureBackend {
  readonly port: number;
  /** Everything received since the last reset, all connections, in arrival order. */
  received(): Buffer;
  /** One raw byte log per connection that was open or opened since the last reset. */
  connectionLogs(): Buffer[];
  /** Complete requests parsed from the logs, ordered by the arrival of their first byte. */
  requests(): CapturedRequest[];
  /** Bytes that did not form a complete request. */
  leftovers(): Leftover[];
  /** Connections accepted since the last reset. */
  connectionsAccepted(): number;
  /** Forgets all logs; destroys connections left in the middle of a request. */
  reset(): void;
  close(): Promise<void>;
}

export type RequestStep =
  | { readonly kind: 'incomplete' }
  | { readonly kind: 'invalid'; readonly reason: string }
  | { readonly kind: 'complete'; readonly request: Omit<CapturedRequest, 'connection'>; readonly end: number };

const CR = 13;
const LF = 10;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// eslint-disable-next-line no-control-regex -- the point is to find control characters
const CTL_IN_VALUE = /[\x00-\x08\x0a-\x1f\x7f]/;
// eslint-disable-next-line no-control-regex
const BAD_TARGET_BYTE = /[\x00-\x20\x7f-\xff]/;
const INCOMPLETE = { kind: 'incomplete' } as const;

interface Line {
  readonly text: string;
  readonly next: number;
  readonly bareLf: boolean;
}

function readLine(buf: Buffer, pos: number): Line | null {
  const lf = buf.indexOf(LF, pos);
  if (lf < 0) return null;
  const crlf = lf > pos && buf[lf - 1] === CR;
  return { text: buf.toString('latin1', pos, crlf ? lf - 1 : lf), next: lf + 1, bareLf: !crlf };
}

function trimOws(s: string): string {
  return s.replace(/^[ \t]+|[ \t]+$/g, '');
}

/** Parses one `name: value` line into `into`, noting anomalies; returns an error or null. */
function parseField(text: string, into: HeaderList, anomalies: string[], where: string): string | null {
  const colon = text.indexOf(':');
  if (colon < 0) return `${where} line without a colon: ${JSON.stringify(text.slice(0, 60))}`;
  const name = text.slice(0, colon);
  const value = trimOws(text.slice(colon + 1));
  if (!TOKEN.test(name)) anomalies.push(`invalid ${where} name ${JSON.stringify(name.slice(0, 60))}`);
  if (CTL_IN_VALUE.test(value)) anomalies.push(`control character in ${where} ${JSON.stringify(name.slice(0, 60))}`);
  into.push([name, value]);
  return null;
}

function values(headers: HeaderList, name: string): string[] {
  const lower = name.toLowerCase();
  return headers.filter(([n]) => n.toLowerCase() === lower).map(([, v]) => v);
}

export type ChunkedStep =
  | { readonly kind: 'incomplete' }
  | { readonly kind: 'invalid'; readonly reason: string }
  | { readonly kind: 'complete'; readonly body: Buffer; readonly trailers: HeaderList; readonly end: number };

/** Decodes a chunked body starting at `pos` (lenient: bare LF and chunk extensions pass, noted). */
export function readChunkedBody(buf: Buffer, pos: number, anomalies: string[]): ChunkedStep {
  const parts: Buffer[] = [];
  let p = pos;
  for (;;) {
    const line = readLine(buf, p);
    if (!line) return INCOMPLETE;
    if (line.bareLf) anomalies.push('bare LF in chunked framing');
    if (line.text.includes('\r')) anomalies.push('bare CR in chunked framing');
    const m = /^[0-9A-Fa-f]+/.exec(line.text);
    if (!m) return { kind: 'invalid', reason: `invalid chunk size line ${JSON.stringify(line.text.slice(0, 40))}` };
    const rest = line.text.slice(m[0].length);
    if (rest !== '' && !/^;[!#$%&'*+\-.^_`|~0-9A-Za-z]/.test(rest)) {
      anomalies.push(`odd chunk-size line ${JSON.stringify(line.text.slice(0, 40))}`);
    }
    if (m[0].replace(/^0+/, '').length > 12) return { kind: 'invalid', reason: 'chunk size too large' };
    const size = Number.parseInt(m[0], 16);
    p = line.next;
    if (size === 0) {
      const trailers: HeaderList = [];
      for (;;) {
        const t = readLine(buf, p);
        if (!t) return INCOMPLETE;
        if (t.bareLf) anomalies.push('bare LF in trailer section');
        p = t.next;
        if (t.text === '') return { kind: 'complete', body: Buffer.concat(parts), trailers, end: p };
        const err = parseField(t.text, trailers, anomalies, 'trailer');
        if (err) return { kind: 'invalid', reason: err };
      }
    }
    if (buf.length < p + size + 1) return INCOMPLETE;
    parts.push(buf.subarray(p, p + size));
    p += size;
    if (buf[p] === LF) {
      anomalies.push('bare LF after chunk data');
      p += 1;
    } else if (buf[p] === CR) {
      if (buf.length < p + 2) return INCOMPLETE;
      if (buf[p + 1] !== LF) return { kind: 'invalid', reason: 'chunk data not followed by CRLF' };
      p += 2;
    } else {
      return { kind: 'invalid', reason: 'chunk data not followed by CRLF' };
    }
  }
}

/** Parses one request starting at `start`: complete, incomplete (need more bytes) or invalid. */
export function parseRequestAt(buf: Buffer, start: number): RequestStep {
  const anomalies: string[] = [];
  let pos = start;
  let line = readLine(buf, pos);
  while (line && line.text === '') {
    anomalies.push('empty line before the request-line');
    pos = line.next;
    line = readLine(buf, pos);
  }
  if (!line) return INCOMPLETE;
  if (line.bareLf) anomalies.push('bare LF after the request-line');
  if (line.text.includes('\r')) anomalies.push('bare CR in the request-line');
  let parts = line.text.split(' ');
  if (parts.length !== 3 || parts.some((p) => p === '')) {
    anomalies.push('irregular whitespace in the request-line');
    parts = line.text.split(/[ \t]+/).filter((p) => p !== '');
  }
  const [method, target, version] = parts;
  if (parts.length !== 3 || method === undefined || target === undefined || version === undefined) {
    return { kind: 'invalid', reason: `request-line is not method SP target SP version: ${JSON.stringify(line.text.slice(0, 80))}` };
  }
  if (!TOKEN.test(method)) anomalies.push('invalid method');
  if (BAD_TARGET_BYTE.test(target)) anomalies.push('invalid byte in the request-target');
  if (!/^HTTP\/[0-9]\.[0-9]$/.test(version)) anomalies.push(`invalid version ${JSON.stringify(version)}`);

  const headers: HeaderList = [];
  pos = line.next;
  for (;;) {
    const h = readLine(buf, pos);
    if (!h) return INCOMPLETE;
    pos = h.next;
    if (h.bareLf) anomalies.push('bare LF in the header section');
    if (h.text === '') break;
    if (h.text.includes('\r')) anomalies.push('bare CR in the header section');
    const first = h.text.charCodeAt(0);
    if (first === 0x20 || first === 0x09) {
      anomalies.push('obs-fold');
      const last = headers[headers.length - 1];
      if (!last) return { kind: 'invalid', reason: 'obs-fold before any header field' };
      last[1] = `${last[1]} ${trimOws(h.text)}`;
      continue;
    }
    const err = parseField(h.text, headers, anomalies, 'header');
    if (err) return { kind: 'invalid', reason: err };
  }

  const te = values(headers, 'transfer-encoding');
  const cl = values(headers, 'content-length');
  if (te.length > 0 && cl.length > 0) anomalies.push('both Transfer-Encoding and Content-Length');
  if (te.length > 1) anomalies.push('more than one Transfer-Encoding field');
  if (cl.length > 1) anomalies.push('more than one Content-Length field');
  const raw = (end: number): Buffer => Buffer.from(buf.subarray(start, end));
  const base = { method, target, version, headers };

  if (te.length > 0) {
    const codings = te.join(',').split(',').map(trimOws).filter((s) => s !== '');
    if (codings[codings.length - 1]?.toLowerCase() !== 'chunked') {
      return { kind: 'invalid', reason: `cannot frame Transfer-Encoding: ${te.join(', ')}` };
    }
    const body = readChunkedBody(buf, pos, anomalies);
    if (body.kind !== 'complete') return body;
    const request = { ...base, trailers: body.trailers, framing: 'chunked' as const, body: Buffer.from(body.body), raw: raw(body.end), anomalies };
    return { kind: 'complete', request, end: body.end };
  }
  if (cl.length > 0) {
    const all = cl.join(',').split(',').map(trimOws);
    if (!all.every((v) => /^[0-9]+$/.test(v))) return { kind: 'invalid', reason: `invalid Content-Length: ${cl.join(', ')}` };
    const n = Number(all[0]);
    if (!all.every((v) => Number(v) === n)) return { kind: 'invalid', reason: `conflicting Content-Length: ${cl.join(', ')}` };
    if (!Number.isSafeInteger(n)) return { kind: 'invalid', reason: 'Content-Length too large' };
    if (buf.length < pos + n) return INCOMPLETE;
    const end = pos + n;
    const request = { ...base, trailers: [], framing: 'content-length' as const, body: Buffer.from(buf.subarray(pos, end)), raw: raw(end), anomalies };
    return { kind: 'complete', request, end };
  }
  const request = { ...base, trailers: [], framing: 'none' as const, body: Buffer.alloc(0), raw: raw(pos), anomalies };
  return { kind: 'complete', request, end: pos };
}

/** Parses a byte stream into complete requests plus whatever is left (incomplete or invalid). */
export function parseRequests(buf: Buffer): {
  requests: { request: Omit<CapturedRequest, 'connection'>; start: number }[];
  rest: Buffer;
  restReason?: string;
} {
  const requests: { request: Omit<CapturedRequest, 'connection'>; start: number }[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const step = parseRequestAt(buf, pos);
    if (step.kind === 'complete') {
      requests.push({ request: step.request, start: pos });
      pos = step.end;
      continue;
    }
    const restReason = step.kind === 'invalid' ? step.reason : 'incomplete';
    return { requests, rest: buf.subarray(pos), restReason };
  }
  return { requests, rest: buf.subarray(pos) };
}

const OK_BODY = Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Backend: capture\r\n\r\nok', 'latin1');
const OK_HEAD = OK_BODY.subarray(0, OK_BODY.length - 2);
const CONTINUE = Buffer.from('HTTP/1.1 100 Continue\r\n\r\n', 'latin1');
const BAD = Buffer.from(
  'HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nX-Backend: capture\r\nConnection: close\r\n\r\n',
  'latin1',
);

interface Conn {
  readonly socket: Socket;
  /** Received chunks since the last reset, each with a global arrival sequence number. */
  chunks: { seq: number; data: Buffer }[];
  /** Unanswered bytes (may span a reset: the framing state of the connection survives it). */
  pending: Buffer;
  continued: boolean;
  broken: boolean;
}

/** Starts the capturing backend on 127.0.0.1 and an ephemeral port. */
export async function startCaptureBackend(): Promise<CaptureBackend> {
  let live: Conn[] = [];
  let logged: Conn[] = [];
  let seq = 0;
  let accepted = 0;

  const serve = (c: Conn): void => {
    while (!c.broken && c.pending.length > 0) {
      const step = parseRequestAt(c.pending, 0);
      if (step.kind === 'invalid') {
        c.broken = true;
        c.socket.end(BAD);
        return;
      }
      if (step.kind === 'incomplete') {
        maybeContinue(c);
        return;
      }
      c.pending = c.pending.subarray(step.end);
      c.continued = false;
      c.socket.write(step.request.method === 'HEAD' ? OK_HEAD : OK_BODY);
    }
  };

  // A proxy that waits for 100 Continue before sending the body would otherwise deadlock.
  const maybeContinue = (c: Conn): void => {
    if (c.continued) return;
    const head = c.pending.indexOf('\r\n\r\n');
    if (head < 0) return;
    const text = c.pending.toString('latin1', 0, head);
    if (/^[^\r\n]* HTTP\/1\.1\r\n/.test(text) && /\r\nexpect:[ \t]*100-continue[ \t]*(\r\n|$)/i.test(text)) {
      c.continued = true;
      c.socket.write(CONTINUE);
    }
  };

  const server = createServer({ allowHalfOpen: false }, (socket) => {
    accepted++;
    const c: Conn = { socket, chunks: [], pending: Buffer.alloc(0), continued: false, broken: false };
    live.push(c);
    logged.push(c);
    socket.on('error', () => {});
    socket.on('close', () => {
      live = live.filter((x) => x !== c);
    });
    socket.on('data', (data: Buffer) => {
      c.chunks.push({ seq: seq++, data });
      if (c.broken) return;
      c.pending = c.pending.length === 0 ? data : Buffer.concat([c.pending, data]);
      serve(c);
    });
  });
  server.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  const log = (c: Conn): Buffer => Buffer.concat(c.chunks.map((k) => k.data));

  const parsed = (): { requests: CapturedRequest[]; leftovers: Leftover[] } => {
    const found: { seq: number; req: CapturedRequest }[] = [];
    const leftovers: Leftover[] = [];
    logged.forEach((c, connection) => {
      const bytes = log(c);
      const { requests, rest, restReason } = parseRequests(bytes);
      for (const { request, start } of requests) {
        let offset = 0;
        let first = c.chunks[0]?.seq ?? 0;
        for (const k of c.chunks) {
          if (offset + k.data.length > start) {
            first = k.seq;
            break;
          }
          offset += k.data.length;
        }
        found.push({ seq: first, req: { connection, ...request } });
      }
      if (rest.length > 0) leftovers.push({ connection, bytes: Buffer.from(rest), reason: restReason ?? 'incomplete' });
    });
    found.sort((a, b) => a.seq - b.seq);
    return { requests: found.map((f) => f.req), leftovers };
  };

  return {
    port,
    received: () =>
      Buffer.concat(
        logged
          .flatMap((c) => c.chunks)
          .sort((a, b) => a.seq - b.seq)
          .map((k) => k.data),
      ),
    connectionLogs: () => logged.map(log),
    requests: () => parsed().requests,
    leftovers: () => parsed().leftovers,
    connectionsAccepted: () => accepted,
    reset: () => {
      for (const c of live) {
        if (c.pending.length > 0 || c.broken) c.socket.destroy();
        c.chunks = [];
      }
      live = live.filter((c) => !c.socket.destroyed);
      logged = [...live];
      accepted = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of live) c.socket.destroy();
        server.close(() => resolve());
      }),
  };
}
