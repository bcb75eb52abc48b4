/**
 * Checks the conformance table itself (complete, consistent, well-formed) and the runner end to
 * end against tiny hand-written targets: the capture backend used directly as a transparent
 * "proxy", a target that always answers 400, one that never answers, one that just closes.
 * The table is not run against Switchyard here (its HTTP listener does not exist yet).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { startCaptureBackend, type CaptureBackend } from '../../helpers/capture-backend.js';
import { startServer, type TestServer } from '../../helpers/net.js';
import { CASES, SKIPPED, type ConformanceCase } from './cases.js';
import { runCase, type CaseResult } from './run-case.js';

const CATALOGUE = new URL('../../../../test/http/conformance/http11probe-cases.tsv', import.meta.url);
const SHARED = new URL('../../../../../shared/conformance/http11probe-cases.tsv', import.meta.url);
const CATEGORIES = new Set(['Compliance', 'Smuggling', 'Malformed Input', 'Normalization', 'Cookies', 'Capabilities']);

/** id → category of every catalogue row (rows start with an id and a known category). */
function catalogue(file: URL): Map<string, string> {
  const rows = new Map<string, string>();
  for (const line of readFileSync(file, 'latin1').split('\n')) {
    const [id, category] = line.split('\t');
    if (id !== undefined && category !== undefined && CATEGORIES.has(category)) rows.set(id, category);
  }
  return rows;
}

function byId(id: string): ConformanceCase {
  const c = CASES.find((x) => x.id === id);
  assert.ok(c, `no case ${id}`);
  return c;
}

void test('every catalogue row is either a case or listed as skipped, and nothing else is', () => {
  const rows = catalogue(CATALOGUE);
  assert.ok(rows.size >= 200, `only ${rows.size} catalogue rows found`);
  const covered = [...CASES.map((c) => c.id), ...SKIPPED.map((s) => s.id)];
  assert.deepEqual(covered.filter((id) => !rows.has(id)), [], 'ids not in the catalogue');
  assert.deepEqual([...rows.keys()].filter((id) => !covered.includes(id)), [], 'catalogue rows with no case');
  assert.equal(new Set(covered).size, covered.length, 'an id is used twice (or both a case and skipped)');
  for (const s of SKIPPED) assert.ok(s.reason.length > 10, `${s.id} is skipped without a reason`);
});

void test('each case keeps its catalogue category', () => {
  const rows = catalogue(CATALOGUE);
  for (const c of CASES) assert.equal(c.category, rows.get(c.id), c.id);
});

void test('the copy of the catalogue matches the shared one when that is present', (t) => {
  if (!existsSync(SHARED)) {
    t.skip('../shared/conformance is not here');
    return;
  }
  assert.deepEqual([...catalogue(CATALOGUE)], [...catalogue(SHARED)]);
});

void test('every case has raw bytes, and sequence steps add up to them', () => {
  for (const c of CASES) {
    assert.ok(Buffer.isBuffer(c.request), c.id);
    if (c.request.length === 0) assert.ok(c.id === 'MAL-EMPTY-REQUEST' && c.clientCloses === true, `${c.id} sends no bytes`);
    if (c.steps) {
      assert.ok(c.steps.length >= 2, `${c.id}: a sequence needs two steps`);
      assert.ok(Buffer.concat(c.steps).equals(c.request), `${c.id}: steps differ from request`);
    }
    assert.ok(c.description.length > 0 && c.description.length < 90, `${c.id}: description should be short`);
  }
});

void test('every expectation is well-formed', () => {
  for (const c of CASES) {
    const e = c.expect;
    if (e.kind !== 'forward') {
      assert.ok(e.statuses.length > 0, `${c.id}: no statuses`);
      for (const s of e.statuses) assert.ok(s >= 400 && s <= 599, `${c.id}: ${s} is not a refusal`);
    }
    if (e.kind !== 'reject') {
      assert.equal(e.requests.length, c.steps?.length ?? 1, `${c.id}: one expected request per request sent`);
      for (const r of e.requests) assert.ok(r.method.length > 0 && r.targets.length > 0, c.id);
    }
    if (c.policy !== undefined) assert.match(c.policy, /RFC/, `${c.id}: policy should say what the RFC allows`);
  }
});

void test('smuggling vectors the HTTP issue names are all refused outright', () => {
  for (const id of ['SMUG-CL-TE-BOTH', 'SMUG-TE-XCHUNKED', 'SMUG-DUPLICATE-CL', 'RFC9110-5.4-DUPLICATE-HOST', 'COMP-METHOD-CONNECT', 'RFC9112-5.1-OBS-FOLD', 'RFC9112-2.2-BARE-LF-HEADER', 'RFC9112-5-INVALID-HEADER-NAME']) {
    const e = byId(id).expect;
    assert.equal(e.kind, 'reject', id);
    if (e.kind === 'reject') assert.equal(e.upstream ?? 'nothing', 'nothing', id);
  }
});

// ── the runner, end to end ──────────────────────────────────────────────────────

async function withBackend(fn: (b: CaptureBackend) => Promise<void>): Promise<void> {
  const backend = await startCaptureBackend();
  try {
    await fn(backend);
  } finally {
    await backend.close();
  }
}

async function withTarget(handler: Parameters<typeof startServer>[0], fn: (t: TestServer) => Promise<void>): Promise<void> {
  const target = await startServer(handler);
  try {
    await fn(target);
  } finally {
    await target.close();
  }
}

function show(r: CaseResult): string {
  return `${r.id}: ${r.outcome} ${r.statuses.join(',')} ${r.why ?? ''}`;
}

void test('a transparent target (the capture backend itself) passes clean forward cases', async () => {
  await withBackend(async (backend) => {
    for (const id of ['COMP-BASELINE', 'COMP-POST-CL-BODY', 'COMP-CHUNKED-MULTI', 'COMP-HEAD-NO-BODY', 'SMUG-PIPELINE-SAFE', 'CAP-INM-PRECEDENCE', 'COOK-MULTI-HEADER']) {
      const r = await runCase(byId(id), backend.port, backend);
      assert.ok(r.pass, show(r));
      assert.equal(r.outcome, 'forwarded');
      assert.equal(r.forwardedRequests, byId(id).steps?.length ?? 1);
      assert.ok(r.forwardedBytes > 0 && r.statuses.every((s) => s === 200), show(r));
    }
  });
});

void test('a transparent target fails where a proxy must act, and says why', async () => {
  await withBackend(async (backend) => {
    const cases: [string, RegExp][] = [
      ['SMUG-CL-TE-BOTH', /forwarded 1 complete request/],
      ['RFC9112-2.2-BARE-LF-HEADER', /forwarded 1 complete request/],
      ['COMP-UPGRADE-MISSING-CONN', /hop-by-hop field upgrade/],
      ['COMP-CONNECTION-CLOSE', /kept the client connection open/],
      ['COOK-NUL', /control character/],
      ['SMUG-CL-LEADING-ZEROS', /non-canonical Content-Length/],
      ['SMUG-TRANSFER_ENCODING', /Transfer_Encoding reached/],
    ];
    for (const [id, why] of cases) {
      const r = await runCase(byId(id), backend.port, backend, { timeoutMs: 300 });
      assert.equal(r.pass, false, show(r));
      assert.match(r.why ?? '', why, show(r));
    }
  });
});

void test('a target that refuses everything passes reject cases and fails forward cases', async () => {
  const refuse = (s: Socket): void => {
    s.once('data', () => s.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'));
  };
  await withBackend(async (backend) => {
    await withTarget(refuse, async (target) => {
      const rejected = await runCase(byId('SMUG-CL-TE-BOTH'), target.port, backend);
      assert.ok(rejected.pass, show(rejected));
      assert.equal(rejected.outcome, 'rejected');
      assert.equal(rejected.status, 400);
      assert.equal(rejected.forwardedBytes, 0);
      const either = await runCase(byId('COMP-GET-WITH-CL-BODY'), target.port, backend);
      assert.ok(either.pass, show(either));
      const sequence = await runCase(byId('SMUG-CLTE-CONN-CLOSE'), target.port, backend);
      assert.ok(sequence.pass && sequence.closed, show(sequence));
      const forwardCase = await runCase(byId('COMP-BASELINE'), target.port, backend);
      assert.equal(forwardCase.pass, false);
      assert.match(forwardCase.why ?? '', /nothing reached the backend \(answered 400\)/);
      const large = await runCase(byId('MAL-LONG-URL'), target.port, backend);
      assert.ok(large.pass, show(large));
      const wrongStatus = await runCase(byId('COMP-METHOD-TRACE'), target.port, backend);
      assert.equal(wrongStatus.pass, false);
      assert.match(wrongStatus.why ?? '', /answered 400, expected 405\/501 or a close/);
    });
  });
});

void test('a target that answers 2xx itself is not mistaken for a forward', async () => {
  await withBackend(async (backend) => {
    await withTarget((s) => s.once('data', () => s.write('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n')), async (target) => {
      const r = await runCase(byId('COMP-BASELINE'), target.port, backend);
      assert.equal(r.pass, false);
      assert.equal(r.outcome, 'rejected');
      assert.match(r.why ?? '', /nothing reached the backend/);
      const refusalExpected = await runCase(byId('RFC9112-6.1-CL-NON-NUMERIC'), target.port, backend);
      assert.match(refusalExpected.why ?? '', /answered 200, expected 400/);
    });
  });
});

void test('a silent target is a timeout, which passes only where the catalogue allows it', async () => {
  await withBackend(async (backend) => {
    await withTarget(
      (s) => s.resume(),
      async (target) => {
        const opts = { timeoutMs: 150, settleMs: 10 };
        const allowed = await runCase(byId('COMP-POST-CL-UNDERSEND'), target.port, backend, opts);
        assert.equal(allowed.outcome, 'timeout');
        assert.equal(allowed.timedOut, true);
        assert.ok(allowed.pass, show(allowed));
        const notAllowed = await runCase(byId('RFC9112-6.1-CL-NON-NUMERIC'), target.port, backend, opts);
        assert.equal(notAllowed.outcome, 'timeout');
        assert.equal(notAllowed.pass, false);
        assert.match(notAllowed.why ?? '', /timeout/);
      },
    );
  });
});

void test('a target that just closes counts as a rejection with no status', async () => {
  await withBackend(async (backend) => {
    await withTarget(
      (s) => s.once('data', () => s.destroy()),
      async (target) => {
        const r = await runCase(byId('MAL-NUL-IN-URL'), target.port, backend);
        assert.ok(r.pass, show(r));
        assert.equal(r.outcome, 'rejected');
        assert.equal(r.status, undefined);
        assert.equal(r.closed, true);
      },
    );
  });
});

void test('an unreachable proxy is an error, not a pass', async () => {
  await withBackend(async (backend) => {
    const target = await startServer(() => {});
    const port = target.port;
    await target.close();
    const r = await runCase(byId('SMUG-CL-TE-BOTH'), port, backend, { timeoutMs: 500 });
    assert.equal(r.outcome, 'error');
    assert.equal(r.pass, false);
  });
});
