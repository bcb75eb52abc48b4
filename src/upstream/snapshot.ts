/** The read-only view of pools and backends that snapshots, status pages and the admin surfaces show. */
import { formatEndpoint } from '../core/address.js';
import type { PolicyName } from '../config/policy-names.js';
import type { AdminState, BackendTotals, Health } from './backend.js';
import type { Pool } from './pool.js';

export interface BackendSnapshot {
  readonly id: string;
  readonly name: string;
  readonly address: string;
  readonly weight: number;
  readonly adminState: AdminState;
  readonly health: Health;
  readonly eligible: boolean;
  readonly downCause: string | null;
  readonly activeConnections: number;
  readonly totals: Readonly<BackendTotals>;
}

export interface PoolSnapshot {
  readonly name: string;
  readonly policy: PolicyName;
  readonly eligibleBackends: number;
  readonly backends: readonly BackendSnapshot[];
}

export function poolSnapshot(p: Pool): PoolSnapshot {
  return {
    name: p.name,
    policy: p.spec.policy,
    eligibleBackends: p.eligibleCount(),
    backends: p.backends.map((b) => ({
      id: b.id,
      name: b.spec.name,
      address: formatEndpoint({ host: b.spec.host, port: b.spec.port }),
      weight: b.weight,
      adminState: b.adminState,
      health: b.health,
      eligible: b.eligible,
      downCause: b.downCause ?? null,
      activeConnections: b.active,
      totals: { ...b.totals },
    })),
  };
}
