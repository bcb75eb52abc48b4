/** A ControlPlane for admin API and ctl tests: records every call, answers with fixed values, fails on demand. */
import type { BackendInput, ChangeResult, ControlPlane, StatusView } from '../../src/admin/control-plane.js';
import type { AdminState } from '../../src/config/model.js';
import type { PolicyName } from '../../src/config/policy-names.js';

export const SECRET_HEX = 'a'.repeat(16) + '0123456789abcdef'.repeat(3);

export interface Call {
  readonly method: keyof ControlPlane;
  readonly args: readonly unknown[];
}

export const CHANGE: ChangeResult = {
  changes: [{ kind: 'change', target: 'backend', name: 'web/a', fields: [{ field: 'adminState', before: 'ready', after: 'drain' }], summary: '~ backend web/a: adminState ready → drain' }],
  plan: '~ backend web/a: adminState ready → drain\n0 to add, 1 to change, 0 to remove',
  persisted: true,
};

const totals = { connections: 12, connectFailures: 0, bytesIn: 100, bytesOut: 200 };
const transitions = { up: 0, down: 0, ejected: 0, returned: 0, drain: 0, maint: 0, ready: 0 };

export const STATUS = {
  version: '0.1.0',
  node: 'v20.0.0',
  pid: 4242,
  configFile: '/etc/switchyard/switchyard.yaml',
  configWatchMs: null,
  state: 'running',
  uptimeMs: 3_723_000,
  listeners: [
    { name: 'front', protocol: 'http', addresses: [{ address: '127.0.0.1', port: 8080, family: 'IPv4' }], pools: ['web'], activePool: 'web', activeConnections: 3, acceptedConnections: 41, rejectedConnections: 0, terminations: {} },
  ],
  pools: [
    {
      name: 'web',
      policy: 'least-conn',
      eligibleBackends: 1,
      panic: false,
      backends: [
        { id: 'web/alpha', name: 'alpha', address: '127.0.0.1:9001', weight: 2, effectiveWeight: 2, adminState: 'ready', health: 'up', ejected: false, ejectedForMs: null, eligible: true, downCause: null, activeConnections: 2, totals, transitions, probe: null, requests: { requests: 10, rps: 4.5, latencyMs: { avg: 3, min: 1, max: 20, p50: 2, p95: 9, p99: 17.5 } } },
        { id: 'web/bravo', name: 'bravo', address: '127.0.0.1:9002', weight: 1, effectiveWeight: 1, adminState: 'drain', health: 'down', ejected: true, ejectedForMs: 30_000, eligible: false, downCause: 'probe failed', activeConnections: 0, totals, transitions, probe: null },
      ],
    },
  ],
} as unknown as StatusView;

export const RUNNING_CONFIG = {
  listeners: { front: { protocol: 'http', bind: '127.0.0.1:8080', pool: 'web' } },
  pools: { web: { policy: 'least-conn', backends: ['127.0.0.1:9001'] } },
  admin: { bind: '127.0.0.1:9000', users: [{ name: 'ops', access: 'full', tokenHash: `sha256:${SECRET_HEX}` }] },
};

export class FakeControlPlane implements ControlPlane {
  readonly calls: Call[] = [];
  /** Thrown by the next calls while set. */
  failWith: Error | undefined;
  change: ChangeResult = CHANGE;

  private record<T>(method: keyof ControlPlane, args: readonly unknown[], value: T): T {
    this.calls.push({ method, args });
    if (this.failWith !== undefined) throw this.failWith;
    return value;
  }

  status(): StatusView {
    return this.record('status', [], STATUS);
  }
  runningConfig(): unknown {
    return this.record('runningConfig', [], RUNNING_CONFIG);
  }
  diskConfig(): Promise<{ readonly file: string; readonly text: string }> {
    return Promise.resolve().then(() => this.record('diskConfig', [], { file: '/etc/switchyard/switchyard.yaml', text: `admin:\n  users:\n    - name: ops\n      tokenHash: sha256:${SECRET_HEX}\n` }));
  }
  metrics(): Promise<string> {
    return Promise.resolve().then(() => this.record('metrics', [], '# TYPE switchyard_up gauge\nswitchyard_up 1\n'));
  }
  private changed(method: keyof ControlPlane, args: readonly unknown[]): Promise<ChangeResult> {
    return Promise.resolve().then(() => this.record(method, args, this.change));
  }
  addBackend(pool: string, backend: BackendInput): Promise<ChangeResult> {
    return this.changed('addBackend', [pool, backend]);
  }
  removeBackend(pool: string, backend: string, force: boolean): Promise<ChangeResult> {
    return this.changed('removeBackend', [pool, backend, force]);
  }
  setWeight(pool: string, backend: string, weight: number): Promise<ChangeResult> {
    return this.changed('setWeight', [pool, backend, weight]);
  }
  setBackendState(pool: string, backend: string, state: AdminState, force: boolean): Promise<ChangeResult> {
    return this.changed('setBackendState', [pool, backend, state, force]);
  }
  recheck(pool: string, backend: string): void {
    this.record('recheck', [pool, backend], undefined);
  }
  restartWorkers(): Promise<{ restarted: number }> {
    return Promise.resolve(this.record('restartWorkers', [], { restarted: 2 }));
  }
  createPool(name: string, pool: Readonly<Record<string, unknown>>): Promise<ChangeResult> {
    return this.changed('createPool', [name, pool]);
  }
  deletePool(name: string): Promise<ChangeResult> {
    return this.changed('deletePool', [name]);
  }
  setPolicy(pool: string, policy: PolicyName): Promise<ChangeResult> {
    return this.changed('setPolicy', [pool, policy]);
  }
  setActivePool(listener: string, pool: string): Promise<ChangeResult> {
    return this.changed('setActivePool', [listener, pool]);
  }
  addListener(name: string, listener: Readonly<Record<string, unknown>>): Promise<ChangeResult> {
    return this.changed('addListener', [name, listener]);
  }
  removeListener(name: string): Promise<ChangeResult> {
    return this.changed('removeListener', [name]);
  }
  diff(text: string): Promise<ChangeResult> {
    return this.changed('diff', [text]);
  }
  apply(text: string): Promise<ChangeResult> {
    return this.changed('apply', [text]);
  }
  reload(): Promise<ChangeResult> {
    return this.changed('reload', []);
  }
}
