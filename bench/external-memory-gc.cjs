#!/usr/bin/env node
// Which collections V8 runs for a program that allocates short-lived Buffers (memory outside the
// V8 heap, as each socket read or each Buffer.allocUnsafe slab is) beside short-lived objects.
//
//   node bench/external-memory-gc.cjs [BYTES=18432] [COUNT=200000]
//
// Prints the young and full collections. On Node 24 (V8 13.6) with 18 KiB Buffers nearly every
// collection is a full mark-compact; on Node 20 and 22 nearly every one is young. See RESULTS.md,
// "Heads out of Node's allocation pool".
'use strict';
const { PerformanceObserver, constants } = require('node:perf_hooks');

const bytes = Number(process.argv[2] ?? 18432);
const total = Number(process.argv[3] ?? 200000);
if (!(bytes >= 0 && total > 0 && total <= 1e7)) {
  process.stderr.write('usage: node bench/external-memory-gc.cjs [BYTES] [COUNT (1..1e7)]\n');
  process.exit(2);
}
const counts = { young: 0, full: 0 };
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    if (e.detail.kind === constants.NODE_PERFORMANCE_GC_MAJOR) counts.full++;
    else if (e.detail.kind === constants.NODE_PERFORMANCE_GC_MINOR) counts.young++;
  }
}).observe({ entryTypes: ['gc'] });

let kept = [];
let made = 0;
const t0 = process.hrtime.bigint();
function batch() {
  for (let i = 0; i < 1000 && made < total; i++, made++) {
    kept.push({ n: made, s: `r${made}`, a: [made, made] });
    if (kept.length > 100) kept = [];
    if (bytes > 0) Buffer.allocUnsafeSlow(bytes)[0] = 1;
  }
  if (made < total) setImmediate(batch);
  else
    setTimeout(() => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      process.stdout.write(`node ${process.version} (V8 ${process.versions.v8}): ${total} Buffers of ${bytes} B in ${ms.toFixed(0)} ms: ${counts.young} young, ${counts.full} full collections\n`);
    }, 50);
}
batch();
