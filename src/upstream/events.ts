/** State changes the upstream layer reports; the runtime turns them into logs (and, later, metrics). */
import type { Backend } from './backend.js';

export type UpstreamEvent =
  | { readonly type: 'backend-down'; readonly pool: string; readonly backend: Backend; readonly cause: string }
  | { readonly type: 'backend-up'; readonly pool: string; readonly backend: Backend; readonly cause: string }
  | { readonly type: 'pool-empty'; readonly pool: string }
  | { readonly type: 'pool-recovered'; readonly pool: string };

export type UpstreamEventSink = (event: UpstreamEvent) => void;
