/**
 * The request a load test sends, serialised once: every request of a run is the same bytes,
 * so each connection writes this one Buffer.
 */
import type { LoadtestSettings } from './settings.js';

export const USER_AGENT = 'switchyard-loadtest';

/** The request head and body as one Buffer. */
export function serializeRequest(s: Pick<LoadtestSettings, 'method' | 'path' | 'authority' | 'headers' | 'body' | 'keepAlive'>): Buffer {
  const given = new Set(s.headers.map(([name]) => name.toLowerCase()));
  const lines = [`${s.method} ${s.path} HTTP/1.1`];
  if (!given.has('host')) lines.push(`Host: ${s.authority}`);
  if (!given.has('user-agent')) lines.push(`User-Agent: ${USER_AGENT}`);
  for (const [name, value] of s.headers) lines.push(`${name}: ${value}`);
  if (s.body !== undefined) lines.push(`Content-Length: ${s.body.length}`);
  if (!s.keepAlive) lines.push('Connection: close');
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
  return s.body === undefined ? head : Buffer.concat([head, s.body]);
}
