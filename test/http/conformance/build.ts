/** Small builders that keep the case tables readable: raw bytes, expectations, checks. */
import { parseRequests, type CapturedRequest } from '../../helpers/capture-backend.js';
import type { Category, ConformanceCase, Expectation, ExpectedRequest, ForwardRules, RequestCheck } from './types.js';

export const HOST = 'Host: localhost';

export const POLICY_UNDERSCORE =
  'Stricter than RFC 9110 (an underscore is a valid tchar): a field named like a framing field with "_" must not reach ' +
  'the backend, since CGI-style backends map "_" and "-" to the same variable; drop it (as nginx does) or reject.';

/** Concatenates pieces into bytes: strings are latin1 (one byte per char), arrays are bytes. */
export function raw(...parts: readonly (string | Buffer | readonly number[])[]): Buffer {
  return Buffer.concat(
    parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.isBuffer(p) ? p : Buffer.from(p))),
  );
}

/** `METHOD target version CRLF Host: localhost CRLF headers... CRLF body`. */
export function http(
  method: string,
  target: string,
  headers: readonly string[] = [],
  body = '',
  version = 'HTTP/1.1',
): Buffer {
  return raw(`${method} ${target} ${version}\r\n${[HOST, ...headers].map((h) => `${h}\r\n`).join('')}\r\n${body}`);
}

/** The requests a byte string means, for cases whose bytes are well-formed enough to forward. */
export function expectedFrom(request: Buffer): ExpectedRequest[] {
  const { requests, rest } = parseRequests(request);
  if (requests.length === 0 || rest.length > 0) throw new Error('case bytes are not a sequence of complete requests');
  return requests.map(({ request: r }) => ({ method: r.method, targets: [r.target], body: r.body }));
}

export type ExpectSpec = (request: Buffer) => Expectation;
type Rules = Partial<ForwardRules>;

export function forward(rules: Rules = {}): ExpectSpec {
  return (request) => {
    const { requests, ...rest } = rules;
    return { kind: 'forward', ...rest, requests: requests ?? expectedFrom(request) };
  };
}

export function reject(
  statuses: readonly number[] = [400],
  opts: { allowTimeout?: boolean; upstream?: 'nothing' | 'incomplete' } = {},
): ExpectSpec {
  return () => ({ kind: 'reject', statuses, ...opts });
}

export function either(statuses: readonly number[] = [400], rules: Rules = {}): ExpectSpec {
  return (request) => {
    const { requests, ...rest } = rules;
    return { kind: 'reject-or-forward-clean', statuses, ...rest, requests: requests ?? expectedFrom(request) };
  };
}

export function def(
  id: string,
  category: Category,
  description: string,
  bytes: Buffer | readonly Buffer[],
  expect: ExpectSpec,
  extra: { clientCloses?: boolean; policy?: string } = {},
): ConformanceCase {
  const request = Buffer.isBuffer(bytes) ? bytes : Buffer.concat(bytes);
  const steps = Buffer.isBuffer(bytes) ? {} : { steps: bytes };
  return { id, category, description, request, ...steps, expect: expect(request), ...extra };
}

// ── checks ────────────────────────────────────────────────────────────────────

export function fieldValues(req: CapturedRequest, name: string, section: 'headers' | 'trailers' = 'headers'): string[] {
  const lower = name.toLowerCase();
  return req[section].filter(([n]) => n.toLowerCase() === lower).map(([, v]) => v);
}

/** The header arrives once, with exactly this value. */
export function headerIs(name: string, value: string): RequestCheck {
  return (req) => {
    const got = fieldValues(req, name);
    return got.length === 1 && got[0] === value ? undefined : `${name}: expected ${JSON.stringify(value)}, got ${JSON.stringify(got)}`;
  };
}

/** No header of this name (any case) in the header section. */
export function absent(name: string): RequestCheck {
  return (req) => {
    const got = fieldValues(req, name);
    return got.length === 0 ? undefined : `${name} reached the backend's header section: ${JSON.stringify(got)}`;
  };
}

/** Runs `check` on the request with this index only. */
export function at(index: number, check: RequestCheck): RequestCheck {
  return (req, i) => (i === index ? check(req, i) : undefined);
}

export function all(...checks: readonly RequestCheck[]): RequestCheck {
  return (req, i) => {
    for (const c of checks) {
      const why = c(req, i);
      if (why !== undefined) return why;
    }
    return undefined;
  };
}
