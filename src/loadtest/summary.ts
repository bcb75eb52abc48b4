/** The summary a load test prints at the end, as text for a person. Pure. */
import { ERROR_KINDS, ERROR_LABELS } from './error-kinds.js';
import { bytes, decimal, int, millis, seconds } from './format.js';
import type { LoadtestResult } from './results.js';

function table(rows: readonly (readonly string[])[], indent: string): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => `${indent}${row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ')}`.trimEnd());
}

function percent(n: number, of: number): string {
  return of === 0 ? '' : `${((n * 100) / of).toFixed(1)}%`;
}

export function formatSummary(r: LoadtestResult): string {
  const s = r.settings;
  const sum = r.summary;
  const bound = [s.requests === null ? undefined : `${int(s.requests)} requests`, s.durationMs === null ? undefined : `${seconds(s.durationMs)}`].filter((x) => x !== undefined).join(' or ');
  const model = s.rate === null ? 'closed model' : `open model at ${int(s.rate)} req/s`;
  const lines = [
    `${s.method} ${s.url}: ${int(s.connections)} connection${s.connections === 1 ? '' : 's'}, ${bound}, ${s.keepAlive ? 'keep-alive' : 'a new connection per request'}, ${model}`,
    '',
    `${int(sum.requests)} requests in ${seconds(r.elapsedMs)}: ${int(sum.responses)} responses (${int(sum.non2xx)} non-2xx), ${int(sum.errors)} errors`,
    ...table(
      [
        ['requests/s', decimal(sum.requestsPerSecond)],
        ['bytes/s', `${bytes(sum.bytesPerSecond)}/s`],
        ['read', bytes(sum.bytesRead)],
      ],
      '  ',
    ),
    '',
  ];
  const l = sum.latencyMs;
  lines.push(
    `latency${s.rate === null ? '' : ' (from each request\'s scheduled time)'}`,
    ...table(
      [
        ['', 'min', 'mean', 'p50', 'p90', 'p99', 'p99.9', 'max'],
        ['', ...[l.min, l.mean, l.p50, l.p90, l.p99, l.p99_9, l.max].map(millis)],
      ],
      '',
    ),
    '',
  );
  const statuses = Object.entries(r.statuses);
  if (statuses.length > 0) {
    lines.push('status', ...table(statuses.map(([code, n]) => [code, int(n), percent(n, sum.responses)]), '  '), '');
  }
  const backends = Object.entries(r.backends);
  if (backends.length > 0 || r.withoutBackendHeader > 0) {
    const rows = backends.map(([name, n]) => [name, int(n), percent(n, sum.responses)]);
    if (r.withoutBackendHeader > 0) rows.push([`(no ${s.backendHeader})`, int(r.withoutBackendHeader), percent(r.withoutBackendHeader, sum.responses)]);
    lines.push(`backends (${s.backendHeader})`, ...table(rows, '  '), '');
  }
  if (sum.errors > 0) {
    const rows = ERROR_KINDS.filter((k) => r.errors[k] > 0).map((k) => [ERROR_LABELS[k], int(r.errors[k])]);
    lines.push('errors', ...table(rows, '  '));
    const codes = Object.entries(r.errorCodes);
    if (codes.length > 0) lines.push(`  (${codes.map(([c, n]) => `${c} ${int(n)}`).join(', ')})`);
    lines.push('');
  }
  if (sum.unsent > 0) {
    lines.push(`${int(sum.unsent)} requests fell due but were not sent before the end: every connection was busy (try more connections with -c)`, '');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}
