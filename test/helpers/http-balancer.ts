/** Starts a balancer with one HTTP listener on 127.0.0.1:0 in front of one pool, for tests. */
import type { Balancer, ConfigInput } from '../../src/index.js';
import { startBalancer, EJECT_AT_ONCE } from './balancer.js';

export type ListenerInput = ConfigInput['listeners'][string];
export type PoolInput = ConfigInput['pools'][string];
export type HttpInput = NonNullable<ListenerInput['http']>;

export interface HttpBalancerOptions {
  /** Listener fields (http settings, routes…) merged over `{ protocol: 'http', bind, pool: 'p' }`. */
  readonly listener?: Partial<ListenerInput>;
  /** Pool fields merged over `{ backends, health: EJECT_AT_ONCE }` (one failed connect ejects a backend for an hour). */
  readonly pool?: Partial<PoolInput>;
  /** More pools (for routes). */
  readonly pools?: Record<string, PoolInput>;
  readonly timeouts?: ConfigInput['timeouts'];
}

/** `backends` are ports on 127.0.0.1 or "host:port" strings. */
export function startHttpBalancer(backends: readonly (number | string)[], opts: HttpBalancerOptions = {}): Promise<{ lb: Balancer; port: number }> {
  const config: ConfigInput = {
    listeners: { web: { protocol: 'http', bind: '127.0.0.1:0', pool: 'p', ...opts.listener } },
    pools: {
      p: { backends: backends.map((b) => (typeof b === 'number' ? `127.0.0.1:${b}` : b)), health: EJECT_AT_ONCE, ...opts.pool },
      ...opts.pools,
    },
    ...(opts.timeouts ? { timeouts: opts.timeouts } : {}),
  };
  return startBalancer(config);
}
