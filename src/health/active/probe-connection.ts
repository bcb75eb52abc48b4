/**
 * What every probe kind shares: the target and timeout checked, one connection, one timer, the
 * abort signal, and one way to end (`finish`) that clears them all and destroys the socket.
 * A kind only wires what it does on the socket and says what a success reads as.
 */
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { ABORTED_CAUSE, formatLatency, invalidTargetCause, socketErrorCause, timeoutCause, type ProbeResult, type ProbeTarget } from './probe.js';

/** Ends the probe (only the first call counts): success, or failure with its cause. */
export type FinishProbe = (ok: boolean, cause: string) => void;

export interface ProbeConnection {
  readonly target: ProbeTarget;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal | undefined;
  /** Why the kind's own settings cannot be used, checked after the target's. */
  readonly invalid?: string | undefined;
  /** The detail of a success, given the latency as text ("HTTP 200 in 3.4 ms"). */
  readonly success: (latency: string) => string;
  /** Attaches the kind's handlers to the new socket ('error' is already handled). */
  readonly wire: (socket: Socket, finish: FinishProbe) => void;
}

/** Runs one probe. Never rejects: every failure is `{ ok: false, cause }`. */
export function runProbeConnection(p: ProbeConnection): Promise<ProbeResult> {
  const started = performance.now();
  const invalid = invalidTargetCause(p.target, p.timeoutMs) ?? p.invalid;
  if (invalid !== undefined) return Promise.resolve({ ok: false, latencyMs: 0, cause: invalid });
  if (p.signal?.aborted === true) return Promise.resolve({ ok: false, latencyMs: 0, cause: ABORTED_CAUSE });
  const signal = p.signal;
  return new Promise<ProbeResult>((resolve) => {
    let socket: Socket | undefined;
    let done = false;
    const finish: FinishProbe = (ok, cause) => {
      if (done) return;
      done = true;
      const latencyMs = performance.now() - started;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket?.destroy();
      resolve(ok ? { ok: true, latencyMs, detail: p.success(formatLatency(latencyMs)) } : { ok: false, latencyMs, cause });
    };
    const onAbort = (): void => finish(false, ABORTED_CAUSE);
    const timer = setTimeout(() => finish(false, timeoutCause(p.timeoutMs)), p.timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      socket = connect({ host: p.target.host, port: p.target.port });
    } catch (err) {
      finish(false, socketErrorCause(err));
      return;
    }
    socket.on('error', (err) => finish(false, socketErrorCause(err)));
    p.wire(socket, finish);
  });
}
