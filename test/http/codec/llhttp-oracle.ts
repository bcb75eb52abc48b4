/**
 * Differential-testing helpers: what Node's own llhttp (behind `node:http`, default strict
 * settings) makes of some raw bytes, and what the codec makes of the same bytes.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { parseRequestHead, RequestHead } from '../../../src/proxy/http/codec/request-head.js';
import { ChunkedTracker } from '../../../src/proxy/http/codec/chunked.js';
import { DEFAULT_HEAD_LIMITS } from '../../../src/proxy/http/codec/head-result.js';

export interface SeenRequest {
  method: string;
  target: string;
  bodyBytes: number;
}

export interface Verdict {
  /** Requests accepted whole (head and body), in order. */
  readonly requests: SeenRequest[];
  /** Why the side stopped before the end of the bytes; undefined when every byte was used. */
  readonly stop: string | undefined;
  /** The codec only: the status of the head error that stopped it. */
  readonly status?: number;
  /** The codec only: the stop came from the chunked tracker. */
  readonly bodyError?: boolean;
}

interface ConnectionRecord {
  requests: (SeenRequest & { complete: boolean })[];
  error: string | undefined;
}

/** A node:http server on 127.0.0.1:0 that records what llhttp parsed on each connection. */
export class LlhttpOracle {
  private readonly records = new Map<number, ConnectionRecord>();

  private constructor(
    private readonly server: Server,
    private readonly port: number,
  ) {}

  static async start(): Promise<LlhttpOracle> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const oracle = new LlhttpOracle(server, (server.address() as AddressInfo).port);
    server.on('connection', (s: Socket) => {
      s.on('error', () => {});
      oracle.records.set(s.remotePort ?? 0, { requests: [], error: undefined });
    });
    const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
      const rec = oracle.records.get(req.socket.remotePort ?? 0);
      const seen = { method: req.method ?? '', target: req.url ?? '', bodyBytes: 0, complete: false };
      rec?.requests.push(seen);
      req.on('data', (c: Buffer) => (seen.bodyBytes += c.length));
      req.on('error', () => {});
      req.on('end', () => {
        seen.complete = true;
        res.end('ok');
      });
    };
    server.on('request', onRequest);
    server.on('checkExpectation', onRequest);
    // CONNECT: llhttp accepted the head; node hands the socket over as a tunnel.
    server.on('connect', (req: IncomingMessage, s: Socket) => {
      oracle.records.get(s.remotePort ?? 0)?.requests.push({ method: req.method ?? '', target: req.url ?? '', bodyBytes: 0, complete: true });
      s.destroy();
    });
    server.on('clientError', (err: NodeJS.ErrnoException, s: Socket) => {
      const rec = oracle.records.get(s.remotePort ?? 0);
      if (rec && rec.error === undefined) rec.error = err.code ?? err.message;
      s.destroy();
    });
    return oracle;
  }

  /** Sends the bytes on a new connection, half-closes, and waits for the server to close. */
  async run(bytes: Buffer): Promise<Verdict> {
    const { localPort, response } = await new Promise<{ localPort: number; response: string }>((resolve) => {
      const chunks: Buffer[] = [];
      const s = connect({ port: this.port, host: '127.0.0.1' });
      let localPort = 0;
      const timer = setTimeout(() => s.destroy(), 3000);
      s.on('connect', () => {
        localPort = s.localPort ?? 0;
        s.end(bytes);
      });
      s.on('data', (c: Buffer) => chunks.push(c));
      s.on('error', () => {});
      s.on('close', () => {
        clearTimeout(timer);
        resolve({ localPort, response: Buffer.concat(chunks).toString('latin1') });
      });
    });
    const rec = this.records.get(localPort) ?? { requests: [], error: undefined };
    this.records.delete(localPort);
    const requests = rec.requests.filter((r) => r.complete).map(({ method, target, bodyBytes }) => ({ method, target, bodyBytes }));
    let stop = rec.error;
    if (stop === undefined && requests.length < rec.requests.length) stop = 'body incomplete';
    if (stop === undefined) {
      const refused = [...response.matchAll(/HTTP\/1\.[01] ([0-9]{3})/g)].find((m) => m[1] !== '200' && m[1] !== '100');
      if (refused) stop = `node answered ${refused[1]}`;
    }
    return { requests, stop };
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** What the codec makes of the same bytes: heads and bodies one after the other, as the proxy would. */
export function codecVerdict(bytes: Buffer): Verdict {
  const head = new RequestHead();
  const tracker = new ChunkedTracker();
  const requests: SeenRequest[] = [];
  if (bytes.length === 0) return { requests, stop: 'head incomplete' };
  let p = 0;
  while (p < bytes.length) {
    const r = parseRequestHead(bytes, p, bytes.length, DEFAULT_HEAD_LIMITS, head);
    if (r.type === 'incomplete') return { requests, stop: 'head incomplete' };
    if (r.type === 'error') return { requests, stop: r.reason, status: r.status };
    p += head.headLength;
    let bodyBytes = 0;
    if (head.bodyKind === 'length') {
      if (bytes.length - p < head.contentLength) return { requests, stop: 'body incomplete' };
      bodyBytes = head.contentLength;
      p += bodyBytes;
    } else if (head.bodyKind === 'chunked') {
      tracker.reset();
      p += tracker.feed(bytes, p, bytes.length);
      if (tracker.error !== undefined) return { requests, stop: tracker.error, bodyError: true };
      if (!tracker.done) return { requests, stop: 'body incomplete' };
      bodyBytes = tracker.bodyBytes;
    }
    requests.push({ method: head.method, target: head.target, bodyBytes });
    if (!head.keepAlive) return { requests, stop: p < bytes.length ? 'data after a request that closes' : undefined };
    // What follows an upgrade request depends on the backend's answer (101: tunnel bytes).
    if (head.upgrade !== undefined) return { requests, stop: p < bytes.length ? 'data after an upgrade request' : undefined };
  }
  return { requests, stop: undefined };
}
