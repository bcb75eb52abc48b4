/** Spawns the real `switchyard` CLI (bin/switchyard.js) and reads what it prints. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { after } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const BIN = fileURLToPath(new URL('../../../bin/switchyard.js', import.meta.url));

export interface Spawned {
  readonly child: ChildProcessWithoutNullStreams;
  stdout: string;
  stderr: string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves when `re` matches stdout+stderr (or rejects after `ms`). */
  waitForOutput(re: RegExp, ms?: number): Promise<RegExpMatchArray>;
}

/** Every CLI process a test file started and that has not exited yet. */
const running = new Set<ChildProcessWithoutNullStreams>();

// A test that fails or times out before its cleanup must not leave its balancer running (nor keep
// this file's process alive through the child's pipes): whatever is left is killed at the end.
after(() => {
  for (const child of running) child.kill('SIGKILL');
});

export function spawnCli(args: readonly string[], env: Record<string, string> = {}): Spawned {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: 'pipe' });
  running.add(child);
  child.once('exit', () => running.delete(child));
  const s: Spawned = {
    child,
    stdout: '',
    stderr: '',
    exited: new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal }))),
    waitForOutput(re, ms = 10_000) {
      return new Promise((resolve, reject) => {
        const check = (): boolean => {
          const m = (s.stdout + s.stderr).match(re);
          if (m) {
            cleanup();
            resolve(m);
            return true;
          }
          return false;
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`timed out waiting for ${String(re)}; output so far:\n${s.stdout}${s.stderr}`));
        }, ms);
        const onExit = (): void => {
          if (!check()) {
            cleanup();
            reject(new Error(`process exited before ${String(re)}; output:\n${s.stdout}${s.stderr}`));
          }
        };
        const cleanup = (): void => {
          clearTimeout(timer);
          child.stdout.off('data', onData);
          child.stderr.off('data', onData);
          child.off('exit', onExit);
        };
        const onData = (): void => {
          check();
        };
        child.stdout.on('data', onData);
        child.stderr.on('data', onData);
        child.once('exit', onExit);
        check();
      });
    },
  };
  child.stdout.setEncoding('utf8').on('data', (d: string) => (s.stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (s.stderr += d));
  return s;
}

/** Runs the CLI to completion. */
export async function runCli(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const s = spawnCli(args);
  const { code } = await s.exited;
  await new Promise((r) => setImmediate(r));
  return { code, stdout: s.stdout, stderr: s.stderr };
}

/** Peak resident memory (VmHWM) of a process in bytes, from /proc; undefined elsewhere. */
export async function peakRss(pid: number): Promise<number | undefined> {
  return procStatusBytes(pid, 'VmHWM');
}

/** The resident set size of a process now, in bytes (`VmRSS`), or undefined where /proc is missing. */
export async function currentRss(pid: number): Promise<number | undefined> {
  return procStatusBytes(pid, 'VmRSS');
}

async function procStatusBytes(pid: number, field: 'VmHWM' | 'VmRSS'): Promise<number | undefined> {
  const { readFile } = await import('node:fs/promises');
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(status);
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Asserts that a process streamed `what` rather than buffering it: its peak RSS grew by less than
 * `limit` bytes over `atStart`. Streaming grows it by the read buffers the collector has not yet
 * reclaimed: V8 waits for about 64 MB of such external memory before it collects (measured on a
 * 200 MB stream: +35 MB on Node 20, +77 MB on Node 24); buffering it whole grows it by all of it.
 */
export async function assertBoundedGrowth(
  t: { diagnostic: (message: string) => void },
  pid: number,
  atStart: number | undefined,
  limit: number,
  what: string,
): Promise<void> {
  const peak = await peakRss(pid);
  if (peak === undefined || atStart === undefined) return;
  const mb = (n: number): number => Math.round(n / (1024 * 1024));
  t.diagnostic(`balancer RSS ${mb(atStart)} MB at start, peak ${mb(peak)} MB`);
  assert.ok(peak - atStart < limit, `the balancer grew by ${mb(peak - atStart)} MB (from ${mb(atStart)} MB) for ${what}`);
}
