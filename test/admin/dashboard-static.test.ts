import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createDashboard, verifyToken, type Dashboard, type DashboardOptions } from '../../src/admin/dashboard/dashboard.js';
import type { ControlPlane, StatusView } from '../../src/admin/control-plane.js';
import type { AdminSpec } from '../../src/config/model.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { exchange, waitFor } from '../helpers/net.js';

const ASSETS = fileURLToPath(new URL('../../../src/admin/dashboard/assets/', import.meta.url));
const TOKEN = 'correct-horse-battery-staple';
const USERS: Pick<AdminSpec, 'users'> = {
  users: [
    { name: 'viewer', access: 'readonly', tokenSha256: undefined, sshKeys: [] },
    { name: 'ops', access: 'full', tokenSha256: createHash('sha256').update(TOKEN).digest('hex'), sshKeys: [] },
  ],
};

/** A control plane whose status counts how often it was asked. */
function fakeControl(): { control: ControlPlane; calls: () => number } {
  let calls = 0;
  const status = (): StatusView => {
    calls++;
    return { state: 'running', uptimeMs: calls * 1000, listeners: [], pools: [], version: '0.0.0', node: 'v0', pid: 1, configFile: null, configWatchMs: null };
  };
  return { control: { status } as unknown as ControlPlane, calls: () => calls };
}

interface Harness {
  readonly port: number;
  readonly dashboard: Dashboard;
  readonly clock: FakeClock;
  readonly calls: () => number;
  readonly errors: unknown[];
  /** Requests the dashboard left to the server. */
  readonly passed: string[];
  close(): Promise<void>;
}

/** A node:http server that hands every request to the dashboard first, as the admin server does (`user` from the `x-user` header). */
async function startHarness(opts: Partial<DashboardOptions> = {}): Promise<Harness> {
  const { control, calls } = fakeControl();
  const clock = new FakeClock();
  const errors: unknown[] = [];
  const passed: string[] = [];
  const dashboard = createDashboard({ control, clock, assetsDir: ASSETS, admin: () => USERS, onError: (e) => errors.push(e), ...opts });
  const server: Server = createServer((req, res) => {
    const user = typeof req.headers['x-user'] === 'string' ? { name: req.headers['x-user'] } : null;
    void Promise.resolve(dashboard.handle(req, res, { user })).then((mine) => {
      if (mine) return;
      passed.push(`${req.method ?? ''} ${req.url ?? ''}`);
      res.statusCode = 418;
      res.end('server\n');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    dashboard,
    clock,
    calls,
    errors,
    passed,
    close: () =>
      new Promise<void>((resolve) => {
        dashboard.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function get(port: number, path: string, opts: { method?: string; headers?: Record<string, string> } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: opts.method ?? 'GET', headers: opts.headers ?? {}, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

void describe('dashboard static files', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());

  void it('sends GET / to the dashboard page', async () => {
    const r = await get(h.port, '/');
    assert.equal(r.status, 302);
    assert.equal(r.headers.location, '/dashboard/');
  });

  void it('serves the page as HTML with no-cache, an ETag and a content security policy', async () => {
    const r = await get(h.port, '/dashboard/');
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(r.headers['cache-control'], 'no-cache');
    assert.match(String(r.headers.etag), /^"[\w-]+"$/);
    assert.match(String(r.headers['content-security-policy']), /script-src 'self'/);
    assert.equal(r.headers['x-content-type-options'], 'nosniff');
    assert.match(r.body, /<title>Switchyard<\/title>/);
  });

  void it('serves scripts and styles with their content types', async () => {
    const js = await get(h.port, '/dashboard/dashboard.js');
    assert.equal(js.status, 200);
    assert.equal(js.headers['content-type'], 'text/javascript; charset=utf-8');
    const css = await get(h.port, '/dashboard/dashboard.css');
    assert.equal(css.status, 200);
    assert.equal(css.headers['content-type'], 'text/css; charset=utf-8');
    assert.equal(css.headers['cache-control'], 'no-cache');
  });

  void it('answers 304 without a body when the client has the current copy', async () => {
    const first = await get(h.port, '/dashboard/dashboard.css');
    const again = await get(h.port, '/dashboard/dashboard.css', { headers: { 'if-none-match': String(first.headers.etag) } });
    assert.equal(again.status, 304);
    assert.equal(again.body, '');
  });

  void it('answers HEAD with the headers and no body', async () => {
    const r = await get(h.port, '/dashboard/index.html', { method: 'HEAD' });
    assert.equal(r.status, 200);
    assert.ok(Number(r.headers['content-length']) > 100);
    assert.equal(r.body, '');
  });

  void it('answers 404 for a file it does not have', async () => {
    const r = await get(h.port, '/dashboard/nope.js');
    assert.equal(r.status, 404);
    assert.equal(r.headers['content-type'], 'text/plain; charset=utf-8');
  });

  void it('refuses every path that climbs out of its folder', async () => {
    const attempts = [
      '/dashboard/../package.json',
      '/dashboard/../../../../../etc/passwd',
      '/dashboard/%2e%2e/package.json',
      '/dashboard/%2e%2e%2f%2e%2e%2fpackage.json',
      '/dashboard/..%5c..%5cpackage.json',
      '/dashboard//etc/passwd',
      '/dashboard/%2fetc%2fpasswd',
      '/dashboard/.%00/index.html',
      '/dashboard/%E0%A4%A',
    ];
    for (const path of attempts) {
      // Raw bytes, so no client normalizes the path first.
      const raw = await exchange(h.port, `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      assert.match(raw, /^HTTP\/1\.1 404 /, path);
      assert.doesNotMatch(raw, /"name": "switchyard"|root:/, path);
    }
  });

  void it('answers 405 with Allow to a method other than GET or HEAD on its files', async () => {
    const r = await get(h.port, '/dashboard/index.html', { method: 'POST' });
    assert.equal(r.status, 405);
    assert.equal(r.headers.allow, 'GET, HEAD');
  });

  void it('leaves every other request to the server', async () => {
    for (const [method, path] of [['GET', '/api/v1/status'], ['GET', '/metrics'], ['POST', '/'], ['POST', '/api/v1/events'], ['GET', '/dashboardx']] as const) {
      const r = await get(h.port, path, { method });
      assert.equal(r.status, 418, `${method} ${path}`);
    }
    assert.deepEqual(h.passed.slice(-5), ['GET /api/v1/status', 'GET /metrics', 'POST /', 'POST /api/v1/events', 'GET /dashboardx']);
  });
});

void describe('dashboard without its files', () => {
  void it('answers 500 and reports why when its folder is missing', async () => {
    const h = await startHarness({ assetsDir: '/nonexistent/switchyard-assets' });
    try {
      const r = await get(h.port, '/dashboard/');
      assert.equal(r.status, 500);
      assert.match(r.body, /missing/);
      assert.equal(h.errors.length, 1);
    } finally {
      await h.close();
    }
  });
});

/** Opens the event stream and collects its text until `close()`. */
function openStream(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; text: () => string; ended: Promise<void>; close: () => void }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('error', () => {});
      const ended = new Promise<void>((done) => res.on('close', () => done()));
      resolve({ status: res.statusCode ?? 0, text: () => text, ended, close: () => req.destroy() });
    });
    req.on('error', reject);
    req.end();
  });
}

const statusEvents = (text: string): number => text.split('event: status\n').length - 1;

void describe('dashboard event stream', () => {
  void it('sends the status at once, then every second', async () => {
    const h = await startHarness();
    try {
      const s = await openStream(h.port, '/api/v1/events', { 'x-user': 'ops' });
      assert.equal(s.status, 200);
      await waitFor(() => statusEvents(s.text()) === 1, 2000, 'the first status');
      assert.match(s.text(), /^retry: \d+\n\n/);
      const data = /data: (.*)\n\n/.exec(s.text())?.[1] ?? '';
      assert.equal((JSON.parse(data) as StatusView).state, 'running');
      assert.deepEqual(h.clock.pending(), [1000]);
      h.clock.advance(1000);
      h.clock.advance(1000);
      await waitFor(() => statusEvents(s.text()) === 3, 2000, 'two more statuses');
      s.close();
    } finally {
      await h.close();
    }
  });

  void it('refuses a request with neither a user nor a valid token', async () => {
    const h = await startHarness();
    try {
      for (const path of ['/api/v1/events', '/api/v1/events?token=wrong', '/api/v1/events?token=']) {
        const r = await get(h.port, path);
        assert.equal(r.status, 401, path);
        assert.equal(r.headers['www-authenticate'], 'Bearer');
        assert.equal((JSON.parse(r.body) as { error: { code: string } }).error.code, 'SY_UNAUTHORIZED');
      }
    } finally {
      await h.close();
    }
  });

  void it('accepts the token as a query parameter', async () => {
    const h = await startHarness();
    try {
      const s = await openStream(h.port, `/api/v1/events?token=${encodeURIComponent(TOKEN)}`);
      assert.equal(s.status, 200);
      await waitFor(() => statusEvents(s.text()) === 1, 2000, 'the first status');
      s.close();
    } finally {
      await h.close();
    }
  });

  void it('is open to anyone when no users are configured', async () => {
    const h = await startHarness({ admin: () => ({ users: [] }) });
    try {
      const s = await openStream(h.port, '/api/v1/events');
      assert.equal(s.status, 200);
      s.close();
    } finally {
      await h.close();
    }
  });

  void it('stops its timer when the last client goes away', async () => {
    const h = await startHarness();
    try {
      const s = await openStream(h.port, '/api/v1/events', { 'x-user': 'ops' });
      await waitFor(() => statusEvents(s.text()) === 1, 2000, 'the first status');
      s.close();
      await waitFor(() => h.clock.pending().length === 0, 2000, 'the timer to stop');
      const asked = h.calls();
      h.clock.advance(5000);
      assert.equal(h.calls(), asked);
    } finally {
      await h.close();
    }
  });

  void it('ends every open stream when the dashboard closes', async () => {
    const h = await startHarness();
    try {
      const s = await openStream(h.port, '/api/v1/events', { 'x-user': 'ops' });
      await waitFor(() => statusEvents(s.text()) === 1, 2000, 'the first status');
      h.dashboard.close();
      await s.ended;
      assert.deepEqual(h.clock.pending(), []);
    } finally {
      await h.close();
    }
  });
});

void describe('verifyToken', () => {
  void it('names the user whose token hash matches', () => {
    assert.equal(verifyToken(USERS, TOKEN)?.name, 'ops');
  });

  void it('matches no user for a wrong, empty or missing token, or without users to check', () => {
    assert.equal(verifyToken(USERS, 'nope'), undefined);
    assert.equal(verifyToken(USERS, ''), undefined);
    assert.equal(verifyToken(USERS, undefined), undefined);
    assert.equal(verifyToken(undefined, TOKEN), undefined);
  });
});
