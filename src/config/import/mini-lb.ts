/**
 * mini-load-balancer `config.json` → a Switchyard draft: one HTTP listener (`protocol: http`)
 * in front of one pool. Its timings are seconds; Switchyard durations carry their unit.
 */
import { LineCounter, isMap, isScalar, isSeq, parseDocument, type Document } from 'yaml';
import { formatEndpoint, hostReason, portReason } from '../../core/address.js';
import { renderPath, type PathKey } from '../format-issues.js';
import { jsonSyntaxError } from '../load.js';
import { DraftBuilder, secondsToDuration, type SourcePlace } from './draft.js';
import { mapLegacyHealthTimer } from './health-mapping.js';
import { MINI_LB_ALGORITHMS, policyForScheduler } from './scheduler-names.js';
import type { Draft } from './types.js';

type Obj = Record<string, unknown>;

const LISTENER = 'proxy';
const POOL = 'backends';
const KNOWN = [
  'proxy_host',
  'proxy_port',
  'algorithm',
  'backend_servers',
  'health_check_interval',
  'health_check_timeout',
  'max_connections',
  'connection_timeout',
  'request_timeout',
  'enable_logging',
  'enable_metrics',
];

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Finds the line and column of a value (or, with `key`, of its key) in the JSON text. */
class Locator {
  private readonly lc = new LineCounter();
  private readonly doc: Document.Parsed;

  constructor(text: string) {
    this.doc = parseDocument(text, { lineCounter: this.lc, prettyErrors: false, uniqueKeys: false });
  }

  at(path: readonly PathKey[], key = false): SourcePlace {
    let node: unknown = this.doc.contents;
    let keyNode: unknown;
    for (const seg of path) {
      if (isMap(node)) {
        const pair = node.items.findLast((p) => isScalar(p.key) && String(p.key.value) === String(seg));
        if (pair === undefined) break;
        keyNode = pair.key;
        node = pair.value;
      } else if (isSeq(node) && typeof seg === 'number') {
        keyNode = undefined;
        node = node.items[seg];
      } else break;
    }
    const target = (key ? keyNode : node) ?? node;
    const range = (target as { range?: [number, number, number] } | null)?.range;
    if (range === undefined) return { path: renderPath(path) };
    const p = this.lc.linePos(range[0]);
    return { path: renderPath(path), line: p.line, column: p.col };
  }
}

function positionOf(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  return { line: before.split('\n').length, column: offset - (before.lastIndexOf('\n') + 1) + 1 };
}

function seconds(b: DraftBuilder, loc: Locator, cfg: Obj, key: string): number | undefined {
  const v = cfg[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    b.fail(loc.at([key]), `must be a number of seconds (0 or more), got ${JSON.stringify(v)}`);
    return undefined;
  }
  return v;
}

function flag(b: DraftBuilder, loc: Locator, cfg: Obj, key: string): boolean | undefined {
  const v = cfg[key];
  if (v === undefined || typeof v === 'boolean') return v;
  b.fail(loc.at([key]), `must be true or false, got ${JSON.stringify(v)}`);
  return undefined;
}

function wholeNumber(v: unknown, min: number, max: number): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
}

function convertBackends(b: DraftBuilder, loc: Locator, servers: unknown): Obj[] {
  if (!Array.isArray(servers) || servers.length === 0) {
    b.fail(loc.at(['backend_servers']), 'must be a list of at least one {"host", "port", "weight"}');
    return [];
  }
  const out: Obj[] = [];
  servers.forEach((s: unknown, i) => {
    const at = ['backend_servers', i];
    if (!isObj(s)) {
      b.fail(loc.at(at), 'must be an object like {"host": "10.0.0.5", "port": 8001, "weight": 1}');
      return;
    }
    for (const k of Object.keys(s)) if (!['host', 'port', 'weight'].includes(k)) b.note(loc.at([...at, k], true), 'is not known and was left out', 'end');
    const hostBad = typeof s.host !== 'string' ? `must be a host name or IP address, got ${JSON.stringify(s.host) ?? 'nothing'}` : hostReason(s.host, false);
    if (hostBad !== undefined) b.fail(loc.at([...at, 'host']), hostBad);
    const portBad = portReason(s.port);
    if (portBad !== undefined) b.fail(loc.at([...at, 'port']), portBad);
    if (s.weight !== undefined && !wholeNumber(s.weight, 0, 1000)) b.fail(loc.at([...at, 'weight']), `must be a whole number 0–1000, got ${JSON.stringify(s.weight)}`);
    if (hostBad === undefined && portBad === undefined) out.push(s.weight === undefined ? { host: s.host, port: s.port } : { host: s.host, port: s.port, weight: s.weight });
  });
  return out;
}

/** Converts a mini-load-balancer config.json. */
export function convertMiniLbJson(text: string, file: string): Draft {
  const b = new DraftBuilder('mini-load-balancer-json', file);
  const source = text.startsWith('\uFEFF') ? text.slice(1) : text;
  let cfg: unknown;
  try {
    cfg = JSON.parse(source);
  } catch {
    const found = jsonSyntaxError(source) ?? { offset: 0, reason: 'not valid JSON' };
    b.fail({ path: '', ...positionOf(source, found.offset) }, `invalid JSON: ${found.reason}`);
    return b.draft;
  }
  if (!isObj(cfg)) {
    b.fail({ path: '', line: 1, column: 1 }, 'must be a JSON object with "backend_servers"');
    return b.draft;
  }
  const loc = new Locator(source);
  for (const k of Object.keys(cfg)) if (!KNOWN.includes(k)) b.note(loc.at([k], true), 'is not a mini-load-balancer setting Switchyard knows; left out', 'end');

  const host = cfg.proxy_host ?? '0.0.0.0';
  const port = cfg.proxy_port ?? 8080;
  if (typeof host !== 'string' || (host !== '' && hostReason(host, true) !== undefined)) b.fail(loc.at(['proxy_host']), `must be a host name or IP address, got ${JSON.stringify(host)}`);
  if (!wholeNumber(port, 0, 65535)) b.fail(loc.at(['proxy_port']), `must be a port 0–65535, got ${JSON.stringify(port)}`);
  const algorithm = cfg.algorithm ?? 'round_robin';
  const policy = typeof algorithm === 'string' ? policyForScheduler(algorithm) : undefined;
  if (policy === undefined) b.fail(loc.at(['algorithm']), `must be one of ${MINI_LB_ALGORITHMS.join(', ')}, got ${JSON.stringify(algorithm)}`);
  const backends = convertBackends(b, loc, cfg.backend_servers);
  const interval = seconds(b, loc, cfg, 'health_check_interval');
  const timeout = seconds(b, loc, cfg, 'health_check_timeout');
  const connect = seconds(b, loc, cfg, 'connection_timeout');
  const request = seconds(b, loc, cfg, 'request_timeout');
  const logging = flag(b, loc, cfg, 'enable_logging');
  const metrics = flag(b, loc, cfg, 'enable_metrics');
  const maxConnections = cfg.max_connections;
  if (maxConnections !== undefined && !wholeNumber(maxConnections, 0, Number.MAX_SAFE_INTEGER)) b.fail(loc.at(['max_connections']), `must be a whole number, got ${JSON.stringify(maxConnections)}`);
  if (b.failed) return b.draft;

  const L = ['listeners', LISTENER];
  for (const [key, assumed, at] of [
    ['proxy_host', '0.0.0.0', [...L, 'bind']],
    ['proxy_port', '8080', [...L, 'bind']],
    ['algorithm', 'round_robin', ['pools', POOL, 'policy']],
  ] as const) {
    if (cfg[key] === undefined) b.note({ path: key, line: 1 }, `is not set; "${assumed}" is assumed, as in mini-load-balancer's example`, at);
  }
  const listener: Obj = { protocol: 'http', bind: formatEndpoint({ host: typeof host !== 'string' || host === '' ? '*' : host, port: Number(port) }), pool: POOL };
  const http: Obj = {};
  if (typeof maxConnections === 'number') {
    listener.maxConnections = maxConnections;
    b.note(loc.at(['max_connections']), `${maxConnections} client connections at most: a connection over the limit is closed at once, not queued`, [...L, 'maxConnections']);
  }
  if (request !== undefined) {
    http.responseTimeout = secondsToDuration(request);
    b.note(
      loc.at(['request_timeout']),
      `${request} seconds for a backend request becomes http.responseTimeout "${http.responseTimeout as string}": Switchyard's counts until the response head arrives, not the whole body`,
      [...L, 'http', 'responseTimeout'],
    );
  }
  if (logging === true) {
    http.accessLog = 'json';
    b.note(loc.at(['enable_logging']), 'request logging is written as a JSON access log line per request, to standard output (set http.accessLogFile for a file)', [...L, 'http', 'accessLog']);
  } else if (logging === false) b.note(loc.at(['enable_logging']), 'false: the access log stays off (http.accessLog: off, the default)', 'end');
  if (metrics === true) {
    http.internal = {};
    b.note(
      loc.at(['enable_metrics']),
      "/__health__, /__status__ and /__metrics__ are answered by Switchyard's own endpoints (http.internal), in Switchyard's JSON shape",
      [...L, 'http', 'internal'],
    );
  } else if (metrics === false) b.note(loc.at(['enable_metrics']), 'false: Switchyard\'s /__health__, /__status__ and /__metrics__ stay off (http.internal: false, the default)', 'end');
  if (Object.keys(http).length > 0) listener.http = http;

  const pool: Obj = { policy, backends };
  const mapped = mapLegacyHealthTimer({ kind: 'health-probe', intervalSeconds: interval, timeoutSeconds: timeout });
  if (mapped.health !== undefined) pool.health = mapped.health;
  const healthSource = loc.at([interval === undefined ? 'health_check_timeout' : 'health_check_interval']);
  for (const n of mapped.notes) b.note(healthSource, n, ['pools', POOL, mapped.health === undefined ? 'policy' : 'health']);
  if (policy !== 'weighted-round-robin' && policy !== 'source-hash' && backends.some((x) => x.weight !== undefined && x.weight !== 1)) {
    b.note(loc.at(['algorithm']), `weights are ignored by ${policy ?? ''}; use weighted-round-robin to follow them`, ['pools', POOL, 'policy']);
  }
  b.draft.config.listeners = { [LISTENER]: listener };
  b.draft.config.pools = { [POOL]: pool };
  if (connect !== undefined) {
    b.draft.config.timeouts = { connect: secondsToDuration(connect) };
    b.comment(['timeouts', 'connect'], `connection_timeout: ${connect} (seconds)`);
  }
  return b.draft;
}
