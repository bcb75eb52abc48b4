/**
 * Checks that a worker's stats snapshot has every field the primary sums, with the right types,
 * before the primary keeps it (see aggregate.ts). Returns the first problem found, or undefined.
 */

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0;
}

function countsError(v: unknown, where: string): string | undefined {
  if (!isObj(v)) return `${where} is not an object`;
  for (const [k, n] of Object.entries(v)) if (!isCount(n)) return `${where}.${k} is not a count`;
  return undefined;
}

function fieldsError(o: Obj, fields: readonly string[], where: string): string | undefined {
  for (const f of fields) if (!isCount(o[f])) return `${where}.${f} is not a count`;
  return undefined;
}

function requestsError(r: unknown, where: string): string | undefined {
  if (r === undefined) return undefined;
  if (!isObj(r)) return `${where} is not an object`;
  const top = fieldsError(r, ['requests', 'rps', 'errorRate', 'bytesIn', 'bytesOut'], where);
  if (top !== undefined) return top;
  if (!isObj(r.latencyMs)) return `${where}.latencyMs is not an object`;
  const lat = fieldsError(r.latencyMs, ['avg', 'min', 'max', 'p50', 'p95', 'p99'], `${where}.latencyMs`);
  if (lat !== undefined) return lat;
  const b = r.latencyBucketsMs;
  if (!isObj(b) || !Array.isArray(b.le) || !Array.isArray(b.counts) || b.le.length !== b.counts.length || !b.le.every(isCount) || !b.counts.every(isCount)) {
    return `${where}.latencyBucketsMs is not { le, counts } of equal length`;
  }
  return fieldsError(b, ['sum', 'count'], `${where}.latencyBucketsMs`) ?? countsError(r.statusCounts, `${where}.statusCounts`) ?? countsError(r.byStatus, `${where}.byStatus`) ?? countsError(r.terminations, `${where}.terminations`);
}

function listenerError(l: unknown, where: string): string | undefined {
  if (!isObj(l) || typeof l.name !== 'string') return `${where} has no name`;
  if (!Array.isArray(l.addresses) || !l.addresses.every((a) => isObj(a) && typeof a.address === 'string' && isCount(a.port) && typeof a.family === 'string')) {
    return `${where}.addresses is not a list of { address, port, family }`;
  }
  if (l.activePool !== null && typeof l.activePool !== 'string') return `${where}.activePool is not a string or null`;
  return fieldsError(l, ['activeConnections', 'acceptedConnections', 'rejectedConnections'], where) ?? countsError(l.terminations, `${where}.terminations`) ?? requestsError(l.requests, `${where}.requests`);
}

function backendError(b: unknown, where: string): string | undefined {
  if (!isObj(b) || typeof b.id !== 'string') return `${where} has no id`;
  if (typeof b.ejected !== 'boolean') return `${where}.ejected is not a boolean`;
  if (b.ejectedForMs !== null && !isCount(b.ejectedForMs)) return `${where}.ejectedForMs is not a count or null`;
  if (b.downCause !== null && typeof b.downCause !== 'string') return `${where}.downCause is not a string or null`;
  return fieldsError(b, ['activeConnections'], where) ?? countsError(b.totals, `${where}.totals`) ?? countsError(b.transitions, `${where}.transitions`) ?? requestsError(b.requests, `${where}.requests`);
}

function poolError(p: unknown, where: string): string | undefined {
  if (!isObj(p) || typeof p.name !== 'string') return `${where} has no name`;
  if (typeof p.panic !== 'boolean') return `${where}.panic is not a boolean`;
  if (!Array.isArray(p.backends)) return `${where}.backends is not a list`;
  for (const [i, b] of p.backends.entries()) {
    const e = backendError(b, `${where}.backends[${i}]`);
    if (e !== undefined) return e;
  }
  return undefined;
}

/** The first problem of a stats snapshot, or undefined when it can be summed. */
export function snapshotShapeError(s: unknown): string | undefined {
  if (!isObj(s)) return 'not an object';
  if (typeof s.state !== 'string' || !isCount(s.uptimeMs)) return 'no state or uptimeMs';
  if (!Array.isArray(s.listeners) || !Array.isArray(s.pools)) return 'no listeners or pools list';
  for (const [i, l] of s.listeners.entries()) {
    const e = listenerError(l, `listeners[${i}]`);
    if (e !== undefined) return e;
  }
  for (const [i, p] of s.pools.entries()) {
    const e = poolError(p, `pools[${i}]`);
    if (e !== undefined) return e;
  }
  return undefined;
}
