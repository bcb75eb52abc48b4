/**
 * Header fields, shared by request and response heads.
 *
 * Representation. A head does not copy its fields: `fields` is an Int32Array with
 * FIELD_STRIDE slots per field, in the order received:
 *
 *   fields[i*5 + F_NAME_START]  first byte of the name (offset into the caller's buffer)
 *   fields[i*5 + F_NAME_END]    one past the name's last byte (the colon)
 *   fields[i*5 + F_VALUE_START] first byte of the value, leading OWS skipped
 *   fields[i*5 + F_VALUE_END]   one past the value's last byte, trailing OWS trimmed
 *   fields[i*5 + F_FLAGS]       the field's id (FIELD_ID_MASK; H_OTHER when not one the
 *                               codec knows) | FLAG_HOP_BY_HOP when the proxy must drop it
 *
 * Offsets are absolute into the Buffer given to the parser, so they stay valid as long as
 * the caller does not move those bytes. The head object is reused for every message of a
 * connection; one parse overwrites all of it.
 */
import { COLON, CR, FIELD_VALUE, HTAB, LF, LOWER, SP, TCHAR, asciiBytes, equalsLower, equalsLowerDash } from './tokens.js';

export const FIELD_STRIDE = 5;
export const F_NAME_START = 0;
export const F_NAME_END = 1;
export const F_VALUE_START = 2;
export const F_VALUE_END = 3;
export const F_FLAGS = 4;
export const FIELD_ID_MASK = 0xff;
export const FLAG_HOP_BY_HOP = 0x100;

/** Field ids: the fields whose meaning the codec needs. Everything else is H_OTHER. */
export const H_OTHER = 0;
export const H_CONTENT_LENGTH = 1;
export const H_TRANSFER_ENCODING = 2;
export const H_HOST = 3;
export const H_CONNECTION = 4;
export const H_KEEP_ALIVE = 5;
export const H_PROXY_CONNECTION = 6;
export const H_TE = 7;
export const H_TRAILER = 8;
export const H_UPGRADE = 9;
export const H_EXPECT = 10;
/** Content_Length or Transfer_Encoding: some backends (CGI, WSGI) read `_` as `-`, so it is refused. */
export const H_UNDERSCORE_FRAMING = 11;

/** Fields that are hop-by-hop whatever Connection says (RFC 9110 §7.6.1, plus Proxy-Connection). */
const HOP_BY_HOP_ID = new Uint8Array(16);
for (const id of [H_TRANSFER_ENCODING, H_CONNECTION, H_KEEP_ALIVE, H_PROXY_CONNECTION, H_TE, H_TRAILER, H_UPGRADE]) HOP_BY_HOP_ID[id] = 1;

const N_TE = asciiBytes('te');
const N_HOST = asciiBytes('host');
const N_EXPECT = asciiBytes('expect');
const N_TRAILER = asciiBytes('trailer');
const N_UPGRADE = asciiBytes('upgrade');
const N_CONNECTION = asciiBytes('connection');
const N_KEEP_ALIVE = asciiBytes('keep-alive');
const N_CONTENT_LENGTH = asciiBytes('content-length');
const N_PROXY_CONNECTION = asciiBytes('proxy-connection');
const N_TRANSFER_ENCODING = asciiBytes('transfer-encoding');

/** The id of the field named buf[s, e): by length, then one case-insensitive byte compare. */
export function headerId(buf: Uint8Array, s: number, e: number): number {
  switch (e - s) {
    case 2:
      return equalsLower(buf, s, e, N_TE) ? H_TE : H_OTHER;
    case 4:
      return equalsLower(buf, s, e, N_HOST) ? H_HOST : H_OTHER;
    case 6:
      return equalsLower(buf, s, e, N_EXPECT) ? H_EXPECT : H_OTHER;
    case 7:
      if (LOWER[buf[s]!] === 0x74) return equalsLower(buf, s, e, N_TRAILER) ? H_TRAILER : H_OTHER;
      return equalsLower(buf, s, e, N_UPGRADE) ? H_UPGRADE : H_OTHER;
    case 10:
      if (LOWER[buf[s]!] === 0x63) return equalsLower(buf, s, e, N_CONNECTION) ? H_CONNECTION : H_OTHER;
      return equalsLower(buf, s, e, N_KEEP_ALIVE) ? H_KEEP_ALIVE : H_OTHER;
    case 14:
      if (equalsLower(buf, s, e, N_CONTENT_LENGTH)) return H_CONTENT_LENGTH;
      return equalsLowerDash(buf, s, e, N_CONTENT_LENGTH) ? H_UNDERSCORE_FRAMING : H_OTHER;
    case 16:
      return equalsLower(buf, s, e, N_PROXY_CONNECTION) ? H_PROXY_CONNECTION : H_OTHER;
    case 17:
      if (equalsLower(buf, s, e, N_TRANSFER_ENCODING)) return H_TRANSFER_ENCODING;
      return equalsLowerDash(buf, s, e, N_TRANSFER_ENCODING) ? H_UNDERSCORE_FRAMING : H_OTHER;
    default:
      return H_OTHER;
  }
}

/** Most Connection tokens that name other fields; more is an error. */
export const MAX_CONNECTION_TOKENS = 16;

/** The part of a parsed head shared by requests and responses. */
export class MessageHead {
  /** The fields as offsets; see the top of fields.ts. Grows when a parse is given a larger maxHeaders. */
  fields: Int32Array;
  fieldCount = 0;
  /** Bytes of the head from `start`, leading empty lines and the final CRLFCRLF included. */
  headLength = 0;
  /** 10 for HTTP/1.0, 11 for HTTP/1.1. */
  version: 10 | 11 = 11;
  /** Whether the connection may carry another message after this one. */
  keepAlive = true;
  /** The body's length when `bodyKind` is 'length', else 0. */
  contentLength = 0;
  /** The protocol asked for (request with `Connection: upgrade` on 1.1) or switched to (101), lower-cased; else undefined. */
  upgrade: string | undefined = undefined;
  /**
   * The tokens of every Connection field other than close, keep-alive, upgrade and te,
   * lower-cased: the extra fields to drop (already flagged hop-by-hop). Usually empty, so
   * the common `Connection: keep-alive` allocates nothing.
   */
  readonly connectionTokens: string[] = [];
  /** Offsets (start, end) of the connectionTokens in the buffer. Internal to the codec. */
  readonly connectionTokenOffsets = new Int32Array(2 * MAX_CONNECTION_TOKENS);
  connectionTokenCount = 0;

  constructor(maxHeaders = 100) {
    this.fields = new Int32Array(maxHeaders * FIELD_STRIDE);
  }

  /** Makes room for `maxHeaders` fields (allocates only when the limit grew). */
  ensureCapacity(maxHeaders: number): void {
    if (this.fields.length < maxHeaders * FIELD_STRIDE) this.fields = new Int32Array(maxHeaders * FIELD_STRIDE);
  }

  /** The name of field i as sent (allocates; for logs and tests). */
  name(buf: Buffer, i: number): string {
    return buf.toString('latin1', this.fields[i * FIELD_STRIDE + F_NAME_START], this.fields[i * FIELD_STRIDE + F_NAME_END]);
  }

  /** The value of field i, OWS trimmed (allocates; for logs and tests). */
  value(buf: Buffer, i: number): string {
    return buf.toString('latin1', this.fields[i * FIELD_STRIDE + F_VALUE_START], this.fields[i * FIELD_STRIDE + F_VALUE_END]);
  }

  /** The id of field i (H_OTHER, H_HOST, …). */
  fieldId(i: number): number {
    return this.fields[i * FIELD_STRIDE + F_FLAGS]! & FIELD_ID_MASK;
  }

  /** Whether field i is hop-by-hop (the proxy drops it before forwarding). */
  isHopByHop(i: number): boolean {
    return (this.fields[i * FIELD_STRIDE + F_FLAGS]! & FLAG_HOP_BY_HOP) !== 0;
  }

  /** Index of the first field with this id at or after `from`, or -1. */
  indexOf(id: number, from = 0): number {
    for (let i = from; i < this.fieldCount; i++) if ((this.fields[i * FIELD_STRIDE + F_FLAGS]! & FIELD_ID_MASK) === id) return i;
    return -1;
  }
}

/** Outcomes of scanFields other than a position; SCAN_REASONS[-code] is the log reason. */
export const SCAN_INCOMPLETE = -1;
export const SCAN_TOO_LARGE = -2;
export const SCAN_TOO_MANY = -3;
export const SCAN_BARE_CR = -4;
export const SCAN_BARE_LF = -5;
export const SCAN_OBS_FOLD = -6;
export const SCAN_EMPTY_NAME = -7;
export const SCAN_SPACE_BEFORE_COLON = -8;
export const SCAN_NO_COLON = -9;
export const SCAN_BAD_NAME = -10;
export const SCAN_BAD_VALUE = -11;
export const SCAN_REASONS: readonly string[] = [
  '',
  'incomplete head',
  'head too large',
  'too many header fields',
  'bare CR',
  'bare LF',
  'obs-fold (line starting with whitespace)',
  'empty field name',
  'whitespace between field name and colon',
  'header line without colon',
  'invalid character in field name',
  'invalid character in field value',
];

/**
 * Scans header lines from `p` up to and including the empty line that ends the head.
 * Bytes at or after `stop` are not looked at: running into `stop` gives SCAN_TOO_LARGE
 * when `stopIsLimit` (the head would exceed its limit), else SCAN_INCOMPLETE. Returns the
 * position after the final CRLF, or a negative SCAN_ code. Fills head.fields/fieldCount.
 */
export function scanFields(buf: Buffer, p: number, stop: number, stopIsLimit: boolean, maxFields: number, head: MessageHead): number {
  const need = stopIsLimit ? SCAN_TOO_LARGE : SCAN_INCOMPLETE;
  const f = head.fields;
  let n = 0;
  for (;;) {
    if (p >= stop) return need;
    let c = buf[p]!;
    if (c === CR) {
      if (p + 1 >= stop) return need;
      if (buf[p + 1] !== LF) return SCAN_BARE_CR;
      head.fieldCount = n;
      return p + 2;
    }
    if (TCHAR[c] !== 1) {
      if (c === SP || c === HTAB) return SCAN_OBS_FOLD;
      if (c === COLON) return SCAN_EMPTY_NAME;
      if (c === LF) return SCAN_BARE_LF;
      return SCAN_BAD_NAME;
    }
    if (n === maxFields) return SCAN_TOO_MANY;
    const nameStart = p;
    do {
      if (++p >= stop) return need;
      c = buf[p]!;
    } while (TCHAR[c] === 1);
    if (c !== COLON) {
      if (c === SP || c === HTAB) return SCAN_SPACE_BEFORE_COLON;
      if (c === CR || c === LF) return SCAN_NO_COLON;
      return SCAN_BAD_NAME;
    }
    const nameEnd = p;
    p++;
    for (;;) {
      if (p >= stop) return need;
      c = buf[p]!;
      if (c !== SP && c !== HTAB) break;
      p++;
    }
    const valueStart = p;
    while (FIELD_VALUE[c] === 1) {
      if (++p >= stop) return need;
      c = buf[p]!;
    }
    if (c !== CR) return c === LF ? SCAN_BARE_LF : SCAN_BAD_VALUE;
    let valueEnd = p;
    while (valueEnd > valueStart && ((c = buf[valueEnd - 1]!) === SP || c === HTAB)) valueEnd--;
    if (p + 1 >= stop) return need;
    if (buf[p + 1] !== LF) return SCAN_BARE_CR;
    p += 2;
    const id = headerId(buf, nameStart, nameEnd);
    const o = n * FIELD_STRIDE;
    f[o] = nameStart;
    f[o + 1] = nameEnd;
    f[o + 2] = valueStart;
    f[o + 3] = valueEnd;
    f[o + 4] = HOP_BY_HOP_ID[id] === 1 ? id | FLAG_HOP_BY_HOP : id;
    n++;
  }
}
