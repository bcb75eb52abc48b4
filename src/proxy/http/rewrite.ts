/**
 * Head rewriting for the HTTP data path. The rewritten head and the body bytes already
 * received are written into one Buffer, so a small message is one socket write. Field
 * lines are copied as received (no string per header); hop-by-hop fields (as flagged by
 * the codec) and the incoming forwarding headers Switchyard re-emits are left out.
 */
import type { RequestHead } from './codec/request-head.js';
import type { ResponseHead } from './codec/response-head.js';
import { FIELD_STRIDE, F_FLAGS, F_NAME_END, F_NAME_START, F_VALUE_END, F_VALUE_START, FLAG_HOP_BY_HOP, H_HOST, H_KEEP_ALIVE, type MessageHead } from './codec/fields.js';
import type { IncomingForwarded } from './forwarded.js';
import { headOut } from './head-buffers.js';

export const FWD_NONE = 0;
export const FWD_XFF = 1;
export const FWD_XFP = 2;
export const FWD_XFH = 3;
export const FWD_FORWARDED = 4;
export const FWD_VIA = 5;

const NAMES: readonly [number, string][] = [
  [FWD_XFF, 'x-forwarded-for'],
  [FWD_XFP, 'x-forwarded-proto'],
  [FWD_XFH, 'x-forwarded-host'],
  [FWD_FORWARDED, 'forwarded'],
  [FWD_VIA, 'via'],
];
const BY_LENGTH: [number, Uint8Array][][] = [];
for (const [kind, name] of NAMES) (BY_LENGTH[name.length] ??= []).push([kind, Buffer.from(name, 'latin1')]);

/** Which forwarding header buf[s, e) names (FWD_*), compared without case. */
export function forwardingKind(buf: Uint8Array, s: number, e: number): number {
  const candidates = BY_LENGTH[e - s];
  if (candidates === undefined) return FWD_NONE;
  outer: for (const [kind, name] of candidates) {
    for (let i = 0; i < name.length; i++) if ((buf[s + i]! | 0x20) !== name[i]) continue outer;
    return kind;
  }
  return FWD_NONE;
}

/** Reads the incoming forwarding headers (joined with ", " when repeated) into `out`. */
export function readIncomingForwarded(head: MessageHead, buf: Buffer, out: IncomingForwarded): void {
  out.xForwardedFor = out.xForwardedProto = out.xForwardedHost = out.forwarded = out.via = undefined;
  const f = head.fields;
  for (let i = 0; i < head.fieldCount; i++) {
    const o = i * FIELD_STRIDE;
    const kind = forwardingKind(buf, f[o + F_NAME_START]!, f[o + F_NAME_END]!);
    if (kind === FWD_NONE) continue;
    const v = buf.toString('latin1', f[o + F_VALUE_START], f[o + F_VALUE_END]);
    if (kind === FWD_XFF) out.xForwardedFor = out.xForwardedFor === undefined ? v : `${out.xForwardedFor}, ${v}`;
    else if (kind === FWD_XFP) out.xForwardedProto ??= v;
    else if (kind === FWD_XFH) out.xForwardedHost ??= v;
    else if (kind === FWD_FORWARDED) out.forwarded = out.forwarded === undefined ? v : `${out.forwarded}, ${v}`;
    else out.via = out.via === undefined ? v : `${out.via}, ${v}`;
  }
}

/**
 * src[s, e) into dst at pos; returns the count. Short ranges (a status line, a path, a run of
 * fields) are copied by a loop: Buffer#copy costs a view allocation and a call into the runtime
 * each time on Node 20, more than the bytes themselves.
 */
function copyBytes(src: Buffer, dst: Buffer, pos: number, s: number, e: number): number {
  const n = e - s;
  if (n > 64) return src.copy(dst, pos, s, e);
  for (let i = 0; i < n; i++) dst[pos + i] = src[s + i]!;
  return n;
}

/** Scratch: which fields are kept by the current rewrite (the process is single-threaded). */
let keep = new Uint8Array(256);

/** Bit masks of forwarding headers to drop (the ones Switchyard re-emits). */
export const DROP_X_FORWARDED = (1 << FWD_XFF) | (1 << FWD_XFP) | (1 << FWD_XFH);
export const DROP_FORWARDED = 1 << FWD_FORWARDED;
export const DROP_VIA = 1 << FWD_VIA;

function markKept(head: MessageHead, buf: Buffer, dropMask: number): number {
  if (keep.length < head.fieldCount) keep = new Uint8Array(head.fieldCount * 2);
  const f = head.fields;
  let size = 0;
  for (let i = 0; i < head.fieldCount; i++) {
    const o = i * FIELD_STRIDE;
    let k = (f[o + F_FLAGS]! & FLAG_HOP_BY_HOP) === 0 ? 1 : 0;
    if (k === 1 && dropMask !== 0 && ((1 << forwardingKind(buf, f[o + F_NAME_START]!, f[o + F_NAME_END]!)) & dropMask) !== 0) k = 0;
    keep[i] = k;
    if (k === 1) size += f[o + F_VALUE_END]! - f[o + F_NAME_START]! + 2;
  }
  return size;
}

/**
 * Copies the kept fields, each as `name: value` CRLF. A run of kept fields with nothing between
 * them but their CRLF (no trailing whitespace to trim) is one copy: a header section usually
 * goes in one to three copies rather than one per field.
 */
function copyKept(head: MessageHead, buf: Buffer, out: Buffer, pos: number): number {
  const f = head.fields;
  const n = head.fieldCount;
  let i = 0;
  while (i < n) {
    if (keep[i] !== 1) {
      i++;
      continue;
    }
    const start = f[i * FIELD_STRIDE + F_NAME_START]!;
    let end = f[i * FIELD_STRIDE + F_VALUE_END]!;
    let j = i + 1;
    // The next field starts right after this one's CRLF: the parser allows no other 2 bytes there.
    while (j < n && keep[j] === 1 && f[j * FIELD_STRIDE + F_NAME_START] === end + 2) {
      end = f[j * FIELD_STRIDE + F_VALUE_END]!;
      j++;
    }
    pos += copyBytes(buf, out, pos, start, end);
    out[pos++] = 13;
    out[pos++] = 10;
    i = j;
  }
  return pos;
}

/**
 * The request as it goes to the backend: the request line (origin-form, the client's
 * HTTP version), the kept fields, `extra` (lines ending in CRLF: framing, forwarding,
 * upgrade), then the body bytes buf[headEnd, bodyEnd). Written into `into` when it is large
 * enough (the result is then a view of it), else into a buffer of its own.
 */
export function buildRequest(req: RequestHead, buf: Buffer, headStart: number, extra: string, bodyEnd: number, dropMask: number, into?: Buffer): Buffer {
  const pathStart = req.targetStart + req.pathOffset;
  const pathLen = req.targetEnd - pathStart;
  const headEnd = headStart + req.headLength;
  const fieldsSize = markKept(req, buf, dropMask);
  const hostLine = req.indexOf(H_HOST) === -1 && req.host !== undefined ? `host: ${req.host}\r\n` : '';
  const size = req.method.length + 1 + (pathLen > 0 ? pathLen : 1) + 11 + fieldsSize + hostLine.length + extra.length + 2 + (bodyEnd - headEnd);
  const out = headOut(into, size);
  let pos = out.write(req.method, 0, 'latin1');
  out[pos++] = 32;
  if (pathLen > 0) pos += copyBytes(buf, out, pos, pathStart, req.targetEnd);
  else out[pos++] = 47;
  pos += out.write(req.version === 10 ? ' HTTP/1.0\r\n' : ' HTTP/1.1\r\n', pos, 'latin1');
  pos = copyKept(req, buf, out, pos);
  if (hostLine !== '') pos += out.write(hostLine, pos, 'latin1');
  if (extra !== '') pos += out.write(extra, pos, 'latin1');
  out[pos++] = 13;
  out[pos++] = 10;
  if (bodyEnd > headEnd) pos += copyBytes(buf, out, pos, headEnd, bodyEnd);
  return pos === out.length ? out : out.subarray(0, pos);
}

/**
 * The response as it goes to the client: "HTTP/1.1" and the backend's status and reason,
 * the kept fields, `extra`, then the body bytes buf[headEnd, bodyEnd); into `into` as above.
 */
export function buildResponse(res: ResponseHead, buf: Buffer, start: number, extra: string, bodyEnd: number, into?: Buffer): Buffer {
  const headEnd = start + res.headLength;
  const lineEnd = res.fieldCount > 0 ? res.fields[F_NAME_START]! - 2 : headEnd - 4;
  const fieldsSize = markKept(res, buf, 0);
  const size = 8 + (lineEnd - (start + 8)) + 2 + fieldsSize + extra.length + 2 + (bodyEnd - headEnd);
  const out = headOut(into, size);
  let pos = out.write('HTTP/1.1', 0, 'latin1');
  pos += copyBytes(buf, out, pos, start + 8, lineEnd);
  out[pos++] = 13;
  out[pos++] = 10;
  pos = copyKept(res, buf, out, pos);
  if (extra !== '') pos += out.write(extra, pos, 'latin1');
  out[pos++] = 13;
  out[pos++] = 10;
  if (bodyEnd > headEnd) pos += buf.copy(out, pos, headEnd, bodyEnd);
  return pos === out.length ? out : out.subarray(0, pos);
}

/** A backend's `Keep-Alive: timeout=N` in ms, or undefined. */
export function keepAliveHintMs(res: ResponseHead, buf: Buffer): number | undefined {
  const i = res.indexOf(H_KEEP_ALIVE);
  if (i === -1) return undefined;
  const m = /(?:^|[,;\s])timeout\s*=\s*(\d+)/i.exec(res.value(buf, i));
  return m?.[1] === undefined ? undefined : Number(m[1]) * 1000;
}
