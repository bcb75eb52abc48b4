import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../helpers/cli.js';
import { tempFile } from '../helpers/files.js';

const VALID = `# a comment
listeners:
  web:
    bind: "127.0.0.1:0"
    pool: app
pools:
  app:
    backends: ["127.0.0.1:8001", "127.0.0.1:8002"]
`;

const INVALID = `listeners:
  web:
    bind: "127.0.0.1:8080"
    pool: app
pools:
  app:
    policy: roundrobin
    backends:
      - host: 127.0.0.1
        port: 70000
`;

function assertNoStack(text: string): void {
  assert.doesNotMatch(text, /\n\s+at .+\(.+:\d+:\d+\)/, 'no stack trace');
  assert.doesNotMatch(text, /internal error/);
}

void test('check prints a one-line summary and exits 0 for a valid file', async () => {
  const f = tempFile('ok.yaml', VALID);
  try {
    const r = await runCli(['check', '-c', f.path]);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, `${f.path}: OK, 1 listener, 1 pool, 2 backends\n`);
  } finally {
    f.remove();
  }
});

void test('check prints every problem with file, line, column and path, and exits 1', async () => {
  const f = tempFile('bad.yaml', INVALID);
  try {
    const r = await runCli(['check', '-c', f.path]);
    assert.equal(r.code, 1);
    const lines = r.stderr.trim().split('\n');
    assert.ok(lines.includes(`${f.path}:7:13: pools.app.policy: must be one of round-robin, weighted-round-robin, random, least-conn, least-conn-rr, weighted-least-conn, source-hash, power-of-two, got "roundrobin" (did you mean "round-robin"?)`), r.stderr);
    assert.ok(lines.includes(`${f.path}:10:15: pools.app.backends[0].port: must be 1–65535, got 70000`), r.stderr);
    assert.equal(lines.at(-1), `${f.path}: 2 problems`);
    assertNoStack(r.stderr);
  } finally {
    f.remove();
  }
});

void test('check names a missing file without a stack trace', async () => {
  const r = await runCli(['check', '-c', '/nonexistent/switchyard.yaml']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /\/nonexistent\/switchyard\.yaml/);
  assert.match(r.stderr, /cannot read|no such file/i);
  assertNoStack(r.stderr);
});

void test('run refuses to start on an invalid config and prints the problems', async () => {
  const f = tempFile('bad.yaml', INVALID);
  try {
    const r = await runCli(['run', '-c', f.path]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /pools\.app\.backends\[0\]\.port: must be 1–65535, got 70000/);
    assert.match(r.stderr, /2 problems; not started/);
    assertNoStack(r.stderr);
  } finally {
    f.remove();
  }
});

void test('usage mistakes exit 2 with one clear line', async () => {
  const cases: [string[], RegExp][] = [
    [['frobnicate'], /unknown command "frobnicate"/],
    [['check', '--nope'], /check: unknown option "--nope"/],
    [['check'], /check: which file\?/],
    [['run'], /run: no config given/],
    [['run', '-c', 'x.yaml', '--log-level', 'loud'], /--log-level: must be one of trace, debug, info, warn, error, fatal, silent, got "loud"/],
    [['run', '-c', 'x.yaml', '--watch-interval', 'often'], /--watch-interval: must be a duration like "500ms", "5s", "2m" or "1h", got "often"/],
    [['run', '-c', 'x.yaml', '--watch', '--watch-interval', '5ms'], /--watch-interval: must be from 10ms to 1h, got "5ms"/],
    [['demo-backend', '--port', 'abc'], /demo-backend: --port: must be an integer from 0 to 65535, got "abc"/],
    [['demo', '--port', '99999'], /--port: must be 0–65535, got "99999"/],
  ];
  for (const [args, re] of cases) {
    const r = await runCli(args);
    assert.equal(r.code, 2, `${args.join(' ')} → ${r.stderr}`);
    assert.match(r.stderr, re);
    assertNoStack(r.stderr);
  }
});

void test('run reports a port already in use in one line and exits 1', async () => {
  const { echoServer } = await import('../helpers/net.js');
  const taken = await echoServer();
  const f = tempFile('taken.yaml', `listeners:\n  l: { bind: "127.0.0.1:${taken.port}", pool: p }\npools:\n  p: { backends: ["127.0.0.1:9"] }\n`);
  try {
    const r = await runCli(['run', '-c', f.path, '--log-level', 'silent']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${taken.port}: address already in use`));
    assertNoStack(r.stderr);
  } finally {
    f.remove();
    await taken.close();
  }
});

void test('schema prints a JSON Schema that describes listeners and pools', async () => {
  const r = await runCli(['schema']);
  assert.equal(r.code, 0);
  const schema = JSON.parse(r.stdout) as { $schema: string; properties: Record<string, unknown>; required: string[] };
  assert.match(schema.$schema, /json-schema\.org/);
  assert.ok('listeners' in schema.properties && 'pools' in schema.properties);
  assert.deepEqual([...schema.required].sort(), ['listeners', 'pools']);
});

void test('version and help answer and exit 0', async () => {
  const v = await runCli(['version']);
  assert.equal(v.code, 0);
  assert.match(v.stdout, /^switchyard \d+\.\d+\.\d+\n$/);
  const h = await runCli(['help']);
  assert.equal(h.code, 0);
  for (const cmd of ['run', 'check', 'schema', 'demo', 'demo-backend']) assert.match(h.stdout, new RegExp(`\\n  ${cmd} `));
});
