/**
 * A self-contained SVG chart of a simulation (no scripts, fonts or links): per policy, p50/p90/p99
 * latency bars on a log scale (tails of different policies often differ by orders of magnitude),
 * then each policy's load share as a 100 % stacked bar, one colour per backend.
 */
import type { SimulationReport } from './model.js';
import { describeScenario, formatMs } from './describe.js';

const WIDTH = 860;
const LABEL_X = 16;
const PLOT_X0 = 190;
const PLOT_X1 = WIDTH - 90;
const ROW = 24;
const BAR = 14;
const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];
const LATENCY_SHADES = { p50: '#1f4e79', p90: '#5b8cc0', p99: '#b9d0ea' } as const;

/** The colour of backend `index` in charts. */
export function backendColor(index: number): string {
  return PALETTE[index % PALETTE.length] ?? '#888888';
}

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function renderSvg(report: SimulationReport): string {
  const out: string[] = [];
  const results = report.results;
  let y = 30;
  out.push(text(LABEL_X, y, 'Switchyard policy simulation', 'title'));
  for (const line of describeScenario(report).flatMap((l) => wrap(l, 130))) {
    y += 18;
    out.push(text(LABEL_X, y, line, 'note'));
  }

  // Latency panel.
  y += 34;
  out.push(text(LABEL_X, y, 'Latency per policy, log scale', 'head'));
  out.push(legendItem(PLOT_X0 + 210, y, LATENCY_SHADES.p50, 'p50'), legendItem(PLOT_X0 + 270, y, LATENCY_SHADES.p90, 'p90'), legendItem(PLOT_X0 + 330, y, LATENCY_SHADES.p99, 'p99'));
  y += 12;
  const scale = logScale(
    Math.min(...results.map((r) => r.latencyMs.p50)),
    Math.max(...results.map((r) => r.latencyMs.p99)),
  );
  const panelTop = y;
  const panelBottom = y + results.length * ROW;
  for (const tick of scale.ticks) {
    const x = scale.x(tick);
    out.push(`<line x1="${x}" y1="${panelTop}" x2="${x}" y2="${panelBottom}" class="grid"/>`);
    out.push(text(x, panelBottom + 14, tickLabel(tick), 'axis', 'middle'));
  }
  results.forEach((r, i) => {
    const rowY = panelTop + i * ROW + (ROW - BAR) / 2;
    out.push(text(LABEL_X, rowY + BAR - 2, r.policy, 'label'));
    for (const key of ['p99', 'p90', 'p50'] as const) {
      const w = Math.max(1, scale.x(r.latencyMs[key]) - PLOT_X0);
      out.push(`<rect x="${PLOT_X0}" y="${rowY}" width="${round(w)}" height="${BAR}" fill="${LATENCY_SHADES[key]}"><title>${escapeXml(`${r.policy} ${key} ${formatMs(r.latencyMs[key])}`)}</title></rect>`);
    }
    out.push(text(scale.x(r.latencyMs.p99) + 6, rowY + BAR - 2, formatMs(r.latencyMs.p99), 'value'));
  });

  // Load-share panel.
  y = panelBottom + 50;
  out.push(text(LABEL_X, y, 'Load share per backend', 'head'));
  y += 12;
  const span = PLOT_X1 - PLOT_X0;
  results.forEach((r, i) => {
    const rowY = y + i * ROW + (ROW - BAR) / 2;
    out.push(text(LABEL_X, rowY + BAR - 2, r.policy, 'label'));
    let x = PLOT_X0;
    r.backends.forEach((b, j) => {
      const w = (b.sharePct / 100) * span;
      if (w <= 0) return;
      out.push(`<rect x="${round(x)}" y="${rowY}" width="${round(w)}" height="${BAR}" fill="${backendColor(j)}"><title>${escapeXml(`${r.policy} ${b.id} ${b.sharePct.toFixed(1)}%`)}</title></rect>`);
      if (w >= 34) out.push(text(x + w / 2, rowY + BAR - 3, `${Math.round(b.sharePct)}%`, 'inbar', 'middle'));
      x += w;
    });
  });
  y += results.length * ROW + 22;
  let lx = PLOT_X0;
  report.spec.backends.forEach((_, j) => {
    if (lx > PLOT_X1 - 40) {
      lx = PLOT_X0;
      y += 18;
    }
    out.push(legendItem(lx, y, backendColor(j), `b${j + 1}`));
    lx += 56;
  });
  const height = y + 20;

  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" role="img">`,
    '<title>Switchyard policy simulation</title>',
    '<style>text{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;font-size:12px;fill:#222}' +
      '.title{font-size:18px;font-weight:600}.head{font-size:14px;font-weight:600}.note{fill:#555}' +
      '.axis{font-size:10px;fill:#666}.value{font-size:11px}.inbar{font-size:10px;fill:#fff}.grid{stroke:#ddd;stroke-width:1}</style>',
    `<rect width="${WIDTH}" height="${height}" fill="#fff"/>`,
    ...out,
    '</svg>',
    '',
  ].join('\n');
}

interface Scale {
  x(ms: number): number;
  readonly ticks: readonly number[];
}

/** A log scale from the decade at or below `min` to the decade at or above `max`. */
function logScale(min: number, max: number): Scale {
  const lo = 10 ** Math.floor(Math.log10(Math.max(min, 0.001)));
  let hi = 10 ** Math.ceil(Math.log10(Math.max(max, 0.001)));
  if (hi <= lo) hi = lo * 10;
  const span = Math.log10(hi) - Math.log10(lo);
  const x = (ms: number): number => round(PLOT_X0 + ((Math.log10(Math.max(ms, lo)) - Math.log10(lo)) / span) * (PLOT_X1 - PLOT_X0));
  const ticks: number[] = [];
  for (let d = lo; d <= hi * 1.0001; d *= 10) {
    ticks.push(d);
    if (span <= 2 && d < hi) ticks.push(2 * d, 5 * d);
  }
  return { x, ticks };
}

/** A tick of the log axis: 0.1ms, 2ms, 50ms, 1s, 20s. */
function tickLabel(ms: number): string {
  const n = (v: number): string => String(Number(v.toPrecision(3)));
  return ms < 1000 ? `${n(ms)}ms` : `${n(ms / 1000)}s`;
}

/** Breaks `line` at spaces into lines of at most `max` characters (longer words stay whole). */
function wrap(line: string, max: number): string[] {
  const lines: string[] = [];
  let current = '';
  for (const word of line.split(' ')) {
    if (current !== '' && current.length + 1 + word.length > max) {
      lines.push(current);
      current = word;
    } else {
      current = current === '' ? word : `${current} ${word}`;
    }
  }
  if (current !== '') lines.push(current);
  return lines;
}

function legendItem(x: number, y: number, color: string, label: string): string {
  return `<rect x="${x}" y="${y - 10}" width="12" height="12" fill="${color}"/>${text(x + 16, y, label, 'label')}`;
}

function text(x: number, y: number, content: string, cls: string, anchor?: 'middle'): string {
  return `<text x="${round(x)}" y="${round(y)}" class="${cls}"${anchor === undefined ? '' : ` text-anchor="${anchor}"`}>${escapeXml(content)}</text>`;
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
