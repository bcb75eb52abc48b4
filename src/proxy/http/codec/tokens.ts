/**
 * Character classes of RFC 9110/9112 as 256-entry lookup tables, built once at load.
 * A parser indexes a table with a byte (`TABLE[byte] === 1`), which is cheaper than a
 * chain of comparisons or a regex and never allocates.
 */

export const HTAB = 0x09;
export const LF = 0x0a;
export const CR = 0x0d;
export const SP = 0x20;
export const DQUOTE = 0x22;
export const PERCENT = 0x25;
export const COMMA = 0x2c;
export const SLASH = 0x2f;
export const COLON = 0x3a;
export const SEMICOLON = 0x3b;
export const EQUALS = 0x3d;
export const QUESTION = 0x3f;
export const LBRACKET = 0x5b;
export const BACKSLASH = 0x5c;
export const RBRACKET = 0x5d;

function table(member: (c: number) => boolean): Uint8Array {
  const t = new Uint8Array(256);
  for (let c = 0; c < 256; c++) if (member(c)) t[c] = 1;
  return t;
}

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isAlpha = (c: number): boolean => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
const oneOf = (chars: string) => (c: number): boolean => chars.includes(String.fromCharCode(c));

/** tchar (RFC 9110 §5.6.2): the characters of a token (method, field name, coding, …). */
export const TCHAR = table((c) => isDigit(c) || isAlpha(c) || oneOf("!#$%&'*+-.^_`|~")(c));

/** field-vchar (RFC 9110 §5.5): VCHAR or obs-text. SP and HTAB are allowed inside a value too, but not here. */
export const FIELD_VCHAR = table((c) => (c >= 0x21 && c <= 0x7e) || c >= 0x80);

/** FIELD_VCHAR plus SP and HTAB: every byte allowed inside a field value. */
export const FIELD_VALUE = table((c) => c === SP || c === HTAB || (c >= 0x21 && c <= 0x7e) || c >= 0x80);

/** qdtext (RFC 9110 §5.6.4): what may stand unescaped inside a quoted-string. */
export const QDTEXT = table((c) => c === HTAB || c === SP || c === 0x21 || (c >= 0x23 && c <= 0x7e && c !== BACKSLASH) || c >= 0x80);

/** What may follow a backslash in a quoted-string (quoted-pair). */
export const QUOTED_PAIR = table((c) => c === HTAB || (c >= 0x20 && c <= 0x7e) || c >= 0x80);

/** Bytes of a request-target, by class. */
export const TARGET_INVALID = 0;
export const TARGET_PLAIN = 1;
export const TARGET_PERCENT = 2;
export const TARGET_QUERY = 3;
/**
 * Request-target bytes: visible ASCII only. Rejected on purpose: SP, controls, DEL, every
 * byte >= 0x80 (RFC 3986 has no raw non-ASCII), `#` (a fragment is never sent on the wire)
 * and `\` (backends disagree on whether it is a path separator).
 */
export const TARGET = ((): Uint8Array => {
  const t = table((c) => c >= 0x21 && c <= 0x7e && c !== 0x23 && c !== BACKSLASH);
  t[PERCENT] = TARGET_PERCENT;
  t[QUESTION] = TARGET_QUERY;
  return t;
})();

/** reg-name characters accepted in Host (a strict subset of RFC 3986: unreserved only). */
export const HOST_CHAR = table((c) => isDigit(c) || isAlpha(c) || oneOf('-._~')(c));

/** Value of a hex digit, or -1. */
export const HEX_VALUE = ((): Int8Array => {
  const t = new Int8Array(256).fill(-1);
  for (let c = 0; c < 256; c++) {
    if (isDigit(c)) t[c] = c - 0x30;
    else if (c >= 0x41 && c <= 0x46) t[c] = c - 0x41 + 10;
    else if (c >= 0x61 && c <= 0x66) t[c] = c - 0x61 + 10;
  }
  return t;
})();

/** ASCII lower-casing of one byte (other bytes map to themselves). */
export const LOWER = ((): Uint8Array => {
  const t = new Uint8Array(256);
  for (let c = 0; c < 256; c++) t[c] = c >= 0x41 && c <= 0x5a ? c + 0x20 : c;
  return t;
})();

/** LOWER, and `_` read as `-`: to catch Content_Length and Transfer_Encoding. */
const LOWER_DASH = ((): Uint8Array => {
  const t = LOWER.slice();
  t[0x5f] = 0x2d;
  return t;
})();

/** The bytes of an ASCII string, for comparisons against a buffer. */
export function asciiBytes(s: string): Uint8Array {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i) & 0xff;
  return b;
}

/** equalsLower, with `_` in buf matching `-` in `lower`. */
export function equalsLowerDash(buf: Uint8Array, s: number, e: number, lower: Uint8Array): boolean {
  const n = lower.length;
  if (e - s !== n) return false;
  for (let i = 0; i < n; i++) if (LOWER_DASH[buf[s + i]!] !== lower[i]) return false;
  return true;
}

/** True when buf[s, s+lower.length) equals `lower` (already lower-case) ignoring ASCII case. */
export function equalsLower(buf: Uint8Array, s: number, e: number, lower: Uint8Array): boolean {
  const n = lower.length;
  if (e - s !== n) return false;
  for (let i = 0; i < n; i++) if (LOWER[buf[s + i]!] !== lower[i]) return false;
  return true;
}
