import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { SwitchyardError, type ErrorCode } from '../../src/core/errors.js';
import { COMMANDS, type Command } from '../../src/admin/commands.js';
import { paramFields, type ParamField } from '../../src/admin/param-fields.js';
import { startAdminServer } from '../../src/admin/http-api.js';
import { tempFile } from '../helpers/files.js';
import { FakeControlPlane, SECRET_HEX } from './fake-control-plane.js';
import { FULL_TOKEN, READONLY_TOKEN, adminSpec, call, startHarness, type Harness } from './api-client.js';

/** A valid value for each parameter name the command table uses; a new name needs one here. */
const SAMPLES: Readonly<Record<string, unknown>> = {
  pool: 'web pool/1 ü',
  backend: 'alpha:9001',
  address: '127.0.0.1:9001',
  weight: 7,
  name: 'n1',
  force: true,
  format: 'json',
  policy: 'least-conn',
  backends: ['127.0.0.1:9002'],
  listener: 'front',
  bind: '127.0.0.1:0',
  protocol: 'http',
  config: 'listeners: {}\n',
};

function pathParams(c: Command): string[] {
  return [...c.http.path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1] ?? '');
}

function sample(c: Command, field: string): unknown {
  assert.ok(Object.hasOwn(SAMPLES, field), `add a sample value for parameter "${field}" (${c.name})`);
  return SAMPLES[field];
}

/** Method and target of a request for `c` with `params`, and its JSON body (POST, PUT). */
function requestFor(c: Command, params: Readonly<Record<string, unknown>>): { path: string; json: Record<string, unknown> | undefined } {
  const rest: Record<string, unknown> = { ...params };
  const path = c.http.path.replace(/:([A-Za-z0-9_]+)/g, (_m, name: string) => {
    const v = rest[name];
    delete rest[name];
    return encodeURIComponent(String(v));
  });
  if (c.http.method === 'GET' || c.http.method === 'DELETE') {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(rest)) for (const item of Array.isArray(v) ? v : [v]) q.append(k, String(item));
    const qs = q.toString();
    return { path: qs === '' ? path : `${path}?${qs}`, json: undefined };
  }
  return { path, json: rest };
}

function validParams(c: Command): Record<string, unknown> {
  return Object.fromEntries(paramFields(c.params).map((f) => [f.name, sample(c, f.name)]));
}

/** A value `field` refuses, sent where this command takes it (path, query or body). */
function badValue(c: Command, f: ParamField): unknown {
  const where = pathParams(c).includes(f.name) ? 'path' : c.http.method === 'GET' || c.http.method === 'DELETE' ? 'query' : 'body';
  if (f.choices !== undefined) return 'no-such-choice';
  if (f.kinds.has('number') && !f.kinds.has('string')) return f.max !== undefined ? f.max + 1 : 'not-a-number';
  if (f.kinds.has('boolean') && !f.kinds.has('string')) return 'maybe';
  if (where === 'path' || where === 'query') return 'x'.repeat(5000);
  return 12345;
}

let h: Harness;

before(async () => {
  h = await startHarness();
});

after(async () => {
  await h.close();
});

void describe('routes generated from the command table', () => {
  for (const c of COMMANDS) {
    void test(`${c.name} is reachable at ${c.http.method} ${c.http.path} with its parameters`, async () => {
      const params = validParams(c);
      const { path, json } = requestFor(c, params);
      const before = h.fake.calls.length;
      const r = await call(h.port, c.http.method, path, { token: FULL_TOKEN, ...(json === undefined ? {} : { json }) });
      assert.equal(r.status, 200, r.text);
      const made = h.fake.calls.slice(before);
      assert.equal(made.length, 1, `one ControlPlane call for ${c.name}`);
      const args = JSON.stringify(made[0]?.args);
      for (const p of pathParams(c)) assert.ok(args.includes(JSON.stringify(params[p])), `${p} reached the ControlPlane decoded: ${args}`);
    });
  }

  void test('a backend is added with its weight and name from the JSON body', async () => {
    const before = h.fake.calls.length;
    const r = await call(h.port, 'POST', '/api/v1/pools/web/backends', { token: FULL_TOKEN, json: { address: '10.0.0.5:80', weight: 3, name: 'five' } });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(h.fake.calls[before], { method: 'addBackend', args: ['web', { host: '10.0.0.5', port: 80, weight: 3, name: 'five' }] });
  });

  void test('query values are read as the schema types them: force=true is a boolean', async () => {
    const before = h.fake.calls.length;
    const r = await call(h.port, 'DELETE', '/api/v1/pools/web/backends/a?force=true', { token: FULL_TOKEN });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(h.fake.calls[before], { method: 'removeBackend', args: ['web', 'a', true] });
  });

  void test('a change answers with its ChangeResult', async () => {
    const r = await call(h.port, 'POST', '/api/v1/pools/web/backends/a/drain', { token: FULL_TOKEN });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body?.result, JSON.parse(JSON.stringify(h.fake.change)));
  });

  void test('GET /api/v1/commands lists every command with its parameters as JSON Schema', async () => {
    const r = await call(h.port, 'GET', '/api/v1/commands', { token: READONLY_TOKEN });
    assert.equal(r.status, 200, r.text);
    const list = r.body?.result as { name: string; access: string; http: { method: string; path: string }; params: { type: string; properties?: Record<string, unknown> } }[];
    assert.deepEqual(
      list.map((c) => c.name),
      COMMANDS.map((c) => c.name),
    );
    const weight = list.find((c) => c.name === 'backend.weight');
    assert.equal(weight?.params.type, 'object');
    assert.ok(weight?.params.properties?.['weight'] !== undefined);
  });
});

void describe('parameter checks', () => {
  for (const c of COMMANDS) {
    for (const f of paramFields(c.params)) {
      void test(`${c.name}: a bad ${f.name} is answered 400 naming it, and nothing runs`, async () => {
        const params = { ...validParams(c), [f.name]: badValue(c, f) };
        const { path, json } = requestFor(c, params);
        const before = h.fake.calls.length;
        const r = await call(h.port, c.http.method, path, { token: FULL_TOKEN, ...(json === undefined ? {} : { json }) });
        assert.equal(r.status, 400, r.text);
        assert.equal(r.body?.error?.code, 'SY_BAD_REQUEST');
        assert.ok(r.body?.error?.message.startsWith(`${f.name}: `), r.body?.error?.message);
        assert.ok(r.body?.error?.details.issues?.some((i) => i.path === f.name));
        assert.equal(h.fake.calls.length, before, 'the ControlPlane was not called');
      });
    }
    void test(`${c.name}: an unknown parameter is answered 400 naming it`, async () => {
      const { path, json } = requestFor(c, { ...validParams(c), bogus: 'x' });
      const before = h.fake.calls.length;
      const r = await call(h.port, c.http.method, path, { token: FULL_TOKEN, ...(json === undefined ? {} : { json }) });
      assert.equal(r.status, 400, r.text);
      assert.match(r.body?.error?.message ?? '', /^bogus: unknown parameter/);
      assert.equal(h.fake.calls.length, before);
    });
  }

  void test('an out-of-range weight reads "weight: must be 0–1000, got 5000"', async () => {
    const r = await call(h.port, 'PUT', '/api/v1/pools/web/backends/a/weight', { token: FULL_TOKEN, json: { weight: 5000 } });
    assert.equal(r.status, 400);
    assert.equal(r.body?.error?.message, 'weight: must be 0–1000, got 5000');
    assert.deepEqual(r.body?.error?.details.issues, [{ path: 'weight', message: 'must be 0–1000, got 5000' }]);
  });

  void test('a bad percent-escape in a path segment is answered 400', async () => {
    const r = await call(h.port, 'POST', '/api/v1/pools/%E0%A4%A/backends/a/drain', { token: FULL_TOKEN });
    assert.equal(r.status, 400, r.text);
    assert.match(r.body?.error?.message ?? '', /^pool: /);
  });

  void test('malformed JSON is answered 400', async () => {
    const r = await call(h.port, 'POST', '/api/v1/pools', { token: FULL_TOKEN, body: '{"pool": ', headers: { 'content-type': 'application/json' } });
    assert.equal(r.status, 400);
    assert.match(r.body?.error?.message ?? '', /not valid JSON/);
  });

  void test('a JSON body that is not an object is answered 400', async () => {
    const r = await call(h.port, 'POST', '/api/v1/pools', { token: FULL_TOKEN, json: ['web'] });
    assert.equal(r.status, 400);
  });

  void test('a body that is not JSON is answered 415', async () => {
    const r = await call(h.port, 'POST', '/api/v1/pools', { token: FULL_TOKEN, body: 'pool=web', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(r.status, 415);
    assert.equal(r.body?.error?.code, 'SY_BAD_REQUEST');
  });

  void test('a body over 4 MiB is answered 413 without being read', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: h.port, method: 'POST', path: '/api/v1/config/apply', headers: { authorization: `Bearer ${FULL_TOKEN}`, 'content-type': 'application/json', 'content-length': String(4 * 1024 * 1024 + 1) } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      req.on('error', reject);
      req.flushHeaders();
    });
    assert.equal(status, 413);
  });

  void test('a path parameter the body contradicts is answered 400', async () => {
    const r = await call(h.port, 'PUT', '/api/v1/pools/web/policy', { token: FULL_TOKEN, json: { pool: 'other', policy: 'random' } });
    assert.equal(r.status, 400);
    assert.match(r.body?.error?.message ?? '', /^pool: /);
  });

  void test('config.apply takes a raw YAML body as the config', async () => {
    const yaml = 'listeners: {}\npools: {}\n';
    const before = h.fake.calls.length;
    const r = await call(h.port, 'POST', '/api/v1/config/apply', { token: FULL_TOKEN, body: yaml, headers: { 'content-type': 'application/yaml' } });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(h.fake.calls[before], { method: 'apply', args: [yaml] });
  });
});

void describe('authentication and access', () => {
  void test('a request without a token is answered 401 with WWW-Authenticate: Bearer', async () => {
    const r = await call(h.port, 'GET', '/api/v1/status');
    assert.equal(r.status, 401);
    assert.equal(r.body?.error?.code, 'SY_UNAUTHORIZED');
    assert.match(String(r.headers['www-authenticate']), /^Bearer/);
  });

  void test('a wrong token is answered 401', async () => {
    const r = await call(h.port, 'GET', '/api/v1/status', { token: 'not-a-token' });
    assert.equal(r.status, 401);
    assert.match(String(r.headers['www-authenticate']), /^Bearer .*invalid_token/);
  });

  void test('a readonly user may see the status', async () => {
    const r = await call(h.port, 'GET', '/api/v1/status', { token: READONLY_TOKEN });
    assert.equal(r.status, 200);
    assert.equal((r.body?.result as { pid: number }).pid, 4242);
  });

  void test('a readonly user asking for a change is answered 403 and nothing runs', async () => {
    const before = h.fake.calls.length;
    const r = await call(h.port, 'POST', '/api/v1/pools/web/backends/a/drain', { token: READONLY_TOKEN });
    assert.equal(r.status, 403);
    assert.equal(r.body?.error?.code, 'SY_FORBIDDEN');
    assert.equal(h.fake.calls.length, before);
  });

  void test('a request from another site (Origin) is refused 403, for reads too', async () => {
    for (const method of ['GET', 'POST'] as const) {
      const path = method === 'GET' ? '/api/v1/status' : '/api/v1/pools/web/backends/a/drain';
      const r = await call(h.port, method, path, { token: FULL_TOKEN, headers: { origin: 'http://evil.example' } });
      assert.equal(r.status, 403, `${method}: ${r.text}`);
      assert.match(r.body?.error?.message ?? '', /cross-site/);
    }
  });

  void test('a request whose Origin is this host is served', async () => {
    const r = await call(h.port, 'GET', '/api/v1/status', { token: FULL_TOKEN, headers: { origin: `http://127.0.0.1:${h.port}` } });
    assert.equal(r.status, 200, r.text);
  });

  void test('with no users the API is open to loopback clients addressing a loopback host', async () => {
    const open = await startHarness({ users: [] });
    try {
      assert.equal((await call(open.port, 'POST', '/api/v1/pools/web/backends/a/drain')).status, 200);
      const rebound = await call(open.port, 'GET', '/api/v1/status', { headers: { host: `attacker.example:${open.port}` } });
      assert.equal(rebound.status, 403);
    } finally {
      await open.close();
    }
  });

  void test('tokens and hashes never reach the log; a change is logged at info with its user and command', async () => {
    await call(h.port, 'POST', '/api/v1/pools/web/backends/a/maint', { token: FULL_TOKEN });
    await call(h.port, 'GET', '/api/v1/config', { token: FULL_TOKEN });
    const logs = h.logs();
    assert.ok(!logs.includes(FULL_TOKEN) && !logs.includes(READONLY_TOKEN) && !logs.includes(SECRET_HEX), 'no secret in the log');
    const lines = logs.trim().split('\n').map((l) => JSON.parse(l) as { level: number; user?: string; command?: string });
    assert.ok(lines.some((l) => l.level === 30 && l.user === 'ops' && l.command === 'backend.maint'));
  });
});

void describe('answers', () => {
  void test('an unknown route is answered 404', async () => {
    const r = await call(h.port, 'GET', '/api/v1/nothing', { token: FULL_TOKEN });
    assert.equal(r.status, 404);
    assert.equal(r.body?.error?.code, 'SY_NOT_FOUND');
  });

  void test('a known path with the wrong method is answered 405 with Allow', async () => {
    const r = await call(h.port, 'GET', '/api/v1/pools/web/backends/a/drain', { token: FULL_TOKEN });
    assert.equal(r.status, 405);
    assert.equal(r.headers['allow'], 'POST');
  });

  const mapping: readonly [ErrorCode, number][] = [
    ['SY_CONFIG_INVALID', 400],
    ['SY_BAD_REQUEST', 400],
    ['SY_UNKNOWN_POOL', 404],
    ['SY_UNKNOWN_LISTENER', 404],
    ['SY_UNKNOWN_BACKEND', 404],
    ['SY_NOT_FOUND', 404],
    ['SY_CONFLICT', 409],
    ['SY_POOL_NOT_ATTACHED', 409],
    ['SY_NOT_PROBED', 409],
    ['SY_LISTEN_FAILED', 409],
    ['SY_CONFIG_RESOLVE', 409],
    ['SY_NOT_RUNNING', 409],
    ['SY_PERSIST_FAILED', 500],
  ];
  for (const [code, status] of mapping) {
    void test(`${code} from the ControlPlane is answered ${status} with its code and message`, async () => {
      h.fake.failWith = new SwitchyardError(code, `it failed: ${code}`, { details: { issues: [{ path: 'pools.web', message: 'bad' }] } });
      try {
        const r = await call(h.port, 'POST', '/api/v1/config/reload', { token: FULL_TOKEN });
        assert.equal(r.status, status);
        assert.deepEqual(r.body?.error, { code, message: `it failed: ${code}`, details: { issues: [{ path: 'pools.web', message: 'bad' }] } });
      } finally {
        h.fake.failWith = undefined;
      }
    });
  }

  void test('an unexpected error is answered 500 with a generic message', async () => {
    h.fake.failWith = new Error('secret internals at /srv/x');
    try {
      const r = await call(h.port, 'GET', '/api/v1/status', { token: FULL_TOKEN });
      assert.equal(r.status, 500);
      assert.equal(r.body?.error?.code, 'SY_INTERNAL');
      assert.ok(!r.text.includes('secret internals'));
    } finally {
      h.fake.failWith = undefined;
    }
  });

  void test('GET /metrics is Prometheus text', async () => {
    const r = await call(h.port, 'GET', '/metrics', { token: READONLY_TOKEN });
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
    assert.match(r.text, /^switchyard_up 1$/m);
  });

  void test('the running config is YAML by default with every tokenHash redacted', async () => {
    const r = await call(h.port, 'GET', '/api/v1/config', { token: READONLY_TOKEN });
    assert.equal(r.status, 200);
    assert.match(String(r.headers['content-type']), /^text\/yaml/);
    assert.match(r.text, /tokenHash: <redacted>/);
    assert.ok(!r.text.includes(SECRET_HEX));
  });

  void test('the running config as JSON has every tokenHash redacted', async () => {
    const r = await call(h.port, 'GET', '/api/v1/config?format=json', { token: READONLY_TOKEN });
    assert.equal(r.status, 200);
    const users = (r.body?.result as { admin: { users: { tokenHash: string }[] } }).admin.users;
    assert.equal(users[0]?.tokenHash, '<redacted>');
  });

  void test('the config file on disk is sent with its token hashes redacted', async () => {
    const r = await call(h.port, 'GET', '/api/v1/config/disk', { token: READONLY_TOKEN });
    assert.equal(r.status, 200);
    assert.ok(!r.text.includes(SECRET_HEX));
    assert.match((r.body?.result as { text: string }).text, /tokenHash: <redacted>/);
  });
});

void describe('the dashboard hook', () => {
  void test('the dashboard is offered a read without credentials (no user), and the API keeps the rest', async () => {
    const seen: (string | null)[] = [];
    const dash = await startHarness({
      dashboard: (req, res, ctx) => {
        seen.push(ctx.user?.name ?? null);
        if (req.url?.startsWith('/dashboard/') !== true) return false;
        res.end('page');
        return true;
      },
    });
    try {
      const page = await call(dash.port, 'GET', '/dashboard/index.html');
      assert.equal(page.status, 200);
      assert.equal(page.text, 'page');
      assert.equal((await call(dash.port, 'GET', '/api/v1/status')).status, 401);
      assert.equal((await call(dash.port, 'GET', '/api/v1/status', { token: READONLY_TOKEN })).status, 200);
      assert.deepEqual(seen, [null, null, 'viewer']);
    } finally {
      await dash.close();
    }
  });
});

void describe('closing', () => {
  void test('close() ends the dashboard\'s open streams and resolves', async () => {
    const dash = await startHarness({
      dashboard: (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(': open\n\n');
        return true;
      },
    });
    const stream = new Promise<string>((resolve) => {
      const req = request({ host: '127.0.0.1', port: dash.port, path: '/dashboard/events' }, (res) => {
        res.once('data', () => {
          res.on('close', () => resolve('closed'));
          void dash.close();
        });
        res.on('error', () => resolve('closed'));
      });
      req.on('error', () => resolve('closed'));
      req.end();
    });
    assert.equal(await stream, 'closed');
    await dash.close();
  });
});

void describe('TLS', () => {
  void test('with admin.tls the API is served over HTTPS', { skip: spawnSync('openssl', ['version']).status !== 0 ? 'openssl is not installed' : false }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-tls-'));
    const cert = join(dir, 'admin.crt');
    const key = join(dir, 'admin.key');
    try {
      const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', '/CN=127.0.0.1', '-days', '1', '-keyout', key, '-out', cert], { encoding: 'utf8' });
      assert.equal(made.status, 0, made.stderr);
      const server = await startAdminServer({ spec: { ...adminSpec(), tls: { certFile: cert, keyFile: key } }, control: new FakeControlPlane(), logger: pino({ level: 'silent' }) });
      try {
        const port = server.addresses()[0]?.port ?? 0;
        const reply = await new Promise<{ status: number; text: string }>((resolve, reject) => {
          const req = httpsRequest({ host: '127.0.0.1', port, path: '/api/v1/status', ca: readFileSync(cert), servername: '', checkServerIdentity: () => undefined, headers: { authorization: `Bearer ${READONLY_TOKEN}` } }, (res) => {
            let text = '';
            res.setEncoding('utf8').on('data', (d: string) => (text += d));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
          });
          req.on('error', reject);
          req.end();
        });
        assert.equal(reply.status, 200, reply.text);
        assert.match(reply.text, /"pid":4242/);
      } finally {
        await server.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });


  void test('a missing certificate file fails start with an error naming it', async () => {
    const key = tempFile('admin.key', 'not a key');
    try {
      const spec = { ...adminSpec(), tls: { certFile: '/nonexistent/admin.crt', keyFile: key.path } };
      await assert.rejects(startAdminServer({ spec, control: new FakeControlPlane(), logger: pino({ level: 'silent' }) }), (err: unknown) => {
        assert.ok(err instanceof SwitchyardError);
        assert.match(err.message, /admin\.tls\.cert: cannot read \/nonexistent\/admin\.crt \(ENOENT\)/);
        return true;
      });
    } finally {
      key.remove();
    }
  });
});
