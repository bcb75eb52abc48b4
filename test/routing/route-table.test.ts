import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RouteTable, normalizeHost, type RouteSpec } from '../../src/routing/route-table.js';

const headers =
  (h: Record<string, string>) =>
  (name: string): string | undefined =>
    h[name];

function target<T>(t: RouteTable<T>, host: string | undefined, path: string, h: Record<string, string> = {}): T | string {
  const m = t.match(host, path, headers(h));
  return m.matched ? m.target : `miss:${m.miss}`;
}

void test('an exact host beats a wildcard, which beats a route with no host', () => {
  const t = new RouteTable([
    { target: 'any' },
    { host: '*.example.com', target: 'wild' },
    { host: 'api.example.com', target: 'exact' },
  ]);
  assert.equal(target(t, 'api.example.com', '/'), 'exact');
  assert.equal(target(t, 'www.example.com', '/'), 'wild');
  assert.equal(target(t, 'a.b.example.com', '/'), 'wild');
  assert.equal(target(t, 'example.com', '/'), 'any', 'a wildcard does not match the bare domain');
  assert.equal(target(t, 'other.org', '/'), 'any');
});

void test('a longer wildcard suffix beats a shorter one', () => {
  const t = new RouteTable([
    { host: '*.example.com', target: 'short' },
    { host: '*.eu.example.com', target: 'long' },
  ]);
  assert.equal(target(t, 'x.eu.example.com', '/'), 'long');
  assert.equal(target(t, 'x.us.example.com', '/'), 'short');
});

void test('within a host, the longest path prefix wins, then more header conditions, then config order', () => {
  const t = new RouteTable([
    { host: 'h', pathPrefix: '/', target: 'root' },
    { host: 'h', pathPrefix: '/api/', target: 'api' },
    { host: 'h', pathPrefix: '/api/', headers: [{ name: 'x-canary', value: '1' }], target: 'canary' },
    { host: 'h', pathPrefix: '/api/v2/', target: 'v2' },
    { host: 'h', pathPrefix: '/api/', target: 'api-second' },
  ]);
  assert.equal(target(t, 'h', '/index.html'), 'root');
  assert.equal(target(t, 'h', '/api/users'), 'api');
  assert.equal(target(t, 'h', '/api/users', { 'x-canary': '1' }), 'canary');
  assert.equal(target(t, 'h', '/api/users', { 'x-canary': '2' }), 'api', 'a header condition needs the exact value');
  assert.equal(target(t, 'h', '/api/v2/users', { 'x-canary': '1' }), 'v2', 'path length ranks before headers');
});

void test('a header condition without a value matches on presence', () => {
  const t = new RouteTable([{ headers: [{ name: 'x-debug' }], target: 'debug' }, { target: 'default' }]);
  assert.equal(target(t, 'h', '/', { 'x-debug': '' }), 'debug');
  assert.equal(target(t, 'h', '/'), 'default');
});

void test('hosts are compared without case, port or trailing dot', () => {
  const t = new RouteTable([{ host: 'API.Example.com', target: 'api' }]);
  for (const h of ['api.example.com', 'API.EXAMPLE.COM:8080', 'api.example.com.', 'Api.Example.Com.:443']) assert.equal(target(t, h, '/'), 'api', h);
  assert.equal(normalizeHost('[::1]:8080'), '[::1]');
});

void test('a miss says whether the host is unknown or only the route', () => {
  const t = new RouteTable([{ host: 'a.test', pathPrefix: '/x', target: 'x' }]);
  assert.equal(target(t, 'b.test', '/x'), 'miss:host');
  assert.equal(target(t, 'a.test', '/y'), 'miss:route');
  assert.equal(target(t, undefined, '/x'), 'miss:host');
  assert.equal(target(new RouteTable([]), 'a', '/'), 'miss:host');
});

void test('the table is immutable once built', () => {
  const t = new RouteTable([{ target: 1 }]);
  assert.ok(Object.isFrozen(t));
});

void test('match agrees with a brute-force reading of the priority rules', () => {
  const hostArb = fc.constantFrom(undefined, 'a.test', 'b.test', '*.test', '*.x.test');
  const prefixArb = fc.constantFrom(undefined, '/', '/a', '/a/', '/a/b', '/b');
  const headerArb = fc.constantFrom<RouteSpec<number>['headers']>(undefined, [{ name: 'h' }], [{ name: 'h', value: '1' }], [{ name: 'h', value: '1' }, { name: 'g' }]);
  const routesArb = fc.array(fc.record({ host: hostArb, pathPrefix: prefixArb, headers: headerArb }), { maxLength: 8 });
  const reqArb = fc.record({
    host: fc.constantFrom('a.test', 'b.test', 'y.test', 'z.x.test', 'test', 'c.test'),
    path: fc.constantFrom('/', '/a', '/a/', '/a/b/c', '/b', '/c'),
    h: fc.constantFrom<Record<string, string>>({}, { h: '1' }, { h: '2' }, { h: '1', g: '' }),
  });
  fc.assert(
    fc.property(routesArb, reqArb, (specs, req) => {
      const routes: RouteSpec<number>[] = specs.map((s, i) => ({ host: s.host, pathPrefix: s.pathPrefix, headers: s.headers, target: i }));
      const got = new RouteTable(routes).match(req.host, req.path, headers(req.h));
      const hostRank = (r: RouteSpec<number>): number =>
        r.host === undefined ? 0 : r.host.startsWith('*.') ? (req.host.endsWith(r.host.slice(1)) && req.host.length > r.host.length - 1 ? 1 + r.host.length / 1000 : -1) : r.host === req.host ? 2 : -1;
      const fits = (r: RouteSpec<number>): boolean =>
        hostRank(r) >= 0 && req.path.startsWith(r.pathPrefix ?? '') && (r.headers ?? []).every((m) => req.h[m.name] !== undefined && (m.value === undefined || req.h[m.name] === m.value));
      const ranked = routes
        .filter(fits)
        .sort((a, b) => hostRank(b) - hostRank(a) || (b.pathPrefix ?? '').length - (a.pathPrefix ?? '').length || (b.headers ?? []).length - (a.headers ?? []).length || a.target - b.target);
      const expected = ranked[0]?.target;
      assert.equal(got.matched ? got.target : undefined, expected);
    }),
    { numRuns: 500 },
  );
});
