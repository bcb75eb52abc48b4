/**
 * Buffers that backend sockets read into (net's `onread`), shared by the TCP and HTTP data
 * paths and reused from connection to connection.
 *
 * A buffer of its own per connection, allocated at connect, made every new TCP connection cost
 * a 64 KiB allocation outside the JS heap; V8 answers such allocation rates with full GCs
 * (several per second under new-connection load). A connection takes a buffer at its first read
 * and gives it back when its socket has closed, unless a write still holds it (the owner then
 * simply drops it, and it is collected once the write is done).
 */

import { SpareBuffers } from './spare-buffers.js';

/** Size of one read buffer (HAProxy reads into 16 KiB; Node's own reads are 64 KiB). */
export const READ_BUFFER_BYTES = 64 * 1024;

/** At most 64 idle buffers kept (4 MiB). */
const spare = new SpareBuffers(READ_BUFFER_BYTES, 64);

/** A buffer to read into: a spare one, else a new one. */
export function takeReadBuffer(): Buffer {
  return spare.take();
}

/**
 * Gives back a buffer nothing references any more: its socket has closed (no read can land in
 * it) and no write of its bytes is pending.
 */
export function giveReadBuffer(buf: Buffer): void {
  spare.give(buf);
}

/** Spare buffers now (for tests). */
export function spareReadBuffers(): number {
  return spare.count;
}
