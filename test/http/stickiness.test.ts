import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { createBalancer } from '../../src/index.js';
import { startDemoBackend, type DemoBackend } from '../../src/demo/demo-backend.js';
import { cookieValue } from '../../src/proxy/http/http-session.js';
import { EJECT_AT_ONCE } from '../helpers/balancer.js';

function get(port: number, path: string, headers: Record<string, string> = {}): Promise<{ body: string; setCookie: string[] }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ body: body.trim(), setCookie: res.headers['set-cookie'] ?? [] }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function setup(pool: Record<string, unknown>): Promise<{ port: number; backends: DemoBackend[]; stop: () => Promise<void> }> {
  const backends = await Promise.all(['a', 'b', 'c'].map((name) => startDemoBackend({ port: 0, name })));
  const lb = createBalancer({
    listeners: { web: { protocol: 'http', bind: '127.0.0.1:0', pool: 'app' } },
    pools: { app: { backends: backends.map((b) => ({ host: '127.0.0.1', port: b.port, name: b.name })), ...pool } },
  });
  await lb.start();
  return {
    port: lb.addresses('web')[0]?.port ?? 0,
    backends,
    stop: async () => {
      await lb.stop({ drainTimeoutMs: 0 });
      await Promise.all(backends.map((b) => b.close()));
    },
  };
}

void test('cookie stickiness sends a client back to the backend named by its cookie', async () => {
  const { port, stop } = await setup({ policy: 'round-robin', http: { stickyCookie: 'SY' } });
  try {
    const first = await get(port, '/');
    const cookie = first.setCookie[0] ?? '';
    assert.match(cookie, /^SY=[0-9a-f]{8}; Path=\/; HttpOnly; SameSite=Lax$/);
    assert.doesNotMatch(cookie, /127\.0\.0\.1/, 'the cookie does not show the backend address');
    const token = cookie.split(';')[0] ?? '';
    for (let i = 0; i < 6; i++) {
      const r = await get(port, '/', { cookie: `other=1; ${token}` });
      assert.equal(r.body, first.body, 'round robin would have moved it');
      assert.deepEqual(r.setCookie, [], 'no new cookie while it is still right');
    }
    const without = new Set<string>();
    for (let i = 0; i < 3; i++) without.add((await get(port, '/')).body);
    assert.equal(without.size, 3, 'clients without the cookie are balanced by the policy');
  } finally {
    await stop();
  }
});

void test('a cookie naming a backend that is gone or down falls back to the policy and is set anew', async () => {
  const { port, backends, stop } = await setup({ policy: 'round-robin', http: { stickyCookie: 'SY' }, health: EJECT_AT_ONCE });
  try {
    let first = await get(port, '/');
    while (first.body !== 'a') first = await get(port, '/');
    const token = (first.setCookie[0] ?? '').split(';')[0] ?? '';
    await backends[0]?.close();
    // The first request finds "a" refusing, fails over, and is told its new backend.
    const moved = await get(port, '/', { cookie: token });
    assert.notEqual(moved.body, 'a');
    assert.match(moved.setCookie[0] ?? '', /^SY=/);
    assert.notEqual((moved.setCookie[0] ?? '').split(';')[0], token);
    const again = await get(port, '/', { cookie: token });
    assert.notEqual(again.body, 'a', 'a down backend is not chosen by its cookie');
    const unknown = await get(port, '/', { cookie: 'SY=ffffffff' });
    assert.match(unknown.setCookie[0] ?? '', /^SY=/, 'an unknown token is replaced');
  } finally {
    await stop();
  }
});

void test('source-hash can hash a header or the path instead of the client address', async () => {
  const byHeader = await setup({ policy: 'source-hash', http: { hashOn: { header: 'X-User' } } });
  try {
    const seen = new Map<string, Set<string>>();
    for (let i = 0; i < 40; i++) {
      const user = `user-${i % 8}`;
      const r = await get(byHeader.port, '/', { 'x-user': user });
      if (!seen.has(user)) seen.set(user, new Set());
      seen.get(user)?.add(r.body);
    }
    for (const [user, set] of seen) assert.equal(set.size, 1, `${user} always reaches the same backend`);
    const spread = new Set([...seen.values()].flatMap((s) => [...s]));
    assert.ok(spread.size >= 2, 'different users spread over backends');
  } finally {
    await byHeader.stop();
  }
  const byPath = await setup({ policy: 'source-hash', http: { hashOn: 'path' } });
  try {
    const paths = ['/a', '/b', '/c', '/d', '/e', '/f'];
    const first = new Map<string, string>();
    for (const p of paths) first.set(p, (await get(byPath.port, `${p}?v=1`)).body);
    for (const p of paths) assert.equal((await get(byPath.port, `${p}?v=2`)).body, first.get(p), `${p} (the query does not count)`);
    assert.ok(new Set(first.values()).size >= 2);
  } finally {
    await byPath.stop();
  }
});

void test('the cookie value is read from a Cookie header with several cookies', () => {
  assert.equal(cookieValue('a=1; SY=abc; b=2', 'SY'), 'abc');
  assert.equal(cookieValue('SYX=1; SY=', 'SY'), '');
  assert.equal(cookieValue('a=1', 'SY'), undefined);
  assert.equal(cookieValue(undefined, 'SY'), undefined);
});
