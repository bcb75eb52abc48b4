/** Builds and starts a balancer on 127.0.0.1:0 for tests. */
import { createBalancer, type Balancer, type ConfigInput } from '../../src/index.js';

export async function startBalancer(config: ConfigInput): Promise<{ lb: Balancer; port: number }> {
  const lb = createBalancer(config);
  await lb.start();
  const first = Object.keys(config.listeners)[0] ?? '';
  const port = lb.addresses(first)[0]?.port ?? 0;
  return { lb, port };
}

/**
 * Pool health settings under which one failed connect ejects a backend for an hour, whatever
 * the share of the pool: what tests of failover and "out of rotation" want.
 */
export const EJECT_AT_ONCE = { passive: { consecutiveFailures: 1, baseEjectionTime: '1h', maxEjectedPercent: 100 } } as const;
