import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createBalancer, SwitchyardError, type ConfigIssue } from '../../src/index.js';
import { nameServer, echoServer, exchange, openConnection, nextData, startServer } from '../helpers/net.js';

void test('createBalancer rejects an invalid config with every issue and its path', () => {
  assert.throws(
    () => createBalancer({ listeners: { l: { bind: 'nowhere', pool: 'missing' } }, pools: { p: { backends: ['127.0.0.1:70000'] } } }),
    (err: unknown) => {
      assert.ok(err instanceof SwitchyardError);
      assert.equal(err.code, 'SY_CONFIG_INVALID');
      const issues = err.details?.issues as ConfigIssue[];
      const paths = issues.map((i) => i.path).sort();
      assert.deepEqual(paths, ['listeners.l.bind', 'listeners.l.pool', 'pools.p.backends[0]']);
      return true;
    },
  );
});

void test('start() twice is refused with SY_ALREADY_RUNNING', async () => {
  const b = await nameServer('b');
  const lb = createBalancer({ listeners: { l: { bind: '127.0.0.1:0', pool: 'p' } }, pools: { p: { backends: [`127.0.0.1:${b.port}`] } } });
  await lb.start();
  try {
    await assert.rejects(lb.start(), { code: 'SY_ALREADY_RUNNING' });
  } finally {
    await lb.stop();
    await b.close();
  }
});

void test('switching the active pool sends new connections to it while open ones stay where they are', async () => {
  const blue = await echoServer();
  const green = await nameServer('green');
  const blueName = await nameServer('blue');
  const lb = createBalancer({
    listeners: { l: { bind: '127.0.0.1:0', pools: ['blue', 'green'] } },
    pools: { blue: { backends: [`127.0.0.1:${blueName.port}`, `127.0.0.1:${blue.port}`] }, green: { backends: [`127.0.0.1:${green.port}`] } },
  });
  await lb.start();
  const port = lb.addresses('l')[0]?.port ?? 0;
  try {
    assert.equal(await exchange(port), 'blue');
    const open = await openConnection(port); // the second blue backend: an echo server
    open.write('still blue?');
    assert.equal(await nextData(open), 'still blue?');
    lb.setActivePool('l', 'green');
    assert.equal(lb.snapshot().listeners[0]?.activePool, 'green');
    for (let i = 0; i < 3; i++) assert.equal(await exchange(port), 'green');
    open.write('yes');
    assert.equal(await nextData(open), 'yes', 'the open connection was not touched');
    open.destroy();
    assert.throws(() => lb.setActivePool('l', 'red'), { code: 'SY_POOL_NOT_ATTACHED' });
    assert.throws(() => lb.setActivePool('nope', 'green'), { code: 'SY_UNKNOWN_LISTENER' });
  } finally {
    await lb.stop();
    await Promise.all([blue.close(), green.close(), blueName.close()]);
  }
});

void test('the snapshot shows listeners, pools and backends with their state and totals', async () => {
  const b = await nameServer('b');
  const lb = createBalancer({
    listeners: { web: { bind: '127.0.0.1:0', pool: 'app' } },
    pools: { app: { policy: 'least-conn', backends: [{ host: '127.0.0.1', port: b.port, name: 'one', weight: 3 }] } },
  });
  assert.equal(lb.snapshot().state, 'new');
  await lb.start();
  const port = lb.addresses('web')[0]?.port ?? 0;
  await exchange(port);
  const s = lb.snapshot();
  assert.equal(s.state, 'running');
  assert.equal(s.listeners[0]?.name, 'web');
  assert.equal(s.listeners[0]?.acceptedConnections, 1);
  assert.deepEqual(s.listeners[0]?.addresses, [{ address: '127.0.0.1', port, family: 'IPv4' }]);
  const backend = s.pools[0]?.backends[0];
  assert.equal(s.pools[0]?.policy, 'least-conn');
  assert.equal(backend?.id, 'app/one');
  assert.equal(backend?.address, `127.0.0.1:${b.port}`);
  assert.equal(backend?.weight, 3);
  assert.equal(backend?.health, 'up');
  assert.equal(backend?.adminState, 'ready');
  assert.equal(backend?.totals.connections, 1);
  await lb.stop();
  assert.equal(lb.snapshot().state, 'stopped');
  await b.close();
});

void test('host names resolve once at start, and a name that does not resolve fails start naming the backend', async () => {
  const b = await nameServer('by-name');
  const looked: string[] = [];
  const lookup = (host: string): Promise<{ address: string }> => {
    looked.push(host);
    return host === 'app.test' ? Promise.resolve({ address: '127.0.0.1' }) : Promise.reject(Object.assign(new Error('not found'), { code: 'ENOTFOUND' }));
  };
  const good = createBalancer({ listeners: { l: { bind: '127.0.0.1:0', pool: 'p' } }, pools: { p: { backends: [`app.test:${b.port}`] } } }, { lookup });
  await good.start();
  try {
    const port = good.addresses('l')[0]?.port ?? 0;
    assert.equal(await exchange(port), 'by-name');
    assert.equal(await exchange(port), 'by-name');
    assert.deepEqual(looked, ['app.test'], 'resolved once, not per connection');
  } finally {
    await good.stop();
  }
  const bad = createBalancer({ listeners: { l: { bind: '127.0.0.1:0', pool: 'p' } }, pools: { p: { backends: [{ host: 'gone.test', port: 1, name: 'db' }] } } }, { lookup });
  await assert.rejects(bad.start(), (err: SwitchyardError) => {
    assert.equal(err.code, 'SY_CONFIG_RESOLVE');
    assert.equal(err.message, 'pool "p", backend "db": cannot resolve host "gone.test" (ENOTFOUND)');
    return true;
  });
  assert.equal(bad.snapshot().listeners[0]?.addresses.length, 0, 'nothing left listening');
  await b.close();
});

void test('with resolve: per-connection the host name is passed to each connect', async () => {
  // "localhost" resolves through /etc/hosts, to 127.0.0.1 or ::1: listen on both.
  const v4 = await nameServer('v4');
  const v6 = await startServer((s) => s.end('v6'), { port: v4.port, host: '::1' }).catch(() => undefined);
  const lb = createBalancer({ listeners: { l: { bind: '127.0.0.1:0', pool: 'p' } }, pools: { p: { backends: [`localhost:${v4.port}`] } }, resolve: 'per-connection' });
  await lb.start();
  try {
    const port = lb.addresses('l')[0]?.port ?? 0;
    assert.match(await exchange(port), /^v[46]$/);
  } finally {
    await lb.stop();
    await v4.close();
    await v6?.close();
  }
});
