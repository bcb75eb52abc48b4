/** Watching the config file: a change is reloaded once it holds still; nothing else is. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync, mkdirSync, rmSync, renameSync, unlinkSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Balancer } from '../../src/runtime/balancer.js';
import { BalancerControl, readConfigText } from '../../src/runtime/control.js';
import { watchConfigFile, type ConfigWatch } from '../../src/runtime/config-watch.js';
import type { ChangeResult } from '../../src/admin/control-plane.js';
import { statusText } from '../../src/admin/result-text.js';
import { exchange, nameServer, waitFor, type TestServer } from '../helpers/net.js';


interface Watched {
  lb: Balancer;
  control: BalancerControl;
  file: string;
  port: () => number;
  servers: TestServer[];
  reloads: ChangeResult[];
  refusals: string[];
  unreadable: string[];
  /** Waits `n` polling intervals. */
  intervals(n: number): Promise<void>;
  done(): Promise<void>;
}

function yaml(ports: readonly number[], extra = ''): string {
  return `# the front door
listeners:
  front: { bind: "127.0.0.1:0", pool: web }
pools:
  web:
    backends: [${ports.map((p) => `"127.0.0.1:${p}"`).join(', ')}]
${extra}`;
}

async function setup(persist = false, intervalMs = 25, readText?: (file: string) => Promise<string>): Promise<Watched> {
  const servers = [await nameServer('a'), await nameServer('b')];
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-watch-'));
  const file = join(dir, 'switchyard.yaml');
  writeFileSync(file, yaml([servers[0]?.port ?? 0], `admin:\n  persist: ${persist}\n`));
  const text = readFileSync(file, 'utf8');
  const read = readConfigText(text, file);
  const lb = new Balancer(read.config);
  await lb.start();
  const control = new BalancerControl(lb, { input: read.input, file, text, watchIntervalMs: intervalMs, version: '0.0.0-test', metrics: () => Promise.resolve('') });
  const reloads: ChangeResult[] = [];
  const refusals: string[] = [];
  const unreadable: string[] = [];
  const watch: ConfigWatch = watchConfigFile({
    file,
    intervalMs,
    reloadIfNew: (text) => control.reloadIfNew(text),
    onReloaded: (r) => reloads.push(r),
    onRefused: (err) => refusals.push(err instanceof Error ? err.message : String(err)),
    onUnreadable: (reason) => unreadable.push(reason),
    ...(readText ? { read: readText } : {}),
  });
  return {
    lb,
    control,
    file,
    port: () => lb.addresses('front')[0]?.port ?? 0,
    servers,
    reloads,
    refusals,
    unreadable,
    intervals: (n) => new Promise((r) => setTimeout(r, n * intervalMs)),
    done: async () => {
      watch.close();
      await lb.stop();
      for (const s of servers) await s.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function backendsOf(lb: Balancer): string[] {
  return lb.snapshot().pools.find((p) => p.name === 'web')?.backends.map((b) => b.name) ?? [];
}

void test('the status tells that the file is watched and how often', async () => {
  const s = await setup(false, 250);
  try {
    const status = s.control.status();
    assert.equal(status.configWatchMs, 250);
    assert.match(statusText(status), /^config: .*switchyard\.yaml \(watched for changes every 250ms\)$/m);
    const unwatched = new BalancerControl(s.lb, { input: {}, file: s.file, version: '0', metrics: () => Promise.resolve('') }).status();
    assert.equal(unwatched.configWatchMs, null);
    assert.match(statusText(unwatched), /^config: .*switchyard\.yaml$/m);
  } finally {
    await s.done();
  }
});

void test('an edit of the file is reloaded live; a touch or the same text again reloads nothing', async () => {
  const s = await setup();
  try {
    const [a, b] = s.servers as [TestServer, TestServer];
    await s.intervals(4);
    assert.equal(s.reloads.length, 0, 'the file as started is not reloaded');
    writeFileSync(s.file, yaml([b.port], 'admin:\n  persist: false\n'));
    await waitFor(() => s.reloads.length === 1, 5000, 'the reload');
    assert.deepEqual(s.reloads[0]?.changes.map((c) => `${c.kind} ${c.name}`).sort(), [`add web/127.0.0.1:${b.port}`, `remove web/127.0.0.1:${a.port}`]);
    assert.deepEqual(backendsOf(s.lb), [`127.0.0.1:${b.port}`]);
    assert.equal(await exchange(s.port()), 'b');
    // The same bytes written again, and a new modification time: nothing to load.
    writeFileSync(s.file, readFileSync(s.file));
    const later = new Date(Date.now() + 5000);
    utimesSync(s.file, later, later);
    await s.intervals(6);
    assert.equal(s.reloads.length, 1);
    assert.deepEqual(s.refusals, []);
  } finally {
    await s.done();
  }
});

void test('a file still being written is not loaded until it holds still for one interval', async () => {
  const s = await setup(false, 50);
  try {
    const [, b] = s.servers as [TestServer, TestServer];
    // A slow writer: the file grows a few bytes every 5 ms for about 300 ms; each state but
    // the last is a broken config.
    const full = yaml([b.port]);
    const steps = 60;
    for (let i = 1; i <= steps; i++) {
      writeFileSync(s.file, full.slice(0, Math.floor((full.length * i) / (steps + 1))));
      await new Promise((r) => setTimeout(r, 5));
    }
    writeFileSync(s.file, full);
    await waitFor(() => s.reloads.length === 1, 5000, 'the reload of the whole file');
    assert.deepEqual(s.refusals, [], 'no partial file was loaded');
    assert.equal(await exchange(s.port()), 'b');
  } finally {
    await s.done();
  }
});

void test('a file written to while it is read is read again once it settles', async () => {
  let sneak: (() => void) | undefined;
  // The read returns what the file held, and a writer gets in before the status is checked again.
  const read = async (file: string): Promise<string> => {
    const text = readFileSync(file, 'utf8');
    sneak?.();
    sneak = undefined;
    return Promise.resolve(text);
  };
  const s = await setup(false, 25, read);
  try {
    const [a, b] = s.servers as [TestServer, TestServer];
    await s.intervals(4);
    sneak = () => writeFileSync(s.file, yaml([a.port, b.port]));
    writeFileSync(s.file, yaml([b.port]).replace('pool: web', 'pool: nowhere'));
    await waitFor(() => s.reloads.length === 1, 5000, 'the reload');
    assert.deepEqual(s.refusals, [], 'the text read before the second write was not loaded');
    assert.deepEqual(backendsOf(s.lb), [`127.0.0.1:${a.port}`, `127.0.0.1:${b.port}`]);
  } finally {
    await s.done();
  }
});

void test('a broken file is refused once and the running configuration keeps serving; the fixed file is then loaded', async () => {
  const s = await setup();
  try {
    const [a, b] = s.servers as [TestServer, TestServer];
    writeFileSync(s.file, yaml([a.port]).replace('pool: web', 'pool: nowhere'));
    await waitFor(() => s.refusals.length === 1, 5000, 'the refusal');
    assert.match(s.refusals[0] ?? '', /listeners\.front\.pool/);
    const later = new Date(Date.now() + 5000);
    utimesSync(s.file, later, later);
    await s.intervals(6);
    assert.equal(s.refusals.length, 1, 'the same broken text is not tried again, touched or not');
    assert.equal(s.reloads.length, 0);
    assert.equal(await exchange(s.port()), 'a', 'still serving the running configuration');
    writeFileSync(s.file, yaml([a.port, b.port]));
    await waitFor(() => s.reloads.length === 1, 5000, 'the reload of the fixed file');
    assert.deepEqual(backendsOf(s.lb), [`127.0.0.1:${a.port}`, `127.0.0.1:${b.port}`]);
    // Broken again with the same text as before: refused again, since a good file came between.
    writeFileSync(s.file, yaml([a.port]).replace('pool: web', 'pool: nowhere'));
    await waitFor(() => s.refusals.length === 2, 5000, 'the second refusal');
    assert.equal(s.reloads.length, 1);
  } finally {
    await s.done();
  }
});

void test('a file replaced by a rename is loaded; a file that goes missing is reported once and watched on', async () => {
  const s = await setup();
  try {
    const [a, b] = s.servers as [TestServer, TestServer];
    const tmp = `${s.file}.new`;
    writeFileSync(tmp, yaml([b.port]));
    renameSync(tmp, s.file);
    await waitFor(() => s.reloads.length === 1, 5000, 'the reload after the rename');
    assert.equal(await exchange(s.port()), 'b');
    unlinkSync(s.file);
    await waitFor(() => s.unreadable.length === 1, 5000, 'the missing file noticed');
    assert.deepEqual(s.unreadable, ['ENOENT']);
    await s.intervals(6);
    assert.equal(s.unreadable.length, 1, 'reported once');
    assert.equal(await exchange(s.port()), 'b', 'still serving');
    writeFileSync(s.file, yaml([a.port]));
    await waitFor(() => s.reloads.length === 2, 5000, 'the reload of the file put back');
    assert.equal(await exchange(s.port()), 'a');
    // A directory in its place can be looked at but not read: reported once too.
    unlinkSync(s.file);
    mkdirSync(s.file);
    await waitFor(() => s.unreadable.at(-1) === 'EISDIR', 5000, 'the directory noticed');
    await s.intervals(6);
    assert.deepEqual(s.unreadable.filter((r) => r === 'EISDIR'), ['EISDIR'], 'reported once');
    assert.equal(await exchange(s.port()), 'a', 'still serving');
    assert.deepEqual(s.refusals, []);
  } finally {
    await s.done();
  }
});

void test("the balancer's own write-back reloads nothing, and an edit it met is loaded with it", async () => {
  // A longer interval, so that the persisted change lands while the edit waits to settle.
  const s = await setup(true, 150);
  try {
    const [a, b] = s.servers as [TestServer, TestServer];
    const r = await s.control.setWeight('web', `127.0.0.1:${a.port}`, 3);
    assert.equal(r.persisted, true);
    assert.match(readFileSync(s.file, 'utf8'), /weight: 3/);
    await s.intervals(4);
    assert.equal(s.reloads.length, 0, 'the persisted change is what runs already');
    // Someone edits the file, and a persisted change lands before the watch looked at it.
    const edited = readFileSync(s.file, 'utf8').replace('# the front door', '# the front door\n# edited by hand');
    writeFileSync(s.file, edited.replace('persist: true', 'persist: true\ntimeouts:\n  drain: 3s'));
    await s.control.addBackend('web', `127.0.0.1:${b.port}`);
    await waitFor(() => s.reloads.length === 1, 5000, 'the file with both changes loaded');
    assert.deepEqual(s.reloads[0]?.changes.map((c) => c.kind), ['change']);
    assert.equal(s.lb.config.drainTimeoutMs, 3000);
    assert.deepEqual(backendsOf(s.lb), [`127.0.0.1:${a.port}`, `127.0.0.1:${b.port}`]);
    const text = readFileSync(s.file, 'utf8');
    assert.match(text, /# edited by hand/);
    assert.match(text, new RegExp(`127\\.0\\.0\\.1:${b.port}`));
  } finally {
    await s.done();
  }
});
