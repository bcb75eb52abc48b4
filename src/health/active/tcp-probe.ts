/** The simplest probe: does the backend accept a TCP connection within the timeout? */
import type { ProbeResult, ProbeTarget, TcpProbeSpec } from './probe.js';
import { runProbeConnection } from './probe-connection.js';

/** Connects, and closes at once. Never rejects: every failure is `{ ok: false, cause }`. */
export function probeTcp(target: ProbeTarget, spec: TcpProbeSpec, signal?: AbortSignal): Promise<ProbeResult> {
  return runProbeConnection({
    target,
    timeoutMs: spec.timeoutMs,
    signal,
    success: (latency) => `connected in ${latency}`,
    wire: (socket, finish) => socket.once('connect', () => finish(true, '')),
  });
}
