/** Number formatting shared by the progress line and the summary. Pure. */

/** 1234567 → "1,234,567". */
export function int(n: number): string {
  return Math.round(n)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** 1234.56 → "1,234.6". */
export function decimal(n: number): string {
  const tenths = Math.round(n * 10);
  return `${int(Math.trunc(tenths / 10))}.${Math.abs(tenths % 10)}`;
}

/** A count of bytes in SI units: "512 B", "1.2 kB", "34.5 MB". */
export function bytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return u === 0 ? `${Math.round(v)} B` : `${v.toFixed(v < 10 ? 2 : 1)} ${units[u] ?? ''}`;
}

/** Milliseconds with a precision that suits their size: "0.123 ms", "12.3 ms", "1,234 ms". */
export function millis(ms: number): string {
  if (ms < 10) return `${ms.toFixed(3)} ms`;
  if (ms < 1000) return `${ms.toFixed(1)} ms`;
  return `${int(ms)} ms`;
}

/** Seconds with one decimal: "3.0s". */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}
