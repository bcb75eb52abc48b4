/**
 * Starts the admin surfaces of a running balancer from its `admin` section: the REST API with
 * the dashboard on one listener, and the SSH console when `admin.ssh` is set. All of them talk
 * to the same ControlPlane.
 */
import type { AdminSpec } from '../config/model.js';
import type { ControlPlane } from '../admin/control-plane.js';
import type { Logger } from '../observability/logger.js';
import { startAdminServer } from '../admin/http-api.js';
import { createDashboard } from '../admin/dashboard/dashboard.js';
import type { startSshConsole } from '../admin/ssh-console.js';

export interface AdminSurfaces {
  /** The admin API and dashboard address, e.g. "http://127.0.0.1:9000". */
  readonly url: string;
  /** The SSH console's port, when it runs. */
  readonly sshPort: number | undefined;
  close(): Promise<void>;
}

export async function startAdmin(spec: AdminSpec, control: ControlPlane, logger: Logger, admin: () => AdminSpec | undefined): Promise<AdminSurfaces> {
  const dashboard = createDashboard({ control, admin, onError: (err) => logger.warn({ event: 'dashboard-error', err }, 'dashboard error') });
  const server = await startAdminServer({ spec, control, logger, dashboard: (req, res, ctx) => dashboard.handle(req, res, ctx) });
  let ssh: Awaited<ReturnType<typeof startSshConsole>> | undefined;
  try {
    // ssh2 is loaded only when the console is configured.
    if (spec.ssh) ssh = await (await import('../admin/ssh-console.js')).startSshConsole({ spec, control, logger });
  } catch (err) {
    dashboard.close();
    await server.close();
    throw err;
  }
  const a = server.addresses()[0];
  const host = a === undefined ? '127.0.0.1' : a.address.includes(':') ? `[${a.address}]` : a.address;
  const url = `${spec.tls ? 'https' : 'http'}://${host}:${a?.port ?? 0}`;
  logger.info({ event: 'admin-start', url, ssh: ssh?.port ?? null }, `admin API and dashboard on ${url}/${ssh ? `, SSH console on port ${ssh.port}` : ''}`);
  return {
    url,
    sshPort: ssh?.port,
    async close() {
      dashboard.close();
      await Promise.all([server.close(), ssh?.close()]);
    },
  };
}
