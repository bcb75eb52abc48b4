/**
 * The access log: one line per request, as JSON or NCSA combined, written without building strings.
 *
 * Lines are encoded byte by byte straight into one of two preallocated Buffers (256 KiB each by
 * default). While one Buffer is being written to the fd, lines go to the other. A regular file is
 * written synchronously, as NGINX writes its buffered access log: a write into the page cache
 * takes tens of µs, while Node 24's async file writes (io_uring) stalled the event loop for
 * milliseconds (p99 of 10–15 ms on 100 B responses at 50 connections, 3–4 ms with sync writes or
 * no log). Anything else (a pipe, a terminal) is written with an async write.
 * The current Buffer is handed to the writer when the next line does not fit, when the flush timer
 * fires (every 200 ms, unref'd) or on flush()/close(). If both Buffers are busy (one full, one in
 * flight) a line is dropped and counted: the data path never waits and memory never grows.
 * (Building lines into one long string caused full GCs and 4–6 ms p99 on Node 24; see
 * bench-anchors/PROTO-RESULTS.md, "Access-log pitfall".)
 *
 * JSON keys, in this order: time, client, method, host, path, protocol, status, bytesIn, bytesOut,
 * backend, pool, attempts, upstreamMs, totalMs, termination. Combined: the NCSA combined line only.
 *
 * Escaping: JSON strings escape `"`, `\`, control characters and DEL as \u00XX and are valid
 * UTF-8 (lone surrogates become U+FFFD). Combined lines are pure ASCII: `"` → \", `\` → \\, and
 * every other byte outside 0x20–0x7E (UTF-8 bytes for characters above U+00FF) → \xHH, so a client
 * can never split or forge a line. A line longer than the Buffer is cut (its strings end in "...")
 * and stays a valid line with every field.
 */
import { fstatSync, write as fsWrite, writeSync } from 'node:fs';

/** One finished request. The caller owns it and reuses it (one per connection); see createAccessRecord. */
export interface AccessRecord {
  /** When the request started, epoch ms; 0 means "now" from the log's clock. */
  time: number;
  client: string;
  method: string;
  host: string;
  path: string;
  protocol: string;
  status: number;
  bytesIn: number;
  bytesOut: number;
  /** Backend id, or '-' when none was picked. */
  backend: string;
  pool: string;
  attempts: number;
  upstreamMs: number;
  totalMs: number;
  /** Termination code (see proxy/outcomes.ts), e.g. '--'. */
  termination: string;
  /** User-Agent and Referer: in the combined format only ('' is written as '-'). */
  userAgent: string;
  referer: string;
}

/** A record with every field set, so all records share one shape (keeps write() monomorphic). */
export function createAccessRecord(): AccessRecord {
  return {
    time: 0, client: '', method: '', host: '', path: '', protocol: 'HTTP/1.1', status: 0, bytesIn: 0, bytesOut: 0,
    backend: '-', pool: '', attempts: 0, upstreamMs: 0, totalMs: 0, termination: '--', userAgent: '', referer: '',
  };
}

export type AccessLogFormat = 'json' | 'combined';

/** Writes `len` bytes from the start of `buf` to `fd` and calls back with the count written (fs.write's shape). */
export type AccessLogWriter = (
  fd: number,
  buf: Buffer,
  len: number,
  cb: (err: NodeJS.ErrnoException | null, written: number) => void,
) => void;

/** Epoch milliseconds. */
export interface AccessLogClock {
  nowMs(): number;
}

export interface AccessLogOptions {
  /** An open fd; the log never closes it. */
  readonly fd: number;
  readonly format: AccessLogFormat;
  /** Size of each of the two Buffers (default 256 KiB, at least 4 KiB). */
  readonly bufferSize?: number;
  /** Stamps records whose `time` is 0 (default Date.now). */
  readonly clock?: AccessLogClock;
  /** Flush period in ms (default 200; 0 = only when a Buffer fills or on flush()). */
  readonly flushIntervalMs?: number;
  /** Replaces the default writer (sync for a regular file, fs.write otherwise); for tests. */
  readonly writer?: AccessLogWriter;
  /** Told about write errors other than EAGAIN (the lines of that write are counted in `failed`). */
  readonly onError?: (err: NodeJS.ErrnoException) => void;
}

const DEFAULT_BUFFER = 256 * 1024;
const MIN_BUFFER = 4096;
/**
 * Bytes kept free behind the string fields: every fixed part of a line (keys, punctuation, the
 * time, 8 numbers of ≤ 21 bytes, "..." per string) fits in it, so a cut line is always complete.
 */
const RESERVE = 1024;
const EAGAIN_RETRY_MS = 10;
/** 9999-12-31T23:59:59.999Z: later times are clamped so the time field keeps its width. */
const MAX_TIME = 253402300799999;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const HEX = Buffer.from('0123456789abcdef', 'latin1');

const lit = (s: string): Buffer => Buffer.from(s, 'latin1');
const J_TIME = lit('{"time":"');
const J_CLIENT = lit('","client":"');
const J_METHOD = lit('","method":"');
const J_HOST = lit('","host":"');
const J_PATH = lit('","path":"');
const J_PROTOCOL = lit('","protocol":"');
const J_STATUS = lit('","status":');
const J_BYTES_IN = lit(',"bytesIn":');
const J_BYTES_OUT = lit(',"bytesOut":');
const J_BACKEND = lit(',"backend":"');
const J_POOL = lit('","pool":"');
const J_ATTEMPTS = lit('","attempts":');
const J_UPSTREAM = lit(',"upstreamMs":');
const J_TOTAL = lit(',"totalMs":');
const J_TERMINATION = lit(',"termination":"');
const J_END = lit('"}\n');
const NULL = lit('null');
const ELLIPSIS = lit('...');

/** Set by the string writers when a field was cut at the limit. Single-threaded, reset per line. */
let cut = false;

function copy(buf: Buffer, p: number, bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; i++) buf[p++] = bytes[i] ?? 0;
  return p;
}

/** Non-negative integer < 2^53 as decimal digits. */
function uint(buf: Buffer, p: number, n: number): number {
  let len = 1;
  for (let t = n; t >= 10; t = Math.floor(t / 10)) len++;
  let q = p + len;
  while (n >= 10) {
    const d = n % 10;
    buf[--q] = 48 + d;
    n = (n - d) / 10;
  }
  buf[q - 1] = 48 + n;
  return p + len;
}

/** An integer field (fractions dropped); non-finite → `bad` (or 0). */
function int(buf: Buffer, p: number, n: number, bad: Uint8Array | null): number {
  if (!Number.isFinite(n)) return bad === null ? uint(buf, p, 0) : copy(buf, p, bad);
  if (n < 0) {
    buf[p++] = 45; // -
    n = -n;
  }
  return uint(buf, p, Math.min(Math.floor(n), Number.MAX_SAFE_INTEGER));
}

/**
 * A duration given in microseconds, written as milliseconds (12, 12.5, 0.125); non-finite → null.
 * The caller converts (Math.round(ms * 1000)) so no fractional double crosses a call (V8 would box it).
 */
function usAsMs(buf: Buffer, p: number, us: number): number {
  if (!Number.isFinite(us)) return copy(buf, p, NULL);
  if (us < 0) {
    buf[p++] = 45;
    us = -us;
  }
  if (us > Number.MAX_SAFE_INTEGER) us = Number.MAX_SAFE_INTEGER;
  const frac = us % 1000;
  p = uint(buf, p, (us - frac) / 1000);
  if (frac === 0) return p;
  buf[p++] = 46; // .
  buf[p++] = 48 + Math.floor(frac / 100);
  if (frac % 100 === 0) return p;
  buf[p++] = 48 + (Math.floor(frac / 10) % 10);
  if (frac % 10 === 0) return p;
  buf[p++] = 48 + (frac % 10);
  return p;
}

/** Node's undocumented but long-standing direct encoders (the `buf.write(s, o, n, 'latin1')` fast path). */
interface RawWrites {
  latin1Write?: (s: string, offset: number, length: number) => number;
}
const latin1Write: (buf: Buffer, s: string, p: number, n: number) => number =
  typeof (Buffer.prototype as RawWrites).latin1Write === 'function'
    ? (buf, s, p, n) => (buf as RawWrites).latin1Write?.(s, p, n) ?? 0
    : (buf, s, p, n) => buf.write(s, p, n, 'latin1');

/**
 * Below this length a string is copied char by char in JS; from it on, a string with nothing to
 * escape is checked with one regex and copied by the runtime (a native call costs ~50 ns, a JS
 * loop ~2 ns a char).
 */
const NATIVE_MIN = 32;
/** Only printable ASCII, no `"` and no `\`: needs no escaping in either format. */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** JSON string contents (no quotes), valid UTF-8, stopping before `lim`. */
function jsonStr(buf: Buffer, p: number, s: string, lim: number): number {
  const n = s.length;
  if (n >= NATIVE_MIN && p + n <= lim && PLAIN.test(s)) return p + latin1Write(buf, s, p, n);
  for (let i = 0; i < n; i++) {
    let c = s.charCodeAt(i);
    if (c >= 0x20 && c < 0x7f && c !== 0x22 && c !== 0x5c) {
      if (p >= lim) return cutAt(buf, p);
      buf[p++] = c;
    } else if (c === 0x22 || c === 0x5c) {
      if (p + 2 > lim) return cutAt(buf, p);
      buf[p++] = 0x5c;
      buf[p++] = c;
    } else if (c < 0x80) {
      if (p + 6 > lim) return cutAt(buf, p);
      buf[p++] = 0x5c;
      buf[p++] = 0x75; // u
      buf[p++] = 0x30;
      buf[p++] = 0x30;
      buf[p++] = HEX[c >> 4] ?? 0;
      buf[p++] = HEX[c & 15] ?? 0;
    } else if (c < 0x800) {
      if (p + 2 > lim) return cutAt(buf, p);
      buf[p++] = 0xc0 | (c >> 6);
      buf[p++] = 0x80 | (c & 63);
    } else {
      if (c >= 0xd800 && c <= 0xdfff) {
        const d = i + 1 < n ? s.charCodeAt(i + 1) : 0;
        if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
          if (p + 4 > lim) return cutAt(buf, p);
          c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          buf[p++] = 0xf0 | (c >> 18);
          buf[p++] = 0x80 | ((c >> 12) & 63);
          buf[p++] = 0x80 | ((c >> 6) & 63);
          buf[p++] = 0x80 | (c & 63);
          i++;
          continue;
        }
        c = 0xfffd; // lone surrogate
      }
      if (p + 3 > lim) return cutAt(buf, p);
      buf[p++] = 0xe0 | (c >> 12);
      buf[p++] = 0x80 | ((c >> 6) & 63);
      buf[p++] = 0x80 | (c & 63);
    }
  }
  return p;
}

function hexByte(buf: Buffer, p: number, b: number): number {
  buf[p] = 0x5c; // \
  buf[p + 1] = 0x78; // x
  buf[p + 2] = HEX[b >> 4] ?? 0;
  buf[p + 3] = HEX[b & 15] ?? 0;
  return p + 4;
}

/**
 * A combined-log field: printable ASCII kept, `"` and `\` backslashed, all else \xHH; '' → '-'.
 * `first` is the lowest byte kept as is: 0x20 inside quotes, 0x21 for the unquoted client field.
 */
function ncsaStr(buf: Buffer, p: number, s: string, lim: number, first: number): number {
  const n = s.length;
  if (n === 0) {
    buf[p] = 45;
    return p + 1;
  }
  if (n >= NATIVE_MIN && p + n <= lim && PLAIN.test(s) && (first === 0x20 || s.indexOf(' ') < 0)) {
    return p + latin1Write(buf, s, p, n);
  }
  for (let i = 0; i < n; i++) {
    let c = s.charCodeAt(i);
    if (c >= first && c < 0x7f && c !== 0x22 && c !== 0x5c) {
      if (p >= lim) return cutAt(buf, p);
      buf[p++] = c;
    } else if (c === 0x22 || c === 0x5c) {
      if (p + 2 > lim) return cutAt(buf, p);
      buf[p++] = 0x5c;
      buf[p++] = c;
    } else if (c < 0x100) {
      if (p + 4 > lim) return cutAt(buf, p);
      p = hexByte(buf, p, c);
    } else if (c < 0x800) {
      if (p + 8 > lim) return cutAt(buf, p);
      p = hexByte(buf, p, 0xc0 | (c >> 6));
      p = hexByte(buf, p, 0x80 | (c & 63));
    } else {
      if (c >= 0xd800 && c <= 0xdfff) {
        const d = i + 1 < n ? s.charCodeAt(i + 1) : 0;
        if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
          if (p + 16 > lim) return cutAt(buf, p);
          c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          p = hexByte(buf, p, 0xf0 | (c >> 18));
          p = hexByte(buf, p, 0x80 | ((c >> 12) & 63));
          p = hexByte(buf, p, 0x80 | ((c >> 6) & 63));
          p = hexByte(buf, p, 0x80 | (c & 63));
          i++;
          continue;
        }
        c = 0xfffd;
      }
      if (p + 12 > lim) return cutAt(buf, p);
      p = hexByte(buf, p, 0xe0 | (c >> 12));
      p = hexByte(buf, p, 0x80 | ((c >> 6) & 63));
      p = hexByte(buf, p, 0x80 | (c & 63));
    }
  }
  return p;
}

function cutAt(buf: Buffer, p: number): number {
  cut = true;
  return copy(buf, p, ELLIPSIS);
}

function fsWriter(fd: number, buf: Buffer, len: number, cb: (err: NodeJS.ErrnoException | null, written: number) => void): void {
  fsWrite(fd, buf, 0, len, null, cb);
}

/** For a regular file: the write happens now (a throw is taken as a failed write by the caller). */
function fileWriter(fd: number, buf: Buffer, len: number, cb: (err: NodeJS.ErrnoException | null, written: number) => void): void {
  cb(null, writeSync(fd, buf, 0, len, null));
}

/** The writer for `fd`: synchronous for a regular file, async for anything else. */
export function defaultWriter(fd: number): AccessLogWriter {
  try {
    return fstatSync(fd).isFile() ? fileWriter : fsWriter;
  } catch {
    return fsWriter;
  }
}

export class AccessLog {
  private readonly fd: number;
  private readonly json: boolean;
  private readonly cap: number;
  private readonly clock: AccessLogClock;
  private readonly writer: AccessLogWriter;
  private readonly onError: ((err: NodeJS.ErrnoException) => void) | undefined;
  private readonly bufA: Buffer;
  private readonly bufB: Buffer;
  private readonly timer: NodeJS.Timeout | undefined;

  /** The Buffer lines go to, its fill and its line count. */
  private buf: Buffer;
  private pos = 0;
  private lines = 0;
  /** Set when a line was dropped: the current Buffer is full and goes out as soon as the writer is free. */
  private full = false;
  /** Set when a flush was asked for while a write was in flight. */
  private flushWanted = false;

  private inflight: Buffer | null = null;
  private inflightLen = 0;
  private inflightOff = 0;
  private inflightLines = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  /** Writes started / finished; flush() waits for a sequence number. */
  private started = 0;
  private waiters: { seq: number; resolve: () => void }[] = [];
  private closing: Promise<void> | undefined;
  private closed = false;
  private destroyed = false;

  /** Second (epoch s) whose formatted time is in `timeCache`, and that cache. */
  private cachedSec = -1;
  private readonly timeCache = Buffer.alloc(32);
  private timeLen = 0;

  private nDropped = 0;
  private nWritten = 0;
  private nTruncated = 0;
  private nFailed = 0;

  constructor(opts: AccessLogOptions) {
    this.fd = opts.fd;
    this.json = opts.format === 'json';
    this.cap = Math.max(MIN_BUFFER, Math.floor(opts.bufferSize ?? DEFAULT_BUFFER));
    this.clock = opts.clock ?? { nowMs: Date.now };
    this.writer = opts.writer ?? defaultWriter(opts.fd);
    this.onError = opts.onError;
    this.bufA = Buffer.allocUnsafeSlow(this.cap);
    this.bufB = Buffer.allocUnsafeSlow(this.cap);
    this.buf = this.bufA;
    const every = opts.flushIntervalMs ?? 200;
    if (every > 0) {
      this.timer = setInterval(() => this.tick(), every);
      this.timer.unref();
    }
  }

  /** Lines dropped because both Buffers were busy (or written after close). */
  get dropped(): number {
    return this.nDropped;
  }
  /** Lines whose bytes reached the fd. */
  get written(): number {
    return this.nWritten;
  }
  /** Lines cut because they were longer than a Buffer. */
  get truncated(): number {
    return this.nTruncated;
  }
  /** Lines lost to write errors. */
  get failed(): number {
    return this.nFailed;
  }

  /** Appends one line for `rec`. Never blocks, never throws for odd field values, keeps no reference to `rec`. */
  write(rec: Readonly<AccessRecord>): void {
    if (this.closed || this.full) {
      this.nDropped++;
      return;
    }
    const start = this.pos;
    cut = false;
    let end = this.encode(rec, start);
    if (cut && start > 0) {
      // Did not fit behind the lines already there: send those, start again in an empty Buffer.
      if (!this.rotate()) {
        this.full = true;
        this.nDropped++;
        return;
      }
      cut = false;
      end = this.encode(rec, 0);
    }
    if (cut) this.nTruncated++;
    this.pos = end;
    this.lines++;
  }

  /** Resolves when every line written before the call has been handed to the fd (or failed). */
  flush(): Promise<void> {
    if (this.pos === 0 && this.inflight === null) return Promise.resolve();
    // Wait for the write that will carry the current Buffer, or for the one in flight.
    const waiting = this.waitFor(this.pos > 0 ? this.started + 1 : this.started);
    if (this.pos > 0 && !this.rotate()) this.flushWanted = true;
    return waiting;
  }

  /** Stops the timer, flushes everything; later writes are dropped. The fd stays open (the caller owns it). */
  close(): Promise<void> {
    if (this.closing === undefined) {
      this.closed = true;
      if (this.timer !== undefined) clearInterval(this.timer);
      this.closing = this.flush();
    }
    return this.closing;
  }

  /** Stops at once: buffered lines are discarded (counted in `dropped`); a write in flight still completes. */
  destroy(): void {
    this.closed = true;
    this.destroyed = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    this.nDropped += this.lines;
    this.pos = 0;
    this.lines = 0;
    if (this.retryTimer !== undefined) {
      // A write waiting to be retried is abandoned.
      clearTimeout(this.retryTimer);
      this.retryTimer = undefined;
      this.nDropped += this.inflightLines;
      this.inflight = null;
    }
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.resolve();
  }

  private waitFor(seq: number): Promise<void> {
    return new Promise((resolve) => this.waiters.push({ seq, resolve }));
  }

  private tick(): void {
    if (this.pos > 0 && !this.rotate()) this.flushWanted = true;
  }

  /** Hands the current Buffer to the writer and switches to the other one; false if a write is in flight. */
  private rotate(): boolean {
    if (this.inflight !== null) return false;
    if (this.pos === 0) return true;
    const out = this.buf;
    const len = this.pos;
    this.inflight = out;
    this.inflightLen = len;
    this.inflightOff = 0;
    this.inflightLines = this.lines;
    this.buf = out === this.bufA ? this.bufB : this.bufA;
    this.pos = 0;
    this.lines = 0;
    this.full = false;
    this.flushWanted = false;
    this.started++;
    this.callWriter(out, len);
    return true;
  }

  /** Calls the writer; a synchronous throw (e.g. a bad fd) is treated like a failed write. */
  private callWriter(buf: Buffer, len: number): void {
    try {
      this.writer(this.fd, buf, len, this.onWritten);
    } catch (e) {
      const err: NodeJS.ErrnoException = e instanceof Error ? e : new Error(String(e));
      if (err.code === 'EAGAIN') err.code = 'EIO'; // never retried forever
      this.onWritten(err, 0);
    }
  }

  private readonly onWritten = (err: NodeJS.ErrnoException | null, n: number): void => {
    if (this.inflight === null) return;
    if (err !== null && err.code !== 'EAGAIN') {
      this.nFailed += this.inflightLines;
      this.done();
      this.onError?.(err);
      return;
    }
    if (err === null) this.inflightOff += n;
    if (this.inflightOff >= this.inflightLen) {
      this.nWritten += this.inflightLines;
      this.done();
      return;
    }
    if (err !== null || n <= 0) {
      // EAGAIN (non-blocking pipe) or no progress: try again shortly rather than spin.
      if (this.destroyed) {
        this.nDropped += this.inflightLines;
        this.inflight = null;
        return;
      }
      // Not unref'd: like a pending fs.write, a pending retry keeps the process alive until written.
      this.retryTimer = setTimeout(this.resume, EAGAIN_RETRY_MS);
      return;
    }
    this.resume();
  };

  private readonly resume = (): void => {
    this.retryTimer = undefined;
    const out = this.inflight;
    if (out === null) return;
    const rest = this.inflightOff === 0 ? out : out.subarray(this.inflightOff, this.inflightLen);
    this.callWriter(rest, this.inflightLen - this.inflightOff);
  };

  private done(): void {
    this.inflight = null;
    const seq = this.started;
    if (this.waiters.length > 0) {
      const due = this.waiters.filter((w) => w.seq <= seq);
      this.waiters = this.waiters.filter((w) => w.seq > seq);
      for (const w of due) w.resolve();
    }
    if ((this.full || this.flushWanted || this.waiters.length > 0) && this.pos > 0) this.rotate();
  }

  private encode(rec: Readonly<AccessRecord>, p: number): number {
    const buf = this.buf;
    const lim = this.cap - RESERVE;
    let t = rec.time;
    if (!(t > 0)) t = this.clock.nowMs();
    if (!(t <= MAX_TIME)) t = MAX_TIME; // also NaN; Date cannot format beyond year 9999 here
    const sec = Math.floor(t / 1000);
    if (sec !== this.cachedSec) this.formatSecond(sec);
    if (this.json) return this.encodeJson(rec, buf, copy(buf, p, J_TIME), lim, Math.floor(t - sec * 1000));
    return this.encodeCombined(rec, buf, p, lim);
  }

  /** `m` is the integer millisecond within the second (the second itself is cached). */
  private encodeJson(rec: Readonly<AccessRecord>, buf: Buffer, p: number, lim: number, m: number): number {
    const tc = this.timeCache;
    for (let i = 0; i < this.timeLen; i++) buf[p++] = tc[i] ?? 0;
    buf[p] = 46; // .
    buf[p + 1] = 48 + Math.floor(m / 100);
    buf[p + 2] = 48 + (Math.floor(m / 10) % 10);
    buf[p + 3] = 48 + (m % 10);
    buf[p + 4] = 90; // Z
    p += 5;
    p = copy(buf, p, J_CLIENT);
    p = jsonStr(buf, p, rec.client, lim);
    p = copy(buf, p, J_METHOD);
    p = jsonStr(buf, p, rec.method, lim);
    p = copy(buf, p, J_HOST);
    p = jsonStr(buf, p, rec.host, lim);
    p = copy(buf, p, J_PATH);
    p = jsonStr(buf, p, rec.path, lim);
    p = copy(buf, p, J_PROTOCOL);
    p = jsonStr(buf, p, rec.protocol, lim);
    p = copy(buf, p, J_STATUS);
    p = int(buf, p, rec.status, NULL);
    p = copy(buf, p, J_BYTES_IN);
    p = int(buf, p, rec.bytesIn, NULL);
    p = copy(buf, p, J_BYTES_OUT);
    p = int(buf, p, rec.bytesOut, NULL);
    p = copy(buf, p, J_BACKEND);
    p = jsonStr(buf, p, rec.backend, lim);
    p = copy(buf, p, J_POOL);
    p = jsonStr(buf, p, rec.pool, lim);
    p = copy(buf, p, J_ATTEMPTS);
    p = int(buf, p, rec.attempts, NULL);
    p = copy(buf, p, J_UPSTREAM);
    p = usAsMs(buf, p, Math.round(rec.upstreamMs * 1000));
    p = copy(buf, p, J_TOTAL);
    p = usAsMs(buf, p, Math.round(rec.totalMs * 1000));
    p = copy(buf, p, J_TERMINATION);
    p = jsonStr(buf, p, rec.termination, lim);
    return copy(buf, p, J_END);
  }

  /** `%h - - [%d/%b/%Y:%H:%M:%S %z] "%r" %>s %b "%{Referer}i" "%{User-agent}i"` */
  private encodeCombined(rec: Readonly<AccessRecord>, buf: Buffer, p: number, lim: number): number {
    p = ncsaStr(buf, p, rec.client, lim, 0x21);
    buf[p++] = 32;
    buf[p++] = 45;
    buf[p++] = 32;
    buf[p++] = 45;
    buf[p++] = 32;
    const tc = this.timeCache;
    for (let i = 0; i < this.timeLen; i++) buf[p++] = tc[i] ?? 0;
    buf[p++] = 32;
    buf[p++] = 34;
    if (rec.method.length === 0 && rec.path.length === 0) {
      buf[p++] = 45;
    } else {
      p = ncsaStr(buf, p, rec.method, lim, 0x20);
      buf[p++] = 32;
      p = ncsaStr(buf, p, rec.path, lim, 0x20);
      buf[p++] = 32;
      p = ncsaStr(buf, p, rec.protocol, lim, 0x20);
    }
    buf[p++] = 34;
    buf[p++] = 32;
    p = int(buf, p, rec.status, null);
    buf[p++] = 32;
    if (rec.bytesOut > 0) p = int(buf, p, rec.bytesOut, null);
    else buf[p++] = 45;
    buf[p++] = 32;
    buf[p++] = 34;
    p = ncsaStr(buf, p, rec.referer, lim, 0x20);
    buf[p++] = 34;
    buf[p++] = 32;
    buf[p++] = 34;
    p = ncsaStr(buf, p, rec.userAgent, lim, 0x20);
    buf[p++] = 34;
    buf[p++] = 10;
    return p;
  }

  /** Formats the time-of-second prefix: ISO `2026-11-24T08:52:01` or `[24/Nov/2026:08:52:01 +0000]` (UTC). */
  private formatSecond(sec: number): void {
    this.cachedSec = sec;
    const d = new Date(sec * 1000);
    let s: string;
    if (this.json) {
      s = d.toISOString().slice(0, 19);
    } else {
      const dd = String(d.getUTCDate()).padStart(2, '0');
      const hh = String(d.getUTCHours()).padStart(2, '0');
      const mi = String(d.getUTCMinutes()).padStart(2, '0');
      const ss = String(d.getUTCSeconds()).padStart(2, '0');
      s = `[${dd}/${MONTHS[d.getUTCMonth()] ?? 'Jan'}/${d.getUTCFullYear()}:${hh}:${mi}:${ss} +0000]`;
    }
    this.timeLen = this.timeCache.write(s, 0, 'latin1');
  }
}
