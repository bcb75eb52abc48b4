/**
 * Reads from accepted client sockets without a fresh ArrayBuffer per read (net's `onread`).
 *
 * Why: V8 sweeps every ArrayBuffer made since its last young collection during that collection's
 * pause. Node makes one per read, so under keep-alive load the sweep was three quarters of each
 * scavenge's pause (about 1 ms every 180 ms at 36,000 requests/s on Node 24), and the slowest
 * 1 % of requests were the ones that waited on it. Here small reads (request heads) land in one
 * buffer shared by every client socket and are copied out into Node's allocation pool (one
 * ArrayBuffer for many reads); large ones (bodies) land in a buffer of the socket's own and are
 * handed over as they lie (see `onRead`). What the receiver gets is its own to keep, as a 'data'
 * chunk is.
 *
 * Node offers `onread` only to sockets it connects (`new net.Socket({ onread })`). An accepted
 * socket gets the same switch through the fields that option sets, found on a socket built with
 * it and recognised by the values given. Where they are not found (another Node), or a socket has
 * no handle, `readClient` says so and the caller reads 'data' as before.
 */
import { Socket, type OnReadOpts, type SocketConstructorOpts } from 'node:net';
import { giveReadBuffer, READ_BUFFER_BYTES, takeReadBuffer } from './read-buffers.js';

/** Reads smaller than this are copied into Node's allocation pool (which takes allocations under 4 KiB). */
const SMALL_READ = 4096;

type Receiver = (this: Socket, chunk: Buffer) => void;

interface OnreadFields {
  readonly buffer: symbol;
  readonly callback: symbol;
  readonly generator: symbol;
}

interface StreamHandle {
  useUserBuffer?: (buf: Uint8Array) => void;
}

const fields = findOnreadFields();
let shared: Buffer | undefined;
const kReceiver = Symbol('switchyard.receiver');

type ReadingSocket = Socket & Record<symbol, unknown> & { [kReceiver]?: Receiver; _handle?: StreamHandle | null };

/** The symbols behind net's `onread` option, recognised by the values a probe socket was given; undefined if not all found. */
function findOnreadFields(): OnreadFields | undefined {
  const probeBuffer = Buffer.alloc(1);
  const probeCallback = (): boolean => true;
  let buffer: symbol | undefined;
  let callback: symbol | undefined;
  let generator: symbol | undefined;
  try {
    const probe = new Socket(withOnread({ buffer: probeBuffer, callback: probeCallback })) as ReadingSocket;
    for (const sym of Object.getOwnPropertySymbols(probe)) {
      const v = probe[sym];
      if (v === probeBuffer) buffer = sym;
      else if (v === probeCallback) callback = sym;
    }
    // The generator field holds null for a fixed buffer; it is the one null-valued symbol that
    // becomes the function when the option's buffer is one.
    const probeGen = (): Buffer => probeBuffer;
    const withGen = new Socket(withOnread({ buffer: probeGen, callback: probeCallback })) as ReadingSocket;
    for (const sym of Object.getOwnPropertySymbols(withGen)) {
      if (withGen[sym] === probeGen && probe[sym] === null) generator = sym;
    }
    probe.destroy();
    withGen.destroy();
  } catch {
    return undefined;
  }
  if (buffer === undefined || callback === undefined || generator === undefined) return undefined;
  return { buffer, callback, generator };
}

/** Socket options with `onread`, which Node's constructor reads though its type does not list it. */
function withOnread(onread: OnReadOpts): SocketConstructorOpts {
  return { onread } as SocketConstructorOpts;
}

/** Whether accepted sockets can read through the shared buffer on this Node. */
export function sharedClientReads(): boolean {
  return fields !== undefined;
}

let socketsTaken = 0;

/** Sockets `readClient` has taken since start (for tests). */
export function clientSocketsTaken(): number {
  return socketsTaken;
}

/**
 * Makes `socket` (accepted, not yet read from) deliver each read to `receive` as a Buffer of its
 * own. False when that cannot be done here: read 'data' instead. Pausing and resuming the socket
 * stop and restart its reads as before; 'end', 'error' and 'close' come as before.
 */
export function readClient(socket: Socket, receive: Receiver): boolean {
  const s = socket as ReadingSocket;
  const handle = s._handle;
  if (fields === undefined || handle == null || typeof handle.useUserBuffer !== 'function' || s.destroyed) return false;
  shared ??= Buffer.allocUnsafeSlow(READ_BUFFER_BYTES);
  s[kReceiver] = receive;
  s[fields.generator] = nextBuffer;
  s[fields.callback] = onRead;
  s[fields.buffer] = shared;
  handle.useUserBuffer(shared);
  socketsTaken++;
  return true;
}

/** What the socket just read from reads into next: set by `onRead`, returned by `nextBuffer`. */
let next: Buffer | undefined;

/** net's `onread.buffer` generator, called right after each `onRead`. */
function nextBuffer(): Buffer {
  const b = next as Buffer;
  next = undefined;
  return b;
}

/**
 * net's `onread.callback`, with the socket as `this`: `buf[0, n)` holds what was read.
 *
 * A small read (under 4 KiB: a request head, a keystroke) is copied out, into Node's allocation
 * pool, and the socket goes on reading into the shared buffer. A larger one is a body arriving:
 * the socket is given a buffer of its own, and from then on each large read is handed over as
 * it lies, the socket reading next into a new buffer (no copy, one allocation, as Node's reads);
 * its first large read, still in the shared buffer, is copied. A small read in a buffer of its
 * own is copied out too, and the socket goes back to the shared one.
 */
function onRead(this: ReadingSocket, n: number, buf: Buffer): boolean {
  let chunk: Buffer;
  let following: Buffer;
  const small = n < SMALL_READ;
  if (small) {
    chunk = Buffer.allocUnsafe(n);
    buf.copy(chunk, 0, 0, n);
    following = shared as Buffer;
  } else if (buf === shared) {
    chunk = Buffer.allocUnsafeSlow(n);
    buf.copy(chunk, 0, 0, n);
    following = takeReadBuffer();
  } else {
    chunk = n === buf.length ? buf : buf.subarray(0, n);
    following = Buffer.allocUnsafeSlow(READ_BUFFER_BYTES);
  }
  const receive = this[kReceiver];
  if (receive !== undefined) receive.call(this, chunk);
  // A buffer of the socket's own whose bytes were copied out is free again.
  if (small && buf !== shared) giveReadBuffer(buf);
  next = following;
  return true;
}
