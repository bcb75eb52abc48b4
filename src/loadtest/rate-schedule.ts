/**
 * The open model's timetable: request i is due at start + i / rate, whatever happened to the
 * ones before it. Latency counts from that due time, so a server that stalls shows the stall in
 * every request that had to wait for it (no coordinated omission). Pure: times are passed in.
 */

export class RateSchedule {
  private readonly intervalMs: number;

  /**
   * @param ratePerSecond requests per second (> 0)
   * @param startMs when request 0 is due
   * @param maxRequests no request at or past this index is due (Infinity: no limit)
   * @param endMs no request due at or after this time is due at all (Infinity: no end)
   */
  constructor(
    private readonly ratePerSecond: number,
    private readonly startMs: number,
    private readonly maxRequests = Infinity,
    private readonly endMs = Infinity,
  ) {
    this.intervalMs = 1000 / ratePerSecond;
  }

  /** When request `i` is due. */
  dueAt(i: number): number {
    return this.startMs + i * this.intervalMs;
  }

  /** How many requests are due by `now` (request i is due when dueAt(i) <= now). */
  dueBy(now: number): number {
    if (now < this.startMs) return 0;
    let n = Math.floor(((now - this.startMs) * this.ratePerSecond) / 1000 + 1e-9) + 1;
    if (n > this.maxRequests) n = this.maxRequests;
    const lastBeforeEnd = this.total();
    return n > lastBeforeEnd ? lastBeforeEnd : n;
  }

  /** How many requests the schedule holds in all (Infinity when neither a count nor an end bounds it). */
  total(): number {
    if (this.endMs === Infinity) return this.maxRequests;
    const beforeEnd = Math.max(0, Math.ceil(((this.endMs - this.startMs) * this.ratePerSecond) / 1000 - 1e-9));
    return Math.min(beforeEnd, this.maxRequests);
  }
}
