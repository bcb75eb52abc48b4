/**
 * Differential tests against Node's own llhttp: the same bytes go to a `node:http` server
 * (default strict settings, 127.0.0.1:0, through a raw `net` socket) and to the codec.
 *
 * The rule: whatever llhttp refuses, the codec refuses too, and for every request both
 * accept, the codec reports the same method, target and body length (framing). The codec
 * may refuse more: each such case must carry one of the reasons below, chosen on purpose.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { METHODS } from 'node:http';
import fc from 'fast-check';
import { CATALOGUE_CASES } from './catalogue-cases.js';
import { LlhttpOracle, codecVerdict, type Verdict } from './llhttp-oracle.js';
import { chunkedPlan, encodeChunked, request } from './arbitraries.js';

/** Where the codec is deliberately stricter than llhttp: reason given by the codec → why. */
const STRICTER: Readonly<Record<string, string>> = {
  'duplicate Host': 'RFC 9112 §3.2: more than one Host is a 400; node keeps the first',
  'invalid Host': 'RFC 9110 §7.2 grammar, strictly (no userinfo, path, comma list, percent sign or empty value); llhttp does not look at Host',
  'absolute-form authority differs from Host': 'the router must see one host (the issue asks for 400)',
  'invalid authority in absolute-form target': 'the authority must be a valid Host too',
  'invalid request-target form': 'only origin-, asterisk- and http(s) absolute-form; authority-form belongs to CONNECT',
  'invalid character in request-target': '`#` (fragments are never sent) and `\\` (backends disagree on it) are refused; llhttp accepts both',
  'percent-encoded NUL, CR or LF in path': 'a backend that decodes the path could be injected (catalogue MAL-URL-PERCENT-*)',
  'repeated space in request line': 'RFC 9112 §3: SHOULD reject; llhttp skips repeated spaces',
  'request line without HTTP version': 'HTTP/0.9-style request lines are refused; llhttp takes some of them',
  'asterisk-form without OPTIONS': 'RFC 9112 §3.2.4; llhttp accepts `GET *`',
  'CONNECT not supported': 'the issue: CONNECT is answered 400; node hands the socket over as a tunnel',
  'invalid Content-Length': 'leading zeros are refused so that no backend can read 0200 as octal; llhttp accepts them',
  'duplicate Transfer-Encoding': 'one Transfer-Encoding field only; llhttp joins several',
  'Transfer-Encoding other than chunked': 'only exactly `chunked`: lists (`gzip, chunked`, `, chunked`) are ambiguous for a proxy that forwards bodies as they are',
  'unsupported transfer coding': 'only `chunked` is forwarded (501)',
  'both Content-Length and Transfer-Encoding': 'llhttp lets an empty Transfer-Encoding pass next to Content-Length',
  'Transfer-Encoding in HTTP/1.0': 'RFC 9112 §6.1: Transfer-Encoding in HTTP/1.0 means faulty framing',
  'Content-Length or Transfer-Encoding spelled with underscore': 'CGI and WSGI backends read `_` as `-`',
  'Upgrade to h2c': 'the issue: a proxy must not pass h2c',
  'duplicate Upgrade': 'one Upgrade field only',
  'invalid Upgrade': 'Upgrade must be a list of protocol[/version]',
  'invalid Connection': 'Connection must be a list of tokens',
  'too many empty lines before request line': 'at most 4 empty lines are skipped',
  'method too long': 'methods are at most 64 bytes',
  'forbidden field in trailer': 'framing, routing and hop-by-hop fields in trailers are refused: the proxy forwards trailers unchanged',
  'HTTP version not supported': 'only HTTP/1.0 and 1.1 are spoken (505); llhttp also takes HTTP/2.0 and 0.9 request lines',
  'PRI method (HTTP/2 preface)': 'PRI belongs to the HTTP/2 preface and is never forwarded',
  'bare LF': 'a bare LF never ends a line (RFC 9112 §2.2 allows accepting it; a proxy must not); llhttp takes `GET /\\n` as HTTP/0.9',
  'chunk size too large': 'at most 16 hex digits, even with leading zeros',
  'invalid chunk extension': 'no whitespace inside chunk extensions',
};

/** Where the codec is deliberately more lenient: llhttp knows a fixed list of methods, the codec forwards any token method. */
function lenientMethod(l: Verdict, method: string): boolean {
  return l.stop === 'HPE_INVALID_METHOD' && !METHODS.includes(method);
}

/** Why the two verdicts break the rule, or undefined. */
function violation(l: Verdict, c: Verdict): string | undefined {
  const n = Math.min(l.requests.length, c.requests.length);
  for (let i = 0; i < n; i++) {
    const a = l.requests[i]!;
    const b = c.requests[i]!;
    if (a.method !== b.method || a.target !== b.target || a.bodyBytes !== b.bodyBytes) return `request ${i}: llhttp ${JSON.stringify(a)}, codec ${JSON.stringify(b)}`;
  }
  if (c.requests.length > l.requests.length) {
    if (lenientMethod(l, c.requests[n]!.method)) return undefined;
    return `the codec accepted request ${n} that llhttp refused (${l.stop})`;
  }
  if (c.requests.length < l.requests.length) {
    if (c.stop !== undefined && c.stop in STRICTER) return undefined;
    return `the codec refused request ${n} that llhttp accepted (${c.stop})`;
  }
  if (c.stop === undefined && l.stop !== undefined) return `the codec used every byte but llhttp stopped (${l.stop})`;
  return undefined;
}

/** Runs of the generated-request property; raise CODEC_FUZZ_RUNS for a longer campaign. */
const RUNS = Number(process.env['CODEC_FUZZ_RUNS'] ?? 1000);

let oracle: LlhttpOracle;
before(async () => {
  oracle = await LlhttpOracle.start();
});
after(async () => {
  await oracle.close();
});

void test('every catalogue request is refused by the codec when llhttp refuses it, and framed the same when both accept it', async () => {
  assert.ok(CATALOGUE_CASES.length >= 60);
  const problems: string[] = [];
  for (const c of CATALOGUE_CASES) {
    const bytes = Buffer.from(c.raw, 'latin1');
    const why = violation(await oracle.run(bytes), codecVerdict(bytes));
    if (why !== undefined) problems.push(`${c.id}: ${why}`);
  }
  assert.deepEqual(problems, []);
});

void test('the catalogue exercises both agreement and each kind of deliberate difference', async () => {
  let bothAccept = 0;
  let bothRefuse = 0;
  let stricter = 0;
  for (const c of CATALOGUE_CASES) {
    const bytes = Buffer.from(c.raw, 'latin1');
    const l = await oracle.run(bytes);
    const v = codecVerdict(bytes);
    if (l.stop === undefined && v.stop === undefined) bothAccept++;
    else if (l.stop !== undefined && v.stop !== undefined) bothRefuse++;
    else if (v.stop !== undefined) stricter++;
  }
  assert.ok(bothAccept >= 40, `both accept: ${bothAccept}`);
  assert.ok(bothRefuse >= 60, `both refuse: ${bothRefuse}`);
  assert.ok(stricter >= 10, `codec stricter: ${stricter}`);
});

void test('generated requests are refused by the codec whenever llhttp refuses them, and framed the same when both accept', async () => {
  await fc.assert(
    fc.asyncProperty(request, async (bytes) => {
      const why = violation(await oracle.run(bytes), codecVerdict(bytes));
      assert.equal(why, undefined, JSON.stringify(bytes.toString('latin1')));
    }),
    { numRuns: RUNS },
  );
});

void test('generated valid chunked requests are accepted by both with the same body length', async () => {
  await fc.assert(
    fc.asyncProperty(chunkedPlan, async (plan) => {
      const bytes = Buffer.from(`POST /up HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n${encodeChunked(plan)}`, 'latin1');
      const l = await oracle.run(bytes);
      const c = codecVerdict(bytes);
      assert.equal(c.stop, undefined);
      assert.deepEqual(c.requests, l.requests);
      assert.equal(c.requests[0]?.bodyBytes, plan.payload.length);
    }),
    { numRuns: Math.ceil(RUNS / 3) },
  );
});
