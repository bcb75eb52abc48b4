/**
 * The HTTP probe: one request on one fresh connection (HTTP/1.1, `Connection: close`), the
 * status checked against the expected ranges, and optionally a substring looked for within
 * the first `maxBodyBytes` of the body. Redirects are never followed: a 3xx is a status like
 * any other.
 *
 * Built on node:net with the proxy's own response-head parser (src/proxy/http/codec), so a
 * probe reads exactly what it decides to read: it stops at the first decision (a status out
 * of range, the substring found, maxBodyBytes read, the body's end) and destroys the socket.
 * Body framing: Content-Length, chunked (followed by the codec's ChunkedTracker) and
 * close-delimited; no body for HEAD, 1xx, 204 and 304. Interim 1xx responses are skipped.
 */
import type { Socket } from 'node:net';
import { ChunkedTracker } from '../../proxy/http/codec/chunked.js';
import { DEFAULT_HEAD_LIMITS } from '../../proxy/http/codec/head-result.js';
import { ResponseHead, parseResponseHead } from '../../proxy/http/codec/response-head.js';
import { formatStatusRanges, statusInRanges, type HttpProbeSpec, type ProbeResult, type ProbeTarget } from './probe.js';
import { runProbeConnection, type FinishProbe } from './probe-connection.js';

/** Most interim (1xx) responses skipped before the final one. */
const MAX_INTERIM = 8;
/** Chunked framing read beyond the body bytes themselves before the probe gives up on the body. */
const CHUNKED_FRAMING_ALLOWANCE = 16 * 1024;

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const TARGET = /^[\x21-\x7e]+$/;
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
const RESERVED_FIELDS = new Set(['host', 'connection', 'content-length', 'transfer-encoding']);

/** Sends one request and checks the answer. Never rejects: every failure is `{ ok: false, cause }`. */
export function probeHttp(target: ProbeTarget, spec: HttpProbeSpec, signal?: AbortSignal): Promise<ProbeResult> {
  let status = 0;
  return runProbeConnection({
    target,
    timeoutMs: spec.timeoutMs,
    signal,
    invalid: invalidSpecCause(spec),
    success: (latency) => `HTTP ${status} in ${latency}`,
    wire: (socket, finishProbe) => {
      exchange(socket, target, spec, finishProbe, (s) => (status = s));
    },
  });
}

/** Sends the request on `s` and reads the answer until a decision; `onStatus` learns the final status. */
function exchange(s: Socket, target: ProbeTarget, spec: HttpProbeSpec, finishProbe: FinishProbe, onStatus: (status: number) => void): void {
  const request = buildRequest(target, spec);
  const needle = spec.bodyContains !== undefined && spec.bodyContains !== '' ? Buffer.from(spec.bodyContains) : undefined;
  const maxBody = Math.max(0, Math.floor(spec.maxBodyBytes));
  const head = new ResponseHead();
  let done = false;
  let pending: Buffer | undefined;
  let interim = 0;
  let inBody = false;
  let remaining = 0;
  let bodyRead = 0;
  let wireRead = 0;
  let tail: Buffer | undefined;
  let chunked: ChunkedTracker | undefined;

  const finish: FinishProbe = (ok, cause) => {
    done = true;
    finishProbe(ok, cause);
  };
  const pass = (): void => finish(true, '');
  const missing = (): void => finish(false, `body does not contain ${JSON.stringify(spec.bodyContains)} (read ${bodyRead} B)`);

  /** Takes decoded body bytes; true once the probe has decided. */
  const takeBody = (data: Buffer): boolean => {
    const slice = data.subarray(0, maxBody - bodyRead);
    bodyRead += slice.length;
    if (needle !== undefined && slice.length > 0) {
      const hay = tail === undefined ? slice : Buffer.concat([tail, slice]);
      if (hay.includes(needle)) {
        pass();
        return true;
      }
      tail = Buffer.from(hay.subarray(Math.max(0, hay.length - needle.length + 1)));
    }
    if (bodyRead >= maxBody) {
      missing();
      return true;
    }
    return false;
  };

  /** Follows the chunked framing byte by byte, handing on each run of data bytes. */
  const takeChunked = (tracker: ChunkedTracker, buf: Buffer): void => {
    let run = -1;
    for (let i = 0; i < buf.length; i++) {
      if (++wireRead > maxBody + CHUNKED_FRAMING_ALLOWANCE) {
        if (run >= 0 && takeBody(buf.subarray(run, i))) return;
        missing();
        return;
      }
      const before = tracker.bodyBytes;
      tracker.feed(buf, i, i + 1);
      if (tracker.bodyBytes > before) {
        if (run < 0) run = i;
        continue;
      }
      if (run >= 0 && takeBody(buf.subarray(run, i))) return;
      run = -1;
      if (tracker.error !== undefined) return finish(false, `malformed response: ${tracker.error}`);
      if (tracker.done) return missing();
    }
    if (run >= 0) takeBody(buf.subarray(run));
  };

  const onBodyData = (buf: Buffer): void => {
    if (chunked !== undefined) return takeChunked(chunked, buf);
    if (head.bodyKind === 'length') {
      const n = Math.min(buf.length, remaining);
      remaining -= n;
      if (takeBody(buf.subarray(0, n))) return;
      if (remaining === 0) missing();
      return;
    }
    takeBody(buf);
  };

  /** The final head is in `head`: decide on the status, or go on to the body. */
  const onFinalHead = (rest: Buffer): void => {
    const status = head.status;
    onStatus(status);
    if (!statusInRanges(status, spec.expectStatus)) return finish(false, `HTTP ${status} not in ${formatStatusRanges(spec.expectStatus)}`);
    if (needle === undefined) return pass();
    if (head.bodyKind === 'none' || maxBody === 0) return missing();
    inBody = true;
    remaining = head.contentLength;
    if (head.bodyKind === 'chunked') chunked = new ChunkedTracker();
    if (rest.length > 0) onBodyData(rest);
  };

  const onHeadData = (data: Buffer): void => {
    let buf = pending === undefined ? data : Buffer.concat([pending, data]);
    for (;;) {
      const r = parseResponseHead(buf, 0, buf.length, DEFAULT_HEAD_LIMITS, spec.method, head);
      if (r.type === 'incomplete') {
        pending = buf;
        return;
      }
      if (r.type === 'error') return finish(false, `malformed response: ${r.reason}`);
      buf = buf.subarray(head.headLength);
      if (!head.interim) return onFinalHead(buf);
      if (++interim > MAX_INTERIM) return finish(false, 'malformed response: too many interim responses');
      if (buf.length === 0) {
        pending = undefined;
        return;
      }
    }
  };

  const onEnd = (): void => {
    if (!inBody) finish(false, pending === undefined && interim === 0 ? 'connection closed before response' : 'connection closed in response head');
    else if (head.bodyKind === 'close') missing();
    else finish(false, `connection closed mid-body (read ${bodyRead} B)`);
  };

  s.once('connect', () => {
    s.setNoDelay(true);
    s.write(request);
  });
  s.on('data', (data: Buffer) => {
    if (done) return;
    try {
      if (inBody) onBodyData(data);
      else onHeadData(data);
    } catch (err) {
      finish(false, `probe failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  });
  s.once('end', () => {
    if (!done) onEnd();
  });
  s.once('close', () => {
    if (!done) onEnd();
  });
}

/** Why the request cannot be sent as configured, or undefined. */
function invalidSpecCause(spec: HttpProbeSpec): string | undefined {
  if (!TOKEN.test(spec.method)) return `invalid probe request: method ${JSON.stringify(spec.method)}`;
  if (!TARGET.test(spec.path) || (spec.path[0] !== '/' && spec.path !== '*')) return `invalid probe request: path ${JSON.stringify(spec.path)}`;
  if (spec.host !== undefined && !TARGET.test(spec.host)) return `invalid probe request: host ${JSON.stringify(spec.host)}`;
  for (const [name, value] of Object.entries(spec.headers ?? {})) {
    if (!TOKEN.test(name)) return `invalid probe request: header name ${JSON.stringify(name)}`;
    if (RESERVED_FIELDS.has(name.toLowerCase())) return `invalid probe request: header ${JSON.stringify(name)} is set by the probe`;
    if (!FIELD_VALUE.test(value)) return `invalid probe request: value of header ${JSON.stringify(name)}`;
  }
  if (spec.expectStatus.length === 0) return 'invalid probe request: no expected status';
  if (!Number.isFinite(spec.maxBodyBytes) || spec.maxBodyBytes < 0) return `invalid probe request: maxBodyBytes ${String(spec.maxBodyBytes)}`;
  return undefined;
}

function buildRequest(target: ProbeTarget, spec: HttpProbeSpec): Buffer {
  const host = spec.host ?? (target.host.includes(':') ? `[${target.host}]:${target.port}` : `${target.host}:${target.port}`);
  let text = `${spec.method} ${spec.path} HTTP/1.1\r\nHost: ${host}\r\n`;
  for (const [name, value] of Object.entries(spec.headers ?? {})) text += `${name}: ${value}\r\n`;
  text += 'Connection: close\r\n\r\n';
  return Buffer.from(text, 'latin1');
}
