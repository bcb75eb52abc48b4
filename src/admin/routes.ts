/**
 * The admin API's routes, generated from the command table: each command's `http.path`, with
 * `:name` segments as parameters. Matching tells a route, a known path with the wrong method
 * (with the methods it allows), or nothing.
 */
import { badRequest } from './http-errors.js';
import type { Command, HttpMethod } from './commands.js';

type Segment = { readonly literal: string } | { readonly param: string };

interface Route {
  readonly command: Command;
  readonly segments: readonly Segment[];
}

export type RouteMatch =
  | { readonly type: 'match'; readonly command: Command; readonly pathParams: Readonly<Record<string, string>> }
  | { readonly type: 'wrong-method'; readonly allow: readonly HttpMethod[] }
  | { readonly type: 'none' };

export interface Router {
  match(method: string, pathname: string): RouteMatch;
}

function segmentsOf(path: string): Segment[] {
  return path
    .split('/')
    .slice(1)
    .map((s) => (s.startsWith(':') ? { param: s.slice(1) } : { literal: s }));
}

function decode(segment: string, param: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw badRequest(`${param}: the path segment "${segment}" is not valid percent-encoding`, { issues: [{ path: param, message: 'is not valid percent-encoding' }] });
  }
}

/** Path parameters of `route` in `parts`, or undefined when the path does not fit. */
function fit(route: Route, parts: readonly string[]): Record<string, string> | undefined {
  if (route.segments.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < parts.length; i++) {
    const seg = route.segments[i];
    const part = parts[i] ?? '';
    if (seg === undefined) return undefined;
    if ('literal' in seg) {
      if (seg.literal !== part) return undefined;
    } else {
      if (part === '') return undefined;
      params[seg.param] = part;
    }
  }
  return params;
}

export function createRouter(commands: readonly Command[]): Router {
  // Routes with more literal segments first, so a literal always beats a parameter.
  const literals = (r: Route): number => r.segments.filter((s) => 'literal' in s).length;
  const routes: Route[] = commands.map((command) => ({ command, segments: segmentsOf(command.http.path) })).sort((a, b) => literals(b) - literals(a));
  return {
    match(method, pathname) {
      const parts = pathname.split('/').slice(1);
      const allow: HttpMethod[] = [];
      for (const route of routes) {
        const raw = fit(route, parts);
        if (raw === undefined) continue;
        if (route.command.http.method !== method) {
          if (!allow.includes(route.command.http.method)) allow.push(route.command.http.method);
          continue;
        }
        const pathParams: Record<string, string> = {};
        for (const [k, v] of Object.entries(raw)) pathParams[k] = decode(v, k);
        return { type: 'match', command: route.command, pathParams };
      }
      return allow.length > 0 ? { type: 'wrong-method', allow } : { type: 'none' };
    },
  };
}
