/**
 * The live web dashboard, served by the admin HTTP server: `GET /` sends the browser to the
 * page, `GET /dashboard/…` serves its static files (no auth: they hold no data), and
 * `GET /api/v1/events` streams the status as server-sent events (auth: the user the server found
 * from the Authorization header, or `?token=` for clients that cannot send headers, such as
 * EventSource). Every change the page makes goes through the REST API, never through here.
 */
import { fileURLToPath } from 'node:url';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { systemClock, type Clock } from '../../core/clock.js';
import type { AdminSpec } from '../../config/model.js';
import type { ControlPlane } from '../control-plane.js';
import { loadAssets, lookupAsset, sendAsset, type Asset } from './static-assets.js';
import { createEventHub } from './event-stream.js';
import { verifyToken } from './token.js';

export { verifyToken } from './token.js';

export interface DashboardOptions {
  readonly control: ControlPlane;
  readonly clock?: Clock;
  /** The admin section, read at each stream's start, to check `?token=`; without it only the server's user counts. */
  readonly admin?: () => Pick<AdminSpec, 'users'> | undefined;
  /** Folder of the static files (default: `assets` beside this module, where the build puts them). */
  readonly assetsDir?: string;
  /** How often the event stream sends the status, ms (default 1000). */
  readonly intervalMs?: number;
  /** Told of failures that have no client to go to (unreadable assets, a status that throws). */
  readonly onError?: (err: unknown) => void;
}

/** What the admin server knows of the request: the user its Authorization header named; null before authentication. */
export interface DashboardRequestContext {
  readonly user: { readonly name: string } | null | undefined;
}

export interface Dashboard {
  /** Answers the request and returns true, or returns false when it is not the dashboard's. */
  handle(req: IncomingMessage, res: ServerResponse, ctx: DashboardRequestContext): boolean | Promise<boolean>;
  /** Ends every event stream. */
  close(): void;
}

export const DASHBOARD_PATH = '/dashboard/';
export const EVENTS_PATH = '/api/v1/events';

export const DEFAULT_ASSETS_DIR = fileURLToPath(new URL('./assets/', import.meta.url));

export function createDashboard(opts: DashboardOptions): Dashboard {
  const { control } = opts;
  const assetsDir = opts.assetsDir ?? DEFAULT_ASSETS_DIR;
  const hub = createEventHub({
    status: () => control.status(),
    clock: opts.clock ?? systemClock,
    ...(opts.intervalMs === undefined ? {} : { intervalMs: opts.intervalMs }),
    ...(opts.onError === undefined ? {} : { onError: opts.onError }),
  });
  let assets: Promise<ReadonlyMap<string, Asset>> | undefined;

  const getAssets = (): Promise<ReadonlyMap<string, Asset>> => {
    assets ??= loadAssets(assetsDir).catch((err: unknown) => {
      assets = undefined;
      throw err;
    });
    return assets;
  };

  const serveAsset = async (req: IncomingMessage, res: ServerResponse, rest: string): Promise<boolean> => {
    let found: Asset | undefined;
    try {
      found = lookupAsset(await getAssets(), rest);
    } catch (err) {
      opts.onError?.(err);
      sendText(res, 500, 'the dashboard\'s files are missing from this installation\n');
      return true;
    }
    if (found === undefined) sendText(res, 404, 'not found\n');
    else sendAsset(req, res, found);
    return true;
  };

  return {
    handle(req, res, ctx) {
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      const path = q === -1 ? url : url.slice(0, q);
      const readOnly = req.method === 'GET' || req.method === 'HEAD';

      if (path === EVENTS_PATH) {
        if (req.method !== 'GET') return false;
        const token = new URLSearchParams(q === -1 ? '' : url.slice(q + 1)).get('token') ?? undefined;
        if (ctx.user == null && verifyToken(opts.admin?.(), token) === undefined) {
          res.statusCode = 401;
          res.setHeader('WWW-Authenticate', 'Bearer');
          res.setHeader('Content-Type', 'application/json; charset=utf-8');
          res.setHeader('Cache-Control', 'no-store');
          res.end(JSON.stringify({ error: { code: 'SY_UNAUTHORIZED', message: 'a valid token is needed (Authorization: Bearer, or ?token= for this stream)' } }));
          return true;
        }
        hub.open(req, res);
        return true;
      }
      if (path === '/' || path === '/dashboard') {
        if (!readOnly) return path === '/' ? false : methodNotAllowed(res);
        res.statusCode = 302;
        res.setHeader('Location', DASHBOARD_PATH);
        res.setHeader('Cache-Control', 'no-cache');
        res.end();
        return true;
      }
      if (path.startsWith(DASHBOARD_PATH)) {
        if (!readOnly) return methodNotAllowed(res);
        return serveAsset(req, res, path.slice(DASHBOARD_PATH.length));
      }
      return false;
    },
    close() {
      hub.close();
    },
  };
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.setHeader('Cache-Control', 'no-cache');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.end(text);
}

function methodNotAllowed(res: ServerResponse): true {
  res.setHeader('Allow', 'GET, HEAD');
  sendText(res, 405, 'only GET and HEAD here\n');
  return true;
}
