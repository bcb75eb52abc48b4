/**
 * txLoadBalancer (`<config>`) and PythonDirector (`<pdconfig>`) XML → a Switchyard draft.
 * A `<service>` becomes a TCP listener with one bind per `<listen>`; each `<group>` a pool named
 * "<service>-<group>"; the enabled group is the listener's active pool, the others stand by.
 */
import { formatEndpoint } from '../../core/address.js';
import { DraftBuilder, parseLegacyAddress, parseSeconds, safeName, uniqueName, weightReason, type SourcePlace } from './draft.js';
import { describeAdmin } from './director-admin.js';
import { mapLegacyHealthTimer } from './health-mapping.js';
import { DIRECTOR_SCHEDULERS, policyForScheduler } from './scheduler-names.js';
import type { Draft } from './types.js';
import { describeElement, parseXmlTree, type XmlElement } from './xml-tree.js';

type Obj = Record<string, unknown>;

const ROOTS = { config: 'txloadbalancer-xml', pdconfig: 'pythondirector-xml' } as const;

function place(el: XmlElement, attr = 'name'): SourcePlace {
  return { path: describeElement(el, attr), line: el.line };
}

/** Notes attributes and child elements the converter does not know (they are left out). */
function noteUnknown(b: DraftBuilder, el: XmlElement, attrs: readonly string[], children: readonly string[]): void {
  for (const a of Object.keys(el.attrs)) {
    if (!attrs.includes(a)) b.note(place(el), `attribute ${a}="${el.attrs[a] ?? ''}" is not known and was left out`, 'end');
  }
  for (const c of el.children) {
    if (!children.includes(c.name)) b.note(place(c), `element <${c.name}> inside <${el.name}> is not known and was left out`, 'end');
  }
}

function isTrue(value: string | undefined): boolean {
  return value !== undefined && ['true', 'yes', '1', 'on'].includes(value.trim().toLowerCase());
}

interface GroupOut {
  readonly el: XmlElement;
  readonly pool: string;
}

function convertBackends(b: DraftBuilder, group: XmlElement): Obj[] {
  const backends: Obj[] = [];
  const names = new Set<string>();
  for (const host of group.children.filter((c) => c.name === 'host' || c.name === 'client')) {
    noteUnknown(b, host, ['name', 'ip', 'weight'], []);
    const ip = host.attrs.ip;
    if (ip === undefined) {
      b.fail(place(host), 'has no ip="host:port"');
      continue;
    }
    const addr = parseLegacyAddress(ip, `ip "${ip}"`, false);
    if (!addr.ok) {
      b.fail(place(host), addr.reason);
      continue;
    }
    const backend: Obj = {};
    const rawName = host.attrs.name;
    if (rawName !== undefined) {
      const name = uniqueName(safeName(rawName, formatEndpoint(addr.value)), names);
      if (name !== rawName) b.note(place(host), `name "${rawName}" is written as "${name}" (names are letters, digits, "_", "." or "-", unique in a pool)`, 'end');
      backend.name = name;
    }
    backend.host = addr.value.host;
    backend.port = addr.value.port;
    if (host.attrs.weight !== undefined) {
      const w = weightReason(host.attrs.weight);
      if ('reason' in w) b.fail(place(host), w.reason);
      else backend.weight = w.weight;
    }
    backends.push(backend);
  }
  return backends;
}

/** The active group: `enable="true"` on a group, or `<enable group="…"/>`; at most one. */
function activeGroup(b: DraftBuilder, service: XmlElement, groups: readonly GroupOut[], at: readonly (string | number)[]): GroupOut | undefined {
  const chosen: { group: GroupOut; by: XmlElement }[] = [];
  for (const g of groups) if (isTrue(g.el.attrs.enable)) chosen.push({ group: g, by: g.el });
  for (const en of service.children.filter((c) => c.name === 'enable')) {
    noteUnknown(b, en, ['group'], []);
    const name = en.attrs.group;
    const g = groups.find((x) => x.el.attrs.name === name);
    if (name === undefined) b.fail(place(en, 'group'), 'has no group="…"');
    else if (g === undefined) {
      const known = groups.map((x) => `"${x.el.attrs.name ?? ''}"`).join(', ');
      b.fail(place(en, 'group'), `names no group of ${describeElement(service)} (groups: ${known || 'none'})`);
    } else if (!chosen.some((c) => c.group === g)) chosen.push({ group: g, by: en });
  }
  if (chosen.length > 1) {
    const which = chosen.map((c) => `${describeElement(c.by, c.by.name === 'enable' ? 'group' : 'name')}${c.by.line === undefined ? '' : ` (line ${c.by.line})`}`);
    b.fail(place(service), `enables more than one group: ${which.join(', ')}; one group is active at a time`);
    return undefined;
  }
  if (chosen[0] !== undefined) return chosen[0].group;
  const first = groups[0];
  if (first !== undefined && groups.length > 1) {
    b.note(place(service), `no group is enabled; the first, "${first.el.attrs.name ?? ''}", is made the active pool`, [...at, 'activePool']);
  }
  return first;
}

function convertService(b: DraftBuilder, service: XmlElement, listenerNames: Set<string>, poolNames: Set<string>): void {
  noteUnknown(b, service, ['name'], ['listen', 'group', 'enable']);
  const rawName = service.attrs.name;
  if (rawName === undefined) {
    b.fail(place(service), 'has no name="…"');
    return;
  }
  const name = uniqueName(safeName(rawName, 'service'), listenerNames);
  const at = ['listeners', name];
  if (name !== rawName) b.note(place(service), `name "${rawName}" is written as "${name}" (names are letters, digits, "_", "." or "-", at most 64)`, at);

  const binds: string[] = [];
  for (const listen of service.children.filter((c) => c.name === 'listen')) {
    noteUnknown(b, listen, ['ip'], []);
    const ip = listen.attrs.ip;
    if (ip === undefined) {
      b.fail(place(listen, 'ip'), 'has no ip="host:port"');
      continue;
    }
    const addr = parseLegacyAddress(ip, `ip "${ip}"`, true);
    if (addr.ok) binds.push(formatEndpoint(addr.value));
    else b.fail(place(listen, 'ip'), addr.reason);
  }
  if (binds.length === 0 && !b.failed) b.fail(place(service), 'has no <listen ip="host:port"/>');

  const groups: GroupOut[] = [];
  const pools = b.draft.config.pools as Obj;
  for (const group of service.children.filter((c) => c.name === 'group')) {
    noteUnknown(b, group, ['name', 'scheduler', 'enable'], ['host', 'client']);
    const groupName = group.attrs.name;
    if (groupName === undefined) {
      b.fail(place(group), 'has no name="…"');
      continue;
    }
    const pool = uniqueName(safeName(`${name}-${groupName}`, `${name}-group`), poolNames);
    const scheduler = group.attrs.scheduler;
    const policy = scheduler === undefined ? undefined : policyForScheduler(scheduler);
    if (policy === undefined) {
      const got = scheduler === undefined ? 'none is given' : `got "${scheduler}"`;
      b.fail(place(group), `scheduler must be one of ${DIRECTOR_SCHEDULERS.join(', ')}; ${got}`);
    }
    const backends = convertBackends(b, group);
    if (!group.children.some((c) => c.name === 'host' || c.name === 'client')) b.note(place(group), 'has no hosts; the pool is written with none', ['pools', pool]);
    pools[pool] = { policy: policy ?? 'round-robin', backends };
    groups.push({ el: group, pool });
  }
  if (groups.length === 0) {
    b.fail(place(service), 'has no <group>');
    return;
  }
  const active = activeGroup(b, service, groups, at);
  const listener: Obj = { bind: binds.length === 1 ? binds[0] : binds };
  if (groups.length === 1) listener.pool = groups[0]?.pool;
  else {
    listener.pools = groups.map((g) => g.pool);
    listener.activePool = active?.pool;
    const standby = groups.filter((g) => g !== active).map((g) => g.pool);
    b.comment([...at, 'pools'], `standing by for a switch-over: ${standby.join(', ')}`);
  }
  (b.draft.config.listeners as Obj)[name] = listener;
}

/** `<manager>`: hostCheck becomes each pool's health; configCheck and heartbeat have no counterpart. */
function convertManager(b: DraftBuilder, manager: XmlElement): void {
  noteUnknown(b, manager, [], ['hostCheck', 'configCheck', 'heartbeat']);
  for (const el of manager.children) {
    if (!['hostCheck', 'configCheck', 'heartbeat'].includes(el.name)) continue;
    noteUnknown(b, el, ['interval', 'enable'], []);
    const where: SourcePlace = { path: `<${el.name} interval="${el.attrs.interval ?? ''}">`, line: el.line };
    const raw = el.attrs.interval;
    const seconds = raw === undefined ? undefined : parseSeconds(raw);
    if (raw !== undefined && seconds === undefined) {
      b.fail(where, `interval must be a number of seconds, got "${raw}"`);
      continue;
    }
    const enabled = el.attrs.enable === undefined || isTrue(el.attrs.enable);
    const state = enabled ? 'enabled' : 'disabled';
    if (el.name === 'configCheck') {
      b.note(where, `re-reading the config file every ${raw ?? '?'} seconds (${state}) is not carried over: Switchyard does not watch its file`, 'end');
    } else if (el.name === 'heartbeat') {
      b.note(where, `the heartbeat every ${raw ?? '?'} seconds (${state}) is not carried over: Switchyard has no heartbeat`, 'end');
    } else if (seconds !== undefined) {
      const mapped = mapLegacyHealthTimer({ kind: 'host-check', intervalSeconds: seconds, enabled });
      const pools = Object.entries(b.draft.config.pools as Obj);
      for (const [, spec] of pools) if (mapped.health !== undefined) (spec as Obj).health = structuredClone(mapped.health);
      const at = pools.map(([pool]) => ['pools', pool, mapped.health === undefined ? 'policy' : 'health']);
      const [first, ...others] = at;
      for (const text of mapped.notes) b.note(where, text, ...(first === undefined ? [] : [first]));
      for (const other of others) b.comment(other, `${where.path}${el.line === undefined ? '' : ` (line ${el.line})`}: as for pool ${String(first?.[1] ?? '')} above`);
    }
  }
}

/** Converts a txLoadBalancer or PythonDirector XML file. */
export function convertDirectorXml(text: string, file: string): Draft {
  const parsed = parseXmlTree(text);
  const root = parsed.ok ? parsed.root : undefined;
  const format = root !== undefined && root.name === 'pdconfig' ? ROOTS.pdconfig : ROOTS.config;
  const b = new DraftBuilder(format, file);
  if (!parsed.ok) {
    b.fail({ path: '', line: parsed.line, column: parsed.column }, `invalid XML: ${parsed.reason}`);
    return b.draft;
  }
  if (root === undefined || !Object.hasOwn(ROOTS, root.name)) {
    b.fail({ path: `<${root?.name ?? ''}>`, line: root?.line }, 'the root element must be <config> (txLoadBalancer) or <pdconfig> (PythonDirector)');
    return b.draft;
  }
  b.draft.config.listeners = {};
  b.draft.config.pools = {};
  noteUnknown(b, root, [], ['service', 'admin', 'manager']);
  const listenerNames = new Set<string>();
  const poolNames = new Set<string>();
  const services = root.children.filter((c) => c.name === 'service');
  if (services.length === 0) b.fail({ path: `<${root.name}>`, line: root.line }, 'has no <service>');
  for (const service of services) convertService(b, service, listenerNames, poolNames);
  for (const manager of root.children.filter((c) => c.name === 'manager')) convertManager(b, manager);
  for (const admin of root.children.filter((c) => c.name === 'admin')) describeAdmin(b, admin);
  return b.draft;
}
