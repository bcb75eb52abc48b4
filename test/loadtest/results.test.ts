import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ResultCollector } from '../../src/loadtest/results.js';
import { resolveSettings } from '../../src/loadtest/settings.js';
import { formatSummary } from '../../src/loadtest/summary.js';
import { formatProgress } from '../../src/loadtest/progress.js';

const SETTINGS = resolveSettings({ url: 'http://127.0.0.1:8080/', requests: '10', connections: '2' });
const INFO = { startedAt: new Date(0), elapsedMs: 2000, bytesRead: 4000, bytesWritten: 600, connectionsOpened: 2, unsent: 0 };

function collect(): ResultCollector {
  const c = new ResultCollector();
  for (let i = 1; i <= 6; i++) c.response(200, i % 2 === 0 ? 'a' : 'b', i * 1000);
  c.response(500, 'a', 7000);
  c.response(404, undefined, 8000);
  c.failure('refused', 'ECONNREFUSED');
  c.failure('timeout', undefined);
  return c;
}

void test('the result counts statuses, backends, errors by kind and non-2xx separately', () => {
  const r = collect().result(SETTINGS, INFO);
  assert.deepEqual(r.statuses, { '200': 6, '404': 1, '500': 1 });
  assert.deepEqual(r.backends, { a: 4, b: 3 });
  assert.equal(r.withoutBackendHeader, 1);
  assert.deepEqual(r.errors, { refused: 1, timeout: 1, reset: 0, closed: 0, socket: 0, protocol: 0 });
  assert.deepEqual(r.errorCodes, { ECONNREFUSED: 1 });
  assert.equal(r.summary.requests, 10);
  assert.equal(r.summary.responses, 8);
  assert.equal(r.summary.non2xx, 2);
  assert.equal(r.summary.errors, 2);
  assert.equal(r.summary.requestsPerSecond, 4, 'responses per second: errors do not count');
  assert.equal(r.summary.bytesPerSecond, 2000);
});

void test('latency is summarised in milliseconds from microsecond records', () => {
  const r = collect().result(SETTINGS, INFO);
  const l = r.summary.latencyMs;
  assert.equal(l.min, 1);
  assert.equal(l.max, 8);
  assert.equal(l.mean, 4.5);
  assert.ok(l.p50 >= 4 && l.p50 <= 4.01, String(l.p50));
  assert.equal(r.latencyPercentilesMs[0]?.percentile, 0);
  assert.equal(r.latencyPercentilesMs.at(-1)?.ms, 8);
  for (const { ms } of r.latencyPercentilesMs) assert.ok(ms >= l.min && ms <= l.max);
});

void test('a run without responses reports zero latency rather than infinities', () => {
  const c = new ResultCollector();
  c.failure('refused', 'ECONNREFUSED');
  const r = c.result(SETTINGS, INFO);
  assert.deepEqual(Object.values(r.summary.latencyMs), [0, 0, 0, 0, 0, 0, 0, 0]);
  assert.doesNotThrow(() => JSON.stringify(r));
});

void test('the text summary shows rates, latency, statuses, backend shares and errors', () => {
  const text = formatSummary(collect().result(SETTINGS, INFO));
  assert.match(text, /^GET http:\/\/127\.0\.0\.1:8080\/: 2 connections, 10 requests, keep-alive, closed model$/m);
  assert.match(text, /10 requests in 2\.0s: 8 responses \(2 non-2xx\), 2 errors/);
  assert.match(text, /requests\/s +4\.0/);
  assert.match(text, /p99\.9/);
  assert.match(text, /^ {2}500 +1 +12\.5%$/m);
  assert.match(text, /^backends \(x-backend\)$/m);
  assert.match(text, /^ {2}a +4 +50\.0%$/m);
  assert.match(text, /^ {2}\(no x-backend\) +1 +12\.5%$/m);
  assert.match(text, /^ {2}connect refused +1$/m);
});

void test('the progress line shows elapsed time, requests, current rate and errors', () => {
  assert.equal(formatProgress({ done: 12345, errors: 1, elapsedMs: 3000 }, 4120.4, { requests: undefined, durationMs: 10_000 }), '3.0s/10.0s  12,345 requests  4,120 req/s  1 error');
  assert.equal(formatProgress({ done: 5, errors: 0, elapsedMs: 500 }, 10, { requests: 100, durationMs: undefined }), '0.5s  5/100 requests  10 req/s  0 errors');
});
