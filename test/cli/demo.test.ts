import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { spawnCli } from '../helpers/cli.js';

function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

void test('the demo starts three backends behind a balancer, answers them in turn and stops on SIGINT', async () => {
  const cli = spawnCli(['demo', '--port', '0', '--admin-port', '0']);
  try {
    const m = await cli.waitForOutput(/curl (http:\/\/127\.0\.0\.1:\d+\/)/);
    const url = m[1] ?? '';
    const bodies: string[] = [];
    for (let i = 0; i < 6; i++) {
      const r = await get(url);
      assert.equal(r.status, 200);
      bodies.push(r.body.trim());
    }
    assert.deepEqual(bodies, ['backend-1', 'backend-2', 'backend-3', 'backend-1', 'backend-2', 'backend-3']);
    const health = await get(`${url}health`);
    assert.equal(health.status, 200);
    cli.child.kill('SIGINT');
    const { code } = await cli.exited;
    assert.equal(code, 0);
  } finally {
    if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
  }
});
