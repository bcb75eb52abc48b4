/** Starts the admin API on 127.0.0.1:0 with a fake ControlPlane, and sends it raw requests (any Host, Origin or body). */
import { request } from 'node:http';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { AdminSpec, AdminUserSpec } from '../../src/config/model.js';
import { tokenSha256 } from '../../src/admin/auth.js';
import { startAdminServer, type AdminServer, type DashboardHook } from '../../src/admin/http-api.js';
import { FakeControlPlane } from './fake-control-plane.js';

export const FULL_TOKEN = 'full-token-0123456789';
export const READONLY_TOKEN = 'readonly-token-0123456789';

export const USERS: readonly AdminUserSpec[] = [
  { name: 'ops', access: 'full', tokenSha256: tokenSha256(FULL_TOKEN), sshKeys: [] },
  { name: 'viewer', access: 'readonly', tokenSha256: tokenSha256(READONLY_TOKEN), sshKeys: [] },
];

export function adminSpec(users: readonly AdminUserSpec[] = USERS): AdminSpec {
  return { bind: { host: '127.0.0.1', port: 0 }, users, tls: undefined, persist: false, ssh: undefined };
}

export interface Harness {
  readonly server: AdminServer;
  readonly fake: FakeControlPlane;
  readonly port: number;
  readonly url: string;
  /** Every log line so far. */
  logs(): string;
  close(): Promise<void>;
}

export async function startHarness(opts: { users?: readonly AdminUserSpec[]; dashboard?: DashboardHook } = {}): Promise<Harness> {
  const fake = new FakeControlPlane();
  let logText = '';
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logText += chunk.toString('utf8');
      done();
    },
  });
  const logger = pino({ level: 'debug' }, sink);
  const server = await startAdminServer({ spec: adminSpec(opts.users), control: fake, logger, ...(opts.dashboard === undefined ? {} : { dashboard: opts.dashboard }) });
  const port = server.addresses()[0]?.port ?? 0;
  return { server, fake, port, url: `http://127.0.0.1:${port}`, logs: () => logText, close: () => server.close() };
}

export interface Reply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
  /** The body as JSON (undefined when it is not JSON). */
  readonly body: { result?: unknown; error?: { code: string; message: string; details: { issues?: { path: string; message: string }[] } } } | undefined;
}

export interface CallOptions {
  readonly token?: string;
  readonly headers?: Record<string, string>;
  /** Sent as JSON (Content-Type: application/json). */
  readonly json?: unknown;
  /** Sent as is. */
  readonly body?: string | Buffer;
}

export function call(port: number, method: string, path: string, opts: CallOptions = {}): Promise<Reply> {
  const headers: Record<string, string> = { host: `127.0.0.1:${port}` };
  if (opts.token !== undefined) headers['authorization'] = `Bearer ${opts.token}`;
  let body: string | Buffer | undefined = opts.body;
  if (opts.json !== undefined) {
    body = JSON.stringify(opts.json);
    headers['content-type'] = 'application/json';
  }
  Object.assign(headers, opts.headers);
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: Reply['body'];
        try {
          parsed = JSON.parse(text) as Reply['body'];
        } catch {
          parsed = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body: parsed });
      });
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer`)));
    req.end(body);
  });
}
