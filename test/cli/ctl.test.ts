import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer } from 'node:net';
import { SwitchyardError } from '../../src/core/errors.js';
import { COMMANDS } from '../../src/admin/commands.js';
import { spawnCli } from '../helpers/cli.js';
import { tempFile } from '../helpers/files.js';
import { FULL_TOKEN, READONLY_TOKEN, startHarness, type Harness } from '../admin/api-client.js';
import { SECRET_HEX, STATUS } from '../admin/fake-control-plane.js';

let h: Harness;

before(async () => {
  h = await startHarness();
});

after(async () => {
  await h.close();
});

/** Runs `switchyard ctl …` against the test server, with the token in the environment unless given. */
async function ctl(args: readonly string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const s = spawnCli(['ctl', ...args], { SWITCHYARD_ADMIN_URL: h.url, SWITCHYARD_TOKEN: FULL_TOKEN, ...env });
  const { code } = await s.exited;
  await new Promise((r) => setImmediate(r));
  return { code, stdout: s.stdout, stderr: s.stderr };
}

async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const address = srv.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

void describe('switchyard ctl', () => {
  void test('status prints the listeners and each pool\'s backends as tables', async () => {
    const r = await ctl(['status']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^switchyard 0\.1\.0 {2}running {2}up 1h 2m {2}pid 4242/m);
    assert.match(r.stdout, /^LISTENER +PROTOCOL +ADDRESS +POOL +ACTIVE +ACCEPTED +REQ\/S$/m);
    assert.match(r.stdout, /^front +http +127\.0\.0\.1:8080 +web +3 +41 +-$/m);
    assert.match(r.stdout, /^pool web {2}least-conn {2}1\/2 eligible$/m);
    assert.match(r.stdout, /^ {2}BACKEND +ADDRESS +STATE +HEALTH +EJECTED +WEIGHT +ACTIVE +REQ\/S +P99$/m);
    assert.match(r.stdout, /^ {2}alpha +127\.0\.0\.1:9001 +ready +up +no +2 +2 +4\.5 +17\.5ms$/m);
    assert.match(r.stdout, /^ {2}bravo +127\.0\.0\.1:9002 +drain +down +30s +1 +0 +- +-$/m);
  });

  void test('--json prints the raw result', async () => {
    const r = await ctl(['status', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), JSON.parse(JSON.stringify(STATUS)));
  });

  void test('a change prints its plan and the file it was persisted to', async () => {
    const before = h.fake.calls.length;
    const r = await ctl(['backend', 'drain', 'web', 'alpha', '--force']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(h.fake.calls[before], { method: 'setBackendState', args: ['web', 'alpha', 'drain', true] });
    assert.equal(r.stdout, '~ backend web/a: adminState ready → drain\n0 to add, 1 to change, 0 to remove\npersisted to /etc/switchyard/switchyard.yaml\n');
  });

  void test('positional numbers reach the server as numbers', async () => {
    const before = h.fake.calls.length;
    const r = await ctl(['backend', 'weight', 'web', 'alpha', '3']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(h.fake.calls[before], { method: 'setWeight', args: ['web', 'alpha', 3] });
  });

  void test('diff FILE sends the file\'s text and prints the plan', async () => {
    const file = tempFile('new.yaml', 'listeners: {}\npools: {}\n');
    try {
      const before = h.fake.calls.length;
      const r = await ctl(['diff', file.path]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(h.fake.calls[before], { method: 'diff', args: ['listeners: {}\npools: {}\n'] });
      assert.equal(r.stdout, '~ backend web/a: adminState ready → drain\n0 to add, 1 to change, 0 to remove\n');
    } finally {
      file.remove();
    }
  });

  void test('a refused operation exits 1 with the code, the message and each issue', async () => {
    h.fake.failWith = new SwitchyardError('SY_CONFIG_INVALID', 'the new config has 2 problems', {
      details: { issues: [{ path: 'pools.web.policy', message: 'must be one of …' }, { path: 'listeners.front.bind', message: 'port 70000 is out of range' }] },
    });
    try {
      const r = await ctl(['reload']);
      assert.equal(r.code, 1);
      assert.equal(r.stderr, 'ctl: SY_CONFIG_INVALID: the new config has 2 problems\n  pools.web.policy: must be one of …\n  listeners.front.bind: port 70000 is out of range\n');
    } finally {
      h.fake.failWith = undefined;
    }
  });

  void test('a readonly user asking for a change exits 1 with SY_FORBIDDEN', async () => {
    const r = await ctl(['pool', 'delete', 'web'], { SWITCHYARD_TOKEN: READONLY_TOKEN });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^ctl: SY_FORBIDDEN: user "viewer" has readonly access; pool\.delete needs full access$/m);
  });

  void test('a missing token exits 1 with SY_UNAUTHORIZED and how to give one', async () => {
    const r = await ctl(['status'], { SWITCHYARD_TOKEN: '' });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^ctl: SY_UNAUTHORIZED: /m);
    assert.match(r.stderr, /--token/);
  });

  void test('--token-file and --url override the environment', async () => {
    const file = tempFile('token', `${READONLY_TOKEN}\n`);
    try {
      const r = await ctl(['status', '--json', '--token-file', file.path, '--url', h.url], { SWITCHYARD_TOKEN: 'wrong', SWITCHYARD_ADMIN_URL: 'http://127.0.0.1:1' });
      assert.equal(r.code, 0, r.stderr);
    } finally {
      file.remove();
    }
  });

  void test('config show prints YAML with token hashes redacted', async () => {
    const r = await ctl(['config', 'show']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /tokenHash: <redacted>/);
    assert.ok(!r.stdout.includes(SECRET_HEX));
  });

  void test('an unreachable server exits 3 with one line naming the URL', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const r = await ctl(['status', '--url', url]);
    assert.equal(r.code, 3);
    assert.equal(r.stderr, `ctl: cannot reach the admin API at ${url} (ECONNREFUSED)\n`);
  });

  void test('an unknown flag exits 2 naming it', async () => {
    const r = await ctl(['backend', 'drain', 'web', 'alpha', '--bogus']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /ctl backend drain: unknown option "--bogus"/);
  });

  void test('a bad value exits 2 naming the parameter, before anything is sent', async () => {
    const before = h.fake.calls.length;
    const r = await ctl(['backend', 'weight', 'web', 'alpha', '5000']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /ctl backend weight: weight: must be 0–1000, got 5000/);
    assert.equal(h.fake.calls.length, before);
  });

  void test('a missing argument and an unknown command exit 2', async () => {
    const missing = await ctl(['backend', 'drain', 'web']);
    assert.equal(missing.code, 2, missing.stderr);
    assert.match(missing.stderr, /missing BACKEND/);
    const unknown = await ctl(['backend', 'drian', 'web', 'a']);
    assert.equal(unknown.code, 2, unknown.stderr);
    assert.match(unknown.stderr, /unknown command "backend drian" \(did you mean "backend drain"\?\)/);
  });

  void test('--help lists every command with its summary', async () => {
    const r = await ctl(['--help']);
    assert.equal(r.code, 0);
    for (const c of COMMANDS) {
      assert.ok(r.stdout.includes(`  ${c.cli.words.join(' ')}`), `${c.name} is listed`);
      assert.ok(r.stdout.includes(c.summary), `${c.name}'s summary is shown`);
    }
  });
});

void describe('switchyard ctl against a running balancer', () => {
  void test('status, drain and diff go through the real control plane, with a token', async () => {
    const token = 'e2e-token-0123456789';
    const hash = createHash('sha256').update(token).digest('hex');
    const config = (policy: string): string =>
      `listeners:\n  front:\n    protocol: tcp\n    bind: 127.0.0.1:0\n    pool: web\npools:\n  web:\n    policy: ${policy}\n    backends:\n      - 127.0.0.1:9\n      - 127.0.0.1:10\nadmin:\n  bind: 127.0.0.1:0\n  users:\n    - name: ops\n      access: full\n      tokenHash: sha256:${hash}\n`;
    const file = tempFile('switchyard.yaml', config('round-robin'));
    const next = tempFile('next.yaml', config('least-conn'));
    const balancer = spawnCli(['run', '-c', file.path]);
    try {
      const url = (await balancer.waitForOutput(/"url":"(http:\/\/127\.0\.0\.1:\d+)"/))[1] ?? '';
      const run = async (args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> => {
        const s = spawnCli(['ctl', ...args], { SWITCHYARD_ADMIN_URL: url, SWITCHYARD_TOKEN: token });
        const { code } = await s.exited;
        await new Promise((r) => setImmediate(r));
        return { code, stdout: s.stdout, stderr: s.stderr };
      };
      const status = await run(['status']);
      assert.equal(status.code, 0, status.stderr);
      assert.match(status.stdout, /^ {2}127\.0\.0\.1:9 +127\.0\.0\.1:9 +ready +up /m);
      const drain = await run(['backend', 'drain', 'web', '127.0.0.1:9']);
      assert.equal(drain.code, 0, drain.stderr);
      assert.match(drain.stdout, /^~ backend web\/127\.0\.0\.1:9: .*ready → drain$/m);
      assert.match(drain.stdout, /^not persisted/m);
      const after = await run(['status', '--json']);
      const pools = (JSON.parse(after.stdout) as { pools: { backends: { name: string; adminState: string }[] }[] }).pools;
      assert.equal(pools[0]?.backends.find((b) => b.name === '127.0.0.1:9')?.adminState, 'drain');
      const diff = await run(['diff', next.path]);
      assert.equal(diff.code, 0, diff.stderr);
      assert.match(diff.stdout, /^~ pool web: policy round-robin → least-conn$/m);
      assert.match(diff.stdout, /to add, \d+ to change, \d+ to remove$/m);
      const refused = await run(['backend', 'maint', 'web', '127.0.0.1:10']);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /^ctl: SY_CONFLICT: /);
      const anonymous = spawnCli(['ctl', 'status'], { SWITCHYARD_ADMIN_URL: url, SWITCHYARD_TOKEN: '' });
      assert.equal((await anonymous.exited).code, 1);
    } finally {
      balancer.child.kill('SIGTERM');
      await balancer.exited;
      file.remove();
      next.remove();
    }
  });
});
