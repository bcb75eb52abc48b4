/**
 * The conformance and smuggling table run against Switchyard's HTTP listener: every case
 * must pass (forwarded cleanly, or refused with nothing reaching the backend).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CASES } from './cases.js';
import { runCase, type CaseResult } from './run-case.js';
import { startCaptureBackend } from '../../helpers/capture-backend.js';
import { createBalancer } from '../../../src/index.js';

void test('every case of the conformance table passes through the HTTP listener', async (t) => {
  const backend = await startCaptureBackend();
  const lb = createBalancer({
    listeners: { web: { protocol: 'http', bind: '127.0.0.1:0', pool: 'app', http: { headerTimeout: '1s', requestTimeout: '1s' } } },
    pools: { app: { backends: [`127.0.0.1:${backend.port}`] } },
  });
  await lb.start();
  const port = lb.addresses('web')[0]?.port ?? 0;
  const results: CaseResult[] = [];
  try {
    for (const c of CASES) results.push(await runCase(c, port, backend));
  } finally {
    await lb.stop({ drainTimeoutMs: 0 });
    await backend.close();
  }
  const failed = results.filter((r) => !r.pass).map((r) => `${r.id}: ${r.why ?? r.outcome}`);
  const rejected = results.filter((r) => r.outcome === 'rejected').length;
  const forwarded = results.filter((r) => r.outcome === 'forwarded').length;
  const clean = results.filter((r) => r.outcome === 'rejected' && r.forwardedBytes === 0).length;
  for (const r of results) if (r.outcome === 'rejected' && r.forwardedBytes > 0) t.diagnostic(`rejected after forwarding ${r.forwardedBytes} B: ${r.id}`);
  t.diagnostic(`${results.length} cases: ${results.length - failed.length} passed, ${forwarded} forwarded, ${rejected} rejected (${clean} with nothing forwarded)`);
  assert.deepEqual(failed, [], `${failed.length} of ${results.length} cases failed`);
  assert.equal(results.length, CASES.length);
  assert.ok(rejected > 100 && forwarded > 40, `forwarded ${forwarded}, rejected ${rejected}`);
});
