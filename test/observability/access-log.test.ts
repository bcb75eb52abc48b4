import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, openSync, closeSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import {
  AccessLog,
  createAccessRecord,
  defaultWriter,
  type AccessLogOptions,
  type AccessLogWriter,
  type AccessRecord,
} from '../../src/observability/access-log.js';

const TIME = Date.UTC(2026, 10, 24, 8, 52, 1, 123); // 2026-11-24T08:52:01.123Z

function record(over: Partial<AccessRecord> = {}): AccessRecord {
  return Object.assign(createAccessRecord(), {
    time: TIME,
    client: '203.0.113.7',
    method: 'GET',
    host: 'app.example.com',
    path: '/a?b=1',
    status: 200,
    bytesIn: 87,
    bytesOut: 1234,
    backend: 'web/10.0.0.1:8080',
    pool: 'web',
    attempts: 1,
    upstreamMs: 1.25,
    totalMs: 2.5,
    termination: '--',
    userAgent: 'curl/8.0',
    referer: 'https://ref.example/',
    ...over,
  });
}

/** A writer that keeps what it is given in memory and completes on the next microtask. */
function memoryWriter(): { writer: AccessLogWriter; bytes(): Buffer; calls: number } {
  const chunks: Buffer[] = [];
  const w = {
    calls: 0,
    writer: ((_fd, buf, len, cb) => {
      w.calls++;
      chunks.push(Buffer.from(buf.subarray(0, len)));
      queueMicrotask(() => cb(null, len));
    }) as AccessLogWriter,
    bytes: () => Buffer.concat(chunks),
  };
  return w;
}

/** A writer whose writes complete only when the test says so (a slow disk). */
class SlowWriter {
  readonly pending: { buf: Buffer; len: number; cb: (err: NodeJS.ErrnoException | null, n: number) => void }[] = [];
  readonly chunks: Buffer[] = [];
  readonly buffersSeen = new Set<Buffer>();
  readonly writer: AccessLogWriter = (_fd, buf, len, cb) => {
    this.buffersSeen.add(buf);
    this.pending.push({ buf, len, cb });
  };
  completeOne(): void {
    const w = this.pending.shift();
    assert.ok(w, 'a write is pending');
    this.chunks.push(Buffer.from(w.buf.subarray(0, w.len)));
    w.cb(null, w.len);
  }
}

function opts(writer: AccessLogWriter, over: Partial<AccessLogOptions> = {}): AccessLogOptions {
  return { fd: -1, format: 'json', flushIntervalMs: 0, writer, ...over };
}

async function linesOf(rs: readonly AccessRecord[], format: 'json' | 'combined' = 'json', bufferSize?: number): Promise<string[]> {
  const mem = memoryWriter();
  const log = new AccessLog(opts(mem.writer, bufferSize === undefined ? { format } : { format, bufferSize }));
  for (const r of rs) log.write(r);
  await log.close();
  const bytes = mem.bytes();
  const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes); // throws on invalid UTF-8
  assert.ok(text.endsWith('\n'));
  return text.slice(0, -1).split('\n');
}

const JSON_KEYS = [
  'time', 'client', 'method', 'host', 'path', 'protocol', 'status', 'bytesIn', 'bytesOut', 'backend', 'pool',
  'attempts', 'upstreamMs', 'totalMs', 'termination',
];

/** The combined format: %h - - [%d/%b/%Y:%H:%M:%S %z] "%r" %>s %b "%{Referer}i" "%{User-agent}i" */
const COMBINED =
  /^(\S+) - - \[(\d\d)\/([A-Z][a-z]{2})\/(\d{4}):(\d\d):(\d\d):(\d\d) \+0000\] "((?:[^"\\]|\\.)*)" (-?\d+) (\d+|-) "((?:[^"\\]|\\.)*)" "((?:[^"\\]|\\.)*)"$/;

/** Reverses the combined escaping (\" \\ \xHH) into a latin1 string. */
function unescapeCombined(s: string): string {
  return s.replace(/\\(x[0-9a-f]{2}|.)/g, (_m, e: string) => (e.length === 3 ? String.fromCharCode(parseInt(e.slice(1), 16)) : e));
}

/** Any UTF-16 code unit, with the troublemakers over-represented. */
const nastyChar = fc.oneof(
  fc.constantFrom('"', '\\', '\r', '\n', '\u0000', '\u001b', '\u007f', '\u2028', ' ', '\ud800', '\udc00', '😀', 'é', '\t'),
  fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
  fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
);
const nasty = fc.string({ unit: nastyChar, maxLength: 40 });
const latin1 = fc.string({ unit: fc.integer({ min: 0, max: 0xff }).map((c) => String.fromCharCode(c)), maxLength: 40 });

void test('a JSON line has every key in a stable order with ISO time and numeric fields', async () => {
  const [line] = await linesOf([record()]);
  const o = JSON.parse(line ?? '') as Record<string, unknown>;
  assert.deepEqual(Object.keys(o), JSON_KEYS);
  assert.deepEqual(o, {
    time: '2026-11-24T08:52:01.123Z', client: '203.0.113.7', method: 'GET', host: 'app.example.com', path: '/a?b=1',
    protocol: 'HTTP/1.1', status: 200, bytesIn: 87, bytesOut: 1234, backend: 'web/10.0.0.1:8080', pool: 'web',
    attempts: 1, upstreamMs: 1.25, totalMs: 2.5, termination: '--',
  });
});

void test('JSON lines round-trip quotes, backslashes, CRLF, NUL, control characters, emoji and non-ASCII', async () => {
  const path = '/a"b\\c\r\nd\u0000e\u001bf\u007fg😀é中\u2028';
  const host = '"}\n{"forged":true';
  const [line, extra] = await linesOf([record({ path, host })]);
  assert.equal(extra, undefined, 'exactly one line');
  const o = JSON.parse(line ?? '') as Record<string, unknown>;
  assert.equal(o['path'], path);
  assert.equal(o['host'], host);
  assert.match(line ?? '', /\\u0000/);
  assert.ok(![...(line ?? '')].some((ch) => ch.charCodeAt(0) < 0x20), 'no raw control characters');
});

void test('a lone surrogate in a JSON field becomes U+FFFD and the line stays valid UTF-8', async () => {
  const [line] = await linesOf([record({ path: '/x\ud800y\udc00z\ud83d' })]);
  assert.equal((JSON.parse(line ?? '') as { path: string }).path, '/x\ufffdy\ufffdz\ufffd');
});

void test('JSON lines round-trip any string in any field', async () => {
  await fc.assert(
    fc.asyncProperty(nasty, nasty, nasty, nasty, async (path, host, backend, client) => {
      const [line, extra] = await linesOf([record({ path, host, backend, client })]);
      assert.equal(extra, undefined);
      const o = JSON.parse(line ?? '') as Record<string, unknown>;
      const wellFormed = (s: string): string => Buffer.from(s, 'utf8').toString('utf8');
      assert.deepEqual([o['path'], o['host'], o['backend'], o['client']], [path, host, backend, client].map(wellFormed));
    }),
    { numRuns: 300 },
  );
});

void test('numbers that are not finite become null in JSON and fractions of ms keep microseconds', async () => {
  const [line] = await linesOf([record({ upstreamMs: Number.NaN, totalMs: 12.0004, bytesOut: Infinity, status: 0 })]);
  const o = JSON.parse(line ?? '') as Record<string, unknown>;
  assert.deepEqual([o['upstreamMs'], o['totalMs'], o['bytesOut'], o['status']], [null, 12, null, 0]);
});

void test('the formatted second is reused within a second and refreshed when it changes', async () => {
  const lines = await linesOf([record({ time: TIME }), record({ time: TIME + 500 }), record({ time: TIME + 877 }), record({ time: TIME - 200 })]);
  const times = lines.map((l) => (JSON.parse(l) as { time: string }).time);
  assert.deepEqual(times, ['2026-11-24T08:52:01.123Z', '2026-11-24T08:52:01.623Z', '2026-11-24T08:52:02.000Z', '2026-11-24T08:52:00.923Z']);
});

void test('a record with time 0 is stamped with the clock', async () => {
  const mem = memoryWriter();
  const log = new AccessLog(opts(mem.writer, { clock: { nowMs: () => TIME } }));
  log.write(record({ time: 0 }));
  await log.close();
  assert.equal((JSON.parse(mem.bytes().toString()) as { time: string }).time, '2026-11-24T08:52:01.123Z');
});

void test('a combined line is the NCSA combined format and nothing else', async () => {
  const [line] = await linesOf([record()], 'combined');
  assert.equal(line, '203.0.113.7 - - [24/Nov/2026:08:52:01 +0000] "GET /a?b=1 HTTP/1.1" 200 1234 "https://ref.example/" "curl/8.0"');
});

void test('a combined line writes dashes for no referer, no user agent, no body and no request line', async () => {
  const [line] = await linesOf([record({ referer: '', userAgent: '', bytesOut: 0, method: '', path: '', status: 400 })], 'combined');
  assert.equal(line, '203.0.113.7 - - [24/Nov/2026:08:52:01 +0000] "-" 400 - "-" "-"');
});

void test('a combined line escapes quotes, backslashes and control characters so CRLF cannot forge a line', async () => {
  const userAgent = 'x"\r\n1.2.3.4 - - [01/Jan/2026:00:00:00 +0000] "GET /admin HTTP/1.1" 200 1 "-" "\\';
  const [line, extra] = await linesOf([record({ userAgent, path: '/é\u0000' })], 'combined');
  assert.equal(extra, undefined);
  assert.equal(
    line,
    '203.0.113.7 - - [24/Nov/2026:08:52:01 +0000] "GET /\\xe9\\x00 HTTP/1.1" 200 1234 "https://ref.example/" ' +
      '"x\\"\\x0d\\x0a1.2.3.4 - - [01/Jan/2026:00:00:00 +0000] \\"GET /admin HTTP/1.1\\" 200 1 \\"-\\" \\"\\\\"',
  );
});

void test('combined lines never contain a raw newline or an unescaped quote for any input', async () => {
  await fc.assert(
    fc.asyncProperty(nasty, nasty, nasty, nasty, nasty, async (client, method, path, referer, userAgent) => {
      const lines = await linesOf([record({ client, method, path, referer, userAgent })], 'combined');
      assert.equal(lines.length, 1);
      const line = lines[0] ?? '';
      assert.match(line, /^[\x20-\x7e]*$/, 'printable ASCII only');
      assert.match(line, COMBINED);
    }),
    { numRuns: 300 },
  );
});

void test('combined fields round-trip byte strings through the \\xHH escaping', async () => {
  await fc.assert(
    fc.asyncProperty(latin1, latin1, fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 20 }), async (referer, userAgent, path) => {
      const lines = await linesOf([record({ referer, userAgent, path })], 'combined');
      const m = COMBINED.exec(lines[0] ?? '');
      assert.ok(m);
      assert.equal(unescapeCombined(m[8] ?? ''), `GET ${path} HTTP/1.1`);
      assert.equal(unescapeCombined(m[11] ?? ''), referer === '' ? '-' : referer);
      assert.equal(unescapeCombined(m[12] ?? ''), userAgent === '' ? '-' : userAgent);
    }),
    { numRuns: 300 },
  );
});

void test('lines appear in order in a file across buffer swaps and flushes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-test-'));
  const file = join(dir, 'access.log');
  const fd = openSync(file, 'w');
  try {
    const log = new AccessLog({ fd, format: 'json', bufferSize: 8192, flushIntervalMs: 0 });
    const r = record();
    let seq = 0;
    for (let round = 0; round < 60; round++) {
      const n = 1 + ((round * 7) % 30); // 1..30 lines of ~350 bytes: often more than one 8 KiB buffer
      for (let i = 0; i < n; i++) {
        r.path = `/seq/${seq++}`;
        log.write(r); // the same record object, reused
      }
      await log.flush();
    }
    await log.close();
    assert.equal(log.dropped, 0);
    assert.equal(log.written, seq);
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    assert.deepEqual(
      lines.map((l) => (JSON.parse(l) as { path: string }).path),
      Array.from({ length: seq }, (_, i) => `/seq/${i}`),
    );
  } finally {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
});

void test('a burst bigger than both buffers while the disk write is slow increments dropped instead of growing memory', async () => {
  const slow = new SlowWriter();
  const log = new AccessLog(opts(slow.writer, { bufferSize: 4096 }));
  const r = record();
  const total = 1000;
  for (let i = 0; i < total; i++) {
    r.path = `/burst/${i}`;
    log.write(r);
  }
  assert.equal(slow.pending.length, 1, 'one write in flight');
  assert.ok(log.dropped > 0);
  const kept = total - log.dropped;
  assert.ok(kept * 340 <= 2 * 4096, `${kept} lines kept: no more than two buffers hold`);

  slow.completeOne(); // the first buffer is done; the full second one goes out at once
  assert.equal(slow.pending.length, 1);
  slow.completeOne();
  await log.close();
  assert.equal(slow.buffersSeen.size, 2, 'only the two preallocated buffers were ever written');
  assert.equal(log.written, kept);
  const paths = Buffer.concat(slow.chunks).toString().trimEnd().split('\n').map((l) => (JSON.parse(l) as { path: string }).path);
  assert.equal(paths.length, kept);
  assert.deepEqual(paths, Array.from({ length: kept }, (_, i) => `/burst/${i}`), 'the first lines are kept, in order');
});

void test('lines written after the slow write completes are accepted again', async () => {
  const slow = new SlowWriter();
  const log = new AccessLog(opts(slow.writer, { bufferSize: 4096 }));
  for (let i = 0; i < 100; i++) log.write(record());
  const dropped = log.dropped;
  slow.completeOne();
  log.write(record({ path: '/after' }));
  assert.equal(log.dropped, dropped);
  const closed = log.close();
  while (slow.pending.length > 0) slow.completeOne();
  await closed;
  assert.equal((JSON.parse(Buffer.concat(slow.chunks).toString().trimEnd().split('\n').pop() ?? '') as { path: string }).path, '/after');
  assert.equal(log.written, 101 - dropped);
});

void test('a line longer than the buffer is cut and stays a valid JSON line with every key', async () => {
  const long = 'x'.repeat(10_000);
  const lines = await linesOf([record({ path: long, host: `"${long}` }), record()], 'json', 4096);
  assert.equal(lines.length, 2);
  const o = JSON.parse(lines[0] ?? '') as Record<string, unknown>;
  assert.deepEqual(Object.keys(o), JSON_KEYS);
  assert.ok(String(o['path']).endsWith('...'));
  assert.ok(Buffer.byteLength(lines[0] ?? '') < 4096);
  assert.deepEqual(JSON.parse(lines[1] ?? ''), JSON.parse((await linesOf([record()]))[0] ?? ''), 'the next line is whole');
});

void test('a line longer than the buffer is cut and stays a valid combined line', async () => {
  const long = '\u0000"'.repeat(5_000);
  const lines = await linesOf([record({ path: long, referer: long, userAgent: long })], 'combined', 4096);
  assert.equal(lines.length, 1);
  assert.match(lines[0] ?? '', COMBINED);
  assert.ok((lines[0] ?? '').length < 4096);
});

void test('the truncated counter counts cut lines', async () => {
  const mem = memoryWriter();
  const log = new AccessLog(opts(mem.writer, { bufferSize: 4096 }));
  log.write(record({ path: 'y'.repeat(5000) }));
  log.write(record());
  await log.close();
  assert.equal(log.truncated, 1);
  assert.equal(log.written, 2);
});

void test('a partial write continues with the remaining bytes', async () => {
  const chunks: Buffer[] = [];
  const writer: AccessLogWriter = (_fd, buf, len, cb) => {
    const n = Math.min(len, 100);
    chunks.push(Buffer.from(buf.subarray(0, n)));
    setImmediate(() => cb(null, n));
  };
  const log = new AccessLog(opts(writer));
  for (let i = 0; i < 20; i++) log.write(record({ path: `/p/${i}` }));
  await log.close();
  const lines = Buffer.concat(chunks).toString().trimEnd().split('\n');
  assert.deepEqual(lines.map((l) => (JSON.parse(l) as { path: string }).path), Array.from({ length: 20 }, (_, i) => `/p/${i}`));
  assert.equal(log.written, 20);
});

void test('a write error counts its lines as failed, is reported, and later lines are still written', async () => {
  const chunks: Buffer[] = [];
  let calls = 0;
  const errors: string[] = [];
  const writer: AccessLogWriter = (_fd, buf, len, cb) => {
    if (calls++ === 0) {
      const err: NodeJS.ErrnoException = Object.assign(new Error('EIO: i/o error'), { code: 'EIO' });
      queueMicrotask(() => cb(err, 0));
      return;
    }
    chunks.push(Buffer.from(buf.subarray(0, len)));
    queueMicrotask(() => cb(null, len));
  };
  const log = new AccessLog(opts(writer, { onError: (e) => errors.push(e.code ?? '') }));
  log.write(record());
  log.write(record());
  await log.flush();
  log.write(record({ path: '/later' }));
  await log.close();
  assert.deepEqual(errors, ['EIO']);
  assert.equal(log.failed, 2);
  assert.equal(log.written, 1);
  assert.equal((JSON.parse(Buffer.concat(chunks).toString()) as { path: string }).path, '/later');
});

void test('EAGAIN is retried until the bytes are written', async () => {
  const chunks: Buffer[] = [];
  let calls = 0;
  const writer: AccessLogWriter = (_fd, buf, len, cb) => {
    if (calls++ < 2) {
      queueMicrotask(() => cb(Object.assign(new Error('EAGAIN'), { code: 'EAGAIN' }), 0));
      return;
    }
    chunks.push(Buffer.from(buf.subarray(0, len)));
    queueMicrotask(() => cb(null, len));
  };
  const log = new AccessLog(opts(writer));
  log.write(record());
  await log.close();
  assert.equal(calls, 3);
  assert.equal(log.written, 1);
  assert.equal(Buffer.concat(chunks).toString().split('\n').length, 2);
});

void test('the flush timer writes buffered lines without a flush call', async () => {
  let wrote!: () => void;
  const written = new Promise<void>((resolve) => (wrote = resolve));
  const writer: AccessLogWriter = (_fd, _buf, len, cb) => {
    cb(null, len);
    wrote();
  };
  const log = new AccessLog(opts(writer, { flushIntervalMs: 5 }));
  log.write(record());
  const keepAlive = setTimeout(() => {}, 10_000); // the log's timer is unref'd
  await written;
  clearTimeout(keepAlive);
  assert.equal(log.written, 1);
  await log.close();
});

void test('close flushes everything and later lines are dropped', async () => {
  const mem = memoryWriter();
  const log = new AccessLog(opts(mem.writer));
  for (let i = 0; i < 3; i++) log.write(record());
  await log.close();
  log.write(record());
  await log.close();
  assert.equal(log.written, 3);
  assert.equal(log.dropped, 1);
  assert.equal(mem.bytes().toString().split('\n').length, 4);
});

void test('destroy discards buffered lines at once and counts them as dropped', async () => {
  const slow = new SlowWriter();
  const log = new AccessLog(opts(slow.writer));
  log.write(record());
  const flushed = log.flush();
  log.write(record());
  log.write(record());
  log.destroy();
  await flushed;
  assert.equal(log.dropped, 2);
  slow.completeOne();
  assert.equal(log.written, 1);
  await log.close();
});

void test('a writer that throws counts the lines as failed instead of throwing on the data path', async () => {
  const errors: string[] = [];
  const log = new AccessLog({ fd: -1, format: 'combined', flushIntervalMs: 0, onError: (e) => errors.push(e.code ?? e.name) });
  log.write(record());
  await log.close();
  assert.equal(log.failed, 1);
  assert.equal(log.written, 0);
  assert.equal(errors.length, 1);
});

void test('a log to a regular file is written synchronously, one to anything else with an async write', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-log-'));
  const fd = openSync(join(dir, 'access.log'), 'w');
  const dev = openSync('/dev/null', 'w');
  try {
    assert.notEqual(defaultWriter(fd), defaultWriter(dev));
    const log = new AccessLog({ fd, format: 'json', flushIntervalMs: 0, clock: { nowMs: () => TIME } });
    log.write(record());
    void log.flush();
    // Already in the file when flush() returns: nothing waited for a callback.
    const text = readFileSync(join(dir, 'access.log'), 'utf8');
    assert.equal(text.split('\n').filter(Boolean).length, 1);
    assert.equal((JSON.parse(text) as { status: number }).status, 200);
    assert.equal(log.written, 1);
    // A closed fd (fstat fails: the async writer): the failure is counted, nothing throws.
    const bad = new AccessLog({ fd: 987654, format: 'json', flushIntervalMs: 0, writer: defaultWriter(987654) });
    bad.write(record());
    await bad.flush();
    assert.equal(bad.failed, 1);
  } finally {
    closeSync(fd);
    closeSync(dev);
    rmSync(dir, { recursive: true, force: true });
  }
});
