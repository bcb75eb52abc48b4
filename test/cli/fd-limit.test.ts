import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { BIN } from '../helpers/cli.js';
import { tempFile } from '../helpers/files.js';

void test('start-up warns when the open-files limit is below what the connection limits need', async () => {
  const f = tempFile('big.yaml', 'listeners:\n  l: { bind: "127.0.0.1:0", pool: p, maxConnections: 5000 }\npools:\n  p: { backends: ["127.0.0.1:9"] }\n');
  try {
    // A shell lowers the limit for the child only, then the balancer starts and is stopped at once.
    const child = spawn('bash', ['-c', `ulimit -n 512 && exec "${process.execPath}" "${BIN}" run -c "${f.path}"`], { stdio: 'pipe' });
    let out = '';
    let signalled = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (!signalled && out.includes('listening on')) {
        signalled = true;
        child.kill('SIGTERM');
      }
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    assert.equal(code, 0);
    assert.match(out, /"event":"open-files-limit"/);
    assert.match(out, /open-files limit is 512, but the connection limits may need 10065 descriptors/);
  } finally {
    f.remove();
  }
});
