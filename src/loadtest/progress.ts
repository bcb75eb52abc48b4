/**
 * The live progress of a run on stderr. On a terminal one line is redrawn in place (with \r,
 * 10 times a second); elsewhere a plain line is written every second, so logs stay readable.
 * The line's text comes from formatProgress (pure); the rate is measured over the last second.
 */
import { int, seconds } from './format.js';
import type { LoadtestProgress } from './run.js';

export interface ProgressTarget {
  /** Requests the run is bounded by (-n), if any. */
  readonly requests: number | undefined;
  /** Duration the run is bounded by (-d), if any. */
  readonly durationMs: number | undefined;
}

/** One progress line, without line ending: "3.0s/10.0s  12,345 requests  4,120 req/s  0 errors". */
export function formatProgress(p: LoadtestProgress, ratePerSecond: number, target: ProgressTarget): string {
  const time = target.durationMs === undefined ? seconds(p.elapsedMs) : `${seconds(Math.min(p.elapsedMs, target.durationMs))}/${seconds(target.durationMs)}`;
  const count = target.requests === undefined ? `${int(p.done)} requests` : `${int(p.done)}/${int(target.requests)} requests`;
  return `${time}  ${count}  ${int(ratePerSecond)} req/s  ${int(p.errors)} error${p.errors === 1 ? '' : 's'}`;
}

const TTY_INTERVAL_MS = 100;
const PLAIN_INTERVAL_MS = 1000;
const RATE_WINDOW_MS = 1000;

export class ProgressReporter {
  private readonly timer: NodeJS.Timeout;
  private readonly samples: { t: number; done: number }[] = [{ t: 0, done: 0 }];
  private width = 0;

  constructor(
    private readonly sample: () => LoadtestProgress,
    private readonly write: (text: string) => void,
    private readonly tty: boolean,
    private readonly target: ProgressTarget,
  ) {
    this.timer = setInterval(() => this.report(), tty ? TTY_INTERVAL_MS : PLAIN_INTERVAL_MS);
    this.timer.unref();
  }

  /** Stops reporting; on a terminal, clears the line. */
  stop(): void {
    clearInterval(this.timer);
    if (this.tty && this.width > 0) this.write(`\r${' '.repeat(this.width)}\r`);
  }

  private report(): void {
    const p = this.sample();
    this.samples.push({ t: p.elapsedMs, done: p.done });
    while (this.samples.length > 2 && p.elapsedMs - this.samples[1]!.t >= RATE_WINDOW_MS) this.samples.shift();
    const first = this.samples[0]!;
    const span = p.elapsedMs - first.t;
    const rate = span > 0 ? ((p.done - first.done) * 1000) / span : 0;
    const line = formatProgress(p, rate, this.target);
    if (this.tty) {
      const pad = this.width > line.length ? ' '.repeat(this.width - line.length) : '';
      this.width = line.length;
      this.write(`\r${line}${pad}`);
    } else {
      this.write(`${line}\n`);
    }
  }
}
