/** Runs a backend's active probe as its spec says: the glue between pools and the probe kinds. */
import { formatEndpoint } from '../core/address.js';
import type { Backend } from '../upstream/backend.js';
import type { ProbeResult } from '../health/active/probe.js';
import { probeTcp } from '../health/active/tcp-probe.js';
import { probeHttp } from '../health/active/http-probe.js';

export function runBackendProbe(backend: Backend, signal: AbortSignal): Promise<ProbeResult> {
  const p = backend.spec.probe;
  if (!p) return Promise.resolve({ ok: true, latencyMs: 0, detail: 'not probed' });
  const target = { host: backend.connectHost, port: p.port, name: backend.id };
  if (p.type === 'tcp' || !p.http) return probeTcp(target, { timeoutMs: p.timeoutMs }, signal);
  const h = p.http;
  return probeHttp(
    target,
    {
      method: h.method,
      path: h.path,
      host: h.host ?? formatEndpoint({ host: backend.spec.host, port: p.port }),
      expectStatus: h.expectStatus,
      ...(h.bodyContains === undefined ? {} : { bodyContains: h.bodyContains }),
      maxBodyBytes: h.maxBodyBytes,
      timeoutMs: p.timeoutMs,
    },
    signal,
  );
}
