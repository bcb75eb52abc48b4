/**
 * The live status as server-sent events: every open stream gets the status at once, then every
 * `intervalMs` (1 s). One timer serves every stream and runs only while one is open; the status
 * is serialized once per tick. A client that does not read (its socket buffer full) is skipped
 * until it drains, so a slow client costs no memory.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock, TimerHandle } from '../../core/clock.js';

export interface EventHubOptions {
  /** The value sent in each `status` event (serialized with JSON.stringify). */
  readonly status: () => unknown;
  readonly clock: Clock;
  /** Default 1000. */
  readonly intervalMs?: number;
  /** Told when `status()` throws (the tick is skipped). */
  readonly onError?: (err: unknown) => void;
}

export interface EventHub {
  /** Takes over `res` as an event stream until the client goes away or the hub closes. */
  open(req: IncomingMessage, res: ServerResponse): void;
  /** Streams open now. */
  readonly size: number;
  /** Ends every stream and stops the timer. */
  close(): void;
}

interface Client {
  readonly res: ServerResponse;
  /** The socket buffer is full: skip ticks until 'drain'. */
  blocked: boolean;
}

/** A client's reconnect delay, ms, sent in the stream's first line. */
const RETRY_MS = 2000;

export function createEventHub(opts: EventHubOptions): EventHub {
  const intervalMs = opts.intervalMs ?? 1000;
  const clients = new Set<Client>();
  let timer: TimerHandle | undefined;
  let closed = false;

  const frame = (): string | undefined => {
    try {
      return `event: status\ndata: ${JSON.stringify(opts.status())}\n\n`;
    } catch (err) {
      opts.onError?.(err);
      return undefined;
    }
  };

  const send = (c: Client, text: string): void => {
    if (c.blocked || c.res.writableEnded || c.res.destroyed) return;
    if (!c.res.write(text)) {
      c.blocked = true;
      c.res.once('drain', () => {
        c.blocked = false;
      });
    }
  };

  const schedule = (): void => {
    timer = opts.clock.setTimeout(tick, intervalMs);
  };

  function tick(): void {
    timer = undefined;
    if (closed || clients.size === 0) return;
    const text = frame();
    if (text !== undefined) for (const c of clients) send(c, text);
    schedule();
  }

  const remove = (c: Client): void => {
    if (!clients.delete(c)) return;
    if (clients.size === 0 && timer !== undefined) {
      timer.cancel();
      timer = undefined;
    }
  };

  return {
    open(req, res) {
      const c: Client = { res, blocked: false };
      res.on('error', () => remove(c));
      req.on('error', () => remove(c));
      res.on('close', () => remove(c));
      if (closed) {
        res.statusCode = 503;
        res.end();
        return;
      }
      res.writeHead(200, {
        'Content-Type': 'text/event-stream; charset=utf-8',
        'Cache-Control': 'no-store',
        'X-Content-Type-Options': 'nosniff',
        'X-Accel-Buffering': 'no',
      });
      res.socket?.setNoDelay(true);
      if (req.method === 'HEAD') {
        res.end();
        return;
      }
      clients.add(c);
      send(c, `retry: ${RETRY_MS}\n\n`);
      const text = frame();
      if (text !== undefined) send(c, text);
      if (timer === undefined) schedule();
    },
    get size() {
      return clients.size;
    },
    close() {
      closed = true;
      timer?.cancel();
      timer = undefined;
      for (const c of [...clients]) {
        clients.delete(c);
        c.res.end();
      }
    },
  };
}
