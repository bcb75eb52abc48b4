import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, spawnCli, type Spawned } from '../helpers/cli.js';
import { tempFile } from '../helpers/files.js';
import { exchange, nameServer, type TestServer } from '../helpers/net.js';
import { MINI, PUMPKIN, TXLB, countDirectorHosts, legacyPath, legacyText, rewriteDirectorXml } from '../config/import/legacy.js';

function assertNoStack(text: string): void {
  assert.doesNotMatch(text, /\n\s+at .+\(.+:\d+:\d+\)/, 'no stack trace');
}

/** Starts `switchyard run FILE` and waits for `listeners` "listening on" lines; returns each line's loopback ports. */
async function runLegacy(file: string, listeners: number): Promise<{ cli: Spawned; ports: number[][]; stop: () => Promise<void> }> {
  const cli = spawnCli(['run', file]);
  const stop = async (): Promise<void> => {
    if (cli.child.exitCode === null && cli.child.signalCode === null) {
      cli.child.kill('SIGKILL');
      await cli.exited;
    }
  };
  try {
    await cli.waitForOutput(new RegExp(Array(listeners).fill('listening on 127\\.0\\.0\\.1:\\d+').join('[^]*')));
  } catch (err) {
    await stop();
    throw err;
  }
  const ports = [...(cli.stdout + cli.stderr).matchAll(/listening on ([^→\n]+) →/g)].map((m) => [...(m[1] ?? '').matchAll(/127\.0\.0\.1:(\d+)/g)].map((p) => Number(p[1])));
  return { cli, ports, stop };
}

void test('import prints the YAML on stdout and each note on stderr, naming the element and line', async (t) => {
  if (legacyText(t, TXLB) === undefined) return;
  const r = await runCli(['import', legacyPath(TXLB)]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^# Converted by `switchyard import` from txloadbalancer-config\.xml \(txLoadBalancer XML\)\.\n/);
  const lines = r.stderr.trim().split('\n');
  const file = legacyPath(TXLB);
  assert.ok(lines.includes(`${file}:36: <user name="admin">: had a unix crypt() password hash, which is not copied (Switchyard uses bearer tokens): run \`switchyard token --name admin --access full\` and add the tokenHash it prints to this user`), r.stderr);
  assert.ok(lines.some((l) => l.startsWith(`${file}:39: <hostCheck interval="500">: interval 500 is in seconds`)), r.stderr);
  assert.ok(lines.some((l) => l.startsWith(`${file}:40: <configCheck interval="10">: `)), r.stderr);
  assert.equal(lines.at(-1), `${file}: converted from txLoadBalancer XML; 7 notes above, also written as comments`);
  assert.ok(!r.stdout.includes('..xpoEyRReGzk') && !r.stderr.includes('..xpoEyRReGzk'), 'the password hash is not copied anywhere');
});

void test('import -o writes a file that check accepts', async (t) => {
  if (legacyText(t, PUMPKIN) === undefined) return;
  const dir = tempFile('placeholder', '');
  const out = join(dir.path, '..', 'switchyard.yaml');
  try {
    const r = await runCli(['import', legacyPath(PUMPKIN), '-o', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /: converted from PumpkinLB ini to .*switchyard\.yaml; 1 note above, also written as comments; check it with: switchyard check -c /);
    assert.match(readFileSync(out, 'utf8'), /port-24003:/);
    const check = await runCli(['check', '-c', out]);
    assert.equal(check.code, 0, check.stderr);
    assert.equal(check.stdout, `${out}: OK, 2 listeners, 2 pools, 5 backends\n`);
    assert.equal(check.stderr, '', 'a Switchyard file is not announced as converted');
  } finally {
    dir.remove();
  }
});

void test('check on a legacy file prints the conversion line and OK', async (t) => {
  if (legacyText(t, MINI) === undefined) return;
  const file = legacyPath(MINI);
  const r = await runCli(['check', file]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `${file}: OK, 1 listener, 1 pool, 3 backends\n`);
  assert.equal(r.stderr, `${file}: converted from mini-load-balancer JSON (5 notes on what could not be carried over exactly); write it out with: switchyard import ${file} -o switchyard.yaml\n`);
});

void test('import and check on a malformed legacy file print clear lines with element or line, exit 1, no stack', async () => {
  const xml = tempFile('balancer.xml', '<config>\n  <service name="x">\n    <listen ip="0.0.0.0:80"/>\n    <group name="g" scheduler="roundr" enable="true">\n      <host name="x" ip="lorien"/>\n    </group>\n  </service>\n</config>\n');
  const ini = tempFile('pumpkinlb.cfg', '[mappings]\n24003=a:1,a:b\n');
  try {
    const a = await runCli(['import', xml.path]);
    assert.equal(a.code, 1);
    assert.equal(a.stdout, '');
    assert.equal(a.stderr, `${xml.path}:5: <host name="x">: ip "lorien" has no port\n${xml.path}: 1 problem; nothing written\n`);
    const b = await runCli(['check', ini.path]);
    assert.equal(b.code, 1);
    assert.equal(
      b.stderr,
      `${ini.path}: read as PumpkinLB ini, which cannot be converted as it is:\n${ini.path}:2: mapping "24003=a:1,a:b": worker "a:b" has a bad port (1–65535, got "b")\n${ini.path}: 1 problem\n`,
    );
    assertNoStack(a.stderr + b.stderr);
  } finally {
    xml.remove();
    ini.remove();
  }
});

void test('import of a file in no known format exits 1 with one line', async () => {
  const f = tempFile('notes.txt', 'just some text\n');
  try {
    const r = await runCli(['import', f.path]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `${f.path}: not a config of a format switchyard import reads (txLoadBalancer or PythonDirector XML, PumpkinLB ini, or mini-load-balancer JSON)\n`);
  } finally {
    f.remove();
  }
});

void test('run on the txLoadBalancer file, pointed at local backends, spreads connections by the weights', async (t) => {
  const text = legacyText(t, TXLB);
  if (text === undefined) return;
  const servers: TestServer[] = [];
  for (let i = 0; i < countDirectorHosts(text); i++) servers.push(await nameServer(`b${i}`));
  const file = tempFile('config.xml', rewriteDirectorXml(text, servers.map((s) => s.port)));
  let run: Awaited<ReturnType<typeof runLegacy>> | undefined;
  try {
    run = await runLegacy(file.path, 3);
    assert.match(run.cli.stderr, /config\.xml: converted from txLoadBalancer XML/);
    const [lorien, fangorn] = run.ports;
    assert.equal(lorien?.length, 2, 'twisted-lorien listens on both of its <listen> addresses');
    const counts = new Map<string, number>();
    // twisted-lorien's active group: weights 1, 5, 1, 20, 10 (37 per round), weighted round robin.
    for (let i = 0; i < 74; i++) {
      const name = await exchange(lorien?.[0] ?? 0);
      counts.set(name, (counts.get(name) ?? 0) + 1);
    }
    assert.deepEqual(Object.fromEntries([...counts].sort()), { b0: 2, b1: 10, b2: 2, b3: 40, b4: 20 });
    assert.match(await exchange(lorien?.[1] ?? 0), /^b[0-4]$/, 'the second bind sends to the same pool');
    // twisted-fangorn: round robin over its two hosts (the 10th and 11th).
    const seen = [await exchange(fangorn?.[0] ?? 0), await exchange(fangorn?.[0] ?? 0), await exchange(fangorn?.[0] ?? 0)];
    assert.deepEqual(seen, ['b9', 'b10', 'b9']);
  } finally {
    await run?.stop();
    file.remove();
    await Promise.all(servers.map((s) => s.close()));
  }
});

function httpBackend(name: string): Promise<Server> {
  const server = createServer((req, res) => {
    res.end(req.url === '/health' ? 'ok' : name);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

void test('run on the mini-load-balancer file, pointed at local HTTP backends, spreads requests round robin', async (t) => {
  const text = legacyText(t, MINI);
  if (text === undefined) return;
  const backends = await Promise.all(['h1', 'h2', 'h3'].map(httpBackend));
  const cfg = JSON.parse(text) as { proxy_host: string; proxy_port: number; backend_servers: { host: string; port: number }[] };
  cfg.proxy_host = '127.0.0.1';
  cfg.proxy_port = 0;
  cfg.backend_servers.forEach((b, i) => {
    b.host = '127.0.0.1';
    b.port = (backends[i]?.address() as AddressInfo).port;
  });
  // A name that says nothing of the format: it is recognised by its content.
  const file = tempFile('balancer.conf', JSON.stringify(cfg, null, 2));
  let run: Awaited<ReturnType<typeof runLegacy>> | undefined;
  try {
    run = await runLegacy(file.path, 1);
    const port = run.ports[0]?.[0] ?? 0;
    const counts = new Map<string, number>();
    for (let i = 0; i < 30; i++) {
      const res = await fetch(`http://127.0.0.1:${port}/`);
      const body = await res.text();
      assert.equal(res.status, 200);
      counts.set(body, (counts.get(body) ?? 0) + 1);
    }
    assert.deepEqual(Object.fromEntries([...counts].sort()), { h1: 10, h2: 10, h3: 10 });
    const metrics = await fetch(`http://127.0.0.1:${port}/__metrics__`);
    assert.equal(metrics.status, 200, 'enable_metrics turned on the internal endpoints');
    await metrics.arrayBuffer();
  } finally {
    await run?.stop();
    file.remove();
    const closed = Promise.all(backends.map((s) => new Promise((r) => s.close(r))));
    for (const s of backends) s.closeAllConnections();
    await closed;
  }
});
