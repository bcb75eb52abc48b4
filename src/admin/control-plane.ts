/**
 * What the admin surfaces (REST API, dashboard, `switchyard ctl`, SSH console) may do to a
 * running balancer. They talk to this interface only, never to pools or listeners directly.
 * Every change is an edit of the configuration, validated whole, applied live, and (with
 * `admin.persist`) written back to the config file.
 */
import type { BalancerSnapshot } from '../runtime/balancer.js';
import type { AdminState } from '../config/model.js';
import type { ConfigChange } from '../config/diff.js';
import type { PolicyName } from '../config/policy-names.js';

/** What a change did: the reconcile plan that was applied, and whether it reached the file. */
export interface ChangeResult {
  readonly changes: readonly ConfigChange[];
  /** One line per change and a count, as `ctl diff` prints it. */
  readonly plan: string;
  /** true: written to the config file; false: persistence is off (or the config has no file); a string: why writing failed (the change is live). */
  readonly persisted: boolean | string;
}

export interface StatusView extends BalancerSnapshot {
  readonly version: string;
  readonly node: string;
  readonly pid: number;
  /** The config file, or null for a config given as an object. */
  readonly configFile: string | null;
  /** How often the config file is looked at for changes (`run --watch`), or null when it is not watched. */
  readonly configWatchMs: number | null;
}

/** A backend to add: "host:port" or the config's object form. */
export type BackendInput = string | { readonly host: string; readonly port: number; readonly weight?: number; readonly name?: string; readonly maxConnections?: number; readonly state?: AdminState };

export interface ControlPlane {
  status(): StatusView;
  /** The running configuration in the config file's shape. */
  runningConfig(): unknown;
  /** The config file as it is on disk now. */
  diskConfig(): Promise<{ readonly file: string; readonly text: string }>;
  /** Prometheus text exposition. */
  metrics(): Promise<string>;

  addBackend(pool: string, backend: BackendInput): Promise<ChangeResult>;
  /** Refused (SY_CONFLICT) when it is the last eligible backend of a pool in use, unless `force`. */
  removeBackend(pool: string, backend: string, force: boolean): Promise<ChangeResult>;
  setWeight(pool: string, backend: string, weight: number): Promise<ChangeResult>;
  /** drain/maint of the last eligible backend of a pool in use is refused unless `force`. */
  setBackendState(pool: string, backend: string, state: AdminState, force: boolean): Promise<ChangeResult>;
  /** Probes a backend now. */
  recheck(pool: string, backend: string): void;

  createPool(name: string, pool: Readonly<Record<string, unknown>>): Promise<ChangeResult>;
  /** Refused (SY_CONFLICT) while a listener or route uses it. */
  deletePool(name: string): Promise<ChangeResult>;
  setPolicy(pool: string, policy: PolicyName): Promise<ChangeResult>;
  /** Blue/green: new connections and requests of `listener` go to `pool` (one of its pools). */
  setActivePool(listener: string, pool: string): Promise<ChangeResult>;

  addListener(name: string, listener: Readonly<Record<string, unknown>>): Promise<ChangeResult>;
  /** The listener stops accepting; its open connections finish. */
  removeListener(name: string): Promise<ChangeResult>;

  /** The plan that would reconcile the running config with `text` (YAML or JSON); changes nothing. */
  diff(text: string): Promise<ChangeResult>;
  /** Applies `text` as the new configuration, all or nothing. */
  apply(text: string): Promise<ChangeResult>;
  /** Reads the config file again and applies it, all or nothing. */
  reload(): Promise<ChangeResult>;
  /** Replaces the worker processes one by one (a new one ready before an old one drains); SY_CONFLICT with one process. */
  restartWorkers(): Promise<{ readonly restarted: number }>;
}
