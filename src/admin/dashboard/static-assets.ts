/**
 * The dashboard's static files: read once from one directory into memory, then served by exact
 * name. A request can only ever get one of the files listed when the directory was read, so no
 * path can leave it (`..`, encoded slashes, absolute paths all fall through to 404).
 */
import { readdir, readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { extname, join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

/** The page may load its own files only: no inline scripts, nothing from elsewhere, no framing. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'";

export interface Asset {
  readonly body: Buffer;
  readonly contentType: string;
  readonly etag: string;
}

/** The content type for a file name, or undefined for a kind the dashboard does not serve. */
export function contentTypeFor(name: string): string | undefined {
  return CONTENT_TYPES[extname(name).toLowerCase()];
}

/** Reads every file of a known type directly in `dir` (no subfolders). */
export async function loadAssets(dir: string): Promise<ReadonlyMap<string, Asset>> {
  const assets = new Map<string, Asset>();
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const contentType = contentTypeFor(entry.name);
    if (!entry.isFile() || contentType === undefined) continue;
    const body = await readFile(join(dir, entry.name));
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
    assets.set(entry.name, { body, contentType, etag });
  }
  return assets;
}

/**
 * The asset a `/dashboard/…` path names: `rest` is what follows `/dashboard/` (query removed);
 * "" is the page itself. undefined for anything not one of the files.
 */
export function lookupAsset(assets: ReadonlyMap<string, Asset>, rest: string): Asset | undefined {
  let name: string;
  try {
    name = decodeURIComponent(rest === '' ? 'index.html' : rest);
  } catch {
    return undefined;
  }
  if (name.includes('/') || name.includes('\\') || name.includes('\0') || name.startsWith('.')) return undefined;
  return assets.get(name);
}

/** Writes an asset (or 304 when the client's copy is current; no body for HEAD). */
export function sendAsset(req: IncomingMessage, res: ServerResponse, asset: Asset): void {
  res.setHeader('Content-Type', asset.contentType);
  res.setHeader('Cache-Control', 'no-cache');
  res.setHeader('ETag', asset.etag);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  if (asset.contentType.startsWith('text/html')) {
    res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    res.setHeader('Referrer-Policy', 'no-referrer');
  }
  if (req.headers['if-none-match'] === asset.etag) {
    res.statusCode = 304;
    res.end();
    return;
  }
  res.statusCode = 200;
  res.setHeader('Content-Length', asset.body.length);
  res.end(req.method === 'HEAD' ? undefined : asset.body);
}
