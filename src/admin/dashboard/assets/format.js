// Number and time formats shared by the page's tables.

export const DASH = '—';

export function fmtInt(n) {
  return typeof n === 'number' ? Math.round(n).toLocaleString('en-US') : DASH;
}

export function fmtRate(n, unit) {
  if (typeof n !== 'number') return DASH;
  return `${n >= 100 ? Math.round(n) : n.toFixed(1)} ${unit}`;
}

export function fmtPercent(share) {
  if (typeof share !== 'number') return DASH;
  if (share === 0) return '0%';
  return share < 0.001 ? '<0.1%' : `${(share * 100).toFixed(1)}%`;
}

export function fmtMs(ms) {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return DASH;
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 100) return `${ms.toFixed(1)} ms`;
  if (ms < 10000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(1)} s`;
}

export function fmtDuration(ms) {
  const s = Math.floor(ms / 1000);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m ${s % 60}s`;
  return `${s}s`;
}

export function fmtAddress(a) {
  return a.family === 'IPv6' || a.address.includes(':') ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
}
