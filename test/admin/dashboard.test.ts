/**
 * The dashboard in a real browser (Debian's chromium, driven by playwright-core) against the
 * real stack: demo backends behind a balancer's HTTP listener, the control plane, and the admin
 * server with the dashboard, on 127.0.0.1:0. The browser is installed by
 * scripts/install-browser.sh; where it cannot be (no apt-get, not root) the tests are skipped
 * with that reason.
 */
import { describe, it, before, after, beforeEach, afterEach, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { Agent, request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createBalancer, startDemoBackend, type Balancer, type DemoBackend } from '../../src/index.js';
import { BalancerControl } from '../../src/runtime/control.js';
import { startAdmin, type AdminSurfaces } from '../../src/runtime/admin.js';
import { silentLogger } from '../../src/observability/logger.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const TOKEN = 'dashboard-test-token';
const BACKENDS = ['backend-1', 'backend-2', 'backend-3'];

/** Runs a command to its end or until `ms` (then kills it, by its pid); never rejects. */
function run(cmd: string, args: readonly string[], ms: number): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ code: null, out, err: e.message });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err: code === null ? `${err}(killed after ${ms} ms)` : err });
    });
  });
}

/** Sends requests through the listener, 4 at a time, until `stop()` or the bounds are reached. */
function driveTraffic(port: number, bounds = { requests: 4000, ms: 12_000 }): { stop: () => Promise<number> } {
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  const until = Date.now() + bounds.ms;
  let sent = 0;
  let stopped = false;
  const one = (): Promise<void> =>
    new Promise((resolve) => {
      const req = request({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
        res.resume();
        res.on('end', resolve);
        res.on('error', () => resolve());
      });
      req.on('error', () => resolve());
      req.end();
    });
  const worker = async (): Promise<void> => {
    while (!stopped && sent < bounds.requests && Date.now() < until) {
      sent++;
      await one();
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  const workers = Promise.all([worker(), worker(), worker(), worker()]);
  return {
    async stop() {
      stopped = true;
      await workers;
      agent.destroy();
      return sent;
    },
  };
}

async function waitUntil(cond: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

void describe('the dashboard in a browser', () => {
  let skipReason: string | undefined;
  let backends: DemoBackend[] = [];
  let lb: Balancer | undefined;
  let control: BalancerControl;
  let admin: AdminSurfaces | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let listenerPort = 0;

  before(async () => {
    const installed = await run('sh', [`${ROOT}scripts/install-browser.sh`], 300_000);
    if (installed.code === 2) {
      skipReason = installed.err.trim();
      console.log(`# browser tests skipped: ${skipReason}`);
      return;
    }
    assert.equal(installed.code, 0, `install-browser.sh failed: ${installed.err}`);
    const executablePath = installed.out.trim().split('\n').pop() ?? '/usr/bin/chromium';
    // The page's files, where the build puts them (a plain `tsc` does not copy them).
    const copied = await run(process.execPath, [`${ROOT}scripts/copy-assets.js`], 30_000);
    assert.equal(copied.code, 0, copied.err);

    backends = await Promise.all([...BACKENDS, 'green-1'].map((name) => startDemoBackend({ port: 0, name })));
    const backend = (b: DemoBackend): { host: string; port: number; name: string } => ({ host: '127.0.0.1', port: b.port, name: b.name });
    const input = {
      listeners: { web: { protocol: 'http' as const, bind: '127.0.0.1:0', pools: ['app', 'green'], activePool: 'app' } },
      pools: { app: { backends: backends.slice(0, 3).map(backend) }, green: { backends: backends.slice(3).map(backend) } },
      admin: { bind: '127.0.0.1:0', users: [{ name: 'ops', access: 'full' as const, tokenHash: `sha256:${createHash('sha256').update(TOKEN).digest('hex')}` }] },
    };
    const balancer = createBalancer(input);
    lb = balancer;
    control = new BalancerControl(balancer, { input, version: 'test', metrics: () => Promise.resolve('') });
    await balancer.start();
    listenerPort = balancer.addresses('web')[0]?.port ?? 0;
    const spec = balancer.config.admin;
    assert.ok(spec);
    admin = await startAdmin(spec, control, silentLogger(), () => balancer.config.admin);
    browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--headless=new'] });
  });

  after(async () => {
    await browser?.close();
    await admin?.close();
    await lb?.stop({ drainTimeoutMs: 0 });
    await Promise.all(backends.map((b) => b.close()));
  });

  beforeEach(async () => {
    if (skipReason !== undefined || browser === undefined) return;
    // Each test starts from every backend ready with weight 1 and the listener on "app".
    const snap = control.status();
    for (const b of snap.pools.find((p) => p.name === 'app')?.backends ?? []) {
      if (b.adminState !== 'ready') await control.setBackendState('app', b.name, 'ready', true);
      if (b.weight !== 1) await control.setWeight('app', b.name, 1);
    }
    if (snap.listeners[0]?.activePool !== 'app') await control.setActivePool('web', 'app');
    page = await browser.newPage();
  });

  afterEach(async () => {
    await page?.close();
  });

  /** Skips the test when the browser could not be installed. */
  const skipped = (t: TestContext): boolean => {
    if (skipReason === undefined) return false;
    t.skip(skipReason);
    return true;
  };

  const row = (name: string) => page.locator(`tr[data-backend="${name}"]`);
  const count = async (name: string): Promise<number> => Number(await row(name).locator('[data-field=count]').getAttribute('data-value'));
  const adminState = (name: string) => row(name).locator('[data-field=adminState]');

  async function signIn(): Promise<void> {
    await page.goto(`${admin?.url ?? ''}/`);
    await page.getByLabel('Token', { exact: true }).fill(TOKEN);
    await page.getByRole('button', { name: 'Connect' }).click();
    await page.locator('section[data-pool="app"] tr[data-backend]').nth(2).waitFor({ timeout: 5000 });
  }

  void it('asks for the token, says when it is refused, then lists every listener, pool and backend', async (t) => {
    if (skipped(t)) return;
    await page.goto(`${admin?.url ?? ''}/`);
    assert.equal(new URL(page.url()).pathname, '/dashboard/');
    await page.getByLabel('Token', { exact: true }).fill('not-the-token');
    await page.getByRole('button', { name: 'Connect' }).click();
    await page.getByText('That token was refused').waitFor({ timeout: 5000 });
    await signIn();
    const rows = await page.locator('section[data-pool="app"] tr[data-backend]').all();
    assert.deepEqual(await Promise.all(rows.map((r) => r.getAttribute('data-backend'))), BACKENDS);
    assert.equal(await row('green-1').count(), 1);
    assert.equal(await page.locator('tr[data-listener="web"] [data-field=activePool]').textContent(), 'app');
    for (const name of BACKENDS) {
      assert.equal(await adminState(name).textContent(), 'ready');
      assert.equal(await row(name).locator('[data-field=health]').textContent(), 'up');
      assert.equal(await row(name).locator('[data-field=eligible]').textContent(), 'eligible');
    }
    assert.equal(await page.locator('#live').textContent(), 'live');
  });

  void it('drains a backend after confirmation: its traffic stops while the others keep growing', async (t) => {
    if (skipped(t)) return;
    await signIn();
    const traffic = driveTraffic(listenerPort);
    try {
      await waitUntil(async () => (await count('backend-1')) > 20, 5000, 'traffic on backend-1');
      assert.match((await row('backend-1').locator('[data-field=rate]').textContent()) ?? '', /req\/s$/);
      assert.match((await row('backend-1').locator('[data-field=p50]').textContent()) ?? '', /ms$/);
      await row('backend-1').getByRole('button', { name: /^Drain backend-1/ }).click();
      await page.locator('#confirm-text').getByText('Drain backend backend-1 of pool app?').waitFor({ timeout: 2000 });
      await page.locator('#confirm-ok').click();
      await adminState('backend-1').getByText('drain').waitFor({ timeout: 3000 });
      assert.equal(await row('backend-1').locator('[data-field=eligible]').textContent(), 'not eligible');
      // Requests in flight when it drained finish, and the page catches up (a status a second).
      await new Promise((r) => setTimeout(r, 1200));
      const drained = await count('backend-1');
      const others = (await count('backend-2')) + (await count('backend-3'));
      const servedBefore = backends[0]?.requests ?? 0;
      await waitUntil(async () => (await count('backend-2')) + (await count('backend-3')) > others + 50, 6000, 'the other backends to keep serving');
      assert.equal(await count('backend-1'), drained);
      assert.equal(backends[0]?.requests, servedBefore);
    } finally {
      await traffic.stop();
    }
  });

  void it('shows the API\'s message when it refuses an action', async (t) => {
    if (skipped(t)) return;
    await control.setBackendState('app', 'backend-1', 'drain', false);
    await control.setBackendState('app', 'backend-2', 'maint', false);
    await signIn();
    await row('backend-3').getByRole('button', { name: /^Drain backend-3/ }).click();
    await page.locator('#confirm-ok').click();
    const notice = page.locator('#notice-text');
    await notice.getByText('last eligible backend').waitFor({ timeout: 3000 });
    assert.match((await notice.textContent()) ?? '', /^Drain backend-3 refused: .*SY_CONFLICT/s);
    assert.equal(await adminState('backend-3').textContent(), 'ready');
  });

  void it('does nothing when the confirmation is cancelled', async (t) => {
    if (skipped(t)) return;
    await signIn();
    await row('backend-2').getByRole('button', { name: /^Maint backend-2/ }).click();
    await page.keyboard.press('Escape');
    assert.equal(await page.locator('#confirm').isVisible(), false);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await adminState('backend-2').textContent(), 'ready');
    assert.equal(control.status().pools[0]?.backends[1]?.adminState, 'ready');
  });

  void it('sets a backend\'s weight from the keyboard', async (t) => {
    if (skipped(t)) return;
    await signIn();
    const input = page.getByLabel('Weight of backend-2 in pool app', { exact: true });
    await input.fill('7');
    await input.press('Enter');
    await page.locator('#confirm-ok').press('Enter');
    await row('backend-2').locator('[data-field=weight]').getByText('7', { exact: true }).waitFor({ timeout: 3000 });
    assert.equal(control.status().pools[0]?.backends[1]?.weight, 7);
  });

  void it('switches a listener to another of its pools', async (t) => {
    if (skipped(t)) return;
    await signIn();
    await page.getByLabel('Pool for listener web').selectOption('green');
    await page.getByRole('button', { name: 'Switch listener web to the chosen pool' }).click();
    await page.locator('#confirm-ok').click();
    await page.locator('tr[data-listener="web"] [data-field=activePool]').getByText('green').waitFor({ timeout: 3000 });
    assert.equal(control.status().listeners[0]?.activePool, 'green');
  });

  void it('asks for the token again when the stored one is no longer accepted', async (t) => {
    if (skipped(t)) return;
    await signIn();
    await page.evaluate("sessionStorage.setItem('switchyard.token', 'revoked')");
    await row('backend-3').getByRole('button', { name: /^Maint backend-3/ }).click();
    await page.locator('#confirm-ok').click();
    await page.getByText('the token is no longer accepted').waitFor({ timeout: 3000 });
    assert.equal(await page.getByLabel('Token', { exact: true }).isVisible(), true);
  });
});
