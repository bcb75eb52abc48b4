import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { spawnCli, currentRss, assertBoundedGrowth, type Spawned } from '../helpers/cli.js';
import { tempFile } from '../helpers/files.js';
import { startServer, echoServer, openConnection, nextData, whenClosed, whenEnded, exchange } from '../helpers/net.js';
import { writeFileSync } from 'node:fs';

const MB = 1024 * 1024;

/** Starts `switchyard run` on a temporary config; `ports` maps each active pool to its listener's port. */
async function startCli(yaml: string, listeners = 1, flags: readonly string[] = []): Promise<{ cli: Spawned; port: number; ports: Map<string, number>; file: string; cleanup: () => Promise<void> }> {
  const file = tempFile('switchyard.yaml', yaml);
  const cli = spawnCli(['run', '-c', file.path, ...flags]);
  await cli.waitForOutput(new RegExp(Array(listeners).fill('listening on 127\\.0\\.0\\.1:\\d+').join('[^]*')));
  const ports = new Map<string, number>();
  for (const m of (cli.stdout + cli.stderr).matchAll(/listening on 127\.0\.0\.1:(\d+) → pool ([\w.-]+)/g)) ports.set(m[2] ?? '', Number(m[1]));
  return {
    cli,
    port: [...ports.values()][0] ?? 0,
    ports,
    file: file.path,
    cleanup: async () => {
      if (cli.child.exitCode === null && cli.child.signalCode === null) {
        cli.child.kill('SIGKILL');
        await cli.exited;
      }
      file.remove();
    },
  };
}

void test('200 MB each way pass through the spawned balancer with its memory bounded', async (t) => {
  const total = 200 * MB;
  // Upload: the backend counts what it receives. Download: the backend writes 200 MB with backpressure.
  const sink = await startServer((s) => {
    let n = 0;
    s.on('data', (c: Buffer) => (n += c.length));
    s.on('end', () => s.end(String(n)));
  });
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  const source = await startServer((s) => {
    let sent = 0;
    const pump = (): void => {
      while (sent < total) {
        sent += chunk.length;
        if (!s.write(chunk)) {
          s.once('drain', pump);
          return;
        }
      }
      s.end();
    };
    pump();
  });
  const { cli, ports, cleanup } = await startCli(
    `
listeners:
  up: { bind: "127.0.0.1:0", pool: sink }
  down: { bind: "127.0.0.1:0", pool: source }
pools:
  sink: { backends: ["127.0.0.1:${sink.port}"] }
  source: { backends: ["127.0.0.1:${source.port}"] }
`,
    2,
  );
  try {
    const atStart = await currentRss(cli.child.pid ?? 0);
    const upPort = ports.get('sink') ?? 0;
    const downPort = ports.get('source') ?? 0;

    // Upload 200 MB as fast as the proxy takes it.
    const counted = await new Promise<string>((resolve, reject) => {
      const s = connect({ port: upPort, host: '127.0.0.1' });
      let reply = '';
      s.on('error', reject);
      s.on('data', (c: Buffer) => (reply += c.toString()));
      s.on('end', () => resolve(reply));
      let sent = 0;
      const pump = (): void => {
        while (sent < total) {
          sent += chunk.length;
          if (!s.write(chunk)) {
            s.once('drain', pump);
            return;
          }
        }
        s.end();
      };
      s.on('connect', pump);
    });
    assert.equal(counted, String(total));

    // Download 200 MB with a client that reads slowly at first: the proxy must not buffer what the client has not read.
    const received = await new Promise<number>((resolve, reject) => {
      const s = connect({ port: downPort, host: '127.0.0.1' });
      let n = 0;
      let pauses = 0;
      s.on('error', reject);
      s.on('data', (c: Buffer) => {
        n += c.length;
        if (pauses < 20 && n > (pauses + 1) * 2 * MB) {
          pauses++;
          s.pause();
          setTimeout(() => s.resume(), 20);
        }
      });
      s.on('end', () => resolve(n));
    });
    assert.equal(received, total);
    await assertBoundedGrowth(t, cli.child.pid ?? 0, atStart, 120 * MB, '400 MB moved');
  } finally {
    await cleanup();
    await sink.close();
    await source.close();
  }
});

void test('with --watch, an edit of the config file is applied without a signal; a broken one is refused and logged', async () => {
  // Each answers its name and closes when the client has: a connection stays open at will.
  const named = (name: string): ReturnType<typeof startServer> =>
    startServer((sock) => {
      sock.on('error', () => {});
      sock.on('end', () => sock.end());
      sock.write(name);
    });
  const a = await named('a');
  const b = await named('b');
  const config = (port: number): string => `
listeners:
  l: { bind: "127.0.0.1:0", pool: p }
pools:
  p: { backends: ["127.0.0.1:${port}"] }
timeouts: { drain: 10s }
`;
  const { cli, port, file, cleanup } = await startCli(config(a.port), 1, ['--watch', '--watch-interval', '50ms']);
  try {
    await cli.waitForOutput(/watching .*switchyard\.yaml for changes/);
    assert.equal(await exchange(port), 'a');
    writeFileSync(file, config(b.port).replace('pool: p', 'pool: q'));
    await cli.waitForOutput(/reload of .* refused; the running configuration is kept/);
    assert.match(cli.stdout, /"trigger":"watch".*listeners\.l\.pool/);
    assert.equal(await exchange(port), 'a');
    writeFileSync(file, config(b.port));
    await cli.waitForOutput(/reloaded .*: 1 to add, 0 to change, 1 to remove/);
    assert.equal(await exchange(port), 'b');
    // Draining (a connection is open): the file is no longer watched.
    const open = await openConnection(port);
    assert.equal(await nextData(open), 'b');
    cli.child.kill('SIGTERM');
    await cli.waitForOutput(/draining/);
    const reloadsBefore = cli.stdout.split('"event":"reload').length;
    writeFileSync(file, config(a.port));
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(cli.stdout.split('"event":"reload').length, reloadsBefore, 'nothing reloaded while draining');
    open.end();
    assert.equal((await cli.exited).code, 0);
  } finally {
    await cleanup();
    await a.close();
    await b.close();
  }
});

void test('SIGTERM stops accepting, lets an open connection finish, then exits 0', async () => {
  const echo = await echoServer();
  const { cli, port, cleanup } = await startCli(`
listeners:
  l: { bind: "127.0.0.1:0", pool: p }
pools:
  p: { backends: ["127.0.0.1:${echo.port}"] }
timeouts: { drain: 10s }
`);
  try {
    const c = await openConnection(port);
    c.write('before');
    assert.equal(await nextData(c), 'before');
    cli.child.kill('SIGTERM');
    await cli.waitForOutput(/draining/);
    // New connections are refused while draining.
    await assert.rejects(openConnection(port), /ECONNREFUSED/);
    // The open one still works.
    c.write('during');
    assert.equal(await nextData(c), 'during');
    assert.equal(cli.child.exitCode, null, 'still running while a connection is open');
    c.end();
    await whenClosed(c);
    const { code } = await cli.exited;
    assert.equal(code, 0);
    assert.match(cli.stdout, /stopped/);
  } finally {
    await cleanup();
    await echo.close();
  }
});

void test('after the drain timeout, connections still open are closed and the process exits 0', async () => {
  const echo = await echoServer();
  const { cli, port, cleanup } = await startCli(`
listeners:
  l: { bind: "127.0.0.1:0", pool: p }
pools:
  p: { backends: ["127.0.0.1:${echo.port}"] }
timeouts: { drain: 300ms }
`);
  try {
    const c = await openConnection(port);
    c.write('x');
    assert.equal(await nextData(c), 'x');
    const started = Date.now();
    cli.child.kill('SIGTERM');
    await whenEnded(c);
    const { code } = await cli.exited;
    assert.equal(code, 0);
    assert.ok(Date.now() - started >= 250, 'the open connection had the drain time');
    assert.match(cli.stdout, /drain timeout: closed 1 connection/);
  } finally {
    await cleanup();
    await echo.close();
  }
});

void test('a second signal exits at once without waiting for the drain', async () => {
  const echo = await echoServer();
  const { cli, port, cleanup } = await startCli(`
listeners:
  l: { bind: "127.0.0.1:0", pool: p }
pools:
  p: { backends: ["127.0.0.1:${echo.port}"] }
timeouts: { drain: 60s }
`);
  try {
    const c = await openConnection(port);
    c.write('x');
    assert.equal(await nextData(c), 'x');
    cli.child.kill('SIGTERM');
    await cli.waitForOutput(/draining/);
    cli.child.kill('SIGINT');
    const { code } = await cli.exited;
    assert.equal(code, 1);
    assert.match(cli.stdout, /again: exiting at once/);
    c.destroy();
  } finally {
    await cleanup();
    await echo.close();
  }
});

void test('the spawned balancer logs a backend ejected, probed down, returned and probed up, each with its cause', async () => {
  const a = await echoServer();
  const deadPort = await (async () => {
    const s = await echoServer();
    const p = s.port;
    await s.close();
    return p;
  })();
  const { cli, port, cleanup } = await startCli(`
listeners:
  l: { bind: "127.0.0.1:0", pool: p }
pools:
  p:
    backends: ["127.0.0.1:${a.port}", "127.0.0.1:${deadPort}"]
    health:
      active: { type: tcp, interval: 50ms, rise: 2, fall: 2, timeout: 200ms }
      passive: { consecutiveFailures: 1, baseEjectionTime: 100ms, maxEjectedPercent: 100 }
`);
  let back: Awaited<ReturnType<typeof echoServer>> | undefined;
  try {
    assert.equal(await exchange(port, 'one'), 'one');
    assert.equal(await exchange(port, 'two'), 'two');
    await cli.waitForOutput(/"event":"backend-ejected".*"cause":"1 consecutive [^"]*ECONNREFUSED/);
    await cli.waitForOutput(/"event":"backend-down".*"cause":"2 consecutive probe failures[^"]*connection refused/);
    await cli.waitForOutput(/"event":"backend-returned"/);
    back = await startServer((s) => s.pipe(s), { port: deadPort });
    await cli.waitForOutput(/"event":"backend-up".*"cause":"2 consecutive probe successes/);
  } finally {
    await cleanup();
    await a.close();
    await back?.close();
  }
});
