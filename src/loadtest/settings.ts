/**
 * The settings of a load test, checked once before it starts. Pure: the command hands in the
 * flags as given (and the body's bytes), and gets back settings or one SY_CLI_USAGE error whose
 * message names the flag, the value and what is allowed.
 */
import { SwitchyardError } from '../core/errors.js';
import { parseDuration } from '../core/units.js';
import { FIELD_VALUE, TCHAR } from '../proxy/http/codec/tokens.js';

export interface LoadtestSettings {
  /** The URL as given (path replaced by --path). */
  readonly url: string;
  /** The address connected to: a name, an IPv4 or an IPv6 address without brackets. */
  readonly host: string;
  readonly port: number;
  /** The Host header's value (the URL's host and port as written). */
  readonly authority: string;
  /** The request-target: path and query. */
  readonly path: string;
  readonly method: string;
  /** Extra header fields, in order, as given with -H. */
  readonly headers: readonly (readonly [name: string, value: string])[];
  readonly body: Buffer | undefined;
  readonly connections: number;
  /** Stop after this many requests (undefined: only the duration bounds the run). */
  readonly requests: number | undefined;
  /** Stop issuing requests after this long (undefined: only the request count bounds the run). */
  readonly durationMs: number | undefined;
  /** Open model: requests per second, sent on a fixed schedule. Undefined: closed model. */
  readonly rate: number | undefined;
  /** false: a new connection for every request (and `Connection: close`). */
  readonly keepAlive: boolean;
  /** Most time for one request, from when it is sent (connecting included). */
  readonly timeoutMs: number;
  /** The response header that names the backend that answered, lower-cased. */
  readonly backendHeader: string;
}

/** The flags as typed; every field optional, as parseArgs gives them. */
export interface LoadtestFlags {
  readonly url?: string | undefined;
  readonly requests?: string | undefined;
  readonly duration?: string | undefined;
  readonly connections?: string | undefined;
  readonly path?: string | undefined;
  readonly method?: string | undefined;
  readonly headers?: readonly string[] | undefined;
  readonly body?: Buffer | undefined;
  readonly keepAlive?: boolean | undefined;
  readonly rate?: string | undefined;
  readonly timeout?: string | undefined;
  readonly backendHeader?: string | undefined;
}

export const LOADTEST_LIMITS = Object.freeze({
  maxConnections: 10_000,
  maxRequests: 1_000_000_000,
  maxDurationMs: 3_600_000,
  maxRate: 1_000_000,
  maxTimeoutMs: 3_600_000,
});

export const DEFAULT_DURATION_MS = 10_000;
export const DEFAULT_CONNECTIONS = 10;
export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_BACKEND_HEADER = 'x-backend';

/** Fields the load tester writes itself: giving them with -H would break the framing. */
const RESERVED_HEADERS = new Set(['content-length', 'transfer-encoding', 'connection', 'upgrade', 'te', 'keep-alive']);

function usage(message: string): SwitchyardError {
  return new SwitchyardError('SY_CLI_USAGE', `loadtest: ${message}`);
}

function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) if (TCHAR[s.charCodeAt(i)] !== 1) return false;
  return true;
}

function isVisibleAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f) return false;
  }
  return true;
}

function isFieldValue(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff || FIELD_VALUE[c] !== 1) return false;
  }
  return true;
}

function wholeNumber(flag: string, text: string | undefined, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || n < min || n > max) {
    throw usage(`${flag}: must be a whole number from ${min} to ${max.toLocaleString('en-US')}, got "${text}"`);
  }
  return n;
}

/** A duration ("10s", "500ms", "2m") or a bare number of seconds; > 0 and at most `maxMs`. */
function duration(flag: string, text: string | undefined, maxMs: number): number | undefined {
  if (text === undefined) return undefined;
  const t = text.trim();
  const parsed = /^\d+(?:\.\d+)?$/.test(t) ? { ok: true as const, value: Math.round(Number(t) * 1000) } : parseDuration(t);
  if (!parsed.ok) throw usage(`${flag}: must be a duration like "10s", "500ms" or "2m" (a bare number is seconds), got "${text}"`);
  if (parsed.value <= 0) throw usage(`${flag}: must be longer than 0, got "${text}"`);
  if (parsed.value > maxMs) throw usage(`${flag}: must be at most ${maxMs / 60_000} minutes, got "${text}"`);
  return parsed.value;
}

function rate(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+(?:\.\d+)?$/.test(text.trim()) || !(n > 0) || n > LOADTEST_LIMITS.maxRate) {
    throw usage(`--rate: must be a number of requests per second above 0 and at most ${LOADTEST_LIMITS.maxRate.toLocaleString('en-US')}, got "${text}"`);
  }
  return n;
}

function header(text: string): [string, string] {
  const colon = text.indexOf(':');
  const name = colon === -1 ? text : text.slice(0, colon);
  if (colon === -1 || !isToken(name)) throw usage(`-H/--header: must be "Name: value" with a valid field name, got "${text}"`);
  const value = text.slice(colon + 1).trim();
  if (!isFieldValue(value)) throw usage(`-H/--header: the value of "${name}" has a character not allowed in a header (a line break?)`);
  if (RESERVED_HEADERS.has(name.toLowerCase())) {
    throw usage(`-H/--header: "${name}" is set by loadtest itself (use --body, --body-file or --no-keep-alive instead)`);
  }
  return [name, value];
}

function target(url: string | undefined, pathFlag: string | undefined): { url: URL; path: string } {
  if (url === undefined) throw usage('which URL? Use: switchyard loadtest [options] http://HOST:PORT/PATH');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw usage(`not a valid URL: "${url}" (expected http://HOST:PORT/PATH)`);
  }
  if (parsed.protocol === 'https:') throw usage(`https is not supported yet; use an http:// URL, got "${url}"`);
  if (parsed.protocol !== 'http:') throw usage(`the URL must start with http://, got "${url}"`);
  if (parsed.username !== '' || parsed.password !== '') throw usage('credentials in the URL are not supported; send them with -H "Authorization: ..."');
  let path = `${parsed.pathname}${parsed.search}`;
  if (pathFlag !== undefined) {
    if (!pathFlag.startsWith('/') || !isVisibleAscii(pathFlag)) {
      throw usage(`--path: must start with "/" and hold no spaces or control characters, got "${pathFlag}"`);
    }
    path = pathFlag;
    parsed = new URL(path, parsed);
  }
  return { url: parsed, path };
}

/** Checks every flag and fills in the defaults; throws SY_CLI_USAGE on the first mistake. */
export function resolveSettings(flags: LoadtestFlags): LoadtestSettings {
  const { url, path } = target(flags.url, flags.path);
  const connections = wholeNumber('-c/--connections', flags.connections, 1, LOADTEST_LIMITS.maxConnections) ?? DEFAULT_CONNECTIONS;
  const requests = wholeNumber('-n/--requests', flags.requests, 1, LOADTEST_LIMITS.maxRequests);
  let durationMs = duration('-d/--duration', flags.duration, LOADTEST_LIMITS.maxDurationMs);
  if (requests === undefined && durationMs === undefined) durationMs = DEFAULT_DURATION_MS;
  const timeoutMs = duration('--timeout', flags.timeout, LOADTEST_LIMITS.maxTimeoutMs) ?? DEFAULT_TIMEOUT_MS;
  const method = flags.method ?? (flags.body !== undefined ? 'POST' : 'GET');
  if (!isToken(method)) throw usage(`-m/--method: must be a method name like GET or POST, got "${method}"`);
  const backendHeader = flags.backendHeader ?? DEFAULT_BACKEND_HEADER;
  if (!isToken(backendHeader)) throw usage(`--backend-header: must be a header name, got "${backendHeader}"`);
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return {
    url: url.href,
    host,
    port: url.port === '' ? 80 : Number(url.port),
    authority: url.host,
    path,
    method,
    headers: (flags.headers ?? []).map(header),
    body: flags.body,
    connections,
    requests,
    durationMs,
    rate: rate(flags.rate),
    keepAlive: flags.keepAlive ?? true,
    timeoutMs,
    backendHeader: backendHeader.toLowerCase(),
  };
}
