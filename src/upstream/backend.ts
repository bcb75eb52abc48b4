/**
 * The live state of one backend: admin state × health × in-flight count, plus totals.
 * This is the only mutable state that outlives a config snapshot; it is keyed by the
 * backend's stable id so a reload can carry it over.
 */
import type { BackendSpec } from '../config/model.js';
import type { Candidate } from '../balancing/types.js';

export type AdminState = 'ready' | 'drain' | 'maint';
export type Health = 'up' | 'down';

export interface BackendTotals {
  /** Client connections forwarded to this backend (connect succeeded). */
  connections: number;
  /** Connect attempts that failed (refused, reset, timed out). */
  connectFailures: number;
  /** Bytes received from the backend. */
  bytesIn: number;
  /** Bytes sent to the backend. */
  bytesOut: number;
}

export class Backend implements Candidate {
  spec: BackendSpec;
  /** Address to connect to: the resolved IP when names resolve once, else spec.host. */
  connectHost: string;
  adminState: AdminState = 'ready';
  health: Health = 'up';
  /** Why the backend is down, for logs and the snapshot. */
  downCause: string | undefined;
  active = 0;
  readonly totals: BackendTotals = { connections: 0, connectFailures: 0, bytesIn: 0, bytesOut: 0 };

  constructor(spec: BackendSpec) {
    this.spec = spec;
    this.connectHost = spec.host;
  }

  get id(): string {
    return this.spec.id;
  }

  get weight(): number {
    return this.spec.weight;
  }

  /** May receive new connections: the single place eligibility is computed. */
  get eligible(): boolean {
    return this.adminState === 'ready' && this.health === 'up' && this.spec.weight > 0;
  }

  /** At its connection limit right now. */
  get full(): boolean {
    return this.spec.maxConnections > 0 && this.active >= this.spec.maxConnections;
  }
}
