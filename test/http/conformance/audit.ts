/**
 * What every request the backend receives in a forward must satisfy: no anomaly in its bytes
 * (bare LF/CR, obs-fold, invalid names, control characters), at most one Content-Length with
 * canonical digits or exactly one `Transfer-Encoding: chunked`, never both, at most one Host,
 * no hop-by-hop field (Keep-Alive, Proxy-Connection, TE, Trailer, Upgrade, anything the client's
 * Connection named; the proxy's own `Connection: close|keep-alive` is fine), and the method,
 * target and body the client sent. Pure functions over captured requests.
 */
import { parseRequests, type CapturedRequest } from '../../helpers/capture-backend.js';
import type { ExpectedRequest, ForwardRules } from './types.js';

/** A short JSON-quoted preview of bytes for failure messages. */
export function preview(b: Buffer | string, max = 70): string {
  const s = typeof b === 'string' ? b : b.toString('latin1');
  return JSON.stringify(s.length > max ? `${s.slice(0, max)}…` : s);
}

const HOP_BY_HOP = ['keep-alive', 'proxy-connection', 'te', 'trailer', 'upgrade'];

function values(req: CapturedRequest, name: string): string[] {
  return req.headers.filter(([n]) => n.toLowerCase() === name).map(([, v]) => v);
}

function splitTokens(list: readonly string[]): string[] {
  return list.flatMap((v) => v.split(',')).map((t) => t.trim().toLowerCase()).filter((t) => t !== '');
}

/** Lowercased Connection options the client sent (in any of its requests). */
export function connectionTokens(bytes: Buffer): string[] {
  const { requests } = parseRequests(bytes);
  return splitTokens(requests.flatMap(({ request }) => request.headers.filter(([n]) => n.toLowerCase() === 'connection').map(([, v]) => v)));
}

export function auditRequest(
  req: CapturedRequest,
  want: ExpectedRequest,
  index: number,
  rules: ForwardRules,
  clientTokens: readonly string[],
): string | undefined {
  if (req.anomalies.length > 0) return `malformed upstream request: ${req.anomalies.join('; ')}`;
  const cl = values(req, 'content-length');
  const te = values(req, 'transfer-encoding');
  if (cl.length > 0 && te.length > 0) return 'forwarded with both Content-Length and Transfer-Encoding';
  if (cl.length > 1) return `forwarded with ${cl.length} Content-Length fields`;
  if (te.length > 1) return `forwarded with ${te.length} Transfer-Encoding fields`;
  if (te[0] !== undefined && te[0] !== 'chunked') return `forwarded Transfer-Encoding: ${te[0]} (must be exactly "chunked")`;
  if (cl[0] !== undefined && !/^(0|[1-9][0-9]*)$/.test(cl[0])) return `forwarded a non-canonical Content-Length: ${preview(cl[0])}`;
  const hosts = values(req, 'host');
  if (hosts.length > 1) return `forwarded ${hosts.length} Host fields`;
  const upgrade = rules.allowUpgrade === true;
  for (const name of HOP_BY_HOP) {
    if (name === 'upgrade' && upgrade) continue;
    if (values(req, name).length > 0) return `forwarded the hop-by-hop field ${name}`;
  }
  const own = upgrade ? ['close', 'keep-alive', 'upgrade'] : ['close', 'keep-alive'];
  const foreign = splitTokens(values(req, 'connection')).filter((t) => !own.includes(t));
  if (foreign.length > 0) return `forwarded Connection options ${foreign.join(', ')}`;
  for (const t of clientTokens) {
    if (!own.includes(t) && values(req, t).length > 0) return `forwarded ${t}, which the client's Connection named`;
  }
  if (req.method !== want.method) return `method ${preview(req.method)}, expected ${preview(want.method)}`;
  if (!want.targets.includes(req.target)) return `target ${preview(req.target)}, expected ${want.targets.map((t) => preview(t)).join(' or ')}`;
  if (!req.body.equals(want.body)) return `body ${preview(req.body)} (${req.body.length} B), expected ${preview(want.body)} (${want.body.length} B)`;
  return rules.check?.(req, index);
}
