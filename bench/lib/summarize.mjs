#!/usr/bin/env node
// Markdown tables from the raw TSV written by bench/run.sh (medians over repetitions).
// Ratios are medians of per-repetition ratios: each repetition measures every proxy a few
// seconds apart, so a slow drift of a shared host cancels out.
// usage: node bench/lib/summarize.mjs bench/results/bench-<date>-<time>.tsv [more.tsv ...]
//   (several TSVs: their rows are pooled; rows of the same case, proxy and repetition are
//   treated as re-runs of one measurement and the least disturbed one is kept)
import { existsSync, readFileSync } from 'node:fs';

const files = process.argv.slice(2);
if (!files.length) {
  console.error('usage: node summarize.mjs RESULTS.tsv [more.tsv ...]');
  process.exit(2);
}
const all = [];
for (const file of files) {
  const [head, ...lines] = readFileSync(file, 'utf8').trim().split('\n');
  const cols = head.split('\t');
  if (!cols.includes('layer')) {
    console.error(`${file}: no "layer" column: not a bench/run.sh TSV`);
    process.exit(2);
  }
  for (const l of lines) if (l.trim()) all.push(Object.fromEntries(l.split('\t').map((v, i) => [cols[i], v])));
}

const NOISE_MAX = 10;
// run.sh re-runs a measurement disturbed by foreign CPU load; keep, per repetition, the
// attempt with the least foreign ("other") CPU.
const best = new Map();
for (const r of all) {
  const k = [r.case, r.proxy, r.rep].join('|');
  const b = best.get(k);
  if (!b || Number(r.other_cpu) < Number(b.other_cpu)) best.set(k, r);
}
const rows = [...best.values()];

const num = (v) => (v === '' || v === undefined ? NaN : Number(v));
const median = (xs) => {
  const a = xs.filter((x) => Number.isFinite(x)).sort((x, y) => x - y);
  if (!a.length) return NaN;
  const m = a.length >> 1;
  return a.length % 2 ? a[m] : (a[m - 1] + a[m]) / 2;
};
const fmt = (x, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : '–');
const fmtUs = (x) => fmt(x, Number.isFinite(x) && x < 10 ? 2 : 1);
const fmtMs = (x) => fmt(x, Number.isFinite(x) && x >= 10 ? 1 : 2);
const spread = (xs) => {
  const a = xs.filter(Number.isFinite);
  if (a.length < 2) return '';
  return ` ±${fmt((100 * (Math.max(...a) - Math.min(...a))) / 2 / median(a))}%`;
};

function title(cs) {
  const [layer, ...rest] = cs.split('-');
  const what = rest.join('-');
  const L = layer === 'l7' ? 'L7 (HTTP listeners)' : 'L4 (TCP listeners)';
  let m;
  if ((m = /^(small|18k)-c(\d+)$/.exec(what))) return `${L}: wrk -t1 -c${m[2]}, keep-alive, /${m[1]} (${m[1] === 'small' ? '100 B' : '18 KiB'} body)`;
  if ((m = /^close-c(\d+)$/.exec(what))) return `${L}: wrk -t1 -c${m[1]}, \`Connection: close\`, /small (a new connection per request)`;
  if ((m = /^ab-(small|18k)$/.exec(what))) return `${L}: ab -c ${rows.find((r) => r.case === cs)?.conns ?? 10}, HTTP/1.0, /${m[1]} (a new connection per request)`;
  if ((m = /^redis-(set|get)$/.exec(what))) return `${L}: redis-benchmark -t ${m[1]} -P 16 (2 redis-server, round robin per connection)`;
  return cs;
}
const CASE_ORDER = ['small-c10', 'small-c50', '18k-c10', '18k-c50', 'close-c50', 'ab-small', 'ab-18k', 'redis-set', 'redis-get'];
const caseRank = (cs) => {
  const [layer, ...rest] = cs.split('-');
  const i = CASE_ORDER.indexOf(rest.join('-'));
  return (layer === 'l7' ? 0 : 100) + (i < 0 ? 99 : i);
};
const PROXY_ORDER = ['direct', 'haproxy', 'nginx', 'node-undici', 'node-pipe', 'switchyard', 'switchyard@24'];
const proxyRank = (p) => { const i = PROXY_ORDER.indexOf(p); return i < 0 ? 99 : i; };
const REF = 'haproxy';

const pick = (cs, px) => rows.filter((r) => r.case === cs && r.proxy === px);
// median over repetitions of f(row of px) / f(row of ref in the same repetition)
const ratio = (cs, px, ref, f) => {
  const B = pick(cs, ref);
  return median(pick(cs, px).map((r) => { const m = B.find((x) => x.rep === r.rep); return m ? f(r) / f(m) : NaN; }));
};
const us = (r) => num(r.proxy_us_req);
const rps = (r) => num(r.rps);
const p99 = (r) => num(r.p99_ms);

const out = [];
for (const file of files) {
  const meta = file.replace(/\.tsv$/, '.meta.txt');
  if (existsSync(meta)) out.push('```', readFileSync(meta, 'utf8').trim(), '```');
}

const cases = [...new Set(rows.map((r) => r.case))].sort((a, b) => caseRank(a) - caseRank(b));
const stats = new Map(); // case -> proxy -> medians and ratios
for (const cs of cases) {
  const g = new Map();
  const proxies = [...new Set(rows.filter((r) => r.case === cs).map((r) => r.proxy))].sort((a, b) => proxyRank(a) - proxyRank(b));
  for (const p of proxies) {
    const R = pick(cs, p);
    g.set(p, {
      R,
      node: R[0]?.node || '–',
      rps: median(R.map(rps)),
      rpsSpread: spread(R.map(rps)),
      xd: ratio(cs, p, 'direct', rps),
      p50: median(R.map((x) => num(x.p50_ms))),
      p99: median(R.map(p99)),
      p99x: ratio(cs, p, REF, p99),
      cpu: median(R.map((x) => num(x.proxy_cpu))),
      us: median(R.map(us)),
      usSpread: spread(R.map(us)),
      user: median(R.map((x) => num(x.proxy_user_us))),
      sys: median(R.map((x) => num(x.proxy_sys_us))),
      xh: ratio(cs, p, REF, us),
      cpu0: median(R.map((x) => num(x.cpu_load))),
      cpu1: median(R.map((x) => num(x.cpu_proxy))),
      other: Math.max(...R.map((x) => num(x.other_cpu))),
      errors: R.reduce((s, x) => s + num(x.errors), 0),
      requests: R.reduce((s, x) => s + num(x.requests), 0),
      logLines: R.reduce((s, x) => s + (num(x.log_lines) || 0), 0),
      logNon200: R.reduce((s, x) => s + (num(x.log_non200) || 0), 0),
    });
  }
  stats.set(cs, g);
}

// At a glance: CPU per request and × HAProxy for every proxy, req/s of the direct connection.
const cols = PROXY_ORDER.filter((p) => p !== 'direct' && rows.some((r) => r.proxy === p));
const reps = median(cases.flatMap((cs) => [...stats.get(cs).values()].map((x) => x.R.length)));
out.push(`\n## Proxy CPU µs per request (× HAProxy)  (medians of ${reps} repetition${reps === 1 ? '' : 's'})\n`);
out.push(`| case | direct req/s | ${cols.join(' | ')} |`);
out.push(`|---|---:|${cols.map(() => '---:').join('|')}|`);
for (const cs of cases) {
  const g = stats.get(cs);
  const cell = (p) => { const x = g.get(p); if (!x) return '–'; return p === REF ? fmtUs(x.us) : `${fmtUs(x.us)} (${fmt(x.xh, 2)}×)`; };
  out.push(`| ${cs} | ${fmt(g.get('direct')?.rps)} | ${cols.map(cell).join(' | ')} |`);
}

// One table per case.
for (const cs of cases) {
  const g = stats.get(cs);
  const reps = median([...g.values()].map((x) => x.R.length));
  out.push(`\n### ${title(cs)}  (${cs}, median of ${reps} rep${reps === 1 ? '' : 's'})\n`);
  out.push('| proxy | node | req/s | × direct | p50 ms | p99 ms | p99 × haproxy | proxy CPU % | CPU µs/req | user + sys µs | CPU × haproxy | cpu0 % | cpu1 % | other % | errors |');
  out.push('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const [p, x] of g) {
    out.push(`| ${p} | ${x.node} | ${fmt(x.rps)}${x.rpsSpread} | ${fmt(x.xd, 2)} | ${fmtMs(x.p50)} | ${fmtMs(x.p99)} | ${fmt(x.p99x, 2)} | ` +
      `${fmt(x.cpu)} | ${fmtUs(x.us)}${x.usSpread} | ${Number.isFinite(x.user) ? `${fmtUs(x.user)} + ${fmtUs(x.sys)}` : '–'} | ${fmt(x.xh, 2)} | ` +
      `${fmt(x.cpu0)} | ${fmt(x.cpu1)} | ${fmt(x.other)} | ${x.errors} |`);
  }
}

// Switchyard against its targets: L7 CPU/req ≤ 1.5× HAProxy on keep-alive (1.25× wanted),
// ≤ 1.6× per new connection, p99 ≤ 2× HAProxy; L4 CPU/req ≤ 1.1× HAProxy; zero errors.
const sys = cols.filter((p) => p.startsWith('switchyard'));
if (sys.length && rows.some((r) => r.proxy === REF)) {
  out.push('\n### Switchyard against its targets\n');
  out.push('L7: CPU/req ≤ 1.5× HAProxy on keep-alive (1.25× wanted), ≤ 1.6× per new connection, p99 ≤ 2× HAProxy. L4: CPU/req ≤ 1.1× HAProxy. Zero errors.\n');
  out.push('| case | proxy | CPU × haproxy | limit | met | p99 ms (haproxy) | p99 × haproxy | met | errors | access-log lines / requests | non-200 in log |');
  out.push('|---|---|---:|---:|---|---:|---:|---|---:|---:|---:|');
  for (const cs of cases) {
    const g = stats.get(cs); const h = g.get(REF);
    const l7 = cs.startsWith('l7-');
    const limit = l7 ? (/-(ab|close)-/.test(cs) ? 1.6 : 1.5) : 1.1;
    for (const p of sys) {
      const x = g.get(p); if (!x) continue;
      const okc = !Number.isFinite(x.xh) ? '–' : x.xh <= limit ? (l7 && limit === 1.5 && x.xh <= 1.25 ? 'yes (≤ 1.25)' : 'yes') : '**no**';
      const okp = !l7 || !Number.isFinite(x.p99x) ? '–' : x.p99x <= 2 ? 'yes' : '**no**';
      out.push(`| ${cs} | ${p} | ${fmt(x.xh, 2)} | ${limit} | ${okc} | ${fmtMs(x.p99)} (${h ? fmtMs(h.p99) : '–'}) | ${fmt(x.p99x, 2)} | ${okp} | ${x.errors} | ` +
        `${l7 ? `${x.logLines} / ${x.requests}` : '–'} | ${l7 ? x.logNon200 : '–'} |`);
    }
  }
  out.push('\nAccess-log lines are counted per run after a 0.4 s wait for the writer\'s flush; they also include requests the load generator had in flight when it stopped (not counted by it), so slightly more lines than requests is normal; fewer would mean dropped lines.');
}

// Disturbed runs: which foreign processes took CPU during a kept measurement.
const disturbed = rows.filter((r) => num(r.other_cpu) > NOISE_MAX);
out.push(`\n${all.length} runs, ${all.length - rows.length} superseded by a re-run because of foreign CPU load; ` +
  `${disturbed.length} kept run(s) still above ${NOISE_MAX} % other CPU${disturbed.length ? ':' : '.'}`);
for (const r of disturbed) out.push(`- ${r.case} / ${r.proxy} / rep ${r.rep}: ${r.other_cpu} % other CPU${r.foreign ? ` (${r.foreign})` : ''}`);
const errors = rows.filter((r) => num(r.errors) > 0);
if (errors.length) out.push(`\n**Errors** in ${errors.length} kept run(s): ${errors.map((r) => `${r.case}/${r.proxy}/rep${r.rep} (${r.errors})`).join(', ')}.`);
out.push('\nproxy CPU µs/req = proxy CPU time (utime+stime from /proc/PID/stat, all threads and direct children) / requests completed; ' +
  '1e6 / it = req/s one core could sustain; user + sys splits it. × haproxy (CPU/req, p99) and × direct (req/s) are medians of ' +
  'per-repetition ratios. ±x% = half the min–max range over repetitions, relative to the median. "other %" (the worst repetition kept) = ' +
  'user+system CPU on both cores not used by the proxy, the backends or the load generator: load from outside the benchmark. ' +
  'errors = wrk socket errors + non-2xx; ab failed requests + non-2xx + write errors; a run with no rate counts as 1; summed over repetitions.');
console.log(out.join('\n'));
