/**
 * Runs one conformance case against a proxy on 127.0.0.1:proxyPort that forwards to `backend`:
 * writes the raw bytes (step by step for sequence cases), reads what comes back until a full
 * response, a close or a timeout, then judges the case by what the client saw and what the
 * backend captured. Every request the backend receives in a forward is audited (audit.ts).
 */
import { connect, type Socket } from 'node:net';
import {
  parseRequests,
  readChunkedBody,
  type CaptureBackend,
  type CapturedRequest,
  type HeaderList,
} from '../../helpers/capture-backend.js';
import { auditRequest, connectionTokens, preview } from './audit.js';
import type { ConformanceCase, Expectation, ForwardRules } from './types.js';

export type Outcome = 'forwarded' | 'rejected' | 'timeout' | 'error';

export interface CaseResult {
  readonly id: string;
  readonly expectation: Expectation['kind'];
  /** forwarded: a complete request reached the backend; rejected: none did and the proxy answered or closed. */
  readonly outcome: Outcome;
  /** The first final status the client got. */
  readonly status?: number;
  /** Every final status the client got, in order. */
  readonly statuses: readonly number[];
  /** 1xx interim statuses the client got. */
  readonly interim: readonly number[];
  /** The proxy closed (or reset) the client connection. */
  readonly closed: boolean;
  /** A step got neither a response nor a close within the timeout. */
  readonly timedOut: boolean;
  readonly forwardedBytes: number;
  readonly forwardedRequests: number;
  readonly pass: boolean;
  readonly why?: string;
}

export interface RunOptions {
  /** How long to wait for each response (or close). Default 2000 ms. */
  readonly timeoutMs?: number;
  /** How long to keep listening after the last response, for late bytes on either side. Default 75 ms. */
  readonly settleMs?: number;
}

interface ProxyResponse {
  readonly status: number;
  readonly headers: HeaderList;
}

type ResponseStep =
  | { readonly kind: 'incomplete' }
  | { readonly kind: 'invalid' }
  | { readonly kind: 'complete'; readonly response: ProxyResponse; readonly end: number };

/** Parses one response at `pos` (body framing per RFC 9112 §6.3 for responses). */
function parseResponseAt(buf: Buffer, pos: number, headRequest: boolean, closed: boolean): ResponseStep {
  const prefix = buf.toString('latin1', pos, Math.min(buf.length, pos + 5));
  if (!'HTTP/'.startsWith(prefix)) return { kind: 'invalid' };
  const lines: string[] = [];
  let p = pos;
  for (;;) {
    const lf = buf.indexOf(10, p);
    if (lf < 0) return { kind: 'incomplete' };
    const line = buf.toString('latin1', p, lf).replace(/\r$/, '');
    p = lf + 1;
    if (line === '') break;
    lines.push(line);
  }
  const m = /^HTTP\/\d\.\d (\d{3})/.exec(lines[0] ?? '');
  if (!m) return { kind: 'invalid' };
  const status = Number(m[1]);
  const headers: HeaderList = [];
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.push([line.slice(0, colon), line.slice(colon + 1).trim()]);
  }
  const response = { status, headers };
  const get = (name: string): string[] => headers.filter(([n]) => n.toLowerCase() === name).map(([, v]) => v);
  if (status < 200 || status === 204 || status === 304 || headRequest) return { kind: 'complete', response, end: p };
  if (get('transfer-encoding').some((v) => /chunked/i.test(v))) {
    const body = readChunkedBody(buf, p, []);
    if (body.kind === 'complete') return { kind: 'complete', response, end: body.end };
    return body.kind === 'invalid' ? { kind: 'invalid' } : { kind: 'incomplete' };
  }
  const cl = get('content-length')[0];
  if (cl !== undefined && /^\d+$/.test(cl)) {
    const end = p + Number(cl);
    return buf.length >= end ? { kind: 'complete', response, end } : { kind: 'incomplete' };
  }
  return closed ? { kind: 'complete', response, end: buf.length } : { kind: 'incomplete' };
}

/** The client side of one case: buffers what the proxy sends and lets the runner wait on it. */
class Client {
  buf = Buffer.alloc(0);
  connected = false;
  closed = false;
  error: Error | undefined;
  private readonly waiters = new Set<() => void>();

  constructor(readonly socket: Socket) {
    socket.on('connect', () => {
      this.connected = true;
      this.notify();
    });
    socket.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.notify();
    });
    socket.on('end', () => {
      this.closed = true;
      this.notify();
    });
    socket.on('close', () => {
      this.closed = true;
      this.notify();
    });
    socket.on('error', (e) => {
      this.error ??= e;
      this.closed = true;
      this.notify();
    });
  }

  /** Resolves true as soon as `cond()` holds, false after `ms`. */
  until(cond: () => boolean, ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const check = (): void => {
        if (cond()) done(true);
      };
      const done = (value: boolean): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(value);
      };
      const timer = setTimeout(() => done(false), ms);
      this.waiters.add(check);
      check();
    });
  }

  private notify(): void {
    for (const w of [...this.waiters]) w();
  }
}

interface Observed {
  readonly finals: ProxyResponse[];
  readonly interim: number[];
  garbage: boolean;
  timedOut: boolean;
}

export async function runCase(
  c: ConformanceCase,
  proxyPort: number,
  backend: CaptureBackend,
  opts: RunOptions = {},
): Promise<CaseResult> {
  const timeoutMs = opts.timeoutMs ?? 2000;
  const settleMs = opts.settleMs ?? 75;
  const steps = c.steps ?? [c.request];
  const methods = parseRequests(c.request).requests.map((r) => r.request.method);
  const obs: Observed = { finals: [], interim: [], garbage: false, timedOut: false };

  backend.reset();
  const socket = connect({ host: '127.0.0.1', port: proxyPort });
  const client = new Client(socket);
  let consumed = 0;
  const pump = (): void => {
    while (!obs.garbage && consumed < client.buf.length) {
      const step = parseResponseAt(client.buf, consumed, methods[obs.finals.length] === 'HEAD', client.closed);
      if (step.kind === 'incomplete') return;
      if (step.kind === 'invalid') {
        obs.garbage = true;
        return;
      }
      consumed = step.end;
      const { status } = step.response;
      if (status >= 100 && status < 200 && status !== 101) obs.interim.push(status);
      else obs.finals.push(step.response);
    }
  };

  try {
    await client.until(() => client.connected || client.closed, timeoutMs);
    if (!client.connected) {
      const why = `could not connect to 127.0.0.1:${proxyPort}: ${client.error?.message ?? 'timeout'}`;
      return { id: c.id, expectation: c.expect.kind, outcome: 'error', statuses: [], interim: [], closed: true, timedOut: false, forwardedBytes: 0, forwardedRequests: 0, pass: false, why };
    }
    for (const [i, step] of steps.entries()) {
      if (client.closed) break;
      if (step.length > 0) socket.write(step);
      if (i === steps.length - 1 && c.clientCloses === true) socket.end();
      const answered = await client.until(() => {
        pump();
        return obs.finals.length > i || client.closed || obs.garbage;
      }, timeoutMs);
      if (!answered) {
        obs.timedOut = true;
        break;
      }
    }
    await client.until(() => {
      pump();
      return false;
    }, settleMs);
    const wantsClose = c.expect.kind !== 'reject' && c.expect.closeAfter === true;
    if (wantsClose && !obs.timedOut) await client.until(() => client.closed, timeoutMs);
    pump();
  } finally {
    socket.destroy();
  }
  return judge(c, obs, client.closed, backend, timeoutMs);
}

function judge(c: ConformanceCase, obs: Observed, closed: boolean, backend: CaptureBackend, timeoutMs: number): CaseResult {
  const reqs = backend.requests();
  const received = backend.received();
  const outcome: Outcome =
    reqs.length > 0 ? 'forwarded' : obs.finals.length > 0 || closed || obs.garbage ? 'rejected' : 'timeout';
  const e = c.expect;
  let why: string | undefined;
  if (e.kind === 'forward') why = checkForward(c, e, undefined, obs, backend, closed);
  else if (e.kind === 'reject') why = checkReject(e.statuses, e.allowTimeout === true, e.upstream ?? 'nothing', obs, reqs, received, closed, timeoutMs);
  else if (received.length > 0) why = checkForward(c, e, e.statuses, obs, backend, closed);
  else why = checkReject(e.statuses, false, 'nothing', obs, reqs, received, closed, timeoutMs);
  const statuses = obs.finals.map((r) => r.status);
  return {
    id: c.id,
    expectation: e.kind,
    outcome,
    ...(statuses[0] === undefined ? {} : { status: statuses[0] }),
    statuses,
    interim: obs.interim,
    closed,
    timedOut: obs.timedOut,
    forwardedBytes: received.length,
    forwardedRequests: reqs.length,
    pass: why === undefined,
    ...(why === undefined ? {} : { why }),
  };
}

const fromBackend = (r: ProxyResponse): boolean =>
  r.headers.some(([n, v]) => n.toLowerCase() === 'x-backend' && v === 'capture');

function checkReject(
  statuses: readonly number[],
  allowTimeout: boolean,
  upstream: 'nothing' | 'incomplete',
  obs: Observed,
  reqs: readonly CapturedRequest[],
  received: Buffer,
  closed: boolean,
  timeoutMs: number,
): string | undefined {
  if (reqs.length > 0) return `forwarded ${reqs.length} complete request(s) to the backend: ${preview(reqs[0]?.raw ?? '')}`;
  if (received.length > 0 && upstream === 'nothing') return `${received.length} byte(s) reached the backend: ${preview(received)}`;
  if (obs.finals.length > 1) return `${obs.finals.length} responses: ${obs.finals.map((r) => r.status).join(', ')}`;
  const r = obs.finals[0];
  if (r) {
    if (fromBackend(r)) return `the ${r.status} came from the backend`;
    return statuses.includes(r.status) ? undefined : `answered ${r.status}, expected ${statuses.join('/')} or a close`;
  }
  if (closed || obs.garbage || allowTimeout) return undefined;
  return `timeout: neither an answer nor a close within ${timeoutMs} ms`;
}

function checkForward(
  c: ConformanceCase,
  rules: ForwardRules,
  refusals: readonly number[] | undefined,
  obs: Observed,
  backend: CaptureBackend,
  closed: boolean,
): string | undefined {
  const reqs = backend.requests();
  const left = backend.leftovers()[0];
  const want = rules.requests;
  if (left) return `the backend got ${left.bytes.length} byte(s) that are not a complete request (${left.reason}): ${preview(left.bytes)}`;
  if (reqs.length === 0) {
    const got = obs.finals[0] ? `answered ${obs.finals[0].status}` : obs.timedOut ? 'timeout' : 'closed';
    return `nothing reached the backend (${got})`;
  }
  if (reqs.length > want.length) {
    return `the backend got ${reqs.length} requests, expected ${want.length}: ${reqs.map((r) => `${r.method} ${r.target}`).join(', ')}`;
  }
  if (reqs.length < want.length && !(rules.prefixOk === true && refusals)) {
    return `the backend got ${reqs.length} of the ${want.length} requests sent`;
  }
  const tokens = connectionTokens(c.request);
  for (const [i, req] of reqs.entries()) {
    const expected = want[i];
    const why = expected ? auditRequest(req, expected, i, rules, tokens) : 'unexpected';
    if (why !== undefined) return want.length > 1 ? `request ${i + 1}: ${why}` : why;
  }
  for (let i = 0; i < want.length; i++) {
    const r = obs.finals[i];
    if (i < reqs.length) {
      if (!r) return `no response to forwarded request ${i + 1} (${obs.timedOut ? 'timeout' : 'closed'})`;
      if (r.status < 200 || r.status > 299) return `response ${i + 1} is ${r.status}, expected the backend's 2xx`;
      if (!fromBackend(r)) return `response ${i + 1} (${r.status}) did not come from the backend`;
    } else if (r && !(refusals ?? []).includes(r.status)) {
      return `request ${i + 1} was not forwarded but answered ${r.status}, expected ${(refusals ?? []).join('/')} or a close`;
    } else if (!r && !closed) {
      return `request ${i + 1} was neither forwarded nor refused (timeout)`;
    }
  }
  if (obs.finals.length > want.length) return `${obs.finals.length} responses to ${want.length} request(s)`;
  if (obs.garbage) return 'non-HTTP bytes in the response stream';
  if (rules.noInterim === true && obs.interim.length > 0) return `sent interim ${obs.interim.join(', ')} to an HTTP/1.0 client`;
  if (rules.closeAfter === true && !closed) return 'kept the client connection open after the response';
  return undefined;
}
