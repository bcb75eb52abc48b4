/** Words and numbers shared by the table and the charts: the scenario line, units, markers. */
import { backendId } from './model.js';
import type { SimulationReport } from './model.js';

/** Milliseconds with a precision that suits their size: 0.42ms, 14.2ms, 412ms, 12.3s. */
export function formatMs(ms: number): string {
  if (Math.round(ms * 100) < 100) return `${ms.toFixed(2)}ms`;
  if (Math.round(ms * 10) < 1000) return `${ms.toFixed(1)}ms`;
  if (Math.round(ms) < 10_000) return `${Math.round(ms)}ms`;
  return `${(ms / 1000).toFixed(1)}s`;
}

/** A configured duration as given: 20ms, 2.5ms. */
function plainMs(ms: number): string {
  return `${Math.round(ms * 1000) / 1000}ms`;
}

export function formatRate(perSec: number): string {
  return perSec >= 100 ? String(Math.round(perSec)) : String(Math.round(perSec * 10) / 10);
}

/** One character naming backend `index` in text charts: 1–9, then a–z, then #. */
export function backendMarker(index: number): string {
  if (index < 9) return String(index + 1);
  if (index < 35) return String.fromCharCode(97 + index - 9);
  return '#';
}

/** The scenario in one or two lines: workload, backends, faults. */
export function describeScenario(report: SimulationReport): string[] {
  const { spec } = report;
  const first = report.results[0];
  const requests = first?.requests ?? (spec.stop.type === 'requests' ? spec.stop.count : 0);
  const loadPct = Math.round((spec.ratePerSec / report.nominalCapacityPerSec) * 100);
  const capacities = new Set(spec.backends.map((b) => b.capacity));
  const weights = spec.backends.map((b) => b.weight);
  const slots = capacities.size === 1 ? `${spec.backends[0]?.capacity ?? 0} slots each` : `slots ${spec.backends.map((b) => b.capacity).join(',')}`;
  const lines = [
    `${requests} requests, ${spec.arrival} arrivals at ${formatRate(spec.ratePerSec)}/s (${loadPct}% of nominal capacity ${formatRate(report.nominalCapacityPerSec)}/s), ` +
      `${spec.backends.length} backends (${spec.shape} service, ${plainMs(spec.latencyMs)} mean, ${slots}` +
      `${weights.every((w) => w === 1) ? '' : `, weights ${weights.join(',')}`}), ${spec.clients} clients, seed ${spec.seed}`,
  ];
  const faults: string[] = [];
  spec.backends.forEach((b, i) => {
    if (b.slow !== 1) faults.push(`${backendId(i)} ${b.slow}× slower`);
    if (b.failRate > 0) faults.push(`${backendId(i)} fails ${Math.round(b.failRate * 1000) / 10}%`);
  });
  if (faults.length > 0 || spec.retry) lines.push(`faults: ${faults.length > 0 ? faults.join(', ') : 'none'}; ${spec.retry ? 'a failed request is retried once on another backend' : 'no retries'}`);
  return lines;
}
