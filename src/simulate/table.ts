/** The text report: a table of every policy, and a compact chart for terminals. */
import type { PolicyResult, SimulationReport } from './model.js';
import { backendMarker, describeScenario, formatMs } from './describe.js';

interface Column {
  readonly title: string;
  readonly left?: boolean;
  readonly value: (r: PolicyResult) => string;
}

function columns(report: SimulationReport): Column[] {
  const cols: Column[] = [
    { title: 'policy', left: true, value: (r) => r.policy },
    { title: 'p50', value: (r) => formatMs(r.latencyMs.p50) },
    { title: 'p90', value: (r) => formatMs(r.latencyMs.p90) },
    { title: 'p99', value: (r) => formatMs(r.latencyMs.p99) },
    { title: 'p99.9', value: (r) => formatMs(r.latencyMs.p999) },
    { title: 'mean', value: (r) => formatMs(r.latencyMs.mean) },
    { title: 'errors', value: (r) => String(r.errors) },
  ];
  if (report.spec.retry) cols.push({ title: 'retried', value: (r) => String(r.retries) });
  cols.push({ title: 'max in-flight', value: (r) => String(r.maxInFlight) });
  report.spec.backends.forEach((_, i) => {
    cols.push({ title: `b${i + 1} %`, value: (r) => (r.backends[i]?.sharePct ?? 0).toFixed(1) });
  });
  return cols;
}

/** The scenario line(s), then one row per policy: latency, errors, max in-flight, load share per backend. */
export function renderTable(report: SimulationReport): string {
  const cols = columns(report);
  const rows = [cols.map((c) => c.title), ...report.results.map((r) => cols.map((c) => c.value(r)))];
  const widths = cols.map((_, j) => Math.max(...rows.map((row) => (row[j] ?? '').length)));
  const lines = rows.map((row) =>
    row
      .map((cell, j) => (cols[j]?.left === true ? cell.padEnd(widths[j] ?? 0) : cell.padStart(widths[j] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
  return `${describeScenario(report).join('\n')}\n\n${lines.join('\n')}\n`;
}

const P99_WIDTH = 40;
const SHARE_WIDTH = 50;

/** Horizontal bars of p99 per policy, then each policy's load share as one stacked bar. */
export function renderTerminalChart(report: SimulationReport): string {
  const labelWidth = Math.max(...report.results.map((r) => r.policy.length));
  const maxP99 = Math.max(...report.results.map((r) => r.latencyMs.p99), Number.MIN_VALUE);
  const out = ['p99 latency'];
  for (const r of report.results) {
    const n = Math.max(r.latencyMs.p99 > 0 ? 1 : 0, Math.round((r.latencyMs.p99 / maxP99) * P99_WIDTH));
    out.push(`${r.policy.padEnd(labelWidth)}  ${'█'.repeat(n)} ${formatMs(r.latencyMs.p99)}`);
  }
  const count = report.spec.backends.length;
  out.push('', `load share (${backendMarker(0)}…${backendMarker(count - 1)} = b1…b${count})`);
  for (const r of report.results) {
    const cells = apportion(
      r.backends.map((b) => b.sharePct),
      SHARE_WIDTH,
    );
    out.push(`${r.policy.padEnd(labelWidth)}  ${cells.map((n, i) => backendMarker(i).repeat(n)).join('')}`);
  }
  return `${out.join('\n')}\n`;
}

/** Splits `total` cells in proportion to `parts` (largest remainder), summing exactly to `total`. */
export function apportion(parts: readonly number[], total: number): number[] {
  const sum = parts.reduce((a, b) => a + b, 0);
  if (sum <= 0) return parts.map(() => 0);
  const exact = parts.map((p) => (p / sum) * total);
  const cells = exact.map(Math.floor);
  let left = total - cells.reduce((a, b) => a + b, 0);
  const order = exact.map((e, i) => ({ i, rest: e - Math.floor(e) })).sort((a, b) => b.rest - a.rest || a.i - b.i);
  for (const { i } of order) {
    if (left <= 0) break;
    cells[i] = (cells[i] ?? 0) + 1;
    left--;
  }
  return cells;
}
