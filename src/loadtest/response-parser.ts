/**
 * Reads one HTTP/1.1 response at a time off a load-test connection. Pure: bytes in, facts out.
 *
 * The head is parsed by the proxy's strict codec (status line, fields, framing rules of
 * RFC 9112 §6.3) and a chunked body is followed by its ChunkedTracker, so the load tester and
 * the balancer hold responses to the same grammar. What this adds:
 * - 1xx interim responses (other than 101) are skipped; a 101 is an error (nothing asks to upgrade);
 * - the body is found by Content-Length, chunked framing, or the end of the connection
 *   (`finish()`); a HEAD request's response, 204 and 304 have none;
 * - bytes after the response's end are an error: requests are never pipelined, so a server
 *   sending them is out of step;
 * - the value of one chosen header (the backend header) is read, as a string shared between
 *   responses that carry the same bytes.
 *
 * Any split of a response into `feed` calls gives the same result.
 */
import { ChunkedTracker } from '../proxy/http/codec/chunked.js';
import { F_NAME_END, F_NAME_START, F_VALUE_END, F_VALUE_START, FIELD_STRIDE } from '../proxy/http/codec/fields.js';
import type { HeadLimits } from '../proxy/http/codec/head-result.js';
import { ResponseHead, parseResponseHead } from '../proxy/http/codec/response-head.js';
import { LOWER } from '../proxy/http/codec/tokens.js';

/** What `feed` and `finish` return. */
export type ParseStatus = 'more' | 'done' | 'error';

const S_HEAD = 0;
const S_LENGTH = 1;
const S_CHUNKED = 2;
const S_CLOSE = 3;
const S_DONE = 4;
const S_ERROR = 5;

const LIMITS: HeadLimits = Object.freeze({ maxHeadBytes: 64 * 1024, maxUriBytes: 0, maxHeaders: 200 });
/** Distinct backend header values remembered as shared strings; more are still read, as new strings. */
const MAX_REMEMBERED_VALUES = 64;

export class ResponseParser {
  /** The final response's status (valid after 'done'). */
  status = 0;
  /** The backend header's value, or undefined when the response has none (valid after 'done'). */
  backend: string | undefined = undefined;
  /** Whether the connection may carry the next request (valid after 'done'). */
  keepAlive = false;
  /** Why the response was refused (after 'error'). */
  error = '';

  private state = S_DONE;
  private method = 'GET';
  private remaining = 0;
  private pending: Buffer | undefined = undefined;
  private readonly head = new ResponseHead(LIMITS.maxHeaders);
  private readonly chunked = new ChunkedTracker({ maxTrailerBytes: 64 * 1024 });
  private readonly backendName: Uint8Array;
  private readonly knownValues: Buffer[] = [];
  private readonly knownStrings: string[] = [];

  /** `backendHeader`: the header whose value names the backend that answered (any case). */
  constructor(backendHeader: string) {
    this.backendName = Buffer.from(backendHeader.toLowerCase(), 'latin1');
  }

  /** Ready for the response to a request with this method. */
  begin(method: string): void {
    this.method = method;
    this.state = S_HEAD;
    this.pending = undefined;
    this.status = 0;
    this.backend = undefined;
    this.keepAlive = false;
    this.error = '';
  }

  /** Whether the response has started arriving (some bytes of it were fed). */
  get started(): boolean {
    return this.state !== S_HEAD || this.pending !== undefined;
  }

  /** Feeds the next bytes from the connection. */
  feed(chunk: Buffer): ParseStatus {
    switch (this.state) {
      case S_HEAD: {
        let buf = chunk;
        if (this.pending !== undefined) {
          buf = Buffer.concat([this.pending, chunk]);
          this.pending = undefined;
        }
        return this.parseHeads(buf);
      }
      case S_LENGTH:
        return this.body(chunk, 0);
      case S_CHUNKED:
        return this.body(chunk, 0);
      case S_CLOSE:
        return 'more';
      case S_DONE:
        return chunk.length === 0 ? 'done' : this.fail('bytes after the end of the response');
      default:
        return 'error';
    }
  }

  /** The connection ended (the peer closed it): completes a body that runs until then, else an error. */
  finish(): ParseStatus {
    if (this.state === S_CLOSE) {
      this.state = S_DONE;
      this.keepAlive = false;
      return 'done';
    }
    if (this.state === S_DONE) return 'done';
    if (this.state === S_ERROR) return 'error';
    return this.fail(this.started ? 'connection closed before the response was complete' : 'connection closed before a response');
  }

  private parseHeads(buf: Buffer): ParseStatus {
    let start = 0;
    for (;;) {
      const r = parseResponseHead(buf, start, buf.length, LIMITS, this.method, this.head);
      if (r.type === 'incomplete') {
        this.pending = start === 0 ? buf : buf.subarray(start);
        return 'more';
      }
      if (r.type === 'error') return this.fail(r.reason);
      const h = this.head;
      start += h.headLength;
      if (h.interim) continue;
      if (h.status === 101) return this.fail('unexpected 101 Switching Protocols');
      this.status = h.status;
      this.keepAlive = h.keepAlive;
      this.backend = this.backendValue(buf);
      switch (h.bodyKind) {
        case 'none':
          this.state = S_DONE;
          break;
        case 'length':
          this.state = S_LENGTH;
          this.remaining = h.contentLength;
          break;
        case 'chunked':
          this.state = S_CHUNKED;
          this.chunked.reset();
          break;
        case 'close':
          this.state = S_CLOSE;
          return 'more';
      }
      return this.body(buf, start);
    }
  }

  private body(buf: Buffer, start: number): ParseStatus {
    const n = buf.length - start;
    if (this.state === S_LENGTH) {
      if (n < this.remaining) {
        this.remaining -= n;
        return 'more';
      }
      const extra = n - this.remaining;
      this.remaining = 0;
      this.state = S_DONE;
      return extra === 0 ? 'done' : this.fail('bytes after the end of the response');
    }
    if (this.state === S_CHUNKED) {
      const used = this.chunked.feed(buf, start, buf.length);
      if (this.chunked.error !== undefined) return this.fail(`invalid chunked body: ${this.chunked.error}`);
      if (!this.chunked.done) return 'more';
      this.state = S_DONE;
      return used === n ? 'done' : this.fail('bytes after the end of the response');
    }
    return n === 0 ? 'done' : this.fail('bytes after the end of the response');
  }

  private backendValue(buf: Buffer): string | undefined {
    const h = this.head;
    const f = h.fields;
    const name = this.backendName;
    for (let i = 0, o = 0; i < h.fieldCount; i++, o += FIELD_STRIDE) {
      const ns = f[o + F_NAME_START]!;
      if (f[o + F_NAME_END]! - ns !== name.length) continue;
      let same = true;
      for (let k = 0; k < name.length; k++) {
        if (LOWER[buf[ns + k]!] !== name[k]) {
          same = false;
          break;
        }
      }
      if (same) return this.shared(buf, f[o + F_VALUE_START]!, f[o + F_VALUE_END]!);
    }
    return undefined;
  }

  /** The value buf[s, e) as a string, reusing the one made for the same bytes before. */
  private shared(buf: Buffer, s: number, e: number): string {
    const known = this.knownValues;
    const len = e - s;
    for (let i = 0; i < known.length; i++) {
      const k = known[i]!;
      if (k.length === len && buf.compare(k, 0, len, s, e) === 0) return this.knownStrings[i]!;
    }
    const value = buf.toString('latin1', s, e);
    if (known.length < MAX_REMEMBERED_VALUES) {
      known.push(Buffer.from(buf.subarray(s, e)));
      this.knownStrings.push(value);
    }
    return value;
  }

  private fail(reason: string): ParseStatus {
    this.state = S_ERROR;
    this.error = reason;
    return 'error';
  }
}
