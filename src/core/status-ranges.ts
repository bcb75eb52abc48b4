/** HTTP status lists as users write them: 200, "200-399", "2xx", "200-299,301", or a list of these. */

export interface StatusRange {
  readonly from: number;
  readonly to: number;
}

export function statusInRanges(status: number, ranges: readonly StatusRange[]): boolean {
  for (const r of ranges) if (status >= r.from && status <= r.to) return true;
  return false;
}

/** "200-299,301": the form used in causes, which parseStatusRanges reads back. */
export function formatStatusRanges(ranges: readonly StatusRange[]): string {
  return ranges.map((r) => (r.from === r.to ? String(r.from) : `${r.from}-${r.to}`)).join(',');
}

export type StatusRangesResult = { readonly ok: true; readonly ranges: StatusRange[] } | { readonly ok: false; readonly reason: string };

const SINGLE = /^[0-9]{3}$/;
const RANGE = /^([0-9]{3})\s*-\s*([0-9]{3})$/;
const CLASS = /^([1-5])xx$/i;

/**
 * Reads the healthy statuses from configuration: 200, "200-399", "2xx", a comma-separated
 * string ("200-299,301") or a list of any of these. Statuses are 100–599.
 */
export function parseStatusRanges(spec: string | number | readonly (string | number)[]): StatusRangesResult {
  const items: (string | number)[] = [];
  if (Array.isArray(spec)) items.push(...(spec as readonly (string | number)[]));
  else if (typeof spec === 'string') items.push(...spec.split(','));
  else items.push(spec as number);
  if (items.length === 0) return { ok: false, reason: 'the status list is empty' };
  const ranges: StatusRange[] = [];
  for (const item of items) {
    const r = parseItem(item);
    if (typeof r === 'string') return { ok: false, reason: r };
    ranges.push(...r);
  }
  return { ok: true, ranges };
}

function parseItem(item: string | number): StatusRange[] | string {
  if (typeof item === 'number') {
    if (!Number.isInteger(item)) return `${item} is not a status code`;
    return item >= 100 && item <= 599 ? [{ from: item, to: item }] : `${item} is not a status code in 100-599`;
  }
  if (typeof item !== 'string') return `${String(item)} is not a status, a range or a class`;
  const s = item.trim();
  const quoted = JSON.stringify(item);
  if (s === '') return 'an empty item in the status list';
  if (s.includes(',')) return parseNested(s, quoted);
  if (SINGLE.test(s)) {
    const n = Number(s);
    return n >= 100 && n <= 599 ? [{ from: n, to: n }] : `${quoted} is not a status code in 100-599`;
  }
  const range = RANGE.exec(s);
  if (range) {
    const from = Number(range[1]);
    const to = Number(range[2]);
    if (from < 100 || to > 599) return `${quoted} is not within 100-599`;
    if (from > to) return `${quoted} starts above its end`;
    return [{ from, to }];
  }
  const cls = CLASS.exec(s);
  if (cls) {
    const d = Number(cls[1]) * 100;
    return [{ from: d, to: d + 99 }];
  }
  return `${quoted} is not a status (200), a range (200-399) or a class (2xx)`;
}

function parseNested(s: string, quoted: string): StatusRange[] | string {
  const out: StatusRange[] = [];
  for (const part of s.split(',')) {
    const r = parseItem(part);
    if (typeof r === 'string') return `in ${quoted}: ${r}`;
    out.push(...r);
  }
  return out;
}
