/**
 * Follows a chunked body (RFC 9112 §7.1) as it passes through the proxy. It neither copies
 * nor decodes: the proxy forwards the bytes as they are, and the tracker says where the
 * body ends so that the next pipelined message can be found. A byte-level state machine:
 * any split of the input into `feed` calls gives the same result.
 *
 * Strictness (each an error, after which the connection must be closed):
 * - chunk-size: 1 to 16 hex digits, value <= 2^53 - 1; no sign, prefix, underscore, or
 *   whitespace before or after it (RFC 9112 allows BWS only around `;` of an extension;
 *   it is rejected here as well, since parsers disagree on it);
 * - chunk-ext: `;` name [ `=` value ] repeated, name a token, value a token or a
 *   quoted-string; no whitespace; the size line with its extensions is at most
 *   maxLineBytes (default 4 KiB);
 * - CRLF after the size line, after each chunk's data, after each trailer field and at the
 *   end: a bare LF or bare CR is an error;
 * - trailer fields are checked like header fields (token name, colon right after it,
 *   field-vchar/SP/HTAB value, no obs-fold), at most maxTrailerBytes in all (default
 *   16 KiB), and fields that would change framing, routing or hop-by-hop handling
 *   (Content-Length, Transfer-Encoding, Host, Connection, Keep-Alive, Proxy-Connection, TE,
 *   Trailer, Upgrade, and Content_Length / Transfer_Encoding) are refused, since the
 *   proxy forwards trailers unchanged;
 * - optional maxBodyBytes: a chunk that would take the data past it is an error with
 *   `tooLarge` set (answer 413).
 */
import { H_EXPECT, H_OTHER, headerId } from './fields.js';
import { BACKSLASH, COLON, CR, DQUOTE, EQUALS, FIELD_VALUE, HEX_VALUE, LF, LOWER, QDTEXT, QUOTED_PAIR, SEMICOLON, TCHAR } from './tokens.js';

export interface ChunkedOptions {
  /** Most chunk-data bytes in the whole body; past it the body is refused (413). */
  readonly maxBodyBytes?: number;
  /** Longest chunk-size line including extensions, without the CRLF. */
  readonly maxLineBytes?: number;
  /** Most bytes of the trailer section (the fields after the last chunk). */
  readonly maxTrailerBytes?: number;
}

const S_SIZE_FIRST = 0;
const S_SIZE = 1;
const S_EXT_NAME_FIRST = 2;
const S_EXT_NAME = 3;
const S_EXT_VALUE_FIRST = 4;
const S_EXT_VALUE_TOKEN = 5;
const S_EXT_QUOTED = 6;
const S_EXT_QUOTED_PAIR = 7;
const S_EXT_AFTER_QUOTED = 8;
const S_SIZE_LF = 9;
const S_DATA = 10;
const S_DATA_CR = 11;
const S_DATA_LF = 12;
const S_TRAILER_START = 13;
const S_TRAILER_NAME = 14;
const S_TRAILER_VALUE = 15;
const S_TRAILER_LF = 16;
const S_FINAL_LF = 17;
const S_DONE = 18;
const S_ERROR = 19;

const NAME_BUFFER = 24;

export class ChunkedTracker {
  /** The final CRLF has been seen; feed consumes nothing more. */
  done = false;
  /** Why the body was refused; set once, then feed consumes nothing more. */
  error: string | undefined = undefined;
  /** The error is maxBodyBytes being exceeded (413 rather than 400). */
  tooLarge = false;
  /** Chunk-data bytes passed so far (the decoded body length). */
  bodyBytes = 0;

  private readonly maxBodyBytes: number;
  private readonly maxLineBytes: number;
  private readonly maxTrailerBytes: number;
  private state = S_SIZE_FIRST;
  private size = 0;
  private digits = 0;
  private remaining = 0;
  private lineBytes = 0;
  private trailerBytes = 0;
  private nameLength = 0;
  private readonly name = new Uint8Array(NAME_BUFFER);

  constructor(options: ChunkedOptions = {}) {
    this.maxBodyBytes = options.maxBodyBytes ?? Number.MAX_SAFE_INTEGER;
    this.maxLineBytes = options.maxLineBytes ?? 4096;
    this.maxTrailerBytes = options.maxTrailerBytes ?? 16 * 1024;
  }

  /** Ready for the next body. */
  reset(): void {
    this.done = false;
    this.error = undefined;
    this.tooLarge = false;
    this.bodyBytes = 0;
    this.state = S_SIZE_FIRST;
    this.size = 0;
    this.digits = 0;
    this.remaining = 0;
    this.lineBytes = 0;
    this.trailerBytes = 0;
    this.nameLength = 0;
  }

  /**
   * Follows buf[start, end). Returns how many of these bytes belong to the body: all of
   * them until the end is found (then `done`, and the rest is the next message). After an
   * error (`error` set) the count is of the bytes before the offending one.
   */
  feed(buf: Uint8Array, start: number, end: number): number {
    if (this.state >= S_DONE) return 0;
    let state = this.state;
    let p = start;
    for (; p < end; p++) {
      if (state === S_DATA) {
        const n = Math.min(this.remaining, end - p);
        this.remaining -= n;
        this.bodyBytes += n;
        p += n - 1;
        if (this.remaining === 0) state = S_DATA_CR;
        continue;
      }
      const c = buf[p]!;
      if (state <= S_EXT_AFTER_QUOTED && c !== CR && ++this.lineBytes > this.maxLineBytes) return this.fail(p - start, 'chunk size line too long');
      if (state >= S_TRAILER_START && ++this.trailerBytes > this.maxTrailerBytes) return this.fail(p - start, 'trailer section too large');
      switch (state) {
        case S_SIZE_FIRST:
        case S_SIZE: {
          const d = HEX_VALUE[c]!;
          if (d >= 0) {
            if (++this.digits > 16 || this.size > (Number.MAX_SAFE_INTEGER - d) / 16) return this.fail(p - start, 'chunk size too large');
            this.size = this.size * 16 + d;
            state = S_SIZE;
          } else if (state === S_SIZE && c === SEMICOLON) state = S_EXT_NAME_FIRST;
          else if (state === S_SIZE && c === CR) state = S_SIZE_LF;
          else return this.fail(p - start, 'invalid chunk size');
          break;
        }
        case S_EXT_NAME_FIRST:
          if (TCHAR[c] !== 1) return this.fail(p - start, 'invalid chunk extension');
          state = S_EXT_NAME;
          break;
        case S_EXT_NAME:
        case S_EXT_VALUE_TOKEN:
        case S_EXT_AFTER_QUOTED:
          if (c === SEMICOLON) state = S_EXT_NAME_FIRST;
          else if (c === CR) state = S_SIZE_LF;
          else if (state === S_EXT_NAME && c === EQUALS) state = S_EXT_VALUE_FIRST;
          else if (state === S_EXT_AFTER_QUOTED || TCHAR[c] !== 1) return this.fail(p - start, 'invalid chunk extension');
          break;
        case S_EXT_VALUE_FIRST:
          if (c === DQUOTE) state = S_EXT_QUOTED;
          else if (TCHAR[c] === 1) state = S_EXT_VALUE_TOKEN;
          else return this.fail(p - start, 'invalid chunk extension');
          break;
        case S_EXT_QUOTED:
          if (c === DQUOTE) state = S_EXT_AFTER_QUOTED;
          else if (c === BACKSLASH) state = S_EXT_QUOTED_PAIR;
          else if (QDTEXT[c] !== 1) return this.fail(p - start, 'invalid chunk extension');
          break;
        case S_EXT_QUOTED_PAIR:
          if (QUOTED_PAIR[c] !== 1) return this.fail(p - start, 'invalid chunk extension');
          state = S_EXT_QUOTED;
          break;
        case S_SIZE_LF:
          if (c !== LF) return this.fail(p - start, 'bare CR after chunk size');
          this.lineBytes = 0;
          this.digits = 0;
          if (this.size === 0) {
            state = S_TRAILER_START;
            break;
          }
          if (this.size > this.maxBodyBytes - this.bodyBytes) {
            this.tooLarge = true;
            return this.fail(p - start, 'body too large');
          }
          this.remaining = this.size;
          this.size = 0;
          state = S_DATA;
          break;
        case S_DATA_CR:
          if (c !== CR) return this.fail(p - start, 'missing CRLF after chunk data');
          state = S_DATA_LF;
          break;
        case S_DATA_LF:
          if (c !== LF) return this.fail(p - start, 'missing CRLF after chunk data');
          state = S_SIZE_FIRST;
          break;
        case S_TRAILER_START:
          if (c === CR) state = S_FINAL_LF;
          else if (TCHAR[c] === 1) {
            this.name[0] = LOWER[c]!;
            this.nameLength = 1;
            state = S_TRAILER_NAME;
          } else return this.fail(p - start, c === LF ? 'bare LF in trailer' : 'invalid trailer field');
          break;
        case S_TRAILER_NAME:
          if (TCHAR[c] === 1) {
            if (this.nameLength < NAME_BUFFER) this.name[this.nameLength] = LOWER[c]!;
            this.nameLength++;
          } else if (c === COLON) {
            if (this.nameLength <= NAME_BUFFER) {
              const id = headerId(this.name, 0, this.nameLength);
              if (id !== H_OTHER && id !== H_EXPECT) return this.fail(p - start, 'forbidden field in trailer');
            }
            state = S_TRAILER_VALUE;
          } else return this.fail(p - start, 'invalid trailer field');
          break;
        case S_TRAILER_VALUE:
          if (c === CR) state = S_TRAILER_LF;
          else if (FIELD_VALUE[c] !== 1) return this.fail(p - start, 'invalid trailer field');
          break;
        case S_TRAILER_LF:
          if (c !== LF) return this.fail(p - start, 'bare CR in trailer');
          state = S_TRAILER_START;
          break;
        case S_FINAL_LF:
          if (c !== LF) return this.fail(p - start, 'bare CR at end of chunked body');
          this.state = S_DONE;
          this.done = true;
          return p + 1 - start;
      }
    }
    this.state = state;
    return p - start;
  }

  private fail(consumed: number, reason: string): number {
    this.state = S_ERROR;
    this.error = reason;
    return consumed;
  }
}
