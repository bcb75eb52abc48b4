/**
 * The demo backend: a small HTTP server to put behind Switchyard when trying it out or testing it.
 *
 * - `GET /health` answers 200 `{"status":"ok","name":...}`, always (failRate does not apply).
 * - Any other request answers 200 `text/plain` with the backend's name and a newline, or, with
 *   `?format=json` or `Accept: application/json`, a JSON echo of the request.
 * - A share `failRate` of the non-health requests answers 500 `<name>: simulated failure\n`.
 * - Every response carries `X-Backend: <name>` and waits `latencyMs` plus up to
 *   `latencyJitterMs` (uniform) before it is written.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { TimerHandle } from '../core/clock.js';
import { systemClock } from '../core/clock.js';
import { SwitchyardError } from '../core/errors.js';

export interface DemoBackendOptions {
  /** 0 = any free port. */
  port: number;
  /** Default '127.0.0.1'. */
  host?: string;
  /** Answered in every response. */
  name: string;
  /** Delay added before every response, in milliseconds (default 0). */
  latencyMs?: number;
  /** Extra uniform random delay of 0..latencyJitterMs milliseconds (default 0). */
  latencyJitterMs?: number;
  /** Share (0..1) of requests answered 500; never applies to /health (default 0). */
  failRate?: number;
  /** A float in [0, 1); injectable for tests, default Math.random. */
  random?: () => number;
}

export interface DemoBackend {
  readonly port: number;
  readonly host: string;
  readonly name: string;
  /** Requests received so far, /health included. */
  readonly requests: number;
  /** Stops listening, closes every connection (idle keep-alive ones too) and clears pending timers. */
  close(): Promise<void>;
}

/** What `?format=json` / `Accept: application/json` answers. */
export interface DemoBackendEcho {
  name: string;
  method: string;
  /** The request target as received, query string included. */
  path: string;
  headers: Record<string, string | string[] | undefined>;
  remoteAddress: string | null;
  /** This request's number (1 for the first request the backend received). */
  requests: number;
}

const KEEP_ALIVE_TIMEOUT_MS = 5000;

function checkOptions(opts: DemoBackendOptions): void {
  if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) {
    throw new RangeError(`demo backend: port must be an integer from 0 to 65535, got ${opts.port}`);
  }
  if (opts.name.length === 0) throw new RangeError('demo backend: name must not be empty');
  for (const [key, value] of [
    ['latencyMs', opts.latencyMs],
    ['latencyJitterMs', opts.latencyJitterMs],
  ] as const) {
    if (value !== undefined && (!Number.isFinite(value) || value < 0)) {
      throw new RangeError(`demo backend: ${key} must be a non-negative number, got ${value}`);
    }
  }
  const failRate = opts.failRate;
  if (failRate !== undefined && !(failRate >= 0 && failRate <= 1)) {
    throw new RangeError(`demo backend: failRate must be a number from 0 to 1, got ${failRate}`);
  }
}

function wantsJson(req: IncomingMessage, query: string): boolean {
  if (new URLSearchParams(query).get('format') === 'json') return true;
  return (req.headers.accept ?? '').toLowerCase().includes('application/json');
}

function send(res: ServerResponse, status: number, type: string, body: string, name: string): void {
  res.writeHead(status, {
    'Content-Type': type,
    'Content-Length': Buffer.byteLength(body),
    'X-Backend': name,
  });
  res.end(body);
}

function onClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code !== 'ECONNRESET' && socket.writable) {
    socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  }
  socket.destroy();
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => {
      reject(new SwitchyardError('SY_LISTEN_FAILED', `demo backend: cannot listen on ${host}:${port}: ${err.message}`, { cause: err }));
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

export async function startDemoBackend(opts: DemoBackendOptions): Promise<DemoBackend> {
  checkOptions(opts);
  const name = opts.name;
  const host = opts.host ?? '127.0.0.1';
  const latencyMs = opts.latencyMs ?? 0;
  const jitterMs = opts.latencyJitterMs ?? 0;
  const failRate = opts.failRate ?? 0;
  const random = opts.random ?? ((): number => Math.random());
  const timers = new Set<TimerHandle>();
  let requests = 0;
  let closing: Promise<void> | undefined;

  const answer = (req: IncomingMessage, res: ServerResponse, count: number): void => {
    const target = req.url ?? '/';
    const q = target.indexOf('?');
    const pathname = q === -1 ? target : target.slice(0, q);
    const query = q === -1 ? '' : target.slice(q + 1);
    if (pathname === '/health') {
      send(res, 200, 'application/json', `${JSON.stringify({ status: 'ok', name })}\n`, name);
    } else if (failRate > 0 && random() < failRate) {
      send(res, 500, 'text/plain; charset=utf-8', `${name}: simulated failure\n`, name);
    } else if (wantsJson(req, query)) {
      const echo: DemoBackendEcho = {
        name,
        method: req.method ?? 'GET',
        path: target,
        headers: { ...req.headers },
        remoteAddress: req.socket.remoteAddress ?? null,
        requests: count,
      };
      send(res, 200, 'application/json', `${JSON.stringify(echo)}\n`, name);
    } else {
      send(res, 200, 'text/plain; charset=utf-8', `${name}\n`, name);
    }
  };

  const server = createServer({ keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS }, (req, res) => {
    requests += 1;
    const count = requests;
    req.on('error', () => res.destroy());
    res.on('error', () => res.destroy());
    // Drain the body, then answer (after the configured latency, if any).
    req.resume();
    req.once('end', () => {
      const delay = latencyMs + (jitterMs > 0 ? random() * jitterMs : 0);
      if (delay <= 0) {
        answer(req, res, count);
        return;
      }
      const timer = systemClock.setTimeout(() => {
        timers.delete(timer);
        answer(req, res, count);
      }, delay);
      timers.add(timer);
    });
  });
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.on('clientError', onClientError);

  await listen(server, opts.port, host);
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : opts.port;

  return {
    port,
    host,
    name,
    get requests(): number {
      return requests;
    },
    close(): Promise<void> {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const timer of timers) timer.cancel();
        timers.clear();
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
