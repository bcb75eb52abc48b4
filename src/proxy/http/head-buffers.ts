/**
 * Buffers that HTTP sessions write rewritten heads into (the request head sent to a backend,
 * the response head and a small body sent to the client). An exchange takes them from a spare
 * list when it needs them and gives them back when it ends, so an idle connection holds none.
 *
 * Each head used to be a fresh `Buffer.allocUnsafe`, a slice of Node's 8 KiB allocation pool.
 * The pool's slabs live outside the V8 heap, and Node 24's V8 (13.6) counts every such byte
 * allocated since the last mark-compact against the old generation's limit: at 40k requests a second,
 * the heads alone allocated 10-18 MB a second, more than the headroom V8 leaves between two
 * young collections once its young generation is large, and a full mark-compact followed
 * nearly every young collection (several milliseconds each; bench/RESULTS.md).
 *
 * A session gives a buffer back only if no write holds it: after each write it checks that the
 * socket took every byte at once (`writableLength === 0`); otherwise it drops the buffer (the
 * pending write keeps it alive until done, then it is collected).
 */

import { SpareBuffers } from '../spare-buffers.js';

/** Size of one head buffer: a rewritten head with a body of up to 4 KiB (copied with its head) fits. */
export const HEAD_BUFFER_BYTES = 8192;

/** At most 512 idle buffers kept (4 MiB). */
const spare = new SpareBuffers(HEAD_BUFFER_BYTES, 512);

/** A head buffer: a spare one, else a new one. */
export function takeHeadBuffer(): Buffer {
  return spare.take();
}

/** Gives back a buffer that no pending write holds and its session will not write into again. */
export function giveHeadBuffer(buf: Buffer): void {
  spare.give(buf);
}

/** `into` if it holds `size` bytes, else a buffer of its own for this one head. */
export function headOut(into: Buffer | undefined, size: number): Buffer {
  return into !== undefined && into.length >= size ? into : Buffer.allocUnsafe(size);
}

/** Spare buffers now (for tests). */
export function spareHeadBuffers(): number {
  return spare.count;
}
