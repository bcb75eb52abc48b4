/**
 * The Prometheus text exposition of a balancer snapshot (prometheus-registry.ts builds it with
 * prom-client). prom-client is loaded at the first scrape, not at start: a balancer nobody
 * scrapes keeps a smaller heap, and under new-connection load a smaller heap is what keeps V8
 * from promoting closed connections to its old generation (bench/gc-promotion.sh).
 */
import type { BalancerSnapshot } from '../runtime/balancer.js';

export interface MetricsInfo {
  /** Switchyard's version, for switchyard_build_info. */
  readonly version: string;
  /** When the balancer started, epoch ms (switchyard_start_time_seconds); omitted when unknown. */
  readonly startedAt?: number;
}

/** The Prometheus text exposition (version 0.0.4) of `snapshot`, as it is now. */
export async function renderPrometheus(snapshot: BalancerSnapshot, info: MetricsInfo): Promise<string> {
  const { renderWithRegistry } = await import('./prometheus-registry.js');
  return renderWithRegistry(snapshot, info);
}
