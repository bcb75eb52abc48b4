/** Reads the open-files limit (Linux) so start-up can warn when the connection limits need more. */
import { readFileSync } from 'node:fs';

/** The soft RLIMIT_NOFILE, or undefined where it cannot be read. */
export function openFilesLimit(procLimits = '/proc/self/limits'): number | undefined {
  let text: string;
  try {
    text = readFileSync(procLimits, 'utf8');
  } catch {
    return undefined;
  }
  const line = text.split('\n').find((l) => l.startsWith('Max open files'));
  if (!line) return undefined;
  const soft = line.slice('Max open files'.length).trim().split(/\s+/)[0];
  if (soft === undefined || soft === 'unlimited') return undefined;
  const n = Number(soft);
  return Number.isFinite(n) ? n : undefined;
}

/**
 * Descriptors the config may need at once: each client connection holds two (client and
 * backend), plus one per bound address and a margin for logs, probes and the like.
 */
export function openFilesNeeded(listeners: readonly { maxConnections: number; bind: readonly unknown[] }[]): number | undefined {
  let n = 64;
  for (const l of listeners) {
    if (l.maxConnections === 0) return undefined;
    n += 2 * l.maxConnections + l.bind.length;
  }
  return n;
}
