import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigInput } from '../../src/index.js';
import { startBalancer } from '../helpers/balancer.js';
import { RawClient, get, headerValue, namedHttpBackend, rawRequest, type HttpBackend } from '../helpers/http.js';

type Routes = NonNullable<ConfigInput['listeners'][string]['routes']>;
type HttpInput = NonNullable<ConfigInput['listeners'][string]['http']>;

const NAMES = ['api', 'wild', 'static', 'canary', 'fallback'] as const;

const ROUTES: Routes = [
  { host: 'api.example.com', pool: 'api' },
  { host: '*.example.com', pool: 'wild' },
  { pathPrefix: '/static/', pool: 'static' },
  { headers: { 'x-canary': '1' }, pool: 'canary' },
];

/** One named backend per pool; the listener's default pool is `fallback` unless `noDefault`. */
async function setup(opts: { routes?: Routes; noDefault?: boolean; http?: HttpInput } = {}): Promise<{ port: number; backends: HttpBackend[]; stop(): Promise<void> }> {
  const backends = await Promise.all(NAMES.map((n) => namedHttpBackend(n)));
  const pools: ConfigInput['pools'] = {};
  NAMES.forEach((n, i) => (pools[n] = { backends: [`127.0.0.1:${backends[i]?.port ?? 0}`] }));
  const { lb, port } = await startBalancer({
    listeners: {
      web: {
        protocol: 'http',
        bind: '127.0.0.1:0',
        ...(opts.noDefault ? {} : { pool: 'fallback' }),
        routes: opts.routes ?? ROUTES,
        ...(opts.http ? { http: opts.http } : {}),
      },
    },
    pools,
  });
  return {
    port,
    backends,
    stop: async () => {
      await lb.stop();
      await Promise.all(backends.map((b) => b.close()));
    },
  };
}

async function servedBy(port: number, host: string, path = '/', extra = ''): Promise<string> {
  const r = await rawRequest(port, get(path, host, extra));
  return r.status === 200 ? r.body.toString() : `status ${r.status}`;
}

void test('a request for an exact host goes to that host’s pool', async () => {
  const s = await setup();
  try {
    assert.equal(await servedBy(s.port, 'api.example.com'), 'api');
  } finally {
    await s.stop();
  }
});

void test('an exact host route beats a wildcard route and a path prefix route', async () => {
  const s = await setup();
  try {
    assert.equal(await servedBy(s.port, 'api.example.com', '/static/logo.png', 'X-Canary: 1\r\n'), 'api');
  } finally {
    await s.stop();
  }
});

void test('a wildcard host matches subdomains at any depth but not the bare domain', async () => {
  const s = await setup();
  try {
    assert.equal(await servedBy(s.port, 'www.example.com'), 'wild');
    assert.equal(await servedBy(s.port, 'a.b.example.com'), 'wild');
    assert.equal(await servedBy(s.port, 'example.com'), 'fallback');
  } finally {
    await s.stop();
  }
});

void test('hosts are matched without case, port or trailing dot', async () => {
  const s = await setup();
  try {
    assert.equal(await servedBy(s.port, 'API.Example.COM:8080'), 'api');
    assert.equal(await servedBy(s.port, 'api.example.com.'), 'api');
  } finally {
    await s.stop();
  }
});

void test('a path prefix route takes the paths below it and nothing else', async () => {
  const s = await setup();
  try {
    assert.equal(await servedBy(s.port, 'other.test', '/static/logo.png'), 'static');
    assert.equal(await servedBy(s.port, 'other.test', '/staticfile'), 'fallback');
  } finally {
    await s.stop();
  }
});

void test('a header route takes requests with that header value only', async () => {
  const s = await setup();
  try {
    assert.equal(await servedBy(s.port, 'other.test', '/', 'X-Canary: 1\r\n'), 'canary');
    assert.equal(await servedBy(s.port, 'other.test', '/', 'X-Canary: 2\r\n'), 'fallback');
  } finally {
    await s.stop();
  }
});

void test('a request no route matches goes to the default pool', async () => {
  const s = await setup();
  try {
    assert.equal(await servedBy(s.port, 'other.test', '/anything'), 'fallback');
  } finally {
    await s.stop();
  }
});

void test('with no default pool, a request no route matches gets a generic 404 from Switchyard', async () => {
  const s = await setup({ noDefault: true });
  try {
    const r = await rawRequest(s.port, get('/nowhere', 'other.test'));
    assert.equal(r.status, 404);
    const body = r.body.toString();
    assert.ok(body.length < 64, `short body: ${JSON.stringify(body)}`);
    assert.doesNotMatch(body, /127\.0\.0\.1|\bat\b|Error/);
    for (const b of s.backends) assert.ok(!body.includes(String(b.port)), 'no backend port in the body');
    for (const b of s.backends) assert.equal(b.requests.length, 0, 'no backend saw it');
  } finally {
    await s.stop();
  }
});

void test('with unknownHost 421, a host no route accepts is answered 421', async () => {
  const s = await setup({ noDefault: true, routes: [{ host: 'api.example.com', pool: 'api' }], http: { unknownHost: 421 } });
  try {
    const r = await rawRequest(s.port, get('/', 'nope.test'));
    assert.equal(r.status, 421);
    assert.equal(s.backends[0]?.requests.length, 0);
  } finally {
    await s.stop();
  }
});

void test('with unknownHost 421, a known host whose path no route takes is still answered 404', async () => {
  const s = await setup({ noDefault: true, routes: [{ host: 'api.example.com', pathPrefix: '/v1/', pool: 'api' }], http: { unknownHost: 421 } });
  try {
    assert.equal((await rawRequest(s.port, get('/v2/x', 'api.example.com'))).status, 404);
    assert.equal(await servedBy(s.port, 'api.example.com', '/v1/x'), 'api');
  } finally {
    await s.stop();
  }
});

void test('the 404 for an unrouted request keeps the connection alive for the next request', async () => {
  const s = await setup({ noDefault: true });
  try {
    const c = await RawClient.open(s.port);
    try {
      c.write(get('/nowhere', 'other.test'));
      const miss = await c.response();
      assert.equal(miss.status, 404);
      assert.notEqual(headerValue(miss.headers, 'connection')?.toLowerCase(), 'close');
      c.write(get('/', 'api.example.com'));
      const hit = await c.response();
      assert.equal(hit.status, 200);
      assert.equal(hit.body.toString(), 'api');
    } finally {
      c.close();
    }
  } finally {
    await s.stop();
  }
});

void test('a request no route matches, after a served request on the same connection, is answered 404', async () => {
  const s = await setup({ noDefault: true });
  try {
    const c = await RawClient.open(s.port);
    try {
      c.write(get('/', 'api.example.com'));
      assert.equal((await c.response()).status, 200);
      c.write(get('/nowhere', 'other.test'));
      assert.equal((await c.response()).status, 404);
    } finally {
      c.close();
    }
  } finally {
    await s.stop();
  }
});

void test('the longest path prefix wins among routes for the same host', async () => {
  const s = await setup({
    routes: [
      { pathPrefix: '/a/', pool: 'static' },
      { pathPrefix: '/a/b/', pool: 'canary' },
    ],
  });
  try {
    assert.equal(await servedBy(s.port, 'other.test', '/a/b/c'), 'canary');
    assert.equal(await servedBy(s.port, 'other.test', '/a/c'), 'static');
  } finally {
    await s.stop();
  }
});
