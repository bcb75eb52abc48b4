/* global document */
// Traffic history per backend and listener, kept here from the status stream, and the inline
// SVG sparklines drawn from it.

const SVG = 'http://www.w3.org/2000/svg';
/** Three minutes at one status a second. */
export const HISTORY_POINTS = 180;
const WIDTH = 120;
const HEIGHT = 26;
/** The chart is at least a minute wide, so the first seconds do not crowd its right edge. */
const MIN_POINTS = 60;

/**
 * Rates from growing counters: `sample(key, count, atMs)` records the counter and returns the
 * rate per second since the previous sample (undefined for the first), keeping the last
 * HISTORY_POINTS rates for the chart.
 */
export class RateHistory {
  #last = new Map();
  #rates = new Map();

  sample(key, count, atMs) {
    const prev = this.#last.get(key);
    this.#last.set(key, { count, atMs });
    if (prev === undefined || atMs <= prev.atMs || count < prev.count) return undefined;
    const rate = ((count - prev.count) * 1000) / (atMs - prev.atMs);
    const list = this.#rates.get(key) ?? [];
    list.push(rate);
    if (list.length > HISTORY_POINTS) list.splice(0, list.length - HISTORY_POINTS);
    this.#rates.set(key, list);
    return rate;
  }

  rates(key) {
    return this.#rates.get(key) ?? [];
  }

  /** Forgets every key not in `keep`. */
  prune(keep) {
    for (const key of [...this.#last.keys()]) {
      if (!keep.has(key)) {
        this.#last.delete(key);
        this.#rates.delete(key);
      }
    }
  }

  clear() {
    this.#last.clear();
    this.#rates.clear();
  }
}

export function createSparkline(label) {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('class', 'spark');
  svg.setAttribute('width', String(WIDTH));
  svg.setAttribute('height', String(HEIGHT));
  svg.setAttribute('viewBox', `0 0 ${WIDTH} ${HEIGHT}`);
  svg.setAttribute('role', 'img');
  const title = document.createElementNS(SVG, 'title');
  svg.append(title);
  const base = document.createElementNS(SVG, 'line');
  base.setAttribute('x1', '0');
  base.setAttribute('x2', String(WIDTH));
  base.setAttribute('y1', String(HEIGHT - 0.5));
  base.setAttribute('y2', String(HEIGHT - 0.5));
  svg.append(base);
  const line = document.createElementNS(SVG, 'polyline');
  svg.append(line);
  svg.setAttribute('aria-label', label);
  return svg;
}

/** Redraws a sparkline: the newest rate at the right edge, scaled to the peak shown. */
export function drawSparkline(svg, rates, unit, label) {
  const peak = Math.max(1, ...rates);
  const step = WIDTH / (Math.max(MIN_POINTS, rates.length) - 1);
  const x0 = WIDTH - (rates.length - 1) * step;
  const points = rates.map((r, i) => `${(x0 + i * step).toFixed(1)},${(HEIGHT - 1 - (r / peak) * (HEIGHT - 3)).toFixed(1)}`);
  svg.querySelector('polyline').setAttribute('points', points.join(' '));
  const now = rates.length > 0 ? rates[rates.length - 1] : 0;
  const text = `${label}: ${rates.length > 0 ? `now ${now.toFixed(1)} ${unit}, peak ${Math.max(0, ...rates).toFixed(1)} ${unit} over the last ${Math.ceil(rates.length / 60)} min` : 'no traffic data yet'}`;
  svg.setAttribute('aria-label', text);
  svg.querySelector('title').textContent = text;
}
