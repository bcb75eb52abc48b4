/**
 * PumpkinLB ini → a Switchyard draft. Each `[mappings]` line `[localaddr:]inport=worker:port,…`
 * becomes a TCP listener and a round-robin pool of the same name; `[options]`
 * `pre_resolve_workers` becomes `resolve` and `buffer_size` becomes `bufferSize`.
 */
import { formatEndpoint } from '../../core/address.js';
import { DraftBuilder, parseLegacyAddress, safeName, uniqueName, type SourcePlace } from './draft.js';
import type { Draft } from './types.js';

type Obj = Record<string, unknown>;

interface IniLine {
  readonly section: string;
  readonly key: string;
  readonly value: string;
  readonly text: string;
  readonly line: number;
}

interface IniFile {
  readonly entries: IniLine[];
  readonly sections: Map<string, number>;
}

function parseIni(b: DraftBuilder, text: string): IniFile {
  const entries: IniLine[] = [];
  const sections = new Map<string, number>();
  let section: string | undefined;
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    const t = raw.trim();
    if (t === '' || t.startsWith('#') || t.startsWith(';')) return;
    const header = /^\[([^\]]*)\]$/.exec(t);
    if (header) {
      section = (header[1] ?? '').trim().toLowerCase();
      if (!sections.has(section)) sections.set(section, line);
      return;
    }
    const eq = t.indexOf('=');
    if (section === undefined) b.fail({ path: `"${short(t)}"`, line }, 'is outside any section; start the file with [mappings]');
    else if (eq < 0) b.fail({ path: `"${short(t)}"`, line }, 'is not a key=value line');
    else entries.push({ section, key: t.slice(0, eq).trim(), value: t.slice(eq + 1).trim(), text: t, line });
  });
  return { entries, sections };
}

function short(text: string): string {
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

interface Worker {
  readonly host: string;
  readonly port: number;
  readonly address: string;
  count: number;
}

function convertMapping(b: DraftBuilder, e: IniLine, names: Set<string>, bound: Map<string, number>): string | undefined {
  const where: SourcePlace = { path: `mapping "${short(e.text)}"`, line: e.line };
  const key = e.key;
  const local = key.includes(':') ? parseLegacyAddress(key, `local address "${key}"`, true) : parseLegacyAddress(`*:${key}`, `inport "${key}"`, true);
  if (!local.ok) {
    b.fail(where, local.reason);
    return undefined;
  }
  const bind = formatEndpoint(local.value);
  const first = bound.get(bind);
  if (first !== undefined && local.value.port !== 0) {
    b.fail(where, `${bind} is mapped twice (first on line ${first})`);
    return undefined;
  }
  bound.set(bind, e.line);
  const workers = new Map<string, Worker>();
  for (const w of e.value.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const addr = parseLegacyAddress(w, `worker "${w}"`, false);
    if (!addr.ok) {
      b.fail(where, addr.reason);
      continue;
    }
    const address = formatEndpoint(addr.value);
    const seen = workers.get(address.toLowerCase());
    if (seen === undefined) workers.set(address.toLowerCase(), { host: addr.value.host, port: addr.value.port, address, count: 1 });
    else seen.count++;
  }
  if (workers.size === 0) {
    if (!b.failed) b.fail(where, 'has no workers (inport=worker:port,worker:port,…)');
    return undefined;
  }
  const base = local.value.host === '*' ? `port-${local.value.port}` : `${local.value.host}-${local.value.port}`;
  const name = uniqueName(safeName(base, `port-${local.value.port}`), names);
  (b.draft.config.listeners as Obj)[name] = { bind, pool: name };
  const list = [...workers.values()];
  const repeated = list.some((w) => w.count > 1);
  const pool: Obj = repeated
    ? {
        policy: 'weighted-round-robin',
        backends: list.map((w) => ({ host: w.host, port: w.port, weight: w.count })),
      }
    : { policy: 'round-robin', backends: list.map((w) => w.address) };
  pool.failover = { attempts: Math.min(Math.max(list.length, 1), 16) };
  (b.draft.config.pools as Obj)[name] = pool;
  if (repeated) {
    b.note(where, 'workers listed more than once got that many turns in the rotation: written as weights with weighted-round-robin', ['pools', name, 'policy']);
  }
  return name;
}

function convertOptions(b: DraftBuilder, entries: readonly IniLine[]): void {
  for (const e of entries) {
    const where: SourcePlace = { path: `[options] ${e.key}`, line: e.line };
    const key = e.key.toLowerCase();
    if (key === 'pre_resolve_workers') {
      if (e.value !== '0' && e.value !== '1') b.fail(where, `must be 0 or 1, got "${e.value}"`);
      else b.draft.config.resolve = e.value === '1' ? 'once' : 'per-connection';
    } else if (key === 'buffer_size') {
      if (!/^\d+$/.test(e.value) || Number(e.value) < 1) b.fail(where, `must be a number of bytes above 0, got "${e.value}"`);
      else {
        b.draft.config.bufferSize = Number(e.value);
        b.note(
          where,
          `was the size of each socket read; Switchyard's bufferSize (${e.value} bytes) is how much each direction buffers before reading pauses`,
          ['bufferSize'],
        );
      }
    } else b.note(where, 'is not a PumpkinLB option Switchyard knows; left out', 'end');
  }
}

/** Converts a PumpkinLB ini file. */
export function convertPumpkinIni(text: string, file: string): Draft {
  const b = new DraftBuilder('pumpkinlb-ini', file);
  const ini = parseIni(b, text);
  const mappingsLine = ini.sections.get('mappings');
  if (mappingsLine === undefined) {
    b.fail({ path: '', line: 1 }, 'has no [mappings] section (lines "[localaddr:]inport=worker:port,…")');
    return b.draft;
  }
  b.draft.config.listeners = {};
  b.draft.config.pools = {};
  for (const [section, line] of ini.sections) {
    if (section !== 'mappings' && section !== 'options') b.note({ path: `[${section}]`, line }, 'is not a PumpkinLB section Switchyard knows; left out', 'end');
  }
  const names = new Set<string>();
  const bound = new Map<string, number>();
  const pools: string[] = [];
  for (const e of ini.entries.filter((x) => x.section === 'mappings')) {
    const name = convertMapping(b, e, names, bound);
    if (name !== undefined) pools.push(name);
  }
  if (pools.length === 0 && !b.failed) b.fail({ path: '[mappings]', line: mappingsLine }, 'has no mappings');
  convertOptions(b, ini.entries.filter((x) => x.section === 'options'));
  if (pools.length > 0) {
    b.note(
      { path: '[mappings]', line: mappingsLine },
      'PumpkinLB retried a failed request on other workers until one answered; Switchyard tries each backend at most once per connection, up to failover.attempts (set to the number of workers, at most 16)',
      ...pools.map((p) => ['pools', p, 'failover']),
    );
  }
  return b.draft;
}
