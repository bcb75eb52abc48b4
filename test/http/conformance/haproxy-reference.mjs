#!/usr/bin/env node
// Not a test: runs every conformance case through HAProxy (`mode http`, one thread) in front of
// the capture backend and prints, per case, our expectation, HAProxy's outcome and pass/fail.
// It installs nothing: without `haproxy` on PATH it says so and exits 0.
//
//   npx tsc -p tsconfig.json && node test/http/conformance/haproxy-reference.mjs [--md] [--only ID,ID]
//
// HAProxy runs in the foreground as a child process with a temporary haproxy.cfg, on
// 127.0.0.1 and a free port, and is stopped by its PID at the end.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dist = new URL('../../../dist/test/', import.meta.url);
const { CASES } = await import(new URL('http/conformance/cases.js', dist).href);
const { runCase } = await import(new URL('http/conformance/run-case.js', dist).href);
const { startCaptureBackend } = await import(new URL('helpers/capture-backend.js', dist).href);

const args = process.argv.slice(2);
const markdown = args.includes('--md');
const onlyArg = args[args.indexOf('--only') + 1];
const only = args.includes('--only') && onlyArg ? new Set(onlyArg.split(',')) : undefined;

const version = spawnSync('haproxy', ['-v'], { encoding: 'utf8' });
if (version.error || version.status !== 0) {
  console.log('haproxy is not on PATH: nothing to compare against (apt-get install -y haproxy).');
  process.exit(0);
}
const versionLine = version.stdout.split('\n')[0] ?? 'haproxy';

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function accepting(port) {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.on('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

const backend = await startCaptureBackend();
const port = await freePort();
const dir = mkdtempSync(join(tmpdir(), 'switchyard-haproxy-'));
const cfg = join(dir, 'haproxy.cfg');
writeFileSync(
  cfg,
  `global
  nbthread 1
  maxconn 256

defaults
  mode http
  timeout connect 2s
  timeout client 10s
  timeout server 10s
  timeout http-request 10s
  timeout http-keep-alive 10s

frontend conformance
  bind 127.0.0.1:${port}
  default_backend capture

backend capture
  server capture 127.0.0.1:${backend.port}
`,
);

const check = spawnSync('haproxy', ['-c', '-f', cfg], { encoding: 'utf8' });
if (check.status !== 0) {
  console.error(`haproxy rejected the configuration:\n${check.stdout}${check.stderr}`);
  await backend.close();
  rmSync(dir, { recursive: true, force: true });
  process.exit(1);
}

const child = spawn('haproxy', ['-db', '-f', cfg], { stdio: ['ignore', 'ignore', 'pipe'] });
let stderr = '';
child.stderr.on('data', (d) => (stderr += d));
const exited = new Promise((resolve) => child.on('exit', resolve));
const stop = async () => {
  if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
    process.kill(child.pid, 'SIGTERM');
    const timer = setTimeout(() => child.pid !== undefined && child.exitCode === null && process.kill(child.pid, 'SIGKILL'), 2000);
    await exited;
    clearTimeout(timer);
  }
};
process.on('SIGINT', () => void stop().then(() => process.exit(130)));

let results = [];
try {
  let up = false;
  for (let i = 0; i < 50 && !up; i++) {
    up = await accepting(port);
    if (!up) await new Promise((r) => setTimeout(r, 100));
  }
  if (!up) throw new Error(`haproxy did not start listening on ${port}:\n${stderr}`);
  for (const c of CASES) {
    if (only && !only.has(c.id)) continue;
    results.push({ c, r: await runCase(c, port, backend) });
  }
} finally {
  await stop();
  await backend.close();
  rmSync(dir, { recursive: true, force: true });
}

const expectation = (c) =>
  c.expect.kind === 'forward' ? 'forward' : `${c.expect.kind === 'reject' ? 'reject' : 'reject|fwd'} ${c.expect.statuses.join('/')}`;
const outcome = (r) =>
  `${r.outcome}${r.status === undefined ? '' : ` ${r.statuses.join(',')}`}${r.closed ? ' +close' : ''}${r.forwardedBytes && !r.forwardedRequests ? ` (${r.forwardedBytes} B partial upstream)` : ''}`;

if (markdown) {
  console.log(`| id | expectation | ${versionLine.split(' ').slice(0, 3).join(' ')} | result | why |`);
  console.log('|---|---|---|---|---|');
  for (const { c, r } of results) {
    const why = (r.why ?? '').replace(/\|/g, '\\|');
    console.log(`| ${c.id}${c.policy ? ' †' : ''} | ${expectation(c)} | ${outcome(r)} | ${r.pass ? 'pass' : '**FAIL**'} | ${why} |`);
  }
} else {
  const w = Math.max(...results.map(({ c }) => c.id.length)) + 2;
  for (const { c, r } of results) {
    const line = `${(c.id + (c.policy ? ' †' : '')).padEnd(w)} ${expectation(c).padEnd(24)} ${outcome(r).padEnd(34)} ${r.pass ? 'pass' : 'FAIL'}`;
    console.log(r.pass ? line : `${line}  ${r.why ?? ''}`);
  }
}

const pass = results.filter(({ r }) => r.pass);
const fail = results.filter(({ r }) => !r.pass);
const by = (f) => results.reduce((m, x) => ((m[f(x)] = (m[f(x)] ?? 0) + 1), m), {});
console.log(`\n${versionLine}`);
console.log(`cases: ${results.length}, pass: ${pass.length}, fail: ${fail.length}`);
console.log('outcomes:', JSON.stringify(by(({ r }) => r.outcome)));
console.log('expectations:', JSON.stringify(by(({ c }) => c.expect.kind)));
console.log(`failures on cases whose bar is stricter than the RFC (†): ${fail.filter(({ c }) => c.policy).length}`);
console.log(`failures on RFC-level expectations: ${fail.filter(({ c }) => !c.policy).map(({ c }) => c.id).join(', ') || 'none'}`);
