#!/usr/bin/env node
// Markdown tables from the raw TSV written by bench/tcp/run.sh (medians over repetitions).
// Ratios are medians of per-repetition ratios: each repetition measures every proxy a few
// seconds apart, so a slow drift of a shared host cancels out.
// usage: node bench/tcp/summarize.mjs bench/results/tcp-<date>.tsv
import { existsSync, readFileSync } from 'node:fs';

const file = process.argv[2];
if (!file) {
  console.error('usage: node summarize.mjs RESULTS.tsv');
  process.exit(2);
}
const [head, ...lines] = readFileSync(file, 'utf8').trim().split('\n');
const cols = head.split('\t');
const all = lines.filter((l) => l.trim()).map((l) => Object.fromEntries(l.split('\t').map((v, i) => [cols[i], v])));

// run.sh re-runs a measurement disturbed by foreign CPU load; keep, per repetition, the
// attempt with the least foreign ("other") CPU.
const best = new Map();
for (const r of all) {
  const k = [r.node, r.case, r.proxy, r.conns, r.rep].join('|');
  const b = best.get(k);
  if (!b || Number(r.other_cpu) < Number(b.other_cpu)) best.set(k, r);
}
const kept = [...best.values()];

const num = (v) => (v === '' || v === undefined ? NaN : Number(v));
const median = (xs) => {
  const a = xs.filter((x) => Number.isFinite(x)).sort((x, y) => x - y);
  if (!a.length) return NaN;
  const m = a.length >> 1;
  return a.length % 2 ? a[m] : (a[m - 1] + a[m]) / 2;
};
const fmt = (x, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : '–');
const fmtUs = (x) => fmt(x, Number.isFinite(x) && x < 10 ? 2 : 1);
const spread = (xs) => {
  const a = xs.filter(Number.isFinite);
  if (a.length < 2) return '';
  return ` ±${fmt((100 * (Math.max(...a) - Math.min(...a))) / 2 / median(a))}%`;
};

const TITLES = {
  small: 'wrk -t1 -c50, keep-alive, /small (100 B body)',
  '18k': 'wrk -t1 -c50, keep-alive, /18k (18 KiB body)',
  close: 'wrk -t1 -c50, `Connection: close`, /small (one new TCP connection per request; two through a proxy)',
  'redis-set': 'redis-benchmark -t set -P 16 -c 50 (2 redis-server behind the proxy, round robin per connection)',
  'redis-get': 'redis-benchmark -t get -P 16 -c 50 (2 redis-server behind the proxy, round robin per connection)',
};
const CASE_ORDER = ['small', '18k', 'close', 'redis-set', 'redis-get'];
const PROXY_ORDER = ['direct', 'haproxy-tcp', 'node-pipe', 'switchyard'];
const byOrder = (order) => (a, b) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99) || a.localeCompare(b);

const out = [];
const meta = file.replace(/\.tsv$/, '.meta.txt');
if (existsSync(meta)) out.push('```', readFileSync(meta, 'utf8').trim(), '```');

const nodes = [...new Set(kept.map((r) => r.node))];
for (const node of nodes) {
  const rows = kept.filter((r) => r.node === node);
  if (nodes.length > 1) out.push(`\n## Node ${node}`);
  const pick = (cs, px) => rows.filter((r) => r.case === cs && r.proxy === px);
  // median over repetitions of f(row of px) / f(row of ref in the same repetition)
  const ratio = (cs, px, ref, f) => {
    const B = pick(cs, ref);
    return median(pick(cs, px).map((r) => { const m = B.find((x) => x.rep === r.rep); return m ? f(r) / f(m) : NaN; }));
  };
  const us = (r) => num(r.proxy_us_req);
  const rps = (r) => num(r.rps);
  const headline = [];
  for (const cs of [...new Set(rows.map((r) => r.case))].sort(byOrder(CASE_ORDER))) {
    const proxies = [...new Set(rows.filter((r) => r.case === cs).map((r) => r.proxy))].sort(byOrder(PROXY_ORDER));
    const reps = median(proxies.map((p) => pick(cs, p).length));
    out.push(`\n### ${TITLES[cs] ?? cs}  (median of ${reps} rep${reps === 1 ? '' : 's'})\n`);
    out.push('| proxy | req/s | p50 ms | p99 ms | proxy CPU % | proxy CPU µs/req | × haproxy-tcp (CPU/req) | × node-pipe (CPU/req) | × direct (req/s) | cpu0 % | cpu1 % | other % | errors |');
    out.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const p of proxies) {
      const R = pick(cs, p);
      const r = R.map(rps);
      const row = {
        us: median(R.map(us)),
        xh: ratio(cs, p, 'haproxy-tcp', us),
        xn: ratio(cs, p, 'node-pipe', us),
        xd: ratio(cs, p, 'direct', rps),
      };
      out.push(`| ${p} | ${fmt(median(r))}${spread(r)} | ${fmt(median(R.map((x) => num(x.p50_ms))), 2)} | ${fmt(median(R.map((x) => num(x.p99_ms))), 2)} | ` +
        `${fmt(median(R.map((x) => num(x.proxy_cpu))))} | ${fmtUs(row.us)}${spread(R.map(us))} | ${fmt(row.xh, 2)} | ${fmt(row.xn, 2)} | ${fmt(row.xd, 2)} | ` +
        `${fmt(median(R.map((x) => num(x.cpu_load))))} | ${fmt(median(R.map((x) => num(x.cpu_proxy))))} | ` +
        `${fmt(Math.max(...R.map((x) => num(x.other_cpu))))} | ${R.reduce((s, x) => s + num(x.errors), 0)} |`);
      if (p === 'switchyard') headline.push({ cs, ...row, h: median(pick(cs, 'haproxy-tcp').map(us)), n: median(pick(cs, 'node-pipe').map(us)) });
    }
  }
  if (headline.length) {
    out.push('\n### Switchyard at a glance: proxy CPU µs per request (medians)\n');
    out.push('| case | haproxy-tcp | node-pipe | switchyard | × haproxy-tcp | × node-pipe | req/s × direct |');
    out.push('|---|---:|---:|---:|---:|---:|---:|');
    for (const h of headline) out.push(`| ${h.cs} | ${fmtUs(h.h)} | ${fmtUs(h.n)} | ${fmtUs(h.us)} | ${fmt(h.xh, 2)} | ${fmt(h.xn, 2)} | ${fmt(h.xd, 2)} |`);
  }
}

const disturbed = kept.filter((r) => num(r.other_cpu) > 10);
out.push(`\n${all.length} runs, ${all.length - kept.length} superseded by a re-run because of foreign CPU load; ` +
  `${disturbed.length} kept run(s) still above 10 % other CPU${disturbed.length ? ': ' + disturbed.map((r) => `${r.case}/${r.proxy}/rep${r.rep} (${r.other_cpu} %)`).join(', ') : ''}.`);
out.push('proxy CPU µs/req = proxy CPU time (utime+stime, all threads) / requests served; 1e6 / it = req/s one core could sustain. ' +
  '× haproxy-tcp and × node-pipe compare that cost (lower is better); × direct compares req/s. ' +
  '±x% = half the min–max range over repetitions, relative to the median. "other %" (the worst repetition) = user+system CPU on both cores not used by the proxy, the backends or the load generator.');
console.log(out.join('\n'));
