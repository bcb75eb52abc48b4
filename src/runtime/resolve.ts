/** Resolves backend host names once at load (the `resolve: once` mode). */
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { SwitchyardError } from '../core/errors.js';
import type { Backend } from '../upstream/backend.js';

/** Resolves a host name to one address (dns.lookup: /etc/hosts, then DNS). Injectable for tests. */
export type HostLookup = (host: string) => Promise<{ address: string }>;

export const systemLookup: HostLookup = (host) => dnsLookup(host);

export async function resolveBackends(backends: readonly Backend[], lookup: HostLookup = systemLookup): Promise<void> {
  const problems: string[] = [];
  await Promise.all(
    backends.map(async (b) => {
      if (isIP(b.spec.host) !== 0) {
        b.connectHost = b.spec.host;
        return;
      }
      try {
        const r = await lookup(b.spec.host);
        b.connectHost = r.address;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? 'unknown error';
        problems.push(`pool "${b.spec.pool}", backend "${b.spec.name}": cannot resolve host "${b.spec.host}" (${code})`);
      }
    }),
  );
  if (problems.length > 0) {
    throw new SwitchyardError('SY_CONFIG_RESOLVE', problems.sort().join('; '), { details: { problems } });
  }
}
