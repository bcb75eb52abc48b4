/** The control plane on a running balancer: every change is a config edit, validated, applied live, persisted. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Balancer } from '../../src/runtime/balancer.js';
import { BalancerControl, readConfigText } from '../../src/runtime/control.js';
import { exchange, nameServer, type TestServer } from '../helpers/net.js';

interface Setup {
  lb: Balancer;
  control: BalancerControl;
  port: number;
  file: string;
  servers: TestServer[];
  done: () => Promise<void>;
}

/** A balancer started from a YAML file (with comments) through a control plane. */
async function setup(persist: boolean): Promise<Setup> {
  const servers = [await nameServer('a'), await nameServer('b'), await nameServer('c')];
  const [a, b] = servers as [TestServer, TestServer, TestServer];
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-control-'));
  const file = join(dir, 'switchyard.yaml');
  writeFileSync(
    file,
    `# the front door
listeners:
  front: { bind: "127.0.0.1:0", pools: [blue, green] }
pools:
  blue:
    backends:
      - 127.0.0.1:${a.port}   # first
      - { host: 127.0.0.1, port: ${b.port}, name: b }
  green:
    backends: ["127.0.0.1:${b.port}"]
admin:
  persist: ${persist}
`,
  );
  const read = readConfigText(readFileSync(file, 'utf8'), file);
  const lb = new Balancer(read.config);
  await lb.start();
  const control = new BalancerControl(lb, { input: read.input, file, version: '0.0.0-test', metrics: () => Promise.resolve('') });
  return {
    lb,
    control,
    port: lb.addresses('front')[0]?.port ?? 0,
    file,
    servers,
    done: async () => {
      await lb.stop();
      for (const s of servers) await s.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

void test('adding a backend applies live, plans the change and persists it keeping the comments', async () => {
  const s = await setup(true);
  try {
    const c = (s.servers[2] as TestServer).port;
    const r = await s.control.addBackend('blue', `127.0.0.1:${c}`);
    assert.equal(r.persisted, true);
    assert.deepEqual(r.changes.map((x) => `${x.kind} ${x.target} ${x.name}`), [`add backend blue/127.0.0.1:${c}`]);
    const seen = new Set<string>();
    for (let i = 0; i < 6; i++) seen.add(await exchange(s.port));
    assert.deepEqual([...seen].sort(), ['a', 'b', 'c']);
    const text = readFileSync(s.file, 'utf8');
    assert.match(text, /# the front door/);
    assert.match(text, /# first/);
    assert.match(text, new RegExp(`127\\.0\\.0\\.1:${c}`));
    assert.ok(readFileSync(`${s.file}.bak`, 'utf8').includes('# first'), 'the previous file is kept');
    // The file now reads back as the running configuration.
    const again = readConfigText(text, s.file);
    assert.deepEqual(again.config, s.lb.config);
  } finally {
    await s.done();
  }
});

void test('drain, weight, policy and the blue/green switch are edits of the running config', async () => {
  const s = await setup(false);
  try {
    const a = `127.0.0.1:${(s.servers[0] as TestServer).port}`;
    const r = await s.control.setBackendState('blue', a, 'drain', false);
    assert.equal(r.persisted, false);
    assert.match(r.plan, /~ backend blue\//);
    for (let i = 0; i < 3; i++) assert.equal(await exchange(s.port), 'b');
    await s.control.setWeight('blue', 'b', 7);
    await s.control.setPolicy('blue', 'least-conn');
    const pool = s.lb.snapshot().pools.find((p) => p.name === 'blue');
    assert.equal(pool?.policy, 'least-conn');
    assert.deepEqual(pool?.backends.map((b) => [b.adminState, b.weight]), [['drain', 1], ['ready', 7]]);
    const input = s.control.runningConfig() as { pools: { blue: { backends: unknown[] } } };
    assert.deepEqual(input.pools.blue.backends[0], { host: '127.0.0.1', port: (s.servers[0] as TestServer).port, state: 'drain' }, 'a "host:port" item became an object');
    await s.control.setActivePool('front', 'green');
    assert.equal(s.lb.snapshot().listeners[0]?.activePool, 'green');
    await assert.rejects(s.control.setActivePool('front', 'nope'), { code: 'SY_POOL_NOT_ATTACHED' });
  } finally {
    await s.done();
  }
});

void test('taking out the last eligible backend of a pool in use is refused unless forced', async () => {
  const s = await setup(false);
  try {
    const a = `127.0.0.1:${(s.servers[0] as TestServer).port}`;
    await s.control.setBackendState('blue', a, 'maint', false);
    await assert.rejects(s.control.removeBackend('blue', 'b', false), { code: 'SY_CONFLICT', message: /last eligible backend of pool "blue", which listener front sends to/ });
    await assert.rejects(s.control.setBackendState('blue', 'b', 'drain', false), { code: 'SY_CONFLICT' });
    assert.equal(s.lb.snapshot().pools[0]?.backends.length, 2, 'nothing changed');
    await s.control.removeBackend('blue', 'b', true);
    assert.equal(s.lb.snapshot().pools[0]?.backends.length, 1);
  } finally {
    await s.done();
  }
});

void test('a change that makes the config invalid is refused whole with every issue, and nothing changes', async () => {
  const s = await setup(false);
  try {
    const before = s.lb.config;
    await assert.rejects(s.control.deletePool('green'), { code: 'SY_CONFLICT', message: /used by listener front/ });
    await assert.rejects(s.control.addBackend('blue', 'no-port-here'), (err: Error & { code?: string }) => err.code === 'SY_CONFIG_INVALID' && /pools\.blue\.backends\[2\]/.test(err.message));
    await assert.rejects(s.control.setWeight('nope', 'x', 1), { code: 'SY_UNKNOWN_POOL' });
    await assert.rejects(s.control.setWeight('blue', 'x', 1), { code: 'SY_UNKNOWN_BACKEND' });
    assert.equal(s.lb.config, before);
  } finally {
    await s.done();
  }
});

void test('diff plans without changing anything; apply makes the running config equal the file', async () => {
  const s = await setup(false);
  try {
    const text = readFileSync(s.file, 'utf8').replace('pools: [blue, green] }', 'pools: [blue, green], activePool: green }').replace('  green:\n', '  green:\n    policy: random\n');
    const before = s.lb.config;
    const planned = await s.control.diff(text);
    assert.equal(s.lb.config, before);
    assert.match(planned.plan, /~ listener front: activePool blue → green/);
    assert.match(planned.plan, /~ pool green: policy round-robin → random/);
    const applied = await s.control.apply(text);
    assert.deepEqual(applied.changes, planned.changes);
    assert.deepEqual(s.lb.config, readConfigText(text, s.file).config);
    assert.equal(await exchange(s.port), 'b');
    assert.equal((await s.control.diff(text)).changes.length, 0, 'nothing left to do');
  } finally {
    await s.done();
  }
});

void test('reload reads the file again; a broken file is refused and the old config keeps serving', async () => {
  const s = await setup(false);
  try {
    writeFileSync(s.file, readFileSync(s.file, 'utf8').replace('front:', 'front2:'));
    const r = await s.control.reload();
    assert.deepEqual(r.changes.map((c) => `${c.kind} ${c.name}`).sort(), ['add front2', 'remove front']);
    writeFileSync(s.file, 'listeners: { x: { bind: "127.0.0.1:0", pool: missing } }\npools: {}\n');
    await assert.rejects(s.control.reload(), (err: Error & { code?: string }) => err.code === 'SY_CONFIG_INVALID' && /no pool named "missing"/.test(err.message));
    const port = s.lb.addresses('front2')[0]?.port ?? 0;
    assert.ok(['a', 'b'].includes(await exchange(port)));
  } finally {
    await s.done();
  }
});

void test('restarting workers is refused with one process, saying why', async () => {
  const s = await setup(false);
  try {
    await assert.rejects(s.control.restartWorkers(), { code: 'SY_CONFLICT', message: /runs in one process \(workers: 1\)/ });
  } finally {
    await s.done();
  }
});
