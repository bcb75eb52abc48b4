/**
 * A self-contained HTML page of a simulation: the scenario, the results table and the SVG chart
 * inline (no scripts, stylesheets or images from elsewhere). Written as well-formed XHTML-style
 * markup so it also parses as XML.
 */
import type { PolicyResult, SimulationReport } from './model.js';
import { describeScenario, formatMs } from './describe.js';
import { escapeXml, renderSvg } from './svg.js';

export function renderHtml(report: SimulationReport): string {
  const shares = report.spec.backends.map((_, i) => `<th>b${i + 1} %</th>`).join('');
  const retried = report.spec.retry;
  const row = (r: PolicyResult): string =>
    '<tr>' +
    `<th scope="row">${escapeXml(r.policy)}</th>` +
    [r.latencyMs.p50, r.latencyMs.p90, r.latencyMs.p99, r.latencyMs.p999, r.latencyMs.mean].map((v) => `<td>${formatMs(v)}</td>`).join('') +
    `<td>${r.errors}</td>` +
    (retried ? `<td>${r.retries}</td>` : '') +
    `<td>${r.maxInFlight}</td>` +
    r.backends.map((b) => `<td>${b.sharePct.toFixed(1)}</td>`).join('') +
    '</tr>';
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8"/>',
    '<title>Switchyard policy simulation</title>',
    '<style>body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#222}' +
      'table{border-collapse:collapse;margin:16px 0}th,td{padding:4px 10px;border-bottom:1px solid #ddd;text-align:right;font-variant-numeric:tabular-nums}' +
      'th[scope=row],thead th:first-child{text-align:left}p{color:#555;margin:4px 0}</style>',
    '</head>',
    '<body>',
    '<h1>Switchyard policy simulation</h1>',
    ...describeScenario(report).map((line) => `<p>${escapeXml(line)}</p>`),
    '<table>',
    `<thead><tr><th>policy</th><th>p50</th><th>p90</th><th>p99</th><th>p99.9</th><th>mean</th><th>errors</th>${retried ? '<th>retried</th>' : ''}<th>max in-flight</th>${shares}</tr></thead>`,
    '<tbody>',
    ...report.results.map(row),
    '</tbody>',
    '</table>',
    renderSvg(report).trimEnd(),
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
