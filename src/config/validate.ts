/**
 * Validation: the schema's issues in our own words (format-issues.ts), plus the
 * cross-reference checks the schema cannot express. Every problem is reported at once, and
 * nothing here throws, whatever the input.
 */
import { ConfigSchema, NAME_RULE, NAME_RE } from './schema.js';
import { dedupeIssues, describeValue, oneLine, renderPath, translateZodIssue, type LocatedIssue, type PathKey } from './format-issues.js';
import { normalizeConfig } from './normalize.js';
import { formatEndpoint, parseEndpoint } from '../core/address.js';
import { parseDuration } from '../core/units.js';
import type { ConfigIssue, RuntimeConfig } from './model.js';

export type { IssueTarget, LocatedIssue } from './format-issues.js';

export type ValidateResult = { ok: true; config: RuntimeConfig } | { ok: false; issues: ConfigIssue[] };

/** Like ValidateResult, but issues keep their raw path and what they point at, for positions. */
export type CheckResult = { ok: true; config: RuntimeConfig } | { ok: false; issues: LocatedIssue[] };

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function entriesOf(v: unknown): [string, unknown][] {
  return isObj(v) ? Object.entries(v) : [];
}

/** The pools a listener names, with the path of each mention (from `pool` or `pools`). */
function poolRefs(base: readonly PathKey[], l: Obj): { name: string; path: PathKey[] }[] {
  if (Array.isArray(l.pools)) {
    return l.pools.flatMap((p: unknown, i) => (typeof p === 'string' ? [{ name: p, path: [...base, 'pools', i] }] : []));
  }
  return typeof l.pool === 'string' ? [{ name: l.pool, path: [...base, 'pool'] }] : [];
}

function checkNames(section: 'listeners' | 'pools', v: unknown, out: LocatedIssue[]): void {
  if (!isObj(v)) return;
  const entries = Object.keys(v);
  if (entries.length === 0) {
    out.push({ path: [section], message: `must define at least one ${section === 'listeners' ? 'listener' : 'pool'}`, target: 'value' });
  }
  for (const name of entries) {
    if (!NAME_RE.test(name)) out.push({ path: [section, name], message: `name ${NAME_RULE}, got ${describeValue(name)}`, target: 'key' });
  }
}

function checkListeners(input: Obj, out: LocatedIssue[]): void {
  const pools = isObj(input.pools) ? input.pools : undefined;
  const poolNames = pools === undefined ? undefined : Object.keys(pools);
  const binds = new Map<string, string>();
  const emptyReported = new Set<string>();
  for (const [name, l] of entriesOf(input.listeners)) {
    if (!isObj(l)) continue;
    const base = ['listeners', name];
    const http = l.protocol === 'http';
    const hasRoutes = Array.isArray(l.routes) && l.routes.length > 0;
    if (l.pool !== undefined && l.pools !== undefined) {
      out.push({ path: base, message: 'has both "pool" and "pools"; set "pool" for one pool or "pools" for several, not both', target: 'key' });
    } else if (l.pool === undefined && l.pools === undefined && !(http && hasRoutes)) {
      const message = http ? 'is required: set "pool" (one pool), "pools" (several) or "routes"' : 'is required: set "pool" (one pool) or "pools" (several)';
      out.push({ path: [...base, 'pool'], message, target: 'missing' });
    }
    if (!http) {
      for (const key of ['routes', 'http'] as const) {
        if (l[key] !== undefined) out.push({ path: [...base, key], message: 'is for HTTP listeners only: add "protocol: http" or remove it', target: 'key' });
      }
    }
    if (Array.isArray(l.routes)) {
      l.routes.forEach((r: unknown, i) => {
        if (!isObj(r) || typeof r.pool !== 'string' || poolNames === undefined || poolNames.includes(r.pool)) return;
        const known = poolNames.length > 0 ? `pools: ${poolNames.join(', ')}` : 'no pools are defined';
        out.push({ path: [...base, 'routes', i, 'pool'], message: `no pool named ${describeValue(r.pool)} (${known})`, target: 'value' });
      });
    }
    const refs = poolRefs(base, l);
    const seen = new Set<string>();
    for (const ref of refs) {
      if (seen.has(ref.name)) out.push({ path: ref.path, message: `pool "${ref.name}" is listed twice`, target: 'value' });
      seen.add(ref.name);
      if (poolNames !== undefined && !poolNames.includes(ref.name)) {
        const known = poolNames.length > 0 ? `pools: ${poolNames.join(', ')}` : 'no pools are defined';
        out.push({ path: ref.path, message: `no pool named ${describeValue(ref.name)} (${known})`, target: 'value' });
      }
    }
    const names = refs.map((r) => r.name);
    let active = names[0];
    if (typeof l.activePool === 'string') {
      active = l.activePool;
      if (names.length > 0 && !names.includes(active)) {
        out.push({ path: [...base, 'activePool'], message: `must be one of the listener's pools (${names.join(', ')}), got ${describeValue(active)}`, target: 'value' });
      }
    }
    const activeSpec = active === undefined || pools === undefined || !Object.hasOwn(pools, active) ? undefined : pools[active];
    if (active !== undefined && isObj(activeSpec) && Array.isArray(activeSpec.backends) && activeSpec.backends.length === 0 && !emptyReported.has(active)) {
      emptyReported.add(active);
      out.push({ path: ['pools', active, 'backends'], message: `must have at least one backend (listener "${name}" sends to this pool)`, target: 'value' });
    }
    checkBinds(name, l.bind, binds, out);
  }
}

/** The same address bound twice (by two listeners or one) fails at start; port 0 is exempt. */
function checkBinds(listener: string, bind: unknown, seen: Map<string, string>, out: LocatedIssue[]): void {
  const base = ['listeners', listener, 'bind'];
  const items: [unknown, PathKey[]][] = Array.isArray(bind) ? bind.map((b: unknown, i) => [b, [...base, i]]) : [[bind, base]];
  for (const [text, path] of items) {
    if (typeof text !== 'string') continue;
    const r = parseEndpoint(text, { allowWildcard: true, allowZero: true });
    if (!r.ok || r.value.port === 0) continue;
    const address = formatEndpoint({ host: r.value.host.toLowerCase(), port: r.value.port });
    const first = seen.get(address);
    if (first === undefined) seen.set(address, listener);
    else {
      const where = first === listener ? 'is listed twice in this listener' : `is also bound by listener "${first}"`;
      out.push({ path, message: `address ${address} ${where}`, target: 'value' });
    }
  }
}

/** Backend names (default "host:port") must be unique in their pool: they make the ids. */
function checkBackends(input: Obj, out: LocatedIssue[]): void {
  for (const [pool, p] of entriesOf(input.pools)) {
    if (!isObj(p) || !Array.isArray(p.backends)) continue;
    const seen = new Map<string, number>();
    p.backends.forEach((b: unknown, i) => {
      let name: string | undefined;
      let path: PathKey[] = ['pools', pool, 'backends', i];
      if (typeof b === 'string') {
        const r = parseEndpoint(b, { allowWildcard: false });
        if (r.ok) name = formatEndpoint(r.value);
      } else if (isObj(b) && typeof b.name === 'string') {
        name = b.name;
        path = [...path, 'name'];
      } else if (isObj(b) && typeof b.host === 'string' && typeof b.port === 'number') {
        name = formatEndpoint({ host: b.host, port: b.port });
      }
      if (name === undefined) return;
      const first = seen.get(name);
      if (first === undefined) seen.set(name, i);
      else {
        const hint = path.length === 4 ? '; give one of them a "name"' : '';
        out.push({ path, message: `duplicate backend name "${name}" (also backends[${first}])${hint}`, target: 'value' });
      }
    });
  }
}

/** A backend's probe override needs the pool's active probes; ejection times must be ordered. */
function checkHealth(input: Obj, out: LocatedIssue[]): void {
  for (const [pool, p] of entriesOf(input.pools)) {
    if (!isObj(p)) continue;
    const health = isObj(p.health) ? p.health : undefined;
    const active = health !== undefined && isObj(health.active) ? health.active : undefined;
    if (Array.isArray(p.backends)) {
      p.backends.forEach((b: unknown, i) => {
        if (!isObj(b) || !isObj(b.probe)) return;
        if (active === undefined) {
          out.push({ path: ['pools', pool, 'backends', i, 'probe'], message: `overrides probe settings, but the pool has no health.active; set pools.${pool}.health.active`, target: 'key' });
        }
      });
    }
    const passive = health !== undefined && isObj(health.passive) ? health.passive : undefined;
    if (passive !== undefined && passive.maxEjectionTime !== undefined) {
      const base = parseDuration(typeof passive.baseEjectionTime === 'string' || typeof passive.baseEjectionTime === 'number' ? passive.baseEjectionTime : '30s');
      const max = parseDuration(typeof passive.maxEjectionTime === 'string' || typeof passive.maxEjectionTime === 'number' ? passive.maxEjectionTime : '5m');
      if (base.ok && max.ok && max.value < base.value) {
        out.push({ path: ['pools', pool, 'health', 'passive', 'maxEjectionTime'], message: `must not be shorter than baseEjectionTime (${base.value} ms), got ${max.value} ms`, target: 'value' });
      }
    }
    if (active !== undefined && active.http !== undefined && active.type !== 'http') {
      out.push({ path: ['pools', pool, 'health', 'active', 'http'], message: 'is set, but type is not "http"; add type: http', target: 'key' });
    }
  }
}

/** The admin API must not be open to a network: a non-loopback bind needs users. User names are unique. */
function checkAdmin(input: Obj, out: LocatedIssue[]): void {
  const a = input.admin;
  if (!isObj(a)) return;
  const users = Array.isArray(a.users) ? a.users : [];
  const bind = typeof a.bind === 'string' ? a.bind : '127.0.0.1:9000';
  const ep = parseEndpoint(bind, { allowWildcard: true, allowZero: true });
  if (ep.ok && !isLoopback(ep.value.host) && !users.some((u) => isObj(u) && typeof u.tokenHash === 'string')) {
    out.push({ path: ['admin', 'bind'], message: `binds ${bind}, which is not a loopback address, but no user has a tokenHash: anyone who can reach it could change the balancer; add admin.users (see \`switchyard token\`) or bind 127.0.0.1`, target: 'value' });
  }
  const seen = new Map<string, number>();
  users.forEach((u: unknown, i) => {
    if (!isObj(u) || typeof u.name !== 'string') return;
    const first = seen.get(u.name);
    if (first === undefined) seen.set(u.name, i);
    else out.push({ path: ['admin', 'users', i, 'name'], message: `duplicate user "${u.name}" (also users[${first}])`, target: 'value' });
  });
  if (isObj(a.ssh) && !users.some((u) => isObj(u) && Array.isArray(u.sshKeys) && u.sshKeys.length > 0)) {
    out.push({ path: ['admin', 'ssh'], message: 'is set, but no user has sshKeys: nobody could log in; add sshKeys to a user', target: 'key' });
  }
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

/** Checks across sections, on the raw input: they run even where other parts failed. */
function checkReferences(input: unknown): LocatedIssue[] {
  if (!isObj(input)) return [];
  const out: LocatedIssue[] = [];
  checkNames('listeners', input.listeners, out);
  checkNames('pools', input.pools, out);
  checkListeners(input, out);
  checkBackends(input, out);
  checkHealth(input, out);
  checkAdmin(input, out);
  return out;
}

/** Validates and normalizes, keeping raw paths and targets so a loader can add positions. */
export function checkConfig(input: unknown): CheckResult {
  try {
    const issues: LocatedIssue[] = [];
    const parsed = ConfigSchema.safeParse(input, { reportInput: true });
    if (!parsed.success) for (const issue of parsed.error.issues) translateZodIssue(issue, [], issues);
    issues.push(...checkReferences(input));
    if (issues.length > 0 || !parsed.success) return { ok: false, issues: dedupeIssues(issues).map((i) => ({ ...i, message: oneLine(i.message) })) };
    return { ok: true, config: normalizeConfig(parsed.data) };
  } catch (err) {
    const reason = err instanceof Error ? (err.message.split('\n')[0] ?? '') : 'unexpected error';
    return { ok: false, issues: [{ path: [], message: `cannot be validated: ${reason}`, target: 'value' }] };
  }
}

/** Validates a config given as a JS object; issues have a path and a message, no positions. */
export function validateConfig(input: unknown): ValidateResult {
  const result = checkConfig(input);
  if (result.ok) return result;
  return { ok: false, issues: result.issues.map((i) => ({ path: renderPath(i.path), message: i.message })) };
}
