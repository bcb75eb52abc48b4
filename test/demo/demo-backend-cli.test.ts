import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEMO_BACKEND_USAGE, parseDemoBackendArgs } from '../../src/demo/demo-backend-cli.js';
import type { DemoBackendOptions } from '../../src/demo/demo-backend.js';

const good: ReadonlyArray<readonly [string[], DemoBackendOptions]> = [
  [['--port', '8081'], { port: 8081, name: 'backend-8081' }],
  [['--port', '0'], { port: 0, name: 'backend-0' }],
  [['--port', '65535', '--name', 'b1'], { port: 65535, name: 'b1' }],
  [['--port=9000', '--host=::1'], { port: 9000, name: 'backend-9000', host: '::1' }],
  [
    ['--name', 'slow', '--port', '9001', '--latency', '250', '--jitter', '50', '--fail-rate', '0.25'],
    { port: 9001, name: 'slow', latencyMs: 250, latencyJitterMs: 50, failRate: 0.25 },
  ],
  [['--port', '1', '--latency', '1.5s'], { port: 1, name: 'backend-1', latencyMs: 1500 }],
  [['--port', '1', '--fail-rate', '0'], { port: 1, name: 'backend-1', failRate: 0 }],
  [['--port', '1', '--fail-rate', '1'], { port: 1, name: 'backend-1', failRate: 1 }],
  [['--port', '1', '--fail-rate', '.5'], { port: 1, name: 'backend-1', failRate: 0.5 }],
];

const bad: ReadonlyArray<readonly [string[], string]> = [
  [[], 'missing required option "--port"'],
  [['--name', 'x'], 'missing required option "--port"'],
  [['--port', 'abc'], '--port: must be an integer from 0 to 65535, got "abc"'],
  [['--port', '65536'], '--port: must be an integer from 0 to 65535, got "65536"'],
  [['--port', '-1'], '--port: must be an integer from 0 to 65535, got "-1"'],
  [['--port', '80.5'], '--port: must be an integer from 0 to 65535, got "80.5"'],
  [['--port', ''], '--port: must be an integer from 0 to 65535, got ""'],
  [['--port'], '--port: missing value'],
  [['--port', '--name', 'x'], '--port: missing value'],
  [['--port', '1', '--fail-rate', 'abc'], '--fail-rate: must be a number from 0 to 1, got "abc"'],
  [['--port', '1', '--fail-rate', '1.5'], '--fail-rate: must be a number from 0 to 1, got "1.5"'],
  [['--port', '1', '--fail-rate', '-0.1'], '--fail-rate: must be a number from 0 to 1, got "-0.1"'],
  [['--port', '1', '--latency', 'slow'], '--latency: must be a non-negative number of milliseconds, got "slow"'],
  [['--port', '1', '--latency', '-5'], '--latency: must be a non-negative number of milliseconds, got "-5"'],
  [['--port', '1', '--jitter', 'x'], '--jitter: must be a non-negative number of milliseconds, got "x"'],
  [['--port', '1', '--name', ''], '--name: must not be empty'],
  [['--port', '1', '--host', ''], '--host: must not be empty'],
  [['--port', '1', '--foo'], 'unknown option "--foo"'],
  [['--port', '1', '--foo=bar'], 'unknown option "--foo"'],
  [['--port', '1', 'extra'], 'unexpected argument "extra"'],
  [['--port', '1', '--port', '2'], '--port: given more than once'],
];

void describe('demo backend arguments', () => {
  for (const [argv, options] of good) {
    void test(`${JSON.stringify(argv)} gives ${JSON.stringify(options)}`, () => {
      assert.deepEqual(parseDemoBackendArgs(argv), { ok: true, help: false, options });
    });
  }

  for (const [argv, error] of bad) {
    void test(`${JSON.stringify(argv)} is refused with: ${error}`, () => {
      assert.deepEqual(parseDemoBackendArgs(argv), { ok: false, error });
    });
  }

  void test('--help gives the usage text even when other flags are missing or wrong', () => {
    for (const argv of [['--help'], ['--port', 'abc', '--help'], ['-h']]) {
      assert.deepEqual(parseDemoBackendArgs(argv), { ok: true, help: true, usage: DEMO_BACKEND_USAGE });
    }
  });

  void test('the usage text names every option', () => {
    for (const flag of ['--port', '--name', '--host', '--latency', '--jitter', '--fail-rate', '--help']) {
      assert.ok(DEMO_BACKEND_USAGE.includes(flag), flag);
    }
  });
});
