/**
 * What a running balancer loads: only what serving needs. The admin surfaces, prom-client, the
 * config converters' XML parser, the load tester and the pretty printer are loaded when used;
 * a balancer without them keeps a smaller heap, which is what keeps V8 from promoting closed
 * connections under new-connection load (bench/gc-promotion.sh).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { BIN, ROOT } from '../helpers/cli.js';
import { tempFile } from '../helpers/files.js';
import { echoServer } from '../helpers/net.js';

const HOOK = join(ROOT, 'test/fixtures/node/report-packages.mjs');

/** Runs `switchyard run` until it listens, then SIGTERM; the packages it loaded. */
async function packagesLoaded(yaml: string, until: RegExp): Promise<Set<string>> {
  const file = tempFile('switchyard.yaml', yaml);
  try {
    const child = spawn(process.execPath, ['--import', HOOK, BIN, 'run', '-c', file.path], { cwd: ROOT, stdio: 'pipe' });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const deadline = Date.now() + 10_000;
    while (!until.test(out)) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`not started:\n${out}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill('SIGTERM');
    assert.equal(await exited, 0, out);
    await new Promise((r) => setImmediate(r));
    return new Set([...out.matchAll(/^PACKAGE\((?:esm|cjs)\) ((?:@[^/\s]+\/)?[^/\s]+)/gm)].map((m) => m[1] ?? ''));
  } finally {
    file.remove();
  }
}

void test('a balancer without an admin section loads only what serving needs', async () => {
  const backend = await echoServer();
  try {
    const loaded = await packagesLoaded(
      `listeners:\n  web: { protocol: http, bind: "127.0.0.1:0", pool: p }\n  tcp: { bind: "127.0.0.1:0", pool: p }\npools:\n  p: { backends: ["127.0.0.1:${backend.port}"] }\n`,
      /listening on [^]*listening on/,
    );
    for (const needed of ['pino', 'yaml', 'zod']) assert.ok(loaded.has(needed), `${needed} is loaded (got ${[...loaded].join(', ')})`);
    for (const lazy of ['prom-client', 'ssh2', 'fast-xml-parser', 'hdr-histogram-js', 'pino-pretty']) {
      assert.ok(!loaded.has(lazy), `${lazy} is not loaded by a balancer that does not use it`);
    }
  } finally {
    await backend.close();
  }
});

void test('with an admin section the API is loaded, and ssh2 only with the SSH console', async () => {
  const backend = await echoServer();
  try {
    const loaded = await packagesLoaded(
      `listeners:\n  tcp: { bind: "127.0.0.1:0", pool: p }\npools:\n  p: { backends: ["127.0.0.1:${backend.port}"] }\nadmin: { bind: "127.0.0.1:0" }\n`,
      /admin API and dashboard on/,
    );
    assert.ok(loaded.has('zod'));
    assert.ok(!loaded.has('ssh2'), 'ssh2 is not loaded without admin.ssh');
  } finally {
    await backend.close();
  }
});
