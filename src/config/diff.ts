/**
 * The reconcile plan between two runtime configs: what to add, change and remove so that the
 * running balancer matches a new config, for `ctl diff` (printed like a terraform plan) and
 * the admin API. Pure.
 *
 * Changes come in the order in which applying them one by one is safe, so that nothing ever
 * refers to what does not exist yet or any more:
 *   1. listener removals (they stop sending to pools first);
 *   2. global settings;
 *   3. pool adds, then backend adds (a new backend's pool exists);
 *   4. pool changes, then backend changes;
 *   5. listener adds, then listener changes (every pool they name now exists);
 *   6. backend removals, then pool removals (no listener sends to a removed pool any more).
 * Within a step, items follow the config: the new one's order, the old one's for removals.
 */
import { formatEndpoint } from '../core/address.js';
import { formatDuration } from '../core/units.js';
import type { BackendSpec, ListenerSpec, PoolSpec, RuntimeConfig } from './model.js';

export type ChangeKind = 'add' | 'remove' | 'change';

export interface FieldChange {
  readonly field: string;
  readonly before: unknown;
  readonly after: unknown;
}

export interface ConfigChange {
  readonly kind: ChangeKind;
  readonly target: 'listener' | 'pool' | 'backend' | 'global';
  /** "web", "web/10.0.0.5:8000" (backend ids are "<pool>/<name>"), or a global key like "bufferSize". */
  readonly name: string;
  /** For 'change': every field that differs, with before/after values as plain JSON (durations in ms as in the model). */
  readonly fields: readonly FieldChange[];
  /** One line for humans, e.g. "~ pool web: policy round-robin → least-conn". */
  readonly summary: string;
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isEndpoint(v: unknown): v is { host: string; port: number } {
  return isObj(v) && Object.keys(v).length === 2 && typeof v.host === 'string' && typeof v.port === 'number';
}

/** Keys whose values are never shown whole (token hashes): a short fingerprint tells a change. */
const SECRET_KEY_RE = /token|secret|password|sha256/i;

/** Plain JSON: undefined becomes null, endpoints read "host:port", secrets are fingerprinted. */
function json(value: unknown, key = ''): unknown {
  if (value === undefined) return null;
  if (typeof value === 'string' && SECRET_KEY_RE.test(key)) return `${value.slice(0, 8)}…`;
  if (isEndpoint(value)) return formatEndpoint(value);
  if (Array.isArray(value)) return value.map((v) => json(v, key));
  if (isObj(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, json(v, k)]));
  return value;
}

/** Every leaf that differs; nested objects are followed, lists and endpoints are compared whole. */
function fieldChanges(before: unknown, after: unknown, path: string, out: FieldChange[]): FieldChange[] {
  const key = path.slice(path.lastIndexOf('.') + 1);
  if (isObj(before) && isObj(after) && !isEndpoint(before) && !isEndpoint(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
    for (const k of keys) fieldChanges(before[k], after[k], path === '' ? k : `${path}.${k}`, out);
  } else if (JSON.stringify(json(before, key)) !== JSON.stringify(json(after, key))) {
    out.push({ field: path, before: json(before, key), after: json(after, key) });
  }
  return out;
}

/** Field names as they read in a summary. */
const LABELS: Readonly<Record<string, string>> = { initialAdminState: 'state' };

function label(field: string): string {
  return field
    .split('.')
    .map((part) => LABELS[part] ?? part.replace(/(?<=.)Ms$/, '').replace(/(?<=.)Bytes$/, ''))
    .join('.');
}

function formatBytes(n: number): string {
  for (const [unit, size] of [['GiB', 1024 ** 3], ['MiB', 1024 ** 2], ['KiB', 1024]] as const) {
    if (n >= size && n % size === 0) return `${n / size}${unit}`;
  }
  return `${n}B`;
}

function formatValue(field: string, value: unknown): string {
  if (value === null) return 'none';
  if (typeof value === 'number' && field.endsWith('Ms')) return formatDuration(value);
  if (typeof value === 'number' && (field.endsWith('Bytes') || field === 'bufferSize')) return formatBytes(value);
  if (typeof value === 'string') return value === '' ? '""' : value;
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return `[${value.join(', ')}]`;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const text = JSON.stringify(value);
  return text.length <= 60 ? text : Array.isArray(value) ? `[${value.length} item${value.length === 1 ? '' : 's'}]` : '{…}';
}

function describeFields(fields: readonly FieldChange[]): string {
  return fields.map((f) => `${label(f.field)} ${formatValue(f.field, f.before)} → ${formatValue(f.field, f.after)}`).join(', ');
}

function change(target: ConfigChange['target'], name: string, fields: readonly FieldChange[]): ConfigChange {
  return { kind: 'change', target, name, fields, summary: `~ ${target} ${name}: ${describeFields(fields)}` };
}

function added(target: ConfigChange['target'], name: string, detail: string): ConfigChange {
  return { kind: 'add', target, name, fields: [], summary: `+ ${target} ${name} (${detail})` };
}

function removed(target: ConfigChange['target'], name: string, detail: string): ConfigChange {
  return { kind: 'remove', target, name, fields: [], summary: `- ${target} ${name} (${detail})` };
}

function omit(item: object, keys: readonly string[]): Obj {
  return Object.fromEntries(Object.entries(item).filter(([k]) => !keys.includes(k)));
}

// ---- what each kind of item compares and how it is described -----------------------------

function listenerView(l: ListenerSpec): Obj {
  return { protocol: l.protocol, bind: l.bind.map(formatEndpoint).join(', '), ...omit(l, ['name', 'protocol', 'bind']) };
}

function listenerDetail(l: ListenerSpec): string {
  return `${l.protocol} ${l.bind.map(formatEndpoint).join(', ')}`;
}

function poolView(p: PoolSpec): Obj {
  return omit(p, ['name', 'backends']);
}

function poolDetail(p: PoolSpec): string {
  return `${p.policy}, ${p.backends.length} backend${p.backends.length === 1 ? '' : 's'}`;
}

function backendView(b: BackendSpec): Obj {
  return omit(b, ['id', 'pool', 'name']);
}

function backendDetail(b: BackendSpec): string {
  const address = formatEndpoint(b);
  const parts = [...(address === b.name ? [] : [address]), `weight ${b.weight}`, ...(b.initialAdminState === 'ready' ? [] : [`state ${b.initialAdminState}`])];
  return parts.join(', ');
}

/** Adds, changes and removals between two lists of items identified by a key. */
function compare<T>(
  before: readonly T[],
  after: readonly T[],
  key: (item: T) => string,
  view: (item: T) => Obj,
): { adds: T[]; changes: { item: T; fields: FieldChange[] }[]; removes: T[] } {
  const old = new Map(before.map((item) => [key(item), item]));
  const now = new Set(after.map(key));
  const adds: T[] = [];
  const changes: { item: T; fields: FieldChange[] }[] = [];
  for (const item of after) {
    const prev = old.get(key(item));
    if (prev === undefined) adds.push(item);
    else {
      const fields = fieldChanges(view(prev), view(item), '', []);
      if (fields.length > 0) changes.push({ item, fields });
    }
  }
  return { adds, changes, removes: before.filter((item) => !now.has(key(item))) };
}

/** Settings outside listeners and pools (drainTimeoutMs, bufferSize, resolve, logLevel, admin…): one change per top-level key. */
function globalChanges(before: RuntimeConfig, after: RuntimeConfig): ConfigChange[] {
  const sections = ['listeners', 'pools'];
  const byKey = new Map<string, FieldChange[]>();
  for (const f of fieldChanges(omit(before, sections), omit(after, sections), '', [])) {
    const key = f.field.split('.')[0] ?? f.field;
    byKey.set(key, [...(byKey.get(key) ?? []), f]);
  }
  return [...byKey].map(([key, fields]) => {
    const whole = fields.length === 1 && fields[0]?.field === key;
    const inner = fields.map((f) => ({ ...f, field: f.field.slice(key.length + 1) }));
    return { kind: 'change', target: 'global', name: key, fields, summary: whole ? `~ global ${describeFields(fields)}` : `~ global ${key}: ${describeFields(inner)}` };
  });
}

/** The changes that turn `before` into `after`, in a safe order to apply (see the top of this file). */
export function diffConfigs(before: RuntimeConfig, after: RuntimeConfig): ConfigChange[] {
  const listeners = compare(before.listeners, after.listeners, (l) => l.name, listenerView);
  const pools = compare(before.pools, after.pools, (p) => p.name, poolView);
  const kept = after.pools.filter((p) => before.pools.some((q) => q.name === p.name));
  const backends = compare(
    before.pools.filter((p) => kept.some((k) => k.name === p.name)).flatMap((p) => p.backends),
    kept.flatMap((p) => p.backends),
    (b) => b.id,
    backendView,
  );
  const globals = globalChanges(before, after);
  return [
    ...listeners.removes.map((l) => removed('listener', l.name, listenerDetail(l))),
    ...globals,
    ...pools.adds.map((p) => added('pool', p.name, poolDetail(p))),
    ...backends.adds.map((b) => added('backend', b.id, backendDetail(b))),
    ...pools.changes.map((c) => change('pool', c.item.name, c.fields)),
    ...backends.changes.map((c) => change('backend', c.item.id, c.fields)),
    ...listeners.adds.map((l) => added('listener', l.name, listenerDetail(l))),
    ...listeners.changes.map((c) => change('listener', c.item.name, c.fields)),
    ...backends.removes.map((b) => removed('backend', b.id, backendDetail(b))),
    ...pools.removes.map((p) => removed('pool', p.name, poolDetail(p))),
  ];
}

/** The plan as text: one line per change, then "N to add, N to change, N to remove" (or "No changes."). */
export function formatPlan(changes: readonly ConfigChange[]): string {
  if (changes.length === 0) return 'No changes.';
  const count = (kind: ChangeKind): number => changes.filter((c) => c.kind === kind).length;
  const lines = changes.map((c) => c.summary);
  lines.push(`${count('add')} to add, ${count('change')} to change, ${count('remove')} to remove`);
  return lines.join('\n');
}
