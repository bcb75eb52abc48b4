/** State changes the upstream layer reports; the runtime turns them into logs and counters. */
import type { AdminState } from '../config/model.js';
import type { Backend } from './backend.js';

export type UpstreamEvent =
  /** Active probes took it down (`cause` names the probes and the last failure). */
  | { readonly type: 'backend-down'; readonly pool: string; readonly backend: Backend; readonly cause: string }
  /** Active probes brought it up. */
  | { readonly type: 'backend-up'; readonly pool: string; readonly backend: Backend; readonly cause: string }
  /** Passive health ejected it for `durationMs` (its `count`-th ejection in a row). */
  | { readonly type: 'backend-ejected'; readonly pool: string; readonly backend: Backend; readonly cause: string; readonly durationMs: number; readonly count: number }
  /** Its ejection time passed. */
  | { readonly type: 'backend-returned'; readonly pool: string; readonly backend: Backend; readonly cause: string }
  /** An operator (or the config) changed its admin state. */
  | { readonly type: 'backend-admin'; readonly pool: string; readonly backend: Backend; readonly from: AdminState; readonly to: AdminState; readonly cause: string }
  | { readonly type: 'pool-empty'; readonly pool: string }
  | { readonly type: 'pool-recovered'; readonly pool: string }
  /** Too few eligible backends: traffic goes to every backend not drained or in maintenance. */
  | { readonly type: 'pool-panic'; readonly pool: string; readonly eligible: number; readonly total: number; readonly threshold: number }
  | { readonly type: 'pool-panic-end'; readonly pool: string; readonly eligible: number; readonly total: number };

export type UpstreamEventSink = (event: UpstreamEvent) => void;
