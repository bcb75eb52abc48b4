/**
 * A compiled, immutable route table for HTTP listeners: `match()` only.
 *
 * Priority, highest first:
 *   1. host: an exact host beats a wildcard (`*.example.com`, longer suffix first), which
 *      beats a route with no host condition;
 *   2. then the longest path prefix;
 *   3. then the route with more header conditions;
 *   4. then the order in the config.
 * Path prefixes are plain string prefixes, as in NGINX `location` and Envoy `prefix`:
 * write "/api/" to match only below /api/.
 */

export interface RouteHeaderMatch {
  /** Lower-case header name. */
  readonly name: string;
  /** Exact value; undefined matches any value (presence). */
  readonly value?: string | undefined;
}

export interface RouteSpec<T> {
  /** Exact ("api.example.com") or wildcard ("*.example.com"); undefined matches any host. */
  readonly host?: string | undefined;
  readonly pathPrefix?: string | undefined;
  readonly headers?: readonly RouteHeaderMatch[] | undefined;
  readonly target: T;
}

/** Reads a request header by lower-case name (first value), without the table knowing the codec. */
export type HeaderLookup = (lowerName: string) => string | undefined;

export type RouteMatch<T> =
  | { readonly matched: true; readonly target: T; readonly index: number }
  /** `host`: no route accepts this host at all; `route`: the host is known but nothing matched. */
  | { readonly matched: false; readonly miss: 'host' | 'route' };

interface Compiled<T> {
  readonly index: number;
  readonly prefix: string;
  readonly headers: readonly RouteHeaderMatch[];
  readonly target: T;
}

const NO_HEADERS: readonly RouteHeaderMatch[] = [];
const MISS_HOST = Object.freeze({ matched: false, miss: 'host' } as const);
const MISS_ROUTE = Object.freeze({ matched: false, miss: 'route' } as const);

function byPriority<T>(a: Compiled<T>, b: Compiled<T>): number {
  return b.prefix.length - a.prefix.length || b.headers.length - a.headers.length || a.index - b.index;
}

/** Lower-cases a Host header value and strips its port and a trailing dot. */
export function normalizeHost(host: string): string {
  let h = host;
  if (h.startsWith('[')) {
    const close = h.indexOf(']');
    h = close > 0 ? h.slice(0, close + 1) : h;
  } else {
    const colon = h.lastIndexOf(':');
    if (colon >= 0) h = h.slice(0, colon);
  }
  if (h.endsWith('.')) h = h.slice(0, -1);
  return h.toLowerCase();
}

export class RouteTable<T> {
  private readonly exact = new Map<string, Compiled<T>[]>();
  /** Wildcards as [".example.com", routes], longest suffix first. */
  private readonly wildcards: [string, Compiled<T>[]][] = [];
  private readonly anyHost: Compiled<T>[] = [];
  /** How many routes the table holds. */
  readonly size: number;

  constructor(routes: readonly RouteSpec<T>[]) {
    this.size = routes.length;
    const wild = new Map<string, Compiled<T>[]>();
    routes.forEach((r, index) => {
      const c: Compiled<T> = { index, prefix: r.pathPrefix ?? '', headers: r.headers ?? NO_HEADERS, target: r.target };
      const host = r.host?.toLowerCase();
      if (host === undefined) this.anyHost.push(c);
      else if (host.startsWith('*.')) push(wild, host.slice(1), c);
      else push(this.exact, host, c);
    });
    for (const list of this.exact.values()) list.sort(byPriority);
    for (const [suffix, list] of wild) this.wildcards.push([suffix, list.sort(byPriority)]);
    this.wildcards.sort((a, b) => b[0].length - a[0].length);
    this.anyHost.sort(byPriority);
    Object.freeze(this);
  }

  /** `host` is the raw Host header value (normalized here); `path` the request path. */
  match(host: string | undefined, path: string, header: HeaderLookup): RouteMatch<T> {
    const h = host === undefined ? '' : normalizeHost(host);
    let hostKnown = false;
    const exact = this.exact.get(h);
    if (exact) {
      hostKnown = true;
      const hit = first(exact, path, header);
      if (hit) return { matched: true, target: hit.target, index: hit.index };
    }
    for (const [suffix, list] of this.wildcards) {
      // "*.example.com" matches "a.example.com" and "a.b.example.com", not "example.com".
      if (h.length > suffix.length && h.endsWith(suffix)) {
        hostKnown = true;
        const hit = first(list, path, header);
        if (hit) return { matched: true, target: hit.target, index: hit.index };
      }
    }
    if (this.anyHost.length > 0) {
      hostKnown = true;
      const hit = first(this.anyHost, path, header);
      if (hit) return { matched: true, target: hit.target, index: hit.index };
    }
    return hostKnown ? MISS_ROUTE : MISS_HOST;
  }
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}

function first<T>(list: readonly Compiled<T>[], path: string, header: HeaderLookup): Compiled<T> | undefined {
  for (const c of list) {
    if (c.prefix !== '' && !path.startsWith(c.prefix)) continue;
    let ok = true;
    for (const hm of c.headers) {
      const v = header(hm.name);
      if (v === undefined || (hm.value !== undefined && v !== hm.value)) {
        ok = false;
        break;
      }
    }
    if (ok) return c;
  }
  return undefined;
}
