import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { youngGenerationFlags, SEMI_SPACE_MB } from '../../src/cli/young-generation.js';
import { spawnCli } from '../helpers/cli.js';
import { tempFile } from '../helpers/files.js';

const CAP = `--max-semi-space-size=${SEMI_SPACE_MB}`;
const base = { command: 'run', execArgv: [] as string[], env: {} as Record<string, string | undefined>, canExec: true };

void test('run and demo re-execute with the young generation capped; other commands, a size the user gave, the opt-out and a Node without execve do not', () => {
  assert.deepEqual(youngGenerationFlags(base), [CAP]);
  assert.deepEqual(youngGenerationFlags({ ...base, command: 'demo' }), [CAP]);
  for (const command of ['check', 'ctl', 'schema', 'loadtest', 'demo-backend', 'version', undefined]) {
    assert.equal(youngGenerationFlags({ ...base, command }), undefined, String(command));
  }
  assert.equal(youngGenerationFlags({ ...base, canExec: false }), undefined);
  assert.equal(youngGenerationFlags({ ...base, execArgv: ['--max-semi-space-size=64'] }), undefined);
  assert.equal(youngGenerationFlags({ ...base, execArgv: ['--max-semi-space-size', '8'] }), undefined);
  assert.equal(youngGenerationFlags({ ...base, env: { NODE_OPTIONS: '--enable-source-maps  --max-semi-space-size=32' } }), undefined);
  assert.equal(youngGenerationFlags({ ...base, env: { SWITCHYARD_YOUNG_GENERATION: 'default' } }), undefined);
  // Other node options stay, and are no reason to skip.
  assert.deepEqual(youngGenerationFlags({ ...base, execArgv: ['--enable-source-maps'], env: { NODE_OPTIONS: '--max-old-space-size=512' } }), [CAP]);
});

/** The command line of the process the test spawned (same PID after a re-execution). */
function cmdline(pid: number): string[] {
  return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
}

void test('switchyard run re-executes itself in the same process with the cap where Node can, and still drains and exits 0 on SIGTERM', { skip: process.platform !== 'linux' && 'reads /proc' }, async () => {
  const canExec = typeof (process as unknown as { execve?: unknown }).execve === 'function';
  const file = tempFile('switchyard.yaml', 'listeners:\n  web: { protocol: http, bind: "127.0.0.1:0", pool: web }\npools:\n  web: { backends: ["127.0.0.1:9"] }\n');
  try {
    const cases: { env: Record<string, string>; capped: boolean }[] = [
      { env: {}, capped: canExec },
      { env: { SWITCHYARD_YOUNG_GENERATION: 'default' }, capped: false },
      { env: { NODE_OPTIONS: '--max-semi-space-size=8' }, capped: false },
    ];
    for (const { env, capped } of cases) {
      const cli = spawnCli(['run', '-c', file.path], env);
      await cli.waitForOutput(/listening on 127\.0\.0\.1:\d+/);
      const pid = cli.child.pid ?? 0;
      const line = cmdline(pid);
      assert.equal(line.includes(CAP), capped, `${JSON.stringify(env)}: ${line.join(' ')}`);
      assert.ok(line.includes('run'), line.join(' '));
      assert.match(cli.stdout + cli.stderr, new RegExp(`"pid":${pid}\\b`), 'the balancer logs the PID that was spawned');
      cli.child.kill('SIGTERM');
      const { code } = await cli.exited;
      assert.equal(code, 0, cli.stderr);
    }
  } finally {
    file.remove();
  }
});
