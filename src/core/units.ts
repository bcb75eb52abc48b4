/** Parsing of durations ("250ms", "5s", "2m", "1h" or a number of ms) and sizes ("64KiB" or bytes). */

export type ParseResult<T> = { ok: true; value: T } | { ok: false; reason: string };

const DURATION_RE = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)$/;
const DURATION_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export function parseDuration(input: string | number): ParseResult<number> {
  if (typeof input === 'number') {
    if (!Number.isFinite(input) || input < 0) return { ok: false, reason: `must be a non-negative number of milliseconds, got ${input}` };
    return { ok: true, value: input };
  }
  const m = DURATION_RE.exec(input.trim());
  if (!m) return { ok: false, reason: `must be a duration like "500ms", "5s", "2m" or "1h", got "${input}"` };
  return { ok: true, value: Math.round(Number(m[1]) * (DURATION_MS[m[2] as string] as number)) };
}

const SIZE_RE = /^(\d+(?:\.\d+)?)\s*(b|kb|kib|mb|mib|gb|gib)?$/i;
const SIZE_BYTES: Record<string, number> = {
  b: 1,
  kb: 1000,
  kib: 1024,
  mb: 1000 ** 2,
  mib: 1024 ** 2,
  gb: 1000 ** 3,
  gib: 1024 ** 3,
};

export function parseSize(input: string | number): ParseResult<number> {
  if (typeof input === 'number') {
    if (!Number.isInteger(input) || input < 0) return { ok: false, reason: `must be a non-negative whole number of bytes, got ${input}` };
    return { ok: true, value: input };
  }
  const m = SIZE_RE.exec(input.trim());
  if (!m) return { ok: false, reason: `must be a size like "16KiB", "1MiB" or a number of bytes, got "${input}"` };
  const unit = (m[2] ?? 'b').toLowerCase();
  return { ok: true, value: Math.round(Number(m[1]) * (SIZE_BYTES[unit] as number)) };
}

export function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0 && ms > 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0 && ms > 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0 && ms > 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
