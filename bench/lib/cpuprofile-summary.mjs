#!/usr/bin/env node
// Summarize a V8 .cpuprofile (node --cpu-prof): busy time by category, the top functions by
// self time, and Switchyard's own functions by total (inclusive) time.
// usage: node cpuprofile-summary.mjs FILE.cpuprofile [topN=25]
import { readFileSync } from 'node:fs';

const prof = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const topN = Number(process.argv[3] ?? 25);
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

const isSwitchyard = (u) => /\/dist\/src\//.test(u);
function category(cf) {
  const f = cf.functionName; const u = cf.url || '';
  if (f === '(garbage collector)') return 'GC';
  if (f === '(program)') return 'V8/native (program)';
  if (f === '(idle)') return 'idle';
  if (isSwitchyard(u)) return 'switchyard (dist/src)';
  if (/node_modules\/(pino|sonic-boom|thread-stream)/.test(u)) return 'pino (logging)';
  if (/node_modules\//.test(u)) return 'other npm packages';
  if (/^node:(net|stream|internal\/streams)/.test(u) || /^node:internal\/(stream_base_commons|net|dtrace)/.test(u)) return 'node:net/streams (JS)';
  if (/^node:(events|internal\/(process\/task_queues|timers|async_hooks))|^node:timers/.test(u)) return 'node events/timers/nextTick (JS)';
  if (/^node:/.test(u)) return 'node other (JS)';
  if (!u) return 'native bindings/builtins (syscalls: read, write, connect, close...)';
  return 'other script';
}
const label = (cf) => `${cf.functionName || '(anonymous)'} ${cf.url ? cf.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/dist\/src\//, 'src/').replace(/^file:\/\/.*\//, '') + ':' + (cf.lineNumber + 1) : ''}`.trim();

const self = new Map(); // node id -> µs
const incl = new Map(); // switchyard function label -> µs (each sample counted once per function)
for (let i = 0; i < prof.samples.length; i++) {
  const id = prof.samples[i]; const dt = prof.timeDeltas[i] ?? 0;
  self.set(id, (self.get(id) ?? 0) + dt);
  const seen = new Set();
  for (let n = id; n !== undefined; n = parent.get(n)) {
    const cf = byId.get(n).callFrame;
    if (!isSwitchyard(cf.url || '')) continue;
    const l = label(cf);
    if (!seen.has(l)) { seen.add(l); incl.set(l, (incl.get(l) ?? 0) + dt); }
  }
}
const total = [...self.values()].reduce((a, b) => a + b, 0);
const idle = [...self.entries()].filter(([id]) => byId.get(id).callFrame.functionName === '(idle)').reduce((a, [, v]) => a + v, 0);
const busy = total - idle;

const cats = new Map(); const fns = new Map();
for (const [id, us] of self) {
  const cf = byId.get(id).callFrame;
  if (cf.functionName === '(idle)') continue;
  const c = category(cf);
  cats.set(c, (cats.get(c) ?? 0) + us);
  const l = label(cf);
  fns.set(l, (fns.get(l) ?? 0) + us);
}
const pct = (v) => ((100 * v) / busy).toFixed(1).padStart(5);
console.log(`profile: ${(total / 1e6).toFixed(1)} s sampled, ${((100 * busy) / total).toFixed(0)}% busy (main thread); shares below are of busy time`);
console.log('by category (self time):');
for (const [c, v] of [...cats].sort((a, b) => b[1] - a[1])) console.log(`  ${pct(v)}%  ${c}`);
console.log(`top ${topN} functions (self time):`);
for (const [f, v] of [...fns].sort((a, b) => b[1] - a[1]).slice(0, topN)) console.log(`  ${pct(v)}%  ${f}`);
console.log('switchyard functions by total time (self + callees):');
for (const [f, v] of [...incl].sort((a, b) => b[1] - a[1]).slice(0, 12)) console.log(`  ${pct(v)}%  ${f}`);
