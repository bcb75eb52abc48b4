/**
 * Every Prometheus metric Switchyard exposes, declared once: name, type, help, labels, how it
 * aggregates across worker processes (prom-client's aggregator names), and how its samples are
 * read from a balancer snapshot. The renderer (metrics.ts) turns this table into prom-client
 * metrics; nothing here touches sockets, timers or the process.
 */
import type { BalancerSnapshot, ListenerSnapshot } from '../runtime/balancer.js';
import type { BackendSnapshot, PoolSnapshot } from '../upstream/snapshot.js';
import type { LatencyBucketsSnapshot, RequestStatsSnapshot, StatusClass } from './request-stats.js';

export type Labels = Readonly<Record<string, string>>;

export interface Sample {
  readonly labels: Labels;
  readonly value: number;
}

export interface HistogramSample {
  readonly labels: Labels;
  /** Durations in ms; rendered in seconds. */
  readonly buckets: LatencyBucketsSnapshot;
}

export interface SummarySample {
  readonly labels: Labels;
  /** [quantile, value] pairs, value in seconds. */
  readonly quantiles: readonly (readonly [number, number])[];
  /** Seconds. */
  readonly sum: number;
  readonly count: number;
}

/** What the process reports about itself, read once per render. */
export interface ProcessFacts {
  readonly cpuUserSeconds: number;
  readonly cpuSystemSeconds: number;
  readonly residentBytes: number;
  readonly heapUsedBytes: number;
  readonly heapTotalBytes: number;
  readonly externalBytes: number;
  /** Epoch seconds. */
  readonly startTimeSeconds: number;
}

/** Everything a metric is read from. */
export interface MetricsSource {
  readonly snapshot: BalancerSnapshot;
  readonly version: string;
  readonly node: string;
  /** Epoch ms the balancer started, when known. */
  readonly startedAt: number | undefined;
  readonly process: ProcessFacts;
}

/** How values from several worker processes combine (prom-client's cluster aggregators). */
export type Aggregation = 'sum' | 'first' | 'min' | 'max' | 'average' | 'omit';

interface Common {
  readonly name: string;
  readonly help: string;
  readonly labels: readonly string[];
  readonly aggregate: Aggregation;
}

export type MetricDef =
  | (Common & { readonly type: 'counter' | 'gauge'; samples(src: MetricsSource): Iterable<Sample> })
  | (Common & { readonly type: 'histogram'; histograms(src: MetricsSource): Iterable<HistogramSample> })
  | (Common & { readonly type: 'summary'; summaries(src: MetricsSource): Iterable<SummarySample> });

const STATUS_CLASSES: readonly StatusClass[] = ['1xx', '2xx', '3xx', '4xx', '5xx'];
const ADMIN_STATES = ['ready', 'drain', 'maint'] as const;

function* eachListener(src: MetricsSource): Generator<[Labels, ListenerSnapshot]> {
  for (const l of src.snapshot.listeners) yield [{ listener: l.name }, l];
}

function* eachHttpListener(src: MetricsSource): Generator<[Labels, RequestStatsSnapshot]> {
  for (const l of src.snapshot.listeners) if (l.requests) yield [{ listener: l.name }, l.requests];
}

function* eachPool(src: MetricsSource): Generator<[Labels, PoolSnapshot]> {
  for (const p of src.snapshot.pools) yield [{ pool: p.name }, p];
}

function* eachBackend(src: MetricsSource): Generator<[Labels, BackendSnapshot]> {
  for (const p of src.snapshot.pools) for (const b of p.backends) yield [{ pool: p.name, backend: b.name }, b];
}

function* eachHttpBackend(src: MetricsSource): Generator<[Labels, RequestStatsSnapshot]> {
  for (const [labels, b] of eachBackend(src)) if (b.requests) yield [labels, b.requests];
}

type Read<T> = (src: MetricsSource) => Iterable<[Labels, T]>;
type Samples = (src: MetricsSource) => Iterable<Sample>;

/** One sample per item, valued by `value`. */
function one<T>(read: Read<T>, value: (x: T) => number): Samples {
  return function* (src) {
    for (const [labels, x] of read(src)) yield { labels, value: value(x) };
  };
}

/** One sample per item and key of `counts` (or of `keys`), the key under label `label`. */
function split<T>(read: Read<T>, label: string, counts: (x: T) => Readonly<Record<string, number>>, keys?: readonly string[]): Samples {
  return function* (src) {
    for (const [labels, x] of read(src)) {
      const c = counts(x);
      for (const k of keys ?? Object.keys(c)) yield { labels: { ...labels, [label]: k }, value: c[k] ?? 0 };
    }
  };
}

/** One sample without labels, none when `value` is undefined. */
function single(value: (src: MetricsSource) => number | undefined): Samples {
  return function* (src) {
    const v = value(src);
    if (v !== undefined) yield { labels: {}, value: v };
  };
}

const bool = (b: boolean): number => (b ? 1 : 0);

function* buildInfo(src: MetricsSource): Generator<Sample> {
  yield { labels: { version: src.version, node: src.node }, value: 1 };
}

function* activePools(src: MetricsSource): Generator<Sample> {
  for (const l of src.snapshot.listeners) if (l.activePool !== null) yield { labels: { listener: l.name, pool: l.activePool }, value: 1 };
}

function* backendInfo(src: MetricsSource): Generator<Sample> {
  for (const [labels, b] of eachBackend(src)) yield { labels: { ...labels, address: b.address }, value: 1 };
}

function* probeSuccess(src: MetricsSource): Generator<Sample> {
  for (const [labels, b] of eachBackend(src)) if (b.probe?.last) yield { labels, value: bool(b.probe.last.ok) };
}

function* probeDurations(src: MetricsSource): Generator<SummarySample> {
  for (const [labels, b] of eachBackend(src)) {
    const l = b.probe?.latencyMs;
    if (l) yield { labels, quantiles: [[0.5, l.p50 / 1000], [0.99, l.p99 / 1000]], sum: l.sum / 1000, count: l.count };
  }
}

function durations(read: Read<RequestStatsSnapshot>): (src: MetricsSource) => Iterable<HistogramSample> {
  return function* (src) {
    for (const [labels, r] of read(src)) yield { labels, buckets: r.latencyBucketsMs };
  };
}

/** Which labels a metric has and how it aggregates across workers. */
type Scope = Pick<Common, 'labels' | 'aggregate'>;
const GLOBAL: Scope = { labels: [], aggregate: 'sum' };
const LISTENER: Scope = { labels: ['listener'], aggregate: 'sum' };
const POOL: Scope = { labels: ['pool'], aggregate: 'first' };
const BACKEND: Scope = { labels: ['pool', 'backend'], aggregate: 'sum' };

/** `scope` with one more label and/or another aggregation. */
function extend(scope: Scope, more: { label?: string; aggregate?: Aggregation }): Scope {
  return { labels: more.label === undefined ? scope.labels : [...scope.labels, more.label], aggregate: more.aggregate ?? scope.aggregate };
}

const counter = (name: string, help: string, scope: Scope, samples: Samples): MetricDef => ({ type: 'counter', name, help, ...scope, samples });
const gauge = (name: string, help: string, scope: Scope, samples: Samples): MetricDef => ({ type: 'gauge', name, help, ...scope, samples });

export const METRICS: readonly MetricDef[] = [
  // ---- the build and the process (read on the spot, the names prom-client's default collectors use)
  gauge('switchyard_build_info', 'Always 1; the labels say which Switchyard and which Node.js run.', { labels: ['version', 'node'], aggregate: 'first' }, buildInfo),
  gauge('switchyard_uptime_seconds', 'Seconds since the balancer started.', extend(GLOBAL, { aggregate: 'max' }), single((s) => Math.round(s.snapshot.uptimeMs) / 1000)),
  gauge('switchyard_start_time_seconds', 'When the balancer started, in seconds since the Unix epoch.', extend(GLOBAL, { aggregate: 'min' }), single((s) => (s.startedAt === undefined ? undefined : s.startedAt / 1000))),
  counter('process_cpu_user_seconds_total', 'User CPU time spent in seconds.', GLOBAL, single((s) => s.process.cpuUserSeconds)),
  counter('process_cpu_system_seconds_total', 'System CPU time spent in seconds.', GLOBAL, single((s) => s.process.cpuSystemSeconds)),
  counter('process_cpu_seconds_total', 'Total user and system CPU time spent in seconds.', GLOBAL, single((s) => s.process.cpuUserSeconds + s.process.cpuSystemSeconds)),
  gauge('process_resident_memory_bytes', 'Resident memory size in bytes.', GLOBAL, single((s) => s.process.residentBytes)),
  gauge('process_start_time_seconds', 'Start time of the process since the Unix epoch in seconds.', extend(GLOBAL, { aggregate: 'omit' }), single((s) => s.process.startTimeSeconds)),
  gauge('nodejs_heap_size_used_bytes', 'Process heap size used from Node.js in bytes.', GLOBAL, single((s) => s.process.heapUsedBytes)),
  gauge('nodejs_heap_size_total_bytes', 'Process heap size from Node.js in bytes.', GLOBAL, single((s) => s.process.heapTotalBytes)),
  gauge('nodejs_external_memory_bytes', 'Node.js external memory size in bytes.', GLOBAL, single((s) => s.process.externalBytes)),

  // ---- listeners
  counter('switchyard_listener_connections_accepted_total', 'Client connections accepted.', LISTENER, one(eachListener, (l) => l.acceptedConnections)),
  counter('switchyard_listener_connections_rejected_total', 'Client connections closed at once because the listener was at its connection limit.', LISTENER, one(eachListener, (l) => l.rejectedConnections)),
  gauge('switchyard_listener_connections_active', 'Client connections open now.', LISTENER, one(eachListener, (l) => l.activeConnections)),
  counter('switchyard_listener_terminations_total', 'Connections (TCP) or requests (HTTP) ended, by termination code.', extend(LISTENER, { label: 'code' }), split(eachListener, 'code', (l) => l.terminations)),
  gauge('switchyard_listener_active_pool', 'Always 1; the pool label is the pool that receives new connections (blue/green).', extend(LISTENER, { label: 'pool', aggregate: 'first' }), activePools),
  counter('switchyard_listener_http_requests_total', 'HTTP requests finished.', LISTENER, one(eachHttpListener, (r) => r.requests)),
  counter('switchyard_listener_http_responses_total', 'HTTP responses sent, by status class.', extend(LISTENER, { label: 'class' }), split(eachHttpListener, 'class', (r) => r.statusCounts, STATUS_CLASSES)),
  counter('switchyard_listener_http_received_bytes_total', 'Bytes received from HTTP clients (heads and bodies).', LISTENER, one(eachHttpListener, (r) => r.bytesIn)),
  counter('switchyard_listener_http_sent_bytes_total', 'Bytes sent to HTTP clients (heads and bodies).', LISTENER, one(eachHttpListener, (r) => r.bytesOut)),
  {
    type: 'histogram',
    name: 'switchyard_listener_http_request_duration_seconds',
    help: 'HTTP request durations, from the first byte of the request to the end of the response.',
    ...LISTENER,
    histograms: durations(eachHttpListener),
  },

  // ---- pools
  gauge('switchyard_pool_backends', 'Backends configured in the pool.', POOL, one(eachPool, (p) => p.backends.length)),
  gauge('switchyard_pool_backends_eligible', 'Backends that may take new traffic now (ready, up, not ejected).', extend(POOL, { aggregate: 'min' }), one(eachPool, (p) => p.eligibleBackends)),
  gauge('switchyard_pool_panic', '1 while too few backends are eligible and traffic goes to every ready backend.', extend(POOL, { aggregate: 'max' }), one(eachPool, (p) => bool(p.panic))),

  // ---- backends
  gauge('switchyard_backend_info', 'Always 1; the address label is where the backend is.', extend(BACKEND, { label: 'address', aggregate: 'first' }), backendInfo),
  gauge('switchyard_backend_connections_active', 'Connections or requests in flight to the backend now.', BACKEND, one(eachBackend, (b) => b.activeConnections)),
  counter('switchyard_backend_connections_total', 'Connections to the backend that were established.', BACKEND, one(eachBackend, (b) => b.totals.connections)),
  counter('switchyard_backend_connect_failures_total', 'Connect attempts to the backend that failed (refused, reset, timed out).', BACKEND, one(eachBackend, (b) => b.totals.connectFailures)),
  counter('switchyard_backend_received_bytes_total', 'Bytes received from the backend.', BACKEND, one(eachBackend, (b) => b.totals.bytesIn)),
  counter('switchyard_backend_sent_bytes_total', 'Bytes sent to the backend.', BACKEND, one(eachBackend, (b) => b.totals.bytesOut)),
  gauge(
    'switchyard_backend_admin_state',
    'The admin state an operator set: 1 for the current one of ready, drain and maint.',
    extend(BACKEND, { label: 'state', aggregate: 'first' }),
    split(eachBackend, 'state', (b) => ({ ready: 0, drain: 0, maint: 0, [b.adminState]: 1 }), ADMIN_STATES),
  ),
  gauge('switchyard_backend_up', '1 when active probes say the backend is up (always 1 when it is not probed).', extend(BACKEND, { aggregate: 'first' }), one(eachBackend, (b) => bool(b.health === 'up'))),
  gauge('switchyard_backend_ejected', '1 while passive health (outlier detection) has ejected the backend.', extend(BACKEND, { aggregate: 'max' }), one(eachBackend, (b) => bool(b.ejected))),
  gauge('switchyard_backend_eligible', '1 when the backend may take new traffic (ready, up, not ejected).', extend(BACKEND, { aggregate: 'min' }), one(eachBackend, (b) => bool(b.eligible))),
  gauge('switchyard_backend_weight', 'The configured weight.', extend(BACKEND, { aggregate: 'first' }), one(eachBackend, (b) => b.weight)),
  gauge('switchyard_backend_effective_weight', 'The weight the balancing policy uses now (lower during slow start).', extend(BACKEND, { aggregate: 'min' }), one(eachBackend, (b) => b.effectiveWeight)),
  counter(
    'switchyard_backend_transitions_total',
    'State changes of the backend, by kind (up, down, ejected, returned, drain, maint, ready).',
    extend(BACKEND, { label: 'kind' }),
    split(eachBackend, 'kind', (b) => b.transitions),
  ),
  gauge('switchyard_backend_probe_success', '1 when the last active probe passed (probed backends, after their first probe).', extend(BACKEND, { aggregate: 'first' }), probeSuccess),
  {
    type: 'summary',
    name: 'switchyard_backend_probe_duration_seconds',
    help: 'Durations of the successful active probes of the backend.',
    ...extend(BACKEND, { aggregate: 'first' }),
    summaries: probeDurations,
  },
  counter('switchyard_backend_http_requests_total', 'HTTP requests that ended on the backend (the last one tried).', BACKEND, one(eachHttpBackend, (r) => r.requests)),
  counter(
    'switchyard_backend_http_responses_total',
    'HTTP responses of the requests that ended on the backend, by status class.',
    extend(BACKEND, { label: 'class' }),
    split(eachHttpBackend, 'class', (r) => r.statusCounts, STATUS_CLASSES),
  ),
  {
    type: 'histogram',
    name: 'switchyard_backend_http_request_duration_seconds',
    help: 'Durations of the HTTP requests that ended on the backend, as the client saw them.',
    ...BACKEND,
    histograms: durations(eachHttpBackend),
  },
];
