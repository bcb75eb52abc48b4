/**
 * The ControlPlane of a running balancer. Every change is an edit of the configuration as the
 * user wrote it: the edited config is validated whole, the reconcile plan is computed, the
 * balancer applies it live, and (with admin.persist) the same edits are written to the config
 * file, keeping its comments. Changes run one at a time.
 */
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { SwitchyardError } from '../core/errors.js';
import { formatEndpoint, parseEndpoint } from '../core/address.js';
import type { AdminState, RuntimeConfig } from '../config/model.js';
import type { PolicyName } from '../config/policy-names.js';
import { detectFormat, parseConfigText, readConfigFile } from '../config/load.js';
import { formatIssues } from '../config/format-issues.js';
import { validateConfig } from '../config/validate.js';
import { applyEdits, cloneData, type ConfigEdit } from '../config/edits.js';
import { diffConfigs, formatPlan } from '../config/diff.js';
import { editConfigText, writeConfigAtomically } from '../config/persist.js';
import { importLegacyText } from '../config/import/load-any.js';
import type { BackendInput, ChangeResult, ControlPlane, StatusView } from '../admin/control-plane.js';
import type { BalancerSnapshot } from './balancer.js';

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export interface ControlOptions {
  /** The configuration as the user wrote it (the object form of the file). */
  readonly input: unknown;
  /** The config file, when there is one (persist and reload need it). */
  readonly file?: string | undefined;
  /** The file's text that `input` was read from (`reloadIfNew` compares the file with it). */
  readonly text?: string | undefined;
  /** The file is watched, polled this often (reported in the status). */
  readonly watchIntervalMs?: number | undefined;
  readonly version: string;
  readonly metrics: () => Promise<string>;
}

/** A config read from disk: what the user wrote and what it means. */
export interface ReadConfig {
  readonly input: unknown;
  readonly config: RuntimeConfig;
  /** Set when the file was an older balancer's format, converted on the fly. */
  readonly convertedFrom: string | undefined;
}

/** Reads a config text (YAML, JSON, or an older balancer's format); throws SY_CONFIG_INVALID with every issue. */
export function readConfigText(text: string, file: string): ReadConfig {
  const legacy = importLegacyText(text, file);
  if (legacy && !legacy.ok) throw invalid(legacy.issues);
  const source = legacy ? legacy.yaml : text;
  const r = parseConfigText(source, file, legacy ? 'yaml' : undefined);
  if (!r.ok) throw invalid(r.issues);
  const body = source.startsWith('\uFEFF') ? source.slice(1) : source;
  const input: unknown = !legacy && detectFormat(file, body) === 'json' ? JSON.parse(body) : parseYaml(body);
  return { input, config: r.config, convertedFrom: legacy?.format };
}

function invalid(issues: readonly { path: string; message: string; file?: string; line?: number; column?: number }[]): SwitchyardError {
  return new SwitchyardError('SY_CONFIG_INVALID', `invalid configuration:\n${formatIssues([...issues])}`, { details: { issues } });
}

function conflict(message: string): SwitchyardError {
  return new SwitchyardError('SY_CONFLICT', message);
}

/** What the ControlPlane drives: a Balancer (one process) or a ClusterBalancer (a primary and its workers). */
export interface ControlledBalancer {
  readonly config: RuntimeConfig;
  snapshot(): BalancerSnapshot;
  reconfigure(next: RuntimeConfig): Promise<void>;
  recheckBackend(pool: string, backend: string): void;
  /** Present when there are worker processes. */
  restartWorkers?(): Promise<void>;
}

export class BalancerControl implements ControlPlane {
  private input: unknown;
  private queue: Promise<unknown> = Promise.resolve();
  /**
   * The config file's text as the running configuration last matched it: read at start or by a
   * reload, or written by a persisted change. Undefined when unknown.
   */
  private fileText: string | undefined;
  /** The last text a `reloadIfNew` was refused for (not tried again until the file changes). */
  private refusedText: string | undefined;

  constructor(
    private readonly balancer: ControlledBalancer,
    private readonly opts: ControlOptions,
  ) {
    this.input = cloneData(opts.input);
    this.fileText = opts.text;
  }

  status(): StatusView {
    return { ...this.balancer.snapshot(), version: this.opts.version, node: process.version, pid: process.pid, configFile: this.opts.file ?? null, configWatchMs: this.opts.watchIntervalMs ?? null };
  }

  runningConfig(): unknown {
    return cloneData(this.input);
  }

  async diskConfig(): Promise<{ file: string; text: string }> {
    const file = this.requireFile('read the config file');
    return { file, text: await readFile(file, 'utf8') };
  }

  metrics(): Promise<string> {
    return this.opts.metrics();
  }

  addBackend(pool: string, backend: BackendInput): Promise<ChangeResult> {
    return this.change(() => {
      const list = this.backendsOf(pool);
      const item = typeof backend === 'string' ? backend : { ...backend };
      const name = typeof item === 'string' ? nameOfString(item) : (item.name ?? formatEndpoint({ host: item.host, port: item.port }));
      if (list.some((b) => backendName(b) === name)) throw conflict(`pool "${pool}" already has a backend "${name}"`);
      return [{ op: 'set', path: ['pools', pool, 'backends', list.length], value: item }];
    });
  }

  removeBackend(pool: string, backend: string, force: boolean): Promise<ChangeResult> {
    return this.change(() => {
      const i = this.backendIndex(pool, backend);
      if (!force) this.guardLastEligible(pool, backend, 'remove');
      return [{ op: 'delete', path: ['pools', pool, 'backends', i] }];
    });
  }

  setWeight(pool: string, backend: string, weight: number): Promise<ChangeResult> {
    return this.change(() => this.setBackendField(pool, backend, 'weight', weight));
  }

  setBackendState(pool: string, backend: string, state: AdminState, force: boolean): Promise<ChangeResult> {
    return this.change(() => {
      if (state !== 'ready' && !force) this.guardLastEligible(pool, backend, state);
      return this.setBackendField(pool, backend, 'state', state);
    });
  }

  recheck(pool: string, backend: string): void {
    this.balancer.recheckBackend(pool, this.liveBackendName(pool, backend));
  }

  createPool(name: string, pool: Readonly<Record<string, unknown>>): Promise<ChangeResult> {
    return this.change(() => {
      if (isObj(this.poolsInput()[name])) throw conflict(`pool "${name}" already exists`);
      return [{ op: 'set', path: ['pools', name], value: { ...pool } }];
    });
  }

  deletePool(name: string): Promise<ChangeResult> {
    return this.change(() => {
      this.poolInput(name);
      const users = this.balancer.config.listeners.filter((l) => l.pools.includes(name) || l.routes.some((r) => r.pool === name)).map((l) => l.name);
      if (users.length > 0) throw conflict(`pool "${name}" is used by listener${users.length === 1 ? '' : 's'} ${users.join(', ')}; remove it from them first`);
      return [{ op: 'delete', path: ['pools', name] }];
    });
  }

  setPolicy(pool: string, policy: PolicyName): Promise<ChangeResult> {
    return this.change(() => {
      this.poolInput(pool);
      return [{ op: 'set', path: ['pools', pool, 'policy'], value: policy }];
    });
  }

  setActivePool(listener: string, pool: string): Promise<ChangeResult> {
    return this.change(() => {
      const l = this.listenerInput(listener);
      const pools = Array.isArray(l.pools) ? (l.pools as unknown[]) : typeof l.pool === 'string' ? [l.pool] : [];
      if (!pools.includes(pool)) {
        throw new SwitchyardError('SY_POOL_NOT_ATTACHED', `listener "${listener}" has no pool "${pool}" (its pools: ${pools.join(', ') || 'none'}); add it to the listener's pools first`);
      }
      if (Array.isArray(l.pools)) return [{ op: 'set', path: ['listeners', listener, 'activePool'], value: pool }];
      return [{ op: 'set', path: ['listeners', listener, 'pool'], value: pool }];
    });
  }

  addListener(name: string, listener: Readonly<Record<string, unknown>>): Promise<ChangeResult> {
    return this.change(() => {
      const all = isObj(this.inputObj().listeners) ? (this.inputObj().listeners as Obj) : {};
      if (isObj(all[name])) throw conflict(`listener "${name}" already exists`);
      return [{ op: 'set', path: ['listeners', name], value: { ...listener } }];
    });
  }

  removeListener(name: string): Promise<ChangeResult> {
    return this.change(() => {
      this.listenerInput(name);
      return [{ op: 'delete', path: ['listeners', name] }];
    });
  }

  diff(text: string): Promise<ChangeResult> {
    return this.serial(() => {
      const next = readConfigText(text, this.opts.file ?? 'config');
      const changes = diffConfigs(this.balancer.config, next.config);
      return Promise.resolve({ changes, plan: formatPlan(changes), persisted: false });
    });
  }

  apply(text: string): Promise<ChangeResult> {
    return this.serial(async () => {
      const next = readConfigText(text, this.opts.file ?? 'config');
      const result = await this.install(next.input, next.config);
      let persisted: boolean | string = false;
      if (this.persisting() && result.changes.length > 0) {
        persisted = await this.writeFile(() => text);
      }
      return { ...result, persisted };
    });
  }

  reload(): Promise<ChangeResult> {
    return this.serial(async () => this.reloadText(await this.readFileText()));
  }

  /**
   * Loads `text`, the config file's text as just read, if it differs from what the running
   * configuration came from (a change written back by this control plane is not a difference)
   * and from the text last refused; undefined when there was nothing new to load. What
   * watching the file calls.
   */
  reloadIfNew(text: string): Promise<ChangeResult | undefined> {
    return this.serial(async () => {
      if (text === this.fileText || text === this.refusedText) return undefined;
      try {
        return await this.reloadText(text);
      } catch (err) {
        this.refusedText = text;
        throw err;
      }
    });
  }

  private async readFileText(): Promise<string> {
    const read = await readConfigFile(this.requireFile('reload'));
    if (!read.ok) throw invalid(read.issues);
    return read.text;
  }

  private async reloadText(text: string): Promise<ChangeResult> {
    const next = readConfigText(text, this.requireFile('reload'));
    const result = await this.install(next.input, next.config);
    this.fileText = text;
    this.refusedText = undefined;
    return { ...result, persisted: false };
  }

  async restartWorkers(): Promise<{ restarted: number }> {
    const restart = this.balancer.restartWorkers?.bind(this.balancer);
    if (restart === undefined) throw conflict('this balancer runs in one process (workers: 1): there are no worker processes to restart');
    const before = this.balancer.snapshot().workers?.length ?? 0;
    await restart();
    return { restarted: before };
  }

  // ---- the one path every edit takes ----

  private change(edits: () => ConfigEdit[]): Promise<ChangeResult> {
    return this.serial(async () => {
      const list = edits();
      const input = applyEdits(this.input, list);
      const r = validateConfig(input);
      if (!r.ok) throw invalid(r.issues);
      const result = await this.install(input, r.config);
      let persisted: boolean | string = false;
      if (this.persisting()) persisted = await this.writeFile((text, file) => editConfigText(text, file, list));
      return { ...result, persisted };
    });
  }

  private async install(input: unknown, config: RuntimeConfig): Promise<Omit<ChangeResult, 'persisted'>> {
    const changes = diffConfigs(this.balancer.config, config);
    await this.balancer.reconfigure(config);
    this.input = cloneData(input);
    return { changes, plan: formatPlan(changes) };
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private persisting(): boolean {
    return this.balancer.config.admin?.persist === true && this.opts.file !== undefined;
  }

  /**
   * Writes the file; a failure is reported in the answer (the change is already live), never
   * thrown. When the file on disk was what the running configuration came from, what is
   * written becomes that text; when someone had edited it since, the text stays unknown, so
   * watching the file loads their edit along with the change.
   */
  private async writeFile(render: (text: string, file: string) => string): Promise<boolean | string> {
    const file = this.opts.file as string;
    try {
      const text = await readFile(file, 'utf8');
      if (importLegacyText(text, file)) return `not written: ${file} is in an older balancer's format; write it out with \`switchyard import ${file} -o switchyard.yaml\` and run from that`;
      const next = render(text, file);
      await writeConfigAtomically(file, next);
      this.fileText = text === this.fileText ? next : undefined;
      return true;
    } catch (err) {
      return `not written: ${err instanceof Error ? err.message : String(err)}`;
    }
  }

  private requireFile(what: string): string {
    if (this.opts.file === undefined) throw new SwitchyardError('SY_CONFLICT', `cannot ${what}: this balancer was started from a config object, not a file`);
    return this.opts.file;
  }

  // ---- finding things in the input ----

  private inputObj(): Obj {
    return isObj(this.input) ? this.input : {};
  }

  private poolsInput(): Obj {
    const pools = this.inputObj().pools;
    return isObj(pools) ? pools : {};
  }

  private poolInput(pool: string): Obj {
    const p = this.poolsInput()[pool];
    if (!isObj(p)) throw new SwitchyardError('SY_UNKNOWN_POOL', `no pool named "${pool}" (pools: ${Object.keys(this.poolsInput()).join(', ') || 'none'})`);
    return p;
  }

  private listenerInput(listener: string): Obj {
    const all = this.inputObj().listeners;
    const l = isObj(all) ? all[listener] : undefined;
    if (!isObj(l)) throw new SwitchyardError('SY_UNKNOWN_LISTENER', `no listener named "${listener}" (listeners: ${isObj(all) ? Object.keys(all).join(', ') : 'none'})`);
    return l;
  }

  private backendsOf(pool: string): unknown[] {
    const b = this.poolInput(pool).backends;
    return Array.isArray(b) ? b : [];
  }

  /** The index of a backend in its pool's list, by name ("host:port" when unnamed). */
  private backendIndex(pool: string, backend: string): number {
    const list = this.backendsOf(pool);
    const want = backend.startsWith(`${pool}/`) ? backend.slice(pool.length + 1) : backend;
    const i = list.findIndex((b) => backendName(b) === want);
    if (i === -1) throw new SwitchyardError('SY_UNKNOWN_BACKEND', `pool "${pool}" has no backend "${backend}" (its backends: ${list.map(backendName).join(', ') || 'none'})`);
    return i;
  }

  private liveBackendName(pool: string, backend: string): string {
    return backend.startsWith(`${pool}/`) ? backend.slice(pool.length + 1) : backend;
  }

  /** Sets a field of a backend, turning a "host:port" item into its object form first. */
  private setBackendField(pool: string, backend: string, field: 'weight' | 'state', value: unknown): ConfigEdit[] {
    const i = this.backendIndex(pool, backend);
    const item = this.backendsOf(pool)[i];
    if (typeof item === 'string') {
      const ep = parseEndpoint(item, { allowWildcard: false });
      if (!ep.ok) throw new SwitchyardError('SY_BAD_REQUEST', `pool "${pool}": backend "${item}" is not "host:port"`);
      return [{ op: 'set', path: ['pools', pool, 'backends', i], value: { host: ep.value.host, port: ep.value.port, [field]: value } }];
    }
    return [{ op: 'set', path: ['pools', pool, 'backends', i, field], value }];
  }

  /** Refuses to take out the last eligible backend of a pool a listener or route sends to. */
  private guardLastEligible(pool: string, backend: string, action: string): void {
    const snap = this.balancer.snapshot().pools.find((p) => p.name === pool);
    const name = this.liveBackendName(pool, backend);
    const target = snap?.backends.find((b) => b.name === name);
    if (!snap || !target?.eligible || snap.eligibleBackends > 1) return;
    const config = this.balancer.config;
    const users = config.listeners.filter((l) => l.activePool === pool || l.routes.some((r) => r.pool === pool)).map((l) => l.name);
    if (users.length === 0) return;
    throw conflict(`refused: ${target.name} is the last eligible backend of pool "${pool}", which listener ${users.join(', ')} sends to; ${action} it anyway with force`);
  }
}

function backendName(b: unknown): string {
  if (typeof b === 'string') return nameOfString(b);
  if (isObj(b)) {
    if (typeof b.name === 'string') return b.name;
    if (typeof b.host === 'string' && typeof b.port === 'number') return formatEndpoint({ host: b.host, port: b.port });
  }
  return '';
}

function nameOfString(s: string): string {
  const ep = parseEndpoint(s, { allowWildcard: false });
  return ep.ok ? formatEndpoint(ep.value) : s;
}
