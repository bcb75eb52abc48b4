import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { tempFile } from '../helpers/files.js';
import { closedPort } from '../helpers/net.js';

async function backend(): Promise<{ url: string; close(): Promise<void> }> {
  let n = 0;
  const server: Server = createServer((req, res) => {
    n++;
    req.resume();
    res.writeHead(n % 4 === 0 ? 503 : 200, { 'content-length': 5, 'x-backend': n % 2 === 0 ? 'even' : 'odd' });
    res.end('hello');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function assertOneLineUsageError(r: { code: number | null; stderr: string; stdout: string }, re: RegExp): void {
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stdout, '');
  const lines = r.stderr.trim().split('\n');
  assert.match(lines[0] ?? '', re);
  assert.equal(lines.length, 2, `one line and the hint to run help: ${r.stderr}`);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
}

void test('loadtest prints a summary with statuses and backends and exits 0', async () => {
  const b = await backend();
  try {
    const r = await runCli(['loadtest', '-n', '40', '-c', '2', b.url]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /40 requests in [\d.]+s: 40 responses \(10 non-2xx\), 0 errors/);
    assert.match(r.stdout, /^ {2}503 +10 +25\.0%$/m);
    assert.match(r.stdout, /^ {2}even +20 +50\.0%$/m);
    assert.match(r.stderr, /^loadtest: GET http:\/\/127\.0\.0\.1:\d+\/ with 2 connections for 40 requests$/m);
  } finally {
    await b.close();
  }
});

void test('--json prints only the result as JSON on stdout', async () => {
  const b = await backend();
  try {
    const r = await runCli(['loadtest', '--json', '-n', '20', '-c', '1', '-H', 'X-Test: 1', b.url]);
    assert.equal(r.code, 0, r.stderr);
    const result = JSON.parse(r.stdout) as { summary: { responses: number }; statuses: Record<string, number>; settings: { headers: string[] } };
    assert.equal(result.summary.responses, 20);
    assert.deepEqual(result.statuses, { '200': 15, '503': 5 });
    assert.deepEqual(result.settings.headers, ['X-Test: 1']);
  } finally {
    await b.close();
  }
});

void test('-o writes the full result as JSON: settings, summary, statuses, backends, errors and percentiles', async () => {
  const b = await backend();
  const dir = tempFile('placeholder', '');
  const out = join(dir.path, '..', 'results.json');
  try {
    const r = await runCli(['loadtest', '-n', '12', '-c', '3', '-o', out, b.url]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /result written to .*results\.json/);
    const result = JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>;
    for (const key of ['settings', 'startedAt', 'elapsedMs', 'summary', 'statuses', 'backends', 'withoutBackendHeader', 'errors', 'errorCodes', 'latencyPercentilesMs']) {
      assert.ok(key in result, `the result has ${key}`);
    }
    const summary = result.summary as { requests: number; latencyMs: Record<string, number> };
    assert.equal(summary.requests, 12);
    assert.deepEqual(Object.keys(summary.latencyMs), ['min', 'mean', 'stdev', 'p50', 'p90', 'p99', 'p99_9', 'max']);
    assert.deepEqual(result.backends, { even: 6, odd: 6 });
    assert.equal((result.settings as { connections: number }).connections, 3);
    assert.ok(Array.isArray(result.latencyPercentilesMs));
  } finally {
    dir.remove();
    await b.close();
  }
});

void test('without a terminal, progress is a plain line on stderr every second', async () => {
  const b = await backend();
  try {
    const r = await runCli(['loadtest', '-d', '1500ms', '-c', '1', '--rate', '50', b.url]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^1\.0s\/1\.5s {2}\d+ requests {2}\d+ req\/s {2}0 errors$/m);
    assert.doesNotMatch(r.stderr, /\r/);
  } finally {
    await b.close();
  }
});

void test('a run that gets no response at all exits 1 after printing its errors', async () => {
  const port = await closedPort();
  const r = await runCli(['loadtest', '-n', '5', '-c', '1', `http://127.0.0.1:${port}/`]);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /^ {2}connect refused +5$/m);
});

void test('bad flags give one clear line and exit 2', async () => {
  assertOneLineUsageError(await runCli(['loadtest', '-c', '0', 'http://127.0.0.1:1/']), /^switchyard: loadtest: -c\/--connections: must be a whole number from 1 to 10,000, got "0"$/);
  assertOneLineUsageError(await runCli(['loadtest', '--rate', '-5', 'http://127.0.0.1:1/']), /--rate/);
  assertOneLineUsageError(await runCli(['loadtest', '-d', '2h', 'http://127.0.0.1:1/']), /-d\/--duration: must be at most 60 minutes, got "2h"/);
  assertOneLineUsageError(await runCli(['loadtest', 'https://127.0.0.1:1/']), /https is not supported yet/);
  assertOneLineUsageError(await runCli(['loadtest']), /which URL\?/);
  assertOneLineUsageError(await runCli(['loadtest', '--bogus', 'http://127.0.0.1:1/']), /^switchyard: loadtest: unknown option "--bogus"$/);
  assertOneLineUsageError(await runCli(['loadtest', '--body-file', '/nonexistent/body', 'http://127.0.0.1:1/']), /--body-file: cannot read "\/nonexistent\/body" \(ENOENT\)/);
  assertOneLineUsageError(await runCli(['loadtest', '-o', '/nonexistent/dir/r.json', 'http://127.0.0.1:1/']), /-o\/--output: cannot write/);
  assertOneLineUsageError(await runCli(['loadtest', '-H', 'Bad', 'http://127.0.0.1:1/']), /-H\/--header/);
});

void test('loadtest --help prints its options', async () => {
  const r = await runCli(['loadtest', '--help']);
  assert.equal(r.code, 0);
  for (const flag of ['--requests', '--duration', '--connections', '--rate', '--path', '--method', '--header', '--body-file', '--no-keep-alive', '--timeout', '--backend-header', '--output', '--json']) {
    assert.ok(r.stdout.includes(flag), flag);
  }
});
