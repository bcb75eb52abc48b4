import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import ssh2 from 'ssh2';
import type { ClientChannel, ConnectConfig } from 'ssh2';
import { SwitchyardError } from '../../src/core/errors.js';
import { createLogger } from '../../src/observability/logger.js';
import type { AdminSpec, AdminState } from '../../src/config/model.js';
import type { BackendInput, ChangeResult, ControlPlane, StatusView } from '../../src/admin/control-plane.js';
import type { PolicyName } from '../../src/config/policy-names.js';
import { COMMANDS } from '../../src/admin/commands.js';
import { startSshConsole, type SshConsole } from '../../src/admin/ssh-console.js';
import { LineEditor, type EditorEvent } from '../../src/admin/console/line-editor.js';
import { complete } from '../../src/admin/console/complete.js';
import { tempFile } from '../helpers/files.js';
import { Balancer } from '../../src/runtime/balancer.js';
import { BalancerControl, readConfigText } from '../../src/runtime/control.js';

const { Client, utils } = ssh2;
const TIMEOUT = 10_000;

type Call = readonly [string, ...unknown[]];

const backend = (name: string, adminState: AdminState, active: number) => ({
  id: `web/${name}`,
  name,
  address: `10.0.0.${name === 'a' ? 1 : 2}:8080`,
  weight: 1,
  effectiveWeight: 1,
  adminState,
  health: 'up' as const,
  ejected: false,
  ejectedForMs: null,
  eligible: adminState === 'ready',
  downCause: null,
  activeConnections: active,
  totals: { connections: 0, failures: 0, bytesIn: 0, bytesOut: 0 } as unknown as StatusView['pools'][number]['backends'][number]['totals'],
  transitions: {} as StatusView['pools'][number]['backends'][number]['transitions'],
  probe: null,
});

const STATUS: StatusView = {
  state: 'running',
  uptimeMs: 3_723_000,
  version: '0.1.0',
  node: 'v20.18.0',
  pid: 4242,
  configFile: '/etc/switchyard.yaml',
  configWatchMs: null,
  listeners: [
    { name: 'front', protocol: 'tcp', addresses: [{ address: '127.0.0.1', port: 8080, family: 'IPv4' }], pools: ['web'], activePool: 'web', activeConnections: 3, acceptedConnections: 10, rejectedConnections: 0, terminations: {} as StatusView['listeners'][number]['terminations'] },
  ],
  pools: [{ name: 'web', policy: 'round-robin', eligibleBackends: 1, panic: false, backends: [backend('a', 'ready', 2), backend('b', 'drain', 1)] }],
};

const PLAN = '~ backend web/a: state ready → drain\n1 change';

/** A ControlPlane that records its calls and answers with fixed values. */
class FakeControl implements ControlPlane {
  readonly calls: Call[] = [];
  fail: SwitchyardError | undefined;

  private change(call: Call): Promise<ChangeResult> {
    this.calls.push(call);
    if (this.fail) return Promise.reject(this.fail);
    return Promise.resolve({ changes: [], plan: PLAN, persisted: false });
  }
  status(): StatusView {
    return STATUS;
  }
  runningConfig(): unknown {
    return { pools: { web: { backends: ['10.0.0.1:8080'] } }, admin: { users: [{ name: 'ops', access: 'full', tokenHash: `sha256:${'ab'.repeat(32)}` }] } };
  }
  diskConfig(): Promise<{ file: string; text: string }> {
    return Promise.resolve({ file: '/etc/switchyard.yaml', text: 'pools: {}\n' });
  }
  metrics(): Promise<string> {
    return Promise.resolve('# metrics\n');
  }
  addBackend(pool: string, b: BackendInput): Promise<ChangeResult> {
    return this.change(['addBackend', pool, b]);
  }
  removeBackend(pool: string, b: string, force: boolean): Promise<ChangeResult> {
    return this.change(['removeBackend', pool, b, force]);
  }
  setWeight(pool: string, b: string, weight: number): Promise<ChangeResult> {
    return this.change(['setWeight', pool, b, weight]);
  }
  setBackendState(pool: string, b: string, state: AdminState, force: boolean): Promise<ChangeResult> {
    return this.change(['setBackendState', pool, b, state, force]);
  }
  recheck(pool: string, b: string): void {
    this.calls.push(['recheck', pool, b]);
  }
  createPool(name: string, pool: Readonly<Record<string, unknown>>): Promise<ChangeResult> {
    return this.change(['createPool', name, pool]);
  }
  deletePool(name: string): Promise<ChangeResult> {
    return this.change(['deletePool', name]);
  }
  setPolicy(pool: string, policy: PolicyName): Promise<ChangeResult> {
    return this.change(['setPolicy', pool, policy]);
  }
  setActivePool(listener: string, pool: string): Promise<ChangeResult> {
    return this.change(['setActivePool', listener, pool]);
  }
  addListener(name: string, l: Readonly<Record<string, unknown>>): Promise<ChangeResult> {
    return this.change(['addListener', name, l]);
  }
  removeListener(name: string): Promise<ChangeResult> {
    return this.change(['removeListener', name]);
  }
  diff(text: string): Promise<ChangeResult> {
    return this.change(['diff', text]);
  }
  apply(text: string): Promise<ChangeResult> {
    return this.change(['apply', text]);
  }
  reload(): Promise<ChangeResult> {
    return this.change(['reload']);
  }
  restartWorkers(): Promise<{ restarted: number }> {
    this.calls.push(['restartWorkers']);
    return Promise.resolve({ restarted: 2 });
  }
}

/**
 * An ed25519 key pair. ssh2's generator writes about one key in 128 with a shortened public
 * part (a leading zero byte lost) that its own parser then rejects: such pairs are skipped.
 */
function keyPair(): { private: string; public: string } {
  for (let i = 0; i < 20; i++) {
    const k = utils.generateKeyPairSync('ed25519');
    if (!(utils.parseKey(k.private) instanceof Error) && !(utils.parseKey(k.public) instanceof Error)) return k;
  }
  throw new Error('no usable ed25519 key pair in 20 tries');
}

const hostKey = keyPair();
const opsKey = keyPair();
const viewerKey = keyPair();
const strangerKey = keyPair();

function spec(hostKeyFile: string): AdminSpec {
  return {
    bind: { host: '127.0.0.1', port: 0 },
    users: [
      { name: 'ops', access: 'full', tokenSha256: undefined, sshKeys: [opsKey.public] },
      { name: 'viewer', access: 'readonly', tokenSha256: undefined, sshKeys: [viewerKey.public] },
    ],
    tls: undefined,
    persist: false,
    ssh: { bind: { host: '127.0.0.1', port: 0 }, hostKeyFile },
  };
}

function connect(port: number, cfg: ConnectConfig): Promise<ssh2.Client> {
  const c = new Client();
  return new Promise((resolve, reject) => {
    c.once('ready', () => resolve(c));
    c.once('error', (err) => {
      c.end();
      reject(err);
    });
    c.connect({ host: '127.0.0.1', port, readyTimeout: 5000, tryKeyboard: true, ...cfg });
  });
}

async function session<T>(port: number, who: 'ops' | 'viewer', fn: (c: ssh2.Client) => Promise<T>): Promise<T> {
  const c = await connect(port, { username: who, privateKey: who === 'ops' ? opsKey.private : viewerKey.private });
  c.on('error', () => {});
  try {
    return await fn(c);
  } finally {
    c.end();
  }
}

function exec(c: ssh2.Client, command: string, stdin?: string): Promise<{ stdout: string; stderr: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    c.exec(command, (err, stream) => {
      if (err) return reject(err);
      let stdout = '';
      let stderr = '';
      let code: number | null = null;
      stream.on('data', (d: Buffer) => (stdout += d.toString()));
      stream.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      stream.on('exit', (status: number | null) => (code = status));
      stream.on('close', () => resolve({ stdout, stderr, code }));
      stream.end(stdin);
    });
  });
}

/** An interactive shell with a pty; `until` waits (bounded) for the output to satisfy a test. */
async function shell(c: ssh2.Client): Promise<{ stream: ClientChannel; output(): string; until(test: (out: string) => boolean): Promise<string> }> {
  const stream = await new Promise<ClientChannel>((resolve, reject) => c.shell({ term: 'xterm', cols: 120, rows: 40 }, (err, s) => (err ? reject(err) : resolve(s))));
  let out = '';
  const waiters = new Set<() => void>();
  stream.on('data', (d: Buffer) => {
    out += d.toString();
    for (const w of waiters) w();
  });
  stream.on('close', () => {
    out += '\n[closed]';
    for (const w of waiters) w();
  });
  const until = (test: (o: string) => boolean): Promise<string> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        if (!test(out)) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve(out);
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`shell output did not arrive; got: ${JSON.stringify(out)}`));
      }, 5000);
      waiters.add(check);
      check();
    });
  return { stream, output: () => out, until };
}

const count = (s: string, sub: string): number => s.split(sub).length - 1;
/** Terminal output without the erase-line sequence the editor writes after the prompt. */
const plain = (s: string): string => s.split('\x1b[K').join('');

void describe('SSH console', { timeout: 60_000 }, () => {
  const control = new FakeControl();
  const logs: string[] = [];
  let consoleServer: SshConsole;
  let keyFile: { path: string; remove(): void };

  before(async () => {
    keyFile = tempFile('ssh_host_ed25519_key', hostKey.private);
    const logger = createLogger({ level: 'info', pretty: false, destination: { write: (line: string) => void logs.push(line) } });
    consoleServer = await startSshConsole({ spec: spec(keyFile.path), control, logger });
  });
  after(async () => {
    await consoleServer.close();
    keyFile.remove();
  });

  void it('listens on the configured address with a port of its own', () => {
    assert.ok(consoleServer.port > 0);
    assert.deepEqual(consoleServer.addresses(), [{ address: '127.0.0.1', port: consoleServer.port }]);
  });

  void it('runs status as one command and prints pools and backends as a table', { timeout: TIMEOUT }, async () => {
    const r = await session(consoleServer.port, 'viewer', (c) => exec(c, 'status'));
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^switchyard 0\.1\.0\s+running\s+up 1h 2m/);
    assert.match(r.stdout, /\nfront\s+tcp\s+127\.0\.0\.1:8080\s+web\s+3\s/);
    assert.match(r.stdout, /\npool web\s+round-robin\s+1\/2 eligible\n/);
    assert.match(r.stdout, /\n\s+BACKEND\s+ADDRESS\s+STATE\s+HEALTH\s+EJECTED\s+WEIGHT\s+ACTIVE/);
    assert.match(r.stdout, /\n\s+a\s+10\.0\.0\.1:8080\s+ready\s+up\s+no\s+1\s+2\s/);
    assert.match(r.stdout, /\n\s+b\s+10\.0\.0\.2:8080\s+drain\s+up\s+no\s+1\s+1\s/);
  });

  void it('runs status in the interactive console after the prompt', { timeout: TIMEOUT }, async () => {
    await session(consoleServer.port, 'ops', async (c) => {
      const sh = await shell(c);
      await sh.until((o) => o.includes('switchyard> '));
      sh.stream.write('status\r');
      const out = await sh.until((o) => o.includes('WEIGHT') && count(o, 'switchyard> ') >= 2);
      assert.match(out, /signed in as ops \(full access\)/);
      assert.match(out, /pool web\s+round-robin/);
      assert.match(out, /\n\s+a\s+10\.0\.0\.1:8080\s+ready/);
      assert.ok(out.includes('\r\n'), 'a pty gets terminal line endings');
      sh.stream.end();
    });
  });

  void it('drains a backend through the control plane and prints the plan', { timeout: TIMEOUT }, async () => {
    const before = control.calls.length;
    const r = await session(consoleServer.port, 'ops', (c) => exec(c, 'backend drain p a'));
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(control.calls.slice(before), [['setBackendState', 'p', 'a', 'drain', false]]);
    assert.ok(r.stdout.includes(PLAN));
    assert.match(r.stdout, /\nnot persisted \(.*\); the change is live\n$/);
  });

  void it('takes --flag options from the params schema', { timeout: TIMEOUT }, async () => {
    const before = control.calls.length;
    const r = await session(consoleServer.port, 'ops', (c) => exec(c, 'backend remove web a --force'));
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(control.calls.slice(before), [['removeBackend', 'web', 'a', true]]);
  });

  void it('refuses a full-access command to a readonly user and changes nothing', { timeout: TIMEOUT }, async () => {
    const before = control.calls.length;
    const r = await session(consoleServer.port, 'viewer', (c) => exec(c, 'backend drain p a'));
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim(), 'permission denied: backend drain needs full access');
    assert.equal(control.calls.length, before);
  });

  void it('refuses a key that belongs to no user', { timeout: TIMEOUT }, async () => {
    await assert.rejects(connect(consoleServer.port, { username: 'ops', privateKey: strangerKey.private }), (err: Error & { level?: string }) => err.level === 'client-authentication');
  });

  void it('refuses another user\'s key', { timeout: TIMEOUT }, async () => {
    await assert.rejects(connect(consoleServer.port, { username: 'viewer', privateKey: opsKey.private }), (err: Error & { level?: string }) => err.level === 'client-authentication');
  });

  void it('refuses password and keyboard-interactive logins', { timeout: TIMEOUT }, async () => {
    await assert.rejects(connect(consoleServer.port, { username: 'ops', password: 'secret' }), (err: Error & { level?: string }) => err.level === 'client-authentication');
  });

  void it('names the field of a bad parameter in one line and changes nothing', { timeout: TIMEOUT }, async () => {
    const before = control.calls.length;
    const [word, big] = await session(consoleServer.port, 'ops', async (c) => [await exec(c, 'backend weight p a lots'), await exec(c, 'backend weight p a 5000')]);
    assert.equal(word.code, 1);
    assert.equal(word.stderr, 'error: SY_CLI_USAGE: weight: must be a number, got "lots"\n');
    assert.equal(big.code, 1);
    assert.equal(big.stderr, 'error: SY_CLI_USAGE: weight: must be 0–1000, got 5000\n');
    assert.equal(control.calls.length, before);
  });

  void it('prints a control plane error with its code', { timeout: TIMEOUT }, async () => {
    control.fail = new SwitchyardError('SY_UNKNOWN_POOL', 'no pool "nope"');
    try {
      const r = await session(consoleServer.port, 'ops', (c) => exec(c, 'pool policy nope least-conn'));
      assert.equal(r.code, 1);
      assert.equal(r.stderr, 'error: SY_UNKNOWN_POOL: no pool "nope"\n');
    } finally {
      control.fail = undefined;
    }
  });

  void it('prints the issues of an invalid configuration', { timeout: TIMEOUT }, async () => {
    const issues = [{ path: 'pools.web.backends[0].port', message: 'must be 1–65535, got 0', file: '<input>', line: 3, column: 9 }];
    control.fail = new SwitchyardError('SY_CONFIG_INVALID', 'invalid configuration:\n…', { details: { issues } });
    try {
      const r = await session(consoleServer.port, 'ops', (c) => exec(c, 'apply', 'pools: {}\n'));
      assert.equal(r.stderr, 'error: SY_CONFIG_INVALID: invalid configuration:\n  <input>:3:9: pools.web.backends[0].port: must be 1–65535, got 0\n');
    } finally {
      control.fail = undefined;
    }
  });

  void it('reads the configuration of diff from standard input', { timeout: TIMEOUT }, async () => {
    const before = control.calls.length;
    const r = await session(consoleServer.port, 'viewer', (c) => exec(c, 'diff', 'pools:\n  web: {}\n'));
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(control.calls.slice(before), [['diff', 'pools:\n  web: {}\n']]);
    assert.equal(r.stdout, `${PLAN}\n`);
  });

  void it('explains that apply needs standard input in the interactive console', { timeout: TIMEOUT }, async () => {
    await session(consoleServer.port, 'ops', async (c) => {
      const sh = await shell(c);
      sh.stream.write('apply\r');
      const out = await sh.until((o) => count(o, 'switchyard> ') >= 2);
      assert.match(out, /error: SY_CLI_USAGE: apply reads the configuration from standard input/);
      sh.stream.end();
    });
  });

  void it('shows the running configuration as YAML or JSON with token hashes redacted', { timeout: TIMEOUT }, async () => {
    const [yaml, json] = await session(consoleServer.port, 'viewer', async (c) => [await exec(c, 'config show'), await exec(c, 'config show --format json')]);
    assert.match(yaml.stdout, /^pools:\n {2}web:\n/);
    assert.match(yaml.stdout, /tokenHash: <redacted>/);
    assert.equal((JSON.parse(json.stdout) as { admin: { users: { tokenHash: string }[] } }).admin.users[0]?.tokenHash, '<redacted>');
    assert.ok(!yaml.stdout.includes('abab') && !json.stdout.includes('abab'));
  });

  void it('lists every command of the table in help', { timeout: TIMEOUT }, async () => {
    const r = await session(consoleServer.port, 'viewer', (c) => exec(c, 'help'));
    assert.equal(r.code, 0);
    for (const cmd of COMMANDS) {
      assert.ok(r.stdout.includes(cmd.cli.words.join(' ')), `help lists ${cmd.name}`);
      assert.ok(r.stdout.includes(cmd.summary), `help has the summary of ${cmd.name}`);
    }
  });

  void it('describes one command with help COMMAND', { timeout: TIMEOUT }, async () => {
    const r = await session(consoleServer.port, 'ops', (c) => exec(c, 'help pool policy'));
    assert.match(r.stdout, /usage: pool policy POOL POLICY/);
    assert.match(r.stdout, /least-conn/);
  });

  void it('completes a command word with Tab', { timeout: TIMEOUT }, async () => {
    await session(consoleServer.port, 'ops', async (c) => {
      const sh = await shell(c);
      await sh.until((o) => o.includes('switchyard> '));
      sh.stream.write('bac\t');
      await sh.until((o) => plain(o).endsWith('switchyard> backend '));
      sh.stream.write('dr\tw\t');
      await sh.until((o) => plain(o).endsWith('switchyard> backend drain web '));
      sh.stream.end();
    });
  });

  void it('clears the line with Ctrl-C and leaves with Ctrl-D', { timeout: TIMEOUT }, async () => {
    await session(consoleServer.port, 'ops', async (c) => {
      const sh = await shell(c);
      const before = control.calls.length;
      sh.stream.write('backend drain web a\x03');
      await sh.until((o) => o.includes('^C'));
      sh.stream.write('\x04');
      await sh.until((o) => o.endsWith('[closed]'));
      assert.equal(control.calls.length, before);
    });
  });

  void it('logs logins and commands with the user\'s name and never a key', () => {
    const entries = logs.map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.ok(entries.some((e) => e['msg'] === 'ssh console: login' && e['user'] === 'ops'));
    assert.ok(entries.some((e) => e['msg'] === 'console: command' && e['user'] === 'viewer' && e['command'] === 'status'));
    const all = logs.join('\n');
    for (const k of [opsKey, viewerKey, strangerKey, hostKey]) {
      assert.ok(!all.includes(k.public.split(' ')[1] ?? '-'), 'no public key in the log');
      assert.ok(!all.includes(k.private.split('\n')[1] ?? '-'), 'no private key in the log');
    }
  });
});

void describe('SSH console start', () => {
  void it('fails with one error naming a missing host key file', async () => {
    const s = spec('/nonexistent/ssh_host_key');
    await assert.rejects(startSshConsole({ spec: s, control: new FakeControl(), logger: createLogger({ level: 'silent', pretty: false }) }), (err: SwitchyardError) => {
      assert.equal(err.code, 'SY_CONFIG_INVALID');
      assert.equal(err.message, 'admin.ssh.hostKey: cannot use the SSH host key "/nonexistent/ssh_host_key": no such file');
      return true;
    });
  });

  void it('fails when the host key file holds a public key', async () => {
    const f = tempFile('host.pub', hostKey.public);
    try {
      await assert.rejects(startSshConsole({ spec: spec(f.path), control: new FakeControl(), logger: createLogger({ level: 'silent', pretty: false }) }), /host\.pub.*public key/);
    } finally {
      f.remove();
    }
  });
});

void describe('console line editor', () => {
  function editor(): { ed: LineEditor; drain: (input: string) => EditorEvent[] } {
    const ed = new LineEditor({ prompt: '> ', write: () => {}, complete: (b) => complete(b, STATUS) });
    return {
      ed,
      drain: (input) => {
        ed.push(input);
        const out: EditorEvent[] = [];
        for (let e = ed.next(); e !== undefined; e = ed.next()) out.push(e);
        return out;
      },
    };
  }

  void it('edits with backspace and the arrow keys', () => {
    const { drain } = editor();
    assert.deepEqual(drain('statsu\x7f\x7fus\x1b[D\x1b[D\x1b[C\x1b[C\r\n'), [{ type: 'line', line: 'status' }]);
    assert.deepEqual(drain('sttus\x1b[D\x1b[D\x1b[Da\r'), [{ type: 'line', line: 'status' }]);
  });

  void it('runs a pasted block line by line', () => {
    const { drain } = editor();
    assert.deepEqual(drain('status\r\nhelp\r\n'), [
      { type: 'line', line: 'status' },
      { type: 'line', line: 'help' },
    ]);
  });

  void it('waits for the rest of an escape sequence split across reads', () => {
    const { drain } = editor();
    assert.deepEqual(drain('ab\x1b['), []);
    assert.deepEqual(drain('Dx\r'), [{ type: 'line', line: 'axb' }]);
  });

  void it('completes backend names of the pool given', () => {
    assert.deepEqual(complete('backend weight web ', STATUS), { insert: '', candidates: ['a', 'b'] });
    assert.deepEqual(complete('pool policy web least-c', STATUS), { insert: 'onn', candidates: [] });
    assert.deepEqual(complete('backend remove web a --f', STATUS), { insert: 'orce ', candidates: [] });
  });
});

void describe('SSH console on a running balancer', () => {
  void it('drains a backend of a real balancer from its config\'s admin section', { timeout: TIMEOUT }, async () => {
    const key = tempFile('ssh_host_ed25519_key', hostKey.private);
    const text = `listeners:
  front: { bind: "127.0.0.1:0", pool: web }
pools:
  web:
    backends:
      - { host: 127.0.0.1, port: 9, name: a }
      - { host: 127.0.0.1, port: 10, name: b }
admin:
  users:
    - { name: ops, access: full, sshKeys: ["${opsKey.public}"] }
  ssh: { bind: "127.0.0.1:0", hostKey: "${key.path}" }
`;
    const read = readConfigText(text, 'switchyard.yaml');
    const lb = new Balancer(read.config);
    await lb.start();
    const control = new BalancerControl(lb, { input: read.input, version: '0.0.0-test', metrics: () => Promise.resolve('') });
    const admin = read.config.admin;
    assert.ok(admin);
    const server = await startSshConsole({ spec: admin, control, logger: createLogger({ level: 'silent', pretty: false }) });
    try {
      const [drain, status] = await session(server.port, 'ops', async (c) => [await exec(c, 'backend drain web b'), await exec(c, 'status')]);
      assert.equal(drain.code, 0, drain.stderr);
      assert.match(drain.stdout, /web\/b/);
      assert.match(status.stdout, /\n\s+b\s+127\.0\.0\.1:10\s+drain\s/);
      assert.equal(control.status().pools[0]?.backends[1]?.adminState, 'drain');
    } finally {
      await server.close();
      await lb.stop();
      key.remove();
    }
  });
});
