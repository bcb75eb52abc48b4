/**
 * A list of equal-sized buffers kept for reuse (read buffers, head buffers): taking one pops a
 * spare or makes a new one outside any pool; giving one back keeps it while the list has room.
 */
export class SpareBuffers {
  private readonly spare: Buffer[] = [];

  /** `bytes` per buffer; at most `max` idle ones kept. */
  constructor(
    readonly bytes: number,
    private readonly max: number,
  ) {}

  take(): Buffer {
    return this.spare.pop() ?? Buffer.allocUnsafeSlow(this.bytes);
  }

  /** Only a buffer nothing references any more (no read can land in it, no write holds it). */
  give(buf: Buffer): void {
    if (this.spare.length < this.max && buf.length === this.bytes) this.spare.push(buf);
  }

  get count(): number {
    return this.spare.length;
  }
}
