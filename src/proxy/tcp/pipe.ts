/**
 * One direction of a TCP tunnel: what `src` reads is written to `dst`. Reading pauses
 * while `dst` is over its high-water mark and resumes on 'drain' (backpressure); the end
 * of `src` half-closes `dst`. Chunks are passed through as they are: no copies.
 */
import type { Socket } from 'node:net';

export function pipeOneWay(src: Socket, dst: Socket): void {
  src.on('data', (chunk: Buffer) => {
    if (!dst.write(chunk)) src.pause();
  });
  dst.on('drain', () => {
    src.resume();
  });
  // A client may have sent its FIN before the backend connected: its 'end' has then been
  // emitted already (nothing was buffered), and the half-close must be passed on now.
  if (src.readableEnded) dst.end();
  else
    src.on('end', () => {
      dst.end();
    });
}
