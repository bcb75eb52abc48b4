/**
 * Listener addresses as the workers get them. Before a configuration reaches the workers, the
 * primary binds every address that is new to it once, and closes it again: an address that
 * cannot be bound is refused here, with the same message a listener gives, before any worker
 * changes. A port 0 gets its concrete port at that moment, so every worker (and every worker
 * started later) listens on the same port; node:cluster would otherwise share a port 0 by the
 * order of listen calls in each worker, which differs after reloads.
 */
import { createServer, type Server } from 'node:net';
import { SwitchyardError } from '../../core/errors.js';
import { formatEndpoint, type Endpoint } from '../../core/address.js';
import type { ListenerSpec, RuntimeConfig } from '../../config/model.js';

const key = (ep: Endpoint): string => `${ep.host}|${ep.port}`;

function sameEndpoints(a: readonly Endpoint[], b: readonly Endpoint[]): boolean {
  return a.length === b.length && a.every((ep, i) => ep.host === b[i]?.host && ep.port === b[i]?.port);
}

function bindTest(listener: string, ep: Endpoint): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => {
      const why = err.code === 'EADDRINUSE' ? 'address already in use' : err.code === 'EACCES' ? 'permission denied' : err.code === 'EADDRNOTAVAIL' ? 'address not available on this host' : (err.code ?? err.message);
      reject(
        new SwitchyardError('SY_LISTEN_FAILED', `listener "${listener}": cannot listen on ${formatEndpoint(ep)}: ${why}`, {
          cause: err,
          details: { listener, address: formatEndpoint(ep), code: err.code },
        }),
      );
    });
    const opts = ep.host === '*' ? { port: ep.port } : { port: ep.port, host: ep.host, ipv6Only: ep.host.includes(':') };
    server.listen(opts, () => resolve(server));
  });
}

/**
 * `next` with every listener address the workers will bind: addresses of listeners whose binding
 * did not change keep the ports they have (`before` is the running configuration as written,
 * `pinnedBefore` as the workers got it); every other address is bind-tested, and a port 0 takes
 * the port the test got. Throws SY_LISTEN_FAILED naming the listener and address.
 */
export async function pinListenerPorts(next: RuntimeConfig, before?: RuntimeConfig, pinnedBefore?: RuntimeConfig): Promise<RuntimeConfig> {
  const held = new Set((pinnedBefore?.listeners ?? []).flatMap((l) => l.bind.map(key)));
  const tests: Server[] = [];
  const listeners: ListenerSpec[] = [];
  try {
    for (const l of next.listeners) {
      const old = before?.listeners.find((x) => x.name === l.name);
      const pinned = pinnedBefore?.listeners.find((x) => x.name === l.name);
      if (old !== undefined && pinned !== undefined && old.protocol === l.protocol && sameEndpoints(old.bind, l.bind)) {
        listeners.push({ ...l, bind: pinned.bind });
        continue;
      }
      const bind: Endpoint[] = [];
      for (const ep of l.bind) {
        if (ep.port !== 0 && held.has(key(ep))) {
          bind.push(ep);
          continue;
        }
        // Held open until every address is tested, so two port-0 addresses cannot get the same port.
        const server = await bindTest(l.name, ep);
        tests.push(server);
        const a = server.address();
        bind.push({ ...ep, port: a !== null && typeof a === 'object' ? a.port : ep.port });
      }
      listeners.push({ ...l, bind });
    }
  } finally {
    await Promise.all(tests.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
  return { ...next, listeners };
}
