#!/usr/bin/env node
// Markdown tables from the raw TSV written by bench/http/run.sh (medians over repetitions).
// Ratios are medians of per-repetition ratios: each repetition measures every proxy a few
// seconds apart, so a slow drift of a shared host cancels out.
// usage: node bench/http/summarize.mjs bench/results/http-<date>.tsv [more.tsv ...]
//   (several TSVs: their rows are pooled; give later runs distinct rep numbers or they are
//   treated as re-runs of the same repetition and the least disturbed one is kept)
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
  for (const l of lines) if (l.trim()) all.push(Object.fromEntries(l.split('\t').map((v, i) => [cols[i], v])));
}

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

const TITLES = {
  'small-c50': 'wrk -t1 -c50, keep-alive, /small (100 B body)',
  'small-c10': 'wrk -t1 -c10, keep-alive, /small (100 B body)',
  '18k-c50': 'wrk -t1 -c50, keep-alive, /18k (18 KiB body)',
  '18k-c10': 'wrk -t1 -c10, keep-alive, /18k (18 KiB body)',
  'ab-18k': `ab -c 10 /18k (HTTP/1.0, a new connection per request)`,
};
const CASE_ORDER = ['small-c50', 'small-c10', '18k-c50', '18k-c10', 'ab-18k'];
const PROXY_ORDER = ['direct', 'haproxy-http', 'nginx', 'node-undici', 'node-undici@24', 'switchyard', 'switchyard@24'];
const byOrder = (order) => (a, b) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99) || a.localeCompare(b);
const REF = 'haproxy-http';

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

const cases = [...new Set(rows.map((r) => r.case))].sort(byOrder(CASE_ORDER));
const glance = new Map(); // case -> proxy -> {us, xh, p99x, errors}
for (const cs of cases) {
  const proxies = [...new Set(rows.filter((r) => r.case === cs).map((r) => r.proxy))].sort(byOrder(PROXY_ORDER));
  const reps = median(proxies.map((p) => pick(cs, p).length));
  const ab = cs.startsWith('ab-');
  out.push(`\n### ${TITLES[cs] ?? cs}  (median of ${reps} rep${reps === 1 ? '' : 's'}${ab ? `, -n ${median(pick(cs, REF).map((r) => num(r.requests)))}` : ''})\n`);
  out.push('| proxy | node | req/s | p50 ms | p99 ms | × haproxy (p99) | proxy CPU % | proxy CPU µs/req | user + sys µs | × haproxy (CPU/req) | × direct (req/s) | cpu0 % | cpu1 % | other % | errors |');
  out.push('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  const g = new Map();
  for (const p of proxies) {
    const R = pick(cs, p);
    const rr = R.map(rps);
    const row = {
      us: median(R.map(us)),
      user: median(R.map((x) => num(x.proxy_user_us))),
      sys: median(R.map((x) => num(x.proxy_sys_us))),
      xh: ratio(cs, p, REF, us),
      p99: median(R.map(p99)),
      p99x: ratio(cs, p, REF, p99),
      xd: ratio(cs, p, 'direct', rps),
      errors: R.reduce((s, x) => s + num(x.errors), 0),
      rps: median(rr),
      logLines: R.reduce((s, x) => s + (num(x.log_lines) || 0), 0),
      logNon200: R.reduce((s, x) => s + (num(x.log_non200) || 0), 0),
      requests: R.reduce((s, x) => s + num(x.requests), 0),
      isSy: p.startsWith('switchyard'),
    };
    g.set(p, row);
    out.push(`| ${p} | ${R[0].node || '–'} | ${fmt(row.rps)}${spread(rr)} | ${fmtMs(median(R.map((x) => num(x.p50_ms))))} | ${fmtMs(row.p99)} | ${fmt(row.p99x, 2)} | ` +
      `${fmt(median(R.map((x) => num(x.proxy_cpu))))} | ${fmtUs(row.us)}${spread(R.map(us))} | ${Number.isFinite(row.user) ? `${fmtUs(row.user)} + ${fmtUs(row.sys)}` : '–'} | ` +
      `${fmt(row.xh, 2)} | ${fmt(row.xd, 2)} | ` +
      `${fmt(median(R.map((x) => num(x.cpu_load))))} | ${fmt(median(R.map((x) => num(x.cpu_proxy))))} | ` +
      `${fmt(Math.max(...R.map((x) => num(x.other_cpu))))} | ${row.errors} |`);
  }
  glance.set(cs, g);
}

// At a glance: CPU per request against HAProxy, and the targets of issue 3.
const cols = PROXY_ORDER.filter((p) => p !== 'direct' && rows.some((r) => r.proxy === p));
if (cols.length) {
  out.push('\n### Proxy CPU µs per request (median), and × haproxy-http (median of per-repetition ratios)\n');
  out.push(`| case | ${cols.join(' | ')} |`);
  out.push(`|---|${cols.map(() => '---:').join('|')}|`);
  for (const cs of cases) {
    const g = glance.get(cs);
    out.push(`| ${cs} | ${cols.map((p) => { const x = g.get(p); if (!x) return '–'; return p === REF ? fmtUs(x.us) : `${fmtUs(x.us)} (${fmt(x.xh, 2)}×)`; }).join(' | ')} |`);
  }
}
const sys = cols.filter((p) => p.startsWith('switchyard'));
if (sys.length) {
  out.push('\n### Targets of issue 3 for Switchyard (access log + metrics on)\n');
  out.push('CPU/req ≤ 1.5× HAProxy on keep-alive (1.25× wanted), ≤ 1.6× per new connection; p99 ≤ 2× HAProxy; zero errors.\n');
  out.push('| case | proxy | CPU × haproxy | limit | met | p99 ms (haproxy) | p99 × haproxy | met | errors | access-log lines / requests | non-200 in log |');
  out.push('|---|---|---:|---:|---|---:|---:|---|---:|---:|---:|');
  for (const cs of cases) {
    const g = glance.get(cs); const h = g.get(REF);
    const limit = cs.startsWith('ab-') ? 1.6 : 1.5;
    for (const p of sys) {
      const x = g.get(p); if (!x) continue;
      const okc = x.xh <= limit ? (x.xh <= 1.25 ? 'yes (≤ 1.25)' : 'yes') : '**no**';
      const okp = x.p99x <= 2 ? 'yes' : '**no**';
      out.push(`| ${cs} | ${p} | ${fmt(x.xh, 2)} | ${limit} | ${okc} | ${fmtMs(x.p99)} (${h ? fmtMs(h.p99) : '–'}) | ${fmt(x.p99x, 2)} | ${okp} | ${x.errors} | ` +
        `${x.logLines} / ${x.requests} | ${x.logNon200} |`);
    }
  }
  out.push('\nAccess-log lines are counted per run after a 0.4 s wait for the writer\'s flush; they also include requests wrk had in flight when it stopped (wrk does not count those), so slightly more lines than requests is normal, fewer would mean dropped lines.');
}

const disturbed = rows.filter((r) => num(r.other_cpu) > 10);
out.push(`\n${all.length} runs, ${all.length - rows.length} superseded by a re-run because of foreign CPU load; ` +
  `${disturbed.length} kept run(s) still above 10 % other CPU${disturbed.length ? ': ' + disturbed.map((r) => `${r.case}/${r.proxy}/rep${r.rep} (${r.other_cpu} %)`).join(', ') : ''}.`);
out.push('proxy CPU µs/req = proxy CPU time (utime+stime from /proc/PID/stat, all threads and direct children) / requests completed; ' +
  '1e6 / it = req/s one core could sustain. user + sys splits it. × haproxy (CPU/req) and × haproxy (p99) are medians of per-repetition ratios ' +
  '(lower is better); × direct compares req/s. ±x% = half the min–max range over repetitions, relative to the median. ' +
  '"other %" (the worst repetition kept) = user+system CPU on both cores not used by the proxy, the backends or the load generator. ' +
  'errors = wrk socket errors + non-2xx responses (ab: failed requests + non-2xx + write errors), summed over repetitions.');
console.log(out.join('\n'));
