/**
 * The admin REST API, on its own socket (never a data-plane listener). Every route is generated
 * from the command table; each request is checked in this order: same-site (an `Origin` from
 * another host is refused), the bearer token, the dashboard (offered a read without credentials
 * too, with no user: its static files need no token, the page asks for one), then the route,
 * the user's access and the command's parameters. Answers are `{ "result": … }` or `{ "error": { code, message, details } }`,
 * except the metrics (Prometheus text) and the running config as YAML.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { SwitchyardError } from '../core/errors.js';
import type { AdminSpec } from '../config/model.js';
import type { Logger } from '../observability/logger.js';
import { COMMANDS, type Command } from './commands.js';
import type { ControlPlane } from './control-plane.js';
import { allowed, createAuthenticator, type AdminUser, type AuthResult } from './auth.js';
import { HttpError, errorAnswer } from './http-errors.js';
import { configYaml, redactSecrets } from './render.js';
import { checkParams, requestParams } from './request-params.js';
import { createRouter, type Router } from './routes.js';

export interface DashboardContext {
  /** The authenticated user; null for a read that came without credentials (the dashboard's static files need none). */
  readonly user: AdminUser | null;
  readonly control: ControlPlane;
}

/** Answers the request and returns true, or returns false to leave it to the API. */
export type DashboardHook = (req: IncomingMessage, res: ServerResponse, ctx: DashboardContext) => boolean | Promise<boolean>;

export interface AdminServerOptions {
  readonly spec: AdminSpec;
  readonly control: ControlPlane;
  readonly logger: Logger;
  readonly dashboard?: DashboardHook;
}

export interface AdminServer {
  addresses(): { address: string; port: number }[];
  /** Stops accepting, lets API requests in progress finish, then closes every connection (event streams too). */
  close(): Promise<void>;
}

const COMMANDS_PATH = '/api/v1/commands';
const JSON_TYPE = 'application/json; charset=utf-8';
const PROMETHEUS_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
const YAML_TYPE = 'text/yaml; charset=utf-8';

/** What a request turned out to be, for its log line. */
interface Who {
  user: AdminUser | null;
  command: string | null;
  counted: boolean;
}

interface Answer {
  readonly status: number;
  readonly type: string;
  readonly body: string;
  readonly headers?: Readonly<Record<string, string>>;
}

function json(status: number, value: unknown, headers: Readonly<Record<string, string>> = {}): Answer {
  return { status, type: JSON_TYPE, body: `${JSON.stringify(value)}\n`, headers };
}

function send(res: ServerResponse, a: Answer): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(a.status, { 'content-type': a.type, 'content-length': Buffer.byteLength(a.body), 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', ...a.headers });
  res.end(a.body);
}

/** The command table for tools: names, help, access, routes, words and parameters as JSON Schema. */
function commandsTable(commands: readonly Command[]): unknown[] {
  return commands.map((c) => ({
    name: c.name,
    summary: c.summary,
    access: c.access,
    http: c.http,
    cli: c.cli,
    params: z.toJSONSchema(c.params, { io: 'input', unrepresentable: 'any' }),
  }));
}

/** A command's result as its answer: Prometheus text, the config as YAML, or JSON with secrets redacted. */
function resultAnswer(command: Command, params: Readonly<Record<string, unknown>>, result: unknown): Answer {
  if (command.name === 'metrics' && typeof result === 'string') return { status: 200, type: PROMETHEUS_TYPE, body: result };
  if (command.name === 'config.show' && params['format'] === 'yaml') return { status: 200, type: YAML_TYPE, body: configYaml(result) };
  return json(200, { result: redactSecrets(result ?? null) });
}

function hostOf(hostHeader: string): string {
  const h = hostHeader.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']') > 0 ? h.indexOf(']') : undefined);
  return h.split(':')[0] ?? '';
}

function isLoopbackHost(host: string): boolean {
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  const bare = host.startsWith('::ffff:') ? host.slice(7) : host;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  return bare === '::1';
}

/** A browser page from another site may not drive the API: its `Origin` must name the host it asked. */
function checkSameSite(req: IncomingMessage): void {
  const origin = req.headers.origin;
  if (origin === undefined) return;
  let originHost: string | undefined;
  let requestHost: string | undefined;
  try {
    const o = new URL(origin);
    originHost = o.host;
    requestHost = new URL(`${o.protocol}//${req.headers.host ?? ''}`).host;
  } catch {
    // "null" or malformed: refused below.
  }
  if (originHost === undefined || originHost === '' || originHost !== requestHost) {
    throw new HttpError(403, 'SY_FORBIDDEN', `cross-site request refused: Origin ${JSON.stringify(origin)} is not this host (${JSON.stringify(req.headers.host ?? '')})`);
  }
}

/** With no users the API is open, so it answers only loopback clients that asked for a loopback host (no DNS rebinding). */
function checkOpenAccess(req: IncomingMessage): void {
  const remote = req.socket.remoteAddress ?? '';
  const host = hostOf(req.headers.host ?? '');
  if (!isLoopbackHost(remote) || !isLoopbackHost(host)) {
    throw new HttpError(403, 'SY_FORBIDDEN', 'the admin API has no users, so it answers only loopback clients addressing a loopback host');
  }
}

function authenticated(r: AuthResult): AdminUser {
  if (r.ok) return r.user;
  if (r.reason === 'missing') {
    throw new HttpError(401, 'SY_UNAUTHORIZED', 'a bearer token is required (Authorization: Bearer TOKEN)', { headers: { 'www-authenticate': 'Bearer realm="switchyard"' } });
  }
  throw new HttpError(401, 'SY_UNAUTHORIZED', 'the bearer token matches no user', { headers: { 'www-authenticate': 'Bearer realm="switchyard", error="invalid_token"' } });
}

function isRead(method: string): boolean {
  return method === 'GET' || method === 'HEAD';
}

async function tlsOptions(spec: AdminSpec): Promise<{ cert: Buffer; key: Buffer } | undefined> {
  const tls = spec.tls;
  if (tls === undefined) return undefined;
  const read = async (file: string, field: string): Promise<Buffer> => {
    try {
      return await readFile(file);
    } catch (err) {
      const why = (err as { code?: string }).code ?? String(err);
      const message = `cannot read ${file} (${why})`;
      throw new SwitchyardError('SY_CONFIG_INVALID', `admin.tls.${field}: ${message}`, { cause: err, details: { issues: [{ path: `admin.tls.${field}`, message }] } });
    }
  };
  return { cert: await read(tls.certFile, 'cert'), key: await read(tls.keyFile, 'key') };
}

export async function startAdminServer(opts: AdminServerOptions): Promise<AdminServer> {
  const { spec, control, logger, dashboard } = opts;
  for (const c of COMMANDS) {
    if (c.access === 'full' && c.http.method === 'GET') throw new Error(`admin command ${c.name} changes state but is routed as GET`);
  }
  const auth = createAuthenticator(spec.users);
  const router: Router = createRouter(COMMANDS);
  const table = commandsTable(COMMANDS);
  let inflight = 0;
  let drained: (() => void) | undefined;

  const api = async (req: IncomingMessage, res: ServerResponse, pathname: string, query: URLSearchParams, who: Who): Promise<Answer | undefined> => {
    const method = req.method ?? 'GET';
    checkSameSite(req);
    if (auth.open) checkOpenAccess(req);
    const checked = auth.check(req.headers.authorization);
    if (dashboard !== undefined) {
      // Its static files need no token (the page asks for one), so a read without credentials is offered to it first, with no user.
      const ctx = checked.ok ? { user: checked.user, control } : checked.reason === 'missing' && isRead(method) ? { user: null, control } : undefined;
      if (ctx !== undefined && (await dashboard(req, res, ctx))) return undefined;
    }
    const user = authenticated(checked);
    who.user = user;
    // From here on the request is the API's own: close() waits for it (not for the dashboard's streams).
    inflight++;
    who.counted = true;
    if (pathname === COMMANDS_PATH) {
      if (method !== 'GET') throw new HttpError(405, 'SY_BAD_REQUEST', `${method} is not allowed on ${pathname}; use GET`, { headers: { allow: 'GET' } });
      return json(200, { result: table });
    }
    const m = router.match(method, pathname);
    if (m.type === 'none') throw new HttpError(404, 'SY_NOT_FOUND', `no such route: ${pathname} (GET ${COMMANDS_PATH} lists them)`);
    if (m.type === 'wrong-method') {
      throw new HttpError(405, 'SY_BAD_REQUEST', `${method} is not allowed on ${pathname}; use ${m.allow.join(' or ')}`, { headers: { allow: m.allow.join(', ') } });
    }
    const command = m.command;
    who.command = command.name;
    if (!allowed(user, command.access)) {
      throw new HttpError(403, 'SY_FORBIDDEN', `user "${user.name}" has readonly access; ${command.name} needs full access`);
    }
    const params = checkParams(command, await requestParams(req, command, m.pathParams, query));
    const result: unknown = await command.run(control, params);
    return resultAnswer(command, params, result);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = performance.now();
    const method = req.method ?? 'GET';
    const target = req.url ?? '/';
    const q = target.indexOf('?');
    const pathname = q < 0 ? target : target.slice(0, q);
    const query = new URLSearchParams(q < 0 ? '' : target.slice(q + 1));
    const who: Who = { user: null, command: null, counted: false };
    let status = 0;
    try {
      const answer = await api(req, res, pathname, query, who);
      if (answer === undefined) {
        status = res.statusCode;
        return;
      }
      status = answer.status;
      send(res, answer);
    } catch (err) {
      const a = errorAnswer(err, logger, { method, path: pathname, user: who.user?.name ?? null, command: who.command });
      status = a.status;
      send(res, json(a.status, a.body, a.headers));
    } finally {
      const ms = Math.round((performance.now() - started) * 10) / 10;
      const user = who.user?.name ?? null;
      logger.debug({ method, path: pathname, status, ms, user }, 'admin request');
      const command = COMMANDS.find((c) => c.name === who.command);
      if (command?.access === 'full') logger.info({ user, command: command.name, status }, `admin ${command.name} by ${user ?? '?'}: ${status}`);
      if (who.counted) {
        inflight--;
        if (inflight === 0) drained?.();
      }
    }
  };

  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    req.on('error', () => res.destroy());
    res.on('error', () => undefined);
    handle(req, res).catch((err: unknown) => {
      logger.error({ err }, 'admin request handler failed');
      res.destroy();
    });
  };

  const tls = await tlsOptions(spec);
  const server: Server = tls === undefined ? createHttpServer(listener) : createHttpsServer({ cert: tls.cert, key: tls.key }, listener);
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  const where = `${spec.bind.host.includes(':') ? `[${spec.bind.host}]` : spec.bind.host}:${spec.bind.port}`;
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      reject(new SwitchyardError('SY_LISTEN_FAILED', `admin API: cannot listen on ${where} (${err.code ?? err.message})`, { cause: err }));
    };
    server.once('error', onError);
    server.listen({ host: spec.bind.host === '*' ? undefined : spec.bind.host, port: spec.bind.port }, () => {
      server.off('error', onError);
      server.on('error', (err) => logger.error({ err }, 'admin API server error'));
      resolve();
    });
  });
  const bound = server.address();
  const port = typeof bound === 'object' && bound !== null ? bound.port : spec.bind.port;
  logger.debug({ bind: where, port, tls: tls !== undefined, users: spec.users.length, open: auth.open }, 'admin API listening');

  let closing: Promise<void> | undefined;
  return {
    addresses() {
      const a = server.address();
      return a !== null && typeof a === 'object' ? [{ address: a.address, port: a.port }] : [];
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        const finish = (): void => {
          drained = undefined;
          server.closeAllConnections();
        };
        if (inflight === 0) finish();
        else drained = finish;
      });
      return closing;
    },
  };
}
