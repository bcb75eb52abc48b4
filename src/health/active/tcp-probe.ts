/** The simplest probe: does the backend accept a TCP connection within the timeout? */
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { ABORTED_CAUSE, formatLatency, invalidTargetCause, socketErrorCause, timeoutCause, type ProbeResult, type ProbeTarget, type TcpProbeSpec } from './probe.js';

/** Connects, and closes at once. Never rejects: every failure is `{ ok: false, cause }`. */
export function probeTcp(target: ProbeTarget, spec: TcpProbeSpec, signal?: AbortSignal): Promise<ProbeResult> {
  const started = performance.now();
  const invalid = invalidTargetCause(target, spec.timeoutMs);
  if (invalid !== undefined) return Promise.resolve({ ok: false, latencyMs: 0, cause: invalid });
  if (signal?.aborted === true) return Promise.resolve({ ok: false, latencyMs: 0, cause: ABORTED_CAUSE });

  return new Promise<ProbeResult>((resolve) => {
    let socket: Socket | undefined;
    let done = false;
    const finish = (ok: boolean, text: string): void => {
      if (done) return;
      done = true;
      const latencyMs = performance.now() - started;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket?.destroy();
      resolve(ok ? { ok: true, latencyMs, detail: `connected in ${formatLatency(latencyMs)}` } : { ok: false, latencyMs, cause: text });
    };
    const onAbort = (): void => finish(false, ABORTED_CAUSE);
    const timer = setTimeout(() => finish(false, timeoutCause(spec.timeoutMs)), spec.timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      socket = connect({ host: target.host, port: target.port });
    } catch (err) {
      finish(false, socketErrorCause(err));
      return;
    }
    socket.on('error', (err) => finish(false, socketErrorCause(err)));
    socket.once('connect', () => finish(true, ''));
  });
}

/** Compatibility form: true when the backend accepted a connection within `timeoutMs`. */
export async function tcpProbe(host: string, port: number, timeoutMs: number): Promise<boolean> {
  const r = await probeTcp({ host, port }, { timeoutMs });
  return r.ok;
}
