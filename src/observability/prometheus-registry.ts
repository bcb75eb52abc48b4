/**
 * The Prometheus text exposition of a balancer snapshot, built with prom-client from the metric
 * catalog (metrics-catalog.ts). Each render uses a registry of its own, so renders never share
 * state and nothing is registered globally; the process metrics are read on the spot (no timers,
 * no observers), unlike prom-client's default collectors.
 *
 * Counters and gauges are prom-client metrics whose `collect()` sets their values from the
 * snapshot. Histograms and summaries are already aggregated in the snapshot (latency histograms
 * recorded in µs), so they are prom-client metrics whose `get()` returns those figures, converted
 * to seconds, instead of observations.
 */
import { Counter, Gauge, Histogram, Registry, Summary } from 'prom-client';
import type { BalancerSnapshot } from '../runtime/balancer.js';
import { METRICS, type HistogramSample, type MetricDef, type MetricsSource, type ProcessFacts, type SummarySample } from './metrics-catalog.js';
import { DEFAULT_LATENCY_BOUNDS_MS } from './request-stats.js';
import type { MetricsInfo } from './metrics.js';


type HistogramData = Awaited<ReturnType<Histogram['get']>>;
type SummaryData = Awaited<ReturnType<Summary['get']>>;
type Value = HistogramData['values'][number];

/**
 * prom-client declares the `type` of a metric object as a TypeScript enum that its JavaScript does
 * not export; at run time (and in the text it writes) the type is the lower-case name.
 */
function metricType<T>(name: 'histogram' | 'summary'): T {
  return name as unknown as T;
}

function bucketValues(name: string, h: HistogramSample): Value[] {
  const { labels, buckets } = h;
  const out: Value[] = buckets.le.map((le, i) => ({ metricName: `${name}_bucket`, labels: { ...labels, le: le / 1000 }, value: buckets.counts[i] ?? 0 }));
  out.push({ metricName: `${name}_bucket`, labels: { ...labels, le: '+Inf' }, value: buckets.count });
  out.push({ metricName: `${name}_sum`, labels, value: buckets.sum / 1000 });
  out.push({ metricName: `${name}_count`, labels, value: buckets.count });
  return out;
}

function summaryValues(name: string, s: SummarySample): Value[] {
  const out: Value[] = s.quantiles.map(([q, v]) => ({ labels: { ...s.labels, quantile: q }, value: v }));
  out.push({ metricName: `${name}_sum`, labels: s.labels, value: s.sum });
  out.push({ metricName: `${name}_count`, labels: s.labels, value: s.count });
  return out;
}

/** A histogram whose buckets come whole from a snapshot (cumulative counts, exact sum and count). */
class SnapshotHistogram extends Histogram<string> {
  readonly #meta: { name: string; help: string; aggregator: HistogramData['aggregator'] };
  readonly #read: () => Iterable<HistogramSample>;

  constructor(def: MetricDef & { type: 'histogram' }, registry: Registry, src: MetricsSource) {
    super({ name: def.name, help: def.help, labelNames: [...def.labels], buckets: DEFAULT_LATENCY_BOUNDS_MS.map((ms) => ms / 1000), registers: [registry], aggregator: def.aggregate });
    this.#meta = { name: def.name, help: def.help, aggregator: def.aggregate };
    this.#read = () => def.histograms(src);
  }

  override get(): Promise<HistogramData> {
    const values: Value[] = [];
    for (const h of this.#read()) values.push(...bucketValues(this.#meta.name, h));
    return Promise.resolve({ ...this.#meta, type: metricType<HistogramData['type']>('histogram'), values, collect: () => undefined });
  }

  /** What the registry calls for the text format (prom-client's Histogram has it; it is not in its types). */
  getForPromString(): Promise<HistogramData> {
    return this.get();
  }
}

/** A summary whose quantiles, sum and count come from a snapshot. */
class SnapshotSummary extends Summary<string> {
  readonly #meta: { name: string; help: string; aggregator: SummaryData['aggregator'] };
  readonly #read: () => Iterable<SummarySample>;

  constructor(def: MetricDef & { type: 'summary' }, registry: Registry, src: MetricsSource) {
    super({ name: def.name, help: def.help, labelNames: [...def.labels], registers: [registry], aggregator: def.aggregate });
    this.#meta = { name: def.name, help: def.help, aggregator: def.aggregate };
    this.#read = () => def.summaries(src);
  }

  override get(): Promise<SummaryData> {
    const values: Value[] = [];
    for (const s of this.#read()) values.push(...summaryValues(this.#meta.name, s));
    return Promise.resolve({ ...this.#meta, type: metricType<SummaryData['type']>('summary'), values, collect: () => undefined });
  }
}

/**
 * Registers `def` on `registry`. A metric without labels that has no sample (e.g. no start time
 * given) is removed after the reset, which would otherwise leave a 0 in its place.
 */
function register(def: MetricDef, registry: Registry, src: MetricsSource): void {
  const common = { name: def.name, help: def.help, labelNames: [...def.labels], registers: [registry], aggregator: def.aggregate };
  switch (def.type) {
    case 'counter':
      new Counter({
        ...common,
        collect(this: Counter<string>) {
          this.reset();
          let n = 0;
          for (const s of def.samples(src)) {
            this.inc(s.labels, s.value);
            n++;
          }
          if (n === 0 && def.labels.length === 0) this.remove({});
        },
      });
      return;
    case 'gauge':
      new Gauge({
        ...common,
        collect(this: Gauge<string>) {
          this.reset();
          let n = 0;
          for (const s of def.samples(src)) {
            this.set(s.labels, s.value);
            n++;
          }
          if (n === 0 && def.labels.length === 0) this.remove({});
        },
      });
      return;
    case 'histogram':
      new SnapshotHistogram(def, registry, src);
      return;
    case 'summary':
      new SnapshotSummary(def, registry, src);
      return;
  }
}

function processFacts(): ProcessFacts {
  const cpu = process.cpuUsage();
  const mem = process.memoryUsage();
  return {
    cpuUserSeconds: cpu.user / 1e6,
    cpuSystemSeconds: cpu.system / 1e6,
    residentBytes: mem.rss,
    heapUsedBytes: mem.heapUsed,
    heapTotalBytes: mem.heapTotal,
    externalBytes: mem.external,
    startTimeSeconds: Math.round(Date.now() / 1000 - process.uptime()),
  };
}

/** The registry a render uses: every catalog metric, reading `src`. */
function metricsRegistry(src: MetricsSource): Registry {
  const registry = new Registry();
  for (const def of METRICS) register(def, registry, src);
  return registry;
}

/** The Prometheus text exposition (version 0.0.4) of `snapshot`. */
export function renderWithRegistry(snapshot: BalancerSnapshot, info: MetricsInfo): Promise<string> {
  const src: MetricsSource = { snapshot, version: info.version, node: process.version, startedAt: info.startedAt, process: processFacts() };
  return metricsRegistry(src).metrics();
}
