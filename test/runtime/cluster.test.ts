import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { spawnCli, type Spawned } from '../helpers/cli.js';
import { tempFile } from '../helpers/files.js';
import { namedHttpBackend, type HttpBackend } from '../helpers/http.js';
import { echoServer, openConnection, nextData, type TestServer } from '../helpers/net.js';
import { HttpLoad, formatCounts } from './cluster-load.js';

interface WorkerRow {
  readonly id: number;
  readonly pid: number;
  readonly state: string;
  readonly connections: number;
  readonly acceptedConnections: number;
  readonly requests: number;
  readonly configSeq: number;
}

interface Status {
  readonly listeners: readonly { readonly name: string; readonly acceptedConnections: number; readonly requests?: { readonly requests: number } }[];
  readonly pools: readonly { readonly name: string; readonly backends: readonly { readonly name: string; readonly weight: number }[] }[];
  readonly workers: readonly WorkerRow[];
  readonly workerCrashes: number;
  readonly configWatchMs: number | null;
}

interface Running {
  readonly cli: Spawned;
  readonly file: string;
  /** Listener ports by active pool. */
  readonly ports: Map<string, number>;
  status(): Promise<Status>;
  /** SIGTERM; resolves with the exit code. */
  stop(): Promise<number | null>;
  cleanup(): Promise<void>;
}

function getJson(url: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = request(url, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => {
        try {
          resolve(JSON.parse(body));
        } catch (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
        }
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** Starts `switchyard run` with workers on `yaml` and waits until the workers serve and the admin API answers. */
async function startCluster(yaml: string, listeners: number, flags: readonly string[] = []): Promise<Running> {
  const file = tempFile('switchyard.yaml', yaml);
  const cli = spawnCli(['run', '-c', file.path, ...flags]);
  const admin = await cli.waitForOutput(/admin API and dashboard on (http:\/\/127\.0\.0\.1:\d+)\//, 20_000);
  const ports = new Map<string, number>();
  for (const m of (cli.stdout + cli.stderr).matchAll(/listening on 127\.0\.0\.1:(\d+) → pool ([\w.-]+)/g)) ports.set(m[2] ?? '', Number(m[1]));
  assert.equal(ports.size, listeners, `listener ports: ${cli.stdout}`);
  const base = admin[1] ?? '';
  return {
    cli,
    file: file.path,
    ports,
    status: async () => ((await getJson(`${base}/api/v1/status`)) as { result: Status }).result,
    stop: async () => {
      cli.child.kill('SIGTERM');
      return (await cli.exited).code;
    },
    cleanup: async () => {
      if (cli.child.exitCode === null && cli.child.signalCode === null) {
        cli.child.kill('SIGKILL');
        await cli.exited;
      }
      file.remove();
    },
  };
}

/** Polls the status until `cond` holds (every 100 ms, at most `ms`). */
async function statusUntil(run: Running, cond: (s: Status) => boolean, what: string, ms = 10_000): Promise<Status> {
  const until = Date.now() + ms;
  for (;;) {
    const s = await run.status();
    if (cond(s)) return s;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}; status: ${JSON.stringify({ workers: s.workers, crashes: s.workerCrashes, listeners: s.listeners })}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function count(text: string, re: RegExp): number {
  return [...text.matchAll(re)].length;
}

function get200(port: number, close: boolean): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', agent: false, headers: close ? { connection: 'close' } : {} }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

const httpConfig = (port: number, extra = ''): string => `
workers: 2
timeouts: { drain: 2s }
admin: { bind: "127.0.0.1:0" }
listeners:
  web: { protocol: http, bind: "127.0.0.1:0", pool: web }
pools:
  web: { backends: ["127.0.0.1:${port}"] }
${extra}`;

void test('two workers both serve and the status sums their requests exactly', { timeout: 60_000 }, async (t) => {
  const backend = await namedHttpBackend('a');
  const run = await startCluster(httpConfig(backend.port), 1);
  try {
    const port = run.ports.get('web') ?? 0;
    // 200 requests, each on a new connection, 4 at a time: the kernel spreads the connections over the workers.
    const statuses: number[] = [];
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let i = 0; i < 50; i++) statuses.push(await get200(port, true));
      }),
    );
    assert.equal(statuses.filter((s) => s === 200).length, 200);
    const s = await statusUntil(run, (x) => x.listeners[0]?.requests?.requests === 200, '200 requests in the status');
    t.diagnostic(`per worker: ${s.workers.map((w) => `pid ${w.pid}: ${w.acceptedConnections} connections, ${w.requests} requests`).join('; ')}`);
    assert.equal(s.workers.length, 2);
    assert.equal(new Set(s.workers.map((w) => w.pid)).size, 2);
    assert.ok(s.workers.every((w) => w.acceptedConnections > 0), 'every worker accepted connections');
    assert.equal(s.workers.reduce((n, w) => n + w.requests, 0), 200);
    assert.equal(s.listeners[0]?.acceptedConnections, 200);
    // Later reports do not add anything again.
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal((await run.status()).listeners[0]?.requests?.requests, 200);
    assert.equal(await run.stop(), 0);
    assert.equal(count(run.cli.stdout, /worker \d+ \(pid \d+\) exited \(exit code 0\)/g), 2);
  } finally {
    await run.cleanup();
    await backend.close();
  }
});

void test('a killed worker is logged with its signal and replaced by a new process', { timeout: 60_000 }, async () => {
  const backend = await namedHttpBackend('a');
  const run = await startCluster(httpConfig(backend.port), 1);
  try {
    const before = await statusUntil(run, (x) => x.workers.length === 2, 'two workers');
    const victim = before.workers[0] as WorkerRow;
    process.kill(victim.pid, 'SIGKILL');
    await run.cli.waitForOutput(new RegExp(`worker ${victim.id} \\(pid ${victim.pid}\\) exited unexpectedly \\(signal SIGKILL\\)`));
    const after = await statusUntil(run, (x) => x.workers.length === 2 && x.workers.every((w) => w.state === 'serving' && w.pid !== victim.pid), 'a replacement worker');
    assert.equal(after.workerCrashes, 1);
    assert.ok(after.workers.some((w) => !before.workers.some((b) => b.pid === w.pid)), 'a new PID');
    assert.equal(await get200(run.ports.get('web') ?? 0, true), 200);
    assert.equal(await run.stop(), 0);
  } finally {
    await run.cleanup();
    await backend.close();
  }
});

void test('with --watch the primary watches the file and every worker takes the change', { timeout: 60_000 }, async () => {
  const a = await namedHttpBackend('a');
  const b = await namedHttpBackend('b');
  const run = await startCluster(httpConfig(a.port), 1, ['--watch', '--watch-interval', '50ms']);
  try {
    const before = await statusUntil(run, (x) => x.workers.length === 2 && x.workers.every((w) => w.configSeq === 0), 'two workers on configuration 0');
    assert.equal(before.configWatchMs, 50);
    writeFileSync(run.file, httpConfig(b.port));
    await run.cli.waitForOutput(/reloaded .*: 1 to add, 0 to change, 1 to remove/);
    assert.deepEqual((await run.status()).workers.map((w) => w.configSeq), [1, 1]);
    const port = run.ports.get('web') ?? 0;
    for (let i = 0; i < 10; i++) assert.equal(await get200(port, true), 200);
    assert.equal(b.requests.length, 10);
    assert.equal(a.requests.length, 0);
    assert.equal(await run.stop(), 0);
  } finally {
    await run.cleanup();
    await a.close();
    await b.close();
  }
});

void test('a reload of an invalid file is refused and every worker keeps the running configuration', { timeout: 60_000 }, async () => {
  const a = await namedHttpBackend('a');
  const b = await namedHttpBackend('b');
  const run = await startCluster(httpConfig(a.port), 1);
  try {
    await statusUntil(run, (x) => x.workers.length === 2 && x.workers.every((w) => w.configSeq === 0), 'two workers on configuration 0');
    writeFileSync(run.file, httpConfig(b.port).replace('pool: web', 'pool: nowhere'));
    run.cli.child.kill('SIGHUP');
    await run.cli.waitForOutput(/reload of .* refused; the running configuration is kept/);
    const s = await run.status();
    assert.deepEqual(s.workers.map((w) => w.configSeq), [0, 0]);
    assert.deepEqual(s.pools.find((p) => p.name === 'web')?.backends.map((x) => x.name), [`127.0.0.1:${a.port}`]);
    const port = run.ports.get('web') ?? 0;
    for (let i = 0; i < 20; i++) assert.equal(await get200(port, true), 200);
    assert.equal(b.requests.length, 0, 'nothing reached the backend of the refused file');
    assert.equal(a.requests.length, 20);
    // The same path works with a valid file: every worker takes it.
    writeFileSync(run.file, httpConfig(b.port));
    run.cli.child.kill('SIGHUP');
    await run.cli.waitForOutput(/reloaded .*: 1 to add, 0 to change, 1 to remove/);
    assert.deepEqual((await run.status()).workers.map((w) => w.configSeq), [1, 1]);
    assert.equal(await get200(port, true), 200);
    assert.equal(b.requests.length, 1);
    assert.equal(await run.stop(), 0);
  } finally {
    await run.cleanup();
    await a.close();
    await b.close();
  }
});

void test('a change a worker cannot apply is refused naming the workers, and every worker goes back to the running configuration', { timeout: 60_000 }, async () => {
  const a = await namedHttpBackend('a');
  const b = await namedHttpBackend('b');
  const run = await startCluster(httpConfig(a.port), 1);
  try {
    // Valid, and the address is free, but no worker can open the access log.
    writeFileSync(run.file, httpConfig(b.port).replace('pool: web }', 'pool: web, http: { accessLog: json, accessLogFile: /nonexistent/dir/access.log } }'));
    run.cli.child.kill('SIGHUP');
    await run.cli.waitForOutput(/reload of .* refused; the running configuration is kept/);
    const line = run.cli.stdout.split('\n').find((l) => l.includes('"reload-refused"')) ?? '';
    assert.match(line, /worker 1 \(pid \d+\): listener \\"web\\": cannot open access log/);
    assert.match(line, /worker 2 \(pid \d+\): listener \\"web\\": cannot open access log/);
    // Configuration 1 failed; configuration 2 is the running one, sent again.
    const s = await run.status();
    assert.deepEqual(s.workers.map((w) => w.configSeq), [2, 2]);
    assert.deepEqual(s.pools.find((p) => p.name === 'web')?.backends.map((x) => x.name), [`127.0.0.1:${a.port}`]);
    const port = run.ports.get('web') ?? 0;
    for (let i = 0; i < 10; i++) assert.equal(await get200(port, true), 200);
    assert.equal(a.requests.length, 10);
    assert.equal(b.requests.length, 0);
    assert.equal(await run.stop(), 0);
  } finally {
    await run.cleanup();
    await a.close();
    await b.close();
  }
});

// ---- end to end: reloads, a rolling restart and a killed worker under continuous load ----

async function wsEchoBackend(): Promise<{ port: number; close(): Promise<void> }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  wss.on('connection', (ws) => {
    ws.on('error', () => {});
    ws.on('message', (data: Buffer, isBinary: boolean) => ws.send(data, { binary: isBinary }));
  });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  return {
    port: (wss.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => resolve());
      }),
  };
}

function openWs(port: number): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
    ws.once('open', () => {
      ws.removeListener('error', reject);
      ws.on('error', () => {});
      resolve(ws);
    });
    ws.once('error', reject);
  });
}

function wsEcho(ws: WebSocket, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no WebSocket echo within 5 s')), 5000);
    ws.once('message', (data: Buffer) => {
      clearTimeout(timer);
      resolve(data.toString());
    });
    ws.send(text);
  });
}

async function tunnelEcho(s: Socket, text: string): Promise<string> {
  const reply = nextData(s);
  s.write(text);
  return reply;
}

interface E2eBackends {
  readonly web: HttpBackend[];
  readonly ws: { port: number; close(): Promise<void> };
  readonly echo: TestServer[];
}

/** The configuration of step `i`: pools and backends change at every step, the listeners stay. */
function e2eConfig(b: E2eBackends, i: number): string {
  const [wa, wb, wc] = b.web.map((x) => x.port);
  const [e1, e2] = b.echo.map((x) => x.port);
  const web = [`{ host: 127.0.0.1, port: ${wa ?? 0}, weight: ${1 + (i % 3)} }`, `"127.0.0.1:${wb ?? 0}"`, ...(i % 2 === 1 ? [`"127.0.0.1:${wc ?? 0}"`] : [])];
  const echo = [`"127.0.0.1:${e1 ?? 0}"`, ...(i % 2 === 0 ? [`"127.0.0.1:${e2 ?? 0}"`] : [])];
  return `
workers: 2
timeouts: { drain: 2s }
admin: { bind: "127.0.0.1:0" }
listeners:
  web:
    protocol: http
    bind: "127.0.0.1:0"
    pool: web
    routes: [{ pathPrefix: /ws, pool: ws }]
  tunnel: { bind: "127.0.0.1:0", pool: echo }
pools:
  web: { policy: ${i % 4 === 3 ? 'least-conn' : 'weighted-round-robin'}, backends: [${web.join(', ')}] }
  ws: { backends: ["127.0.0.1:${b.ws.port}"] }
  echo: { backends: [${echo.join(', ')}] }
${i % 3 === 1 ? `  spare: { backends: ["127.0.0.1:${wc ?? 0}"] }\n` : ''}`;
}

void test('under continuous load, 10 reloads, a rolling restart and a killed worker fail no request but those on the killed worker', { timeout: 120_000 }, async (t) => {
  const backends: E2eBackends = {
    web: await Promise.all(['a', 'b', 'c'].map((n) => namedHttpBackend(n))),
    ws: await wsEchoBackend(),
    echo: [await echoServer(), await echoServer()],
  };
  const run = await startCluster(e2eConfig(backends, 0), 2);
  let load: HttpLoad | undefined;
  const closers: (() => void)[] = [];
  try {
    const web = run.ports.get('web') ?? 0;
    const tcp = run.ports.get('echo') ?? 0;
    const ws = await openWs(web);
    const tunnel = await openConnection(tcp);
    closers.push(() => ws.terminate(), () => tunnel.destroy());
    assert.equal(await wsEcho(ws, 'ws before'), 'ws before');
    assert.equal(await tunnelEcho(tunnel, 'tcp before'), 'tcp before');

    const loadStart = Date.now();
    load = new HttpLoad({ port: web, keepAliveClients: 2, newConnectionClients: 2, pauseMs: 2, maxRequests: 200_000, maxMs: 90_000 }, 'reloads');
    for (let i = 1; i <= 10; i++) {
      writeFileSync(run.file, e2eConfig(backends, i));
      run.cli.child.kill('SIGHUP');
      await waitForCount(run.cli, /reloaded .*: \d+ to add/g, i);
      await new Promise((r) => setTimeout(r, 150));
    }
    const afterReloads = await run.status();
    assert.deepEqual(afterReloads.workers.map((w) => w.configSeq), [10, 10], 'every worker applied the 10 reloads');
    assert.deepEqual(afterReloads.pools.find((p) => p.name === 'web')?.backends.map((x) => x.weight), [2, 1]);
    assert.equal(await wsEcho(ws, 'ws after reloads'), 'ws after reloads');
    assert.equal(await tunnelEcho(tunnel, 'tcp after reloads'), 'tcp after reloads');

    // Rolling restart: the WebSocket and the tunnel live on an old worker, which keeps them until the drain timeout (2 s).
    load.phase('rolling restart');
    const restartAt = Date.now();
    t.diagnostic(`rolling restart starts at ${restartAt - loadStart} ms of load`);
    const oldClosed = Promise.all([closedAt(ws, 'close'), closedAt(tunnel, 'end', 'close')]);
    run.cli.child.kill('SIGUSR2');
    await run.cli.waitForOutput(/workers restarted: pids/, 20_000);
    const [wsClosedAt, tunnelClosedAt] = await oldClosed;
    t.diagnostic(`rolling restart: the WebSocket closed after ${wsClosedAt - restartAt} ms, the tunnel after ${tunnelClosedAt - restartAt} ms`);
    assert.ok(wsClosedAt - restartAt >= 1500 && tunnelClosedAt - restartAt >= 1500, 'long-lived connections were kept until the drain timeout');
    const restarted = await run.status();
    assert.ok(restarted.workers.every((w) => !afterReloads.workers.some((o) => o.pid === w.pid)), 'every worker was replaced');
    const ws2 = await openWs(web);
    const tunnel2 = await openConnection(tcp);
    closers.push(() => ws2.terminate(), () => tunnel2.destroy());
    assert.equal(await wsEcho(ws2, 'ws after restart'), 'ws after restart');
    assert.equal(await tunnelEcho(tunnel2, 'tcp after restart'), 'tcp after restart');

    // A killed worker: only the connections it held may fail.
    await new Promise((r) => setTimeout(r, 1200));
    const beforeKill = await run.status();
    const victim = beforeKill.workers[0] as WorkerRow;
    load.phase('kill');
    // Requests counted in the restart phase end first (they take milliseconds): a failure at the kill counts here.
    await new Promise((r) => setTimeout(r, 300));
    // The client connections the worker holds at the kill (from /proc, read just before it; else its last report).
    const held = connectionsHeld(victim.pid, web) ?? victim.connections;
    process.kill(victim.pid, 'SIGKILL');
    await statusUntil(run, (x) => x.workers.length === 2 && x.workers.every((w) => w.state === 'serving' && w.pid !== victim.pid), 'a replacement worker');
    load.phase('after the kill');
    await new Promise((r) => setTimeout(r, 1000));
    await load.stop();
    const counts = load.counts();
    t.diagnostic(`requests: ${formatCounts(counts)}; the killed worker held ${held} HTTP connection(s)`);
    if ((counts.get('rolling restart')?.failed ?? 0) > 0) t.diagnostic(run.cli.stdout.split('\n').filter((l) => /worker|SIGUSR2|restart/.test(l)).map((l) => l.slice(0, 300)).join('\n'));
    const phase = (name: string): { sent: number; answered: number; failed: number } => counts.get(name) ?? { sent: 0, answered: 0, failed: 0 };
    assert.ok(phase('reloads').sent > 100, 'load ran through the reloads');
    assert.equal(phase('reloads').failed, 0);
    assert.equal(phase('rolling restart').failed, 0);
    // Requests on the killed worker's connections fail, or are sent again when the connection was a reused keep-alive one.
    const hit = (counts.get('kill')?.failed ?? 0) + (counts.get('kill')?.retried ?? 0);
    assert.ok(hit <= held, `${hit} requests failed or were retried, more than the ${held} connections of the killed worker`);
    assert.equal(phase('after the kill').failed, 0);
    for (const c of counts.values()) assert.equal(c.answered + c.failed, c.sent);
    assert.equal(await run.stop(), 0);
  } finally {
    await load?.stop();
    for (const c of closers) c();
    await run.cleanup();
    await Promise.all([...backends.web.map((x) => x.close()), backends.ws.close(), ...backends.echo.map((x) => x.close())]);
  }
});

/** How many established TCP connections on local `port` process `pid` holds (Linux /proc), or undefined. */
function connectionsHeld(pid: number, port: number): number | undefined {
  try {
    const inodes = new Set<string>();
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m?.[1] !== undefined) inodes.add(m[1]);
    }
    let n = 0;
    for (const table of ['tcp', 'tcp6']) {
      for (const line of readFileSync(`/proc/${pid}/net/${table}`, 'utf8').split('\n').slice(1)) {
        const f = line.trim().split(/\s+/);
        const local = f[1]?.split(':')[1];
        if (local !== undefined && parseInt(local, 16) === port && f[3] === '01' && inodes.has(f[9] ?? '')) n++;
      }
    }
    return n;
  } catch {
    return undefined;
  }
}

/** When `emitter` first emits one of `events` (bounded: rejects after 15 s). */
function closedAt(emitter: { once(event: string, fn: () => void): unknown }, ...events: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${events.join('/')} within 15 s`)), 15_000);
    for (const e of events) {
      emitter.once(e, () => {
        clearTimeout(timer);
        resolve(Date.now());
      });
    }
  });
}

async function waitForCount(cli: Spawned, re: RegExp, n: number, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (count(cli.stdout + cli.stderr, re) < n) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${n} × ${String(re)}:\n${cli.stdout}${cli.stderr}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
