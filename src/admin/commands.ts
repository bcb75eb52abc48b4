/**
 * The one table of admin operations. The REST routes, the `switchyard ctl` subcommands, the SSH
 * console and the docs are generated from it, so the surfaces never disagree. Each command has
 * a name, a one-line help, who may run it, a parameter schema (the single check of its input),
 * an HTTP route, its words on the command line, and a handler that calls the ControlPlane.
 */
import { z } from 'zod';
import { POLICY_NAMES } from '../config/policy-names.js';
import type { ControlPlane } from './control-plane.js';

export type Access = 'readonly' | 'full';
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface Command<S extends z.ZodObject = z.ZodObject> {
  /** Dotted name, e.g. "backend.drain". */
  readonly name: string;
  readonly summary: string;
  readonly access: Access;
  /** Every parameter, from the route, the query or the JSON body alike. */
  readonly params: S;
  /** Route: `:name` segments are parameters. GET and DELETE take the rest from the query, others from a JSON body. */
  readonly http: { readonly method: HttpMethod; readonly path: string };
  /** Words on the command line (`switchyard ctl backend drain POOL BACKEND`) and the parameters given positionally, in order. */
  readonly cli: { readonly words: readonly string[]; readonly positional: readonly string[] };
  run(cp: ControlPlane, params: z.output<S>): unknown;
}

const name = (what: string): z.ZodString => z.string().min(1, { message: `names the ${what}` }).max(200).meta({ description: `The ${what}'s name.` });
const force = z.boolean().default(false).meta({ description: 'Do it even when it leaves a pool in use with no eligible backend.' });
const configText = z.string().min(1, { message: 'is the configuration text (YAML or JSON)' }).max(4 * 1024 * 1024).meta({ description: 'A whole configuration, YAML or JSON.' });

function command<S extends z.ZodObject>(c: Command<S>): Command {
  return c;
}

const stateCommand = (state: 'ready' | 'drain' | 'maint', summary: string): Command =>
  command({
    name: `backend.${state}`,
    summary,
    access: 'full',
    params: z.strictObject({ pool: name('pool'), backend: name('backend'), force }),
    http: { method: 'POST', path: `/api/v1/pools/:pool/backends/:backend/${state}` },
    cli: { words: ['backend', state], positional: ['pool', 'backend'] },
    run: (cp, p) => cp.setBackendState(p.pool, p.backend, state, p.force),
  });

export const COMMANDS: readonly Command[] = [
  command({
    name: 'status',
    summary: 'Uptime, version, listeners, pools and backends with their state, connections, rates and latency.',
    access: 'readonly',
    params: z.strictObject({}),
    http: { method: 'GET', path: '/api/v1/status' },
    cli: { words: ['status'], positional: [] },
    run: (cp) => cp.status(),
  }),
  command({
    name: 'config.show',
    summary: 'The running configuration, as YAML (default) or JSON.',
    access: 'readonly',
    params: z.strictObject({ format: z.enum(['yaml', 'json']).default('yaml').meta({ description: 'Output format.' }) }),
    http: { method: 'GET', path: '/api/v1/config' },
    cli: { words: ['config', 'show'], positional: [] },
    run: (cp) => cp.runningConfig(),
  }),
  command({
    name: 'config.disk',
    summary: 'The config file as it is on disk now.',
    access: 'readonly',
    params: z.strictObject({}),
    http: { method: 'GET', path: '/api/v1/config/disk' },
    cli: { words: ['config', 'disk'], positional: [] },
    run: (cp) => cp.diskConfig(),
  }),
  command({
    name: 'metrics',
    summary: 'Metrics in the Prometheus text format.',
    access: 'readonly',
    params: z.strictObject({}),
    http: { method: 'GET', path: '/metrics' },
    cli: { words: ['metrics'], positional: [] },
    run: (cp) => cp.metrics(),
  }),
  command({
    name: 'backend.add',
    summary: 'Add a backend to a pool.',
    access: 'full',
    params: z.strictObject({
      pool: name('pool'),
      address: z.string().min(3).meta({ description: 'The backend, "host:port".' }),
      weight: z.number().int().min(0).max(1000).optional().meta({ description: 'Weight (0–1000, default 1).' }),
      name: z.string().min(1).optional().meta({ description: 'A name (default "host:port").' }),
    }),
    http: { method: 'POST', path: '/api/v1/pools/:pool/backends' },
    cli: { words: ['backend', 'add'], positional: ['pool', 'address'] },
    run: (cp, p) => {
      const colon = p.address.lastIndexOf(':');
      const host = p.address.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
      const port = Number(p.address.slice(colon + 1));
      const simple = p.weight === undefined && p.name === undefined;
      return cp.addBackend(p.pool, simple ? p.address : { host, port, ...(p.weight === undefined ? {} : { weight: p.weight }), ...(p.name === undefined ? {} : { name: p.name }) });
    },
  }),
  command({
    name: 'backend.remove',
    summary: 'Remove a backend from a pool (its open connections finish).',
    access: 'full',
    params: z.strictObject({ pool: name('pool'), backend: name('backend'), force }),
    http: { method: 'DELETE', path: '/api/v1/pools/:pool/backends/:backend' },
    cli: { words: ['backend', 'remove'], positional: ['pool', 'backend'] },
    run: (cp, p) => cp.removeBackend(p.pool, p.backend, p.force),
  }),
  command({
    name: 'backend.weight',
    summary: 'Set a backend\'s weight.',
    access: 'full',
    params: z.strictObject({ pool: name('pool'), backend: name('backend'), weight: z.coerce.number().int().min(0).max(1000).meta({ description: 'The new weight, 0–1000.' }) }),
    http: { method: 'PUT', path: '/api/v1/pools/:pool/backends/:backend/weight' },
    cli: { words: ['backend', 'weight'], positional: ['pool', 'backend', 'weight'] },
    run: (cp, p) => cp.setWeight(p.pool, p.backend, p.weight),
  }),
  stateCommand('drain', 'Drain a backend: no new connections or requests; open ones finish; sticky clients move.'),
  stateCommand('maint', 'Put a backend in maintenance: out of rotation and not probed.'),
  stateCommand('ready', 'Put a backend back in service.'),
  command({
    name: 'backend.recheck',
    summary: 'Probe a backend now, outside its schedule.',
    access: 'full',
    params: z.strictObject({ pool: name('pool'), backend: name('backend') }),
    http: { method: 'POST', path: '/api/v1/pools/:pool/backends/:backend/recheck' },
    cli: { words: ['backend', 'recheck'], positional: ['pool', 'backend'] },
    run: (cp, p) => {
      cp.recheck(p.pool, p.backend);
      return { rechecking: `${p.pool}/${p.backend}` };
    },
  }),
  command({
    name: 'pool.create',
    summary: 'Create a pool.',
    access: 'full',
    params: z.strictObject({
      pool: name('pool'),
      policy: z.enum(POLICY_NAMES).optional().meta({ description: 'Balancing policy (default round-robin).' }),
      backends: z.array(z.string().min(3)).default([]).meta({ description: 'Backends, "host:port".' }),
    }),
    http: { method: 'POST', path: '/api/v1/pools' },
    cli: { words: ['pool', 'create'], positional: ['pool'] },
    run: (cp, p) => cp.createPool(p.pool, { ...(p.policy === undefined ? {} : { policy: p.policy }), backends: p.backends }),
  }),
  command({
    name: 'pool.delete',
    summary: 'Delete a pool that no listener or route uses.',
    access: 'full',
    params: z.strictObject({ pool: name('pool') }),
    http: { method: 'DELETE', path: '/api/v1/pools/:pool' },
    cli: { words: ['pool', 'delete'], positional: ['pool'] },
    run: (cp, p) => cp.deletePool(p.pool),
  }),
  command({
    name: 'pool.policy',
    summary: 'Change a pool\'s balancing policy.',
    access: 'full',
    params: z.strictObject({ pool: name('pool'), policy: z.enum(POLICY_NAMES).meta({ description: 'The new policy.' }) }),
    http: { method: 'PUT', path: '/api/v1/pools/:pool/policy' },
    cli: { words: ['pool', 'policy'], positional: ['pool', 'policy'] },
    run: (cp, p) => cp.setPolicy(p.pool, p.policy),
  }),
  command({
    name: 'listener.switch',
    summary: 'Blue/green: send a listener\'s new connections and requests to another of its pools.',
    access: 'full',
    params: z.strictObject({ listener: name('listener'), pool: name('pool') }),
    http: { method: 'PUT', path: '/api/v1/listeners/:listener/active-pool' },
    cli: { words: ['listener', 'switch'], positional: ['listener', 'pool'] },
    run: (cp, p) => cp.setActivePool(p.listener, p.pool),
  }),
  command({
    name: 'listener.add',
    summary: 'Start listening on a new address without a restart.',
    access: 'full',
    params: z.strictObject({
      listener: name('listener'),
      bind: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).meta({ description: 'Address(es), "host:port".' }),
      pool: name('pool'),
      protocol: z.enum(['tcp', 'http']).default('tcp').meta({ description: 'tcp or http.' }),
    }),
    http: { method: 'POST', path: '/api/v1/listeners' },
    cli: { words: ['listener', 'add'], positional: ['listener', 'bind', 'pool'] },
    run: (cp, p) => cp.addListener(p.listener, { bind: p.bind, pool: p.pool, protocol: p.protocol }),
  }),
  command({
    name: 'listener.remove',
    summary: 'Stop a listener: it accepts nothing more and its open connections finish.',
    access: 'full',
    params: z.strictObject({ listener: name('listener') }),
    http: { method: 'DELETE', path: '/api/v1/listeners/:listener' },
    cli: { words: ['listener', 'remove'], positional: ['listener'] },
    run: (cp, p) => cp.removeListener(p.listener),
  }),
  command({
    name: 'config.diff',
    summary: 'The plan that would reconcile the running configuration with a new one; changes nothing.',
    access: 'readonly',
    params: z.strictObject({ config: configText }),
    http: { method: 'POST', path: '/api/v1/config/diff' },
    cli: { words: ['diff'], positional: ['config'] },
    run: (cp, p) => cp.diff(p.config),
  }),
  command({
    name: 'config.apply',
    summary: 'Apply a new configuration live, all or nothing.',
    access: 'full',
    params: z.strictObject({ config: configText }),
    http: { method: 'POST', path: '/api/v1/config/apply' },
    cli: { words: ['apply'], positional: ['config'] },
    run: (cp, p) => cp.apply(p.config),
  }),
  command({
    name: 'workers.restart',
    summary: 'Replace the worker processes one by one (after an upgrade): each new one is ready before an old one drains.',
    access: 'full',
    params: z.strictObject({}),
    http: { method: 'POST', path: '/api/v1/workers/restart' },
    cli: { words: ['restart-workers'], positional: [] },
    run: (cp) => cp.restartWorkers(),
  }),
  command({
    name: 'config.reload',
    summary: 'Read the config file again and apply it, all or nothing.',
    access: 'full',
    params: z.strictObject({}),
    http: { method: 'POST', path: '/api/v1/config/reload' },
    cli: { words: ['reload'], positional: [] },
    run: (cp) => cp.reload(),
  }),
];

/** The command a line of words names (longest match), with the words left over. */
export function commandForWords(words: readonly string[]): { command: Command; rest: string[] } | undefined {
  let best: Command | undefined;
  for (const c of COMMANDS) {
    const w = c.cli.words;
    if (w.length <= words.length && w.every((x, i) => x === words[i]) && (best === undefined || w.length > best.cli.words.length)) best = c;
  }
  return best === undefined ? undefined : { command: best, rest: words.slice(best.cli.words.length) };
}
