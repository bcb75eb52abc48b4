/**
 * The messages between a cluster primary and its workers: a discriminated union on `type`, each
 * with the protocol version `v`. Both sides parse what they receive with the functions below and
 * drop (and log) anything that does not have the expected shape; nothing is trusted blindly.
 *
 * primary → worker: `config` (the whole configuration to run, numbered by `seq`), `health`
 * (backend health decided by the primary's probes), `drain` (stop accepting, finish, exit).
 * worker → primary: `online` (its message handler is in place: messages sent before it would be
 * lost, so the primary sends nothing until then), `ready` (listening with configuration `seq`), `applied` (configuration `seq`
 * is live), `stats` (a snapshot of its counters, every second and once more before it exits),
 * `error` (a configuration could not be applied, or the worker could not start).
 */
import type { RuntimeConfig } from '../../config/model.js';
import type { BalancerSnapshot } from '../balancer.js';
import { snapshotShapeError } from './snapshot-shape.js';

export const PROTOCOL_VERSION = 1;

export interface BackendHealth {
  readonly id: string;
  readonly status: 'up' | 'down';
  /** Why it is down (empty when up). */
  readonly cause: string;
}

export type PrimaryMessage =
  | { readonly v: 1; readonly type: 'config'; readonly seq: number; readonly config: RuntimeConfig }
  | { readonly v: 1; readonly type: 'health'; readonly backends: readonly BackendHealth[] }
  | { readonly v: 1; readonly type: 'drain' };

export type WorkerMessage =
  | { readonly v: 1; readonly type: 'online' }
  | { readonly v: 1; readonly type: 'ready'; readonly seq: number }
  | { readonly v: 1; readonly type: 'applied'; readonly seq: number }
  | { readonly v: 1; readonly type: 'stats'; readonly snapshot: BalancerSnapshot }
  /** `seq`: the configuration that failed, or null when the worker failed outside a configuration. */
  | { readonly v: 1; readonly type: 'error'; readonly seq: number | null; readonly code: string; readonly message: string };

/** A parsed message, or why it was refused. */
export type Parsed<T> = { readonly ok: true; readonly message: T } | { readonly ok: false; readonly reason: string };

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isSeq(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function refuse<T>(reason: string): Parsed<T> {
  return { ok: false, reason };
}

function envelope(m: unknown): (Obj & { readonly type: string }) | string {
  if (!isObj(m)) return 'not an object';
  if (m.v !== PROTOCOL_VERSION) return `protocol version ${JSON.stringify(m.v) ?? 'missing'}, expected ${PROTOCOL_VERSION}`;
  const type = m.type;
  if (typeof type !== 'string') return 'no "type"';
  return { ...m, type };
}

function healthError(list: unknown): string | undefined {
  if (!Array.isArray(list)) return '"backends" is not an array';
  for (const [i, h] of list.entries()) {
    if (!isObj(h) || typeof h.id !== 'string' || (h.status !== 'up' && h.status !== 'down') || typeof h.cause !== 'string') {
      return `backends[${i}] is not { id, status: up|down, cause }`;
    }
  }
  return undefined;
}

/** The shape a worker needs of a configuration before it hands it to its balancer. */
function configError(c: unknown): string | undefined {
  if (!isObj(c)) return '"config" is not an object';
  if (!Array.isArray(c.listeners) || !Array.isArray(c.pools)) return '"config" has no listeners or pools list';
  for (const k of ['drainTimeoutMs', 'bufferSize', 'workers'] as const) if (typeof c[k] !== 'number') return `"config.${k}" is not a number`;
  return undefined;
}

/** What a worker accepts from its primary. */
export function parsePrimaryMessage(m: unknown): Parsed<PrimaryMessage> {
  const e = envelope(m);
  if (typeof e === 'string') return refuse(e);
  switch (e.type) {
    case 'config': {
      if (!isSeq(e.seq)) return refuse('"seq" is not a sequence number');
      const why = configError(e.config);
      return why === undefined ? { ok: true, message: { v: 1, type: 'config', seq: e.seq, config: e.config as RuntimeConfig } } : refuse(why);
    }
    case 'health': {
      const why = healthError(e.backends);
      return why === undefined ? { ok: true, message: { v: 1, type: 'health', backends: e.backends as BackendHealth[] } } : refuse(why);
    }
    case 'drain':
      return { ok: true, message: { v: 1, type: 'drain' } };
    default:
      return refuse(`unknown type "${e.type}"`);
  }
}

/** What the primary accepts from a worker. */
export function parseWorkerMessage(m: unknown): Parsed<WorkerMessage> {
  const e = envelope(m);
  if (typeof e === 'string') return refuse(e);
  switch (e.type) {
    case 'online':
      return { ok: true, message: { v: 1, type: 'online' } };
    case 'ready':
    case 'applied':
      return isSeq(e.seq) ? { ok: true, message: { v: 1, type: e.type, seq: e.seq } } : refuse('"seq" is not a sequence number');
    case 'stats': {
      const why = snapshotShapeError(e.snapshot);
      return why === undefined ? { ok: true, message: { v: 1, type: 'stats', snapshot: e.snapshot as BalancerSnapshot } } : refuse(`"snapshot": ${why}`);
    }
    case 'error':
      if (e.seq !== null && !isSeq(e.seq)) return refuse('"seq" is neither null nor a sequence number');
      if (typeof e.code !== 'string' || typeof e.message !== 'string') return refuse('"code" or "message" is not a string');
      return { ok: true, message: { v: 1, type: 'error', seq: e.seq, code: e.code, message: e.message } };
    default:
      return refuse(`unknown type "${e.type}"`);
  }
}
