/**
 * Admin results as text for people: the status as tables (listeners; each pool with its
 * backends), a change as its plan and where it was written, anything else as YAML. Pure; the
 * command line and the console print what this returns.
 */
import { stringify } from 'yaml';
import type { ListenerSnapshot } from '../runtime/balancer.js';
import type { BackendSnapshot, PoolSnapshot } from '../upstream/snapshot.js';
import type { ChangeResult, StatusView } from './control-plane.js';
import { formatDuration } from '../core/units.js';

/** Columns padded to their widest cell; numbers right-aligned. */
export function table(header: readonly string[], rows: readonly (readonly string[])[], indent = ''): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const numeric = header.map((_, i) => rows.length > 0 && rows.every((r) => /^-?[\d.,]+(?:ms|%)?$|^-$/.test(r[i] ?? '')));
  const line = (cells: readonly string[]): string =>
    indent +
    cells
      .map((c, i) => {
        const w = widths[i] ?? 0;
        return numeric[i] === true ? c.padStart(w) : c.padEnd(w);
      })
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

export function formatUptime(ms: number): string {
  const s = Math.floor(ms / 1000);
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d}d ${h}h ${m}m`;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m ${s % 60}s`;
  return `${s}s`;
}

function num(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

function listenerRow(l: ListenerSnapshot): string[] {
  const addresses = l.addresses.map((a) => (a.family === 'IPv6' || a.address.includes(':') ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`));
  const pool = l.activePool ?? (l.pools.length > 0 ? `(routes: ${l.pools.join(', ')})` : '-');
  return [l.name, l.protocol, addresses.join(', ') || '-', pool, String(l.activeConnections), String(l.acceptedConnections), l.requests ? num(l.requests.rps) : '-'];
}

function backendRow(b: BackendSnapshot): string[] {
  const ejected = b.ejected ? (b.ejectedForMs === null ? 'yes' : `${Math.ceil(b.ejectedForMs / 1000)}s`) : 'no';
  const weight = b.effectiveWeight === b.weight ? String(b.weight) : `${b.effectiveWeight}/${b.weight}`;
  const p99 = b.requests && b.requests.requests > 0 ? `${num(b.requests.latencyMs.p99)}ms` : '-';
  return [b.name, b.address, b.adminState, b.health, ejected, weight, String(b.activeConnections), b.requests ? num(b.requests.rps) : '-', p99];
}

function poolText(p: PoolSnapshot): string {
  const head = `pool ${p.name}  ${p.policy}  ${p.eligibleBackends}/${p.backends.length} eligible${p.panic ? '  PANIC (every ready backend gets traffic)' : ''}`;
  if (p.backends.length === 0) return `${head}\n  (no backends)`;
  return `${head}\n${table(['BACKEND', 'ADDRESS', 'STATE', 'HEALTH', 'EJECTED', 'WEIGHT', 'ACTIVE', 'REQ/S', 'P99'], p.backends.map(backendRow), '  ')}`;
}

/** The status as a header line and tables. */
export function statusText(s: StatusView): string {
  const parts = [
    `switchyard ${s.version}  ${s.state}  up ${formatUptime(s.uptimeMs)}  pid ${s.pid}  node ${s.node}`,
    `config: ${s.configFile ?? '(given as an object)'}${s.configWatchMs == null ? '' : ` (watched for changes every ${formatDuration(s.configWatchMs)})`}`,
    '',
    s.listeners.length === 0 ? 'no listeners' : table(['LISTENER', 'PROTOCOL', 'ADDRESS', 'POOL', 'ACTIVE', 'ACCEPTED', 'REQ/S'], s.listeners.map(listenerRow)),
  ];
  for (const p of s.pools) parts.push('', poolText(p));
  if (s.pools.length === 0) parts.push('', 'no pools');
  return `${parts.join('\n')}\n`;
}

export function isChangeResult(v: unknown): v is ChangeResult {
  return typeof v === 'object' && v !== null && 'plan' in v && typeof v.plan === 'string' && 'changes' in v && Array.isArray(v.changes) && 'persisted' in v;
}

/** Where a change went: "persisted to FILE" or "not persisted (why)". */
export function persistenceText(persisted: ChangeResult['persisted'], configFile: string | null | undefined): string {
  if (persisted === true) return `persisted to ${configFile ?? 'the config file'}`;
  if (persisted === false) return 'not persisted (admin.persist is off, or the balancer has no config file); the change is live';
  return `not persisted (${persisted}); the change is live`;
}

/** A change: its plan, then where it went (`configFile` from the status; omitted for a plan that changed nothing, like a diff). */
export function changeText(r: ChangeResult, opts: { readonly applied: boolean; readonly configFile?: string | null }): string {
  const plan = r.plan.endsWith('\n') ? r.plan : `${r.plan}\n`;
  return opts.applied ? `${plan}${persistenceText(r.persisted, opts.configFile)}\n` : plan;
}

/** Any other result, as YAML (text results as they are). */
export function genericText(v: unknown): string {
  if (typeof v === 'string') return v.endsWith('\n') ? v : `${v}\n`;
  return stringify(v, { lineWidth: 0 });
}
