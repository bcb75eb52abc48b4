/**
 * `switchyard run` with `workers` > 1. The primary process runs the ClusterBalancer, the
 * ControlPlane and the admin surfaces, and handles the signals: SIGHUP reloads the config file,
 * SIGUSR2 restarts the workers one by one, SIGTERM/SIGINT drain them all and exit. node:cluster
 * starts each worker with the same command line; `runCommand` sends it to `runClusterWorker`.
 */
import type { RuntimeConfig } from '../../config/model.js';
import { ClusterBalancer } from '../../runtime/cluster/primary.js';
import { runWorker } from '../../runtime/cluster/worker.js';
import { BalancerControl } from '../../runtime/control.js';
import { startAdmin, type AdminSurfaces } from '../../runtime/admin.js';
import { renderPrometheus } from '../../observability/metrics.js';
import { version } from '../../core/version.js';
import type { Logger, LogLevel } from '../../observability/logger.js';
import { serveUntilSignal } from '../serve.js';

export interface ClusterRun {
  readonly file: string;
  /** The configuration as written (the ControlPlane edits it). */
  readonly input: unknown;
  readonly config: RuntimeConfig;
  readonly log: Logger;
}

export async function runClusterPrimary({ file, input, config, log }: ClusterRun): Promise<number> {
  const balancer = new ClusterBalancer(config, { logger: log });
  const control = new BalancerControl(balancer, { input, file, version: version(), metrics: () => renderPrometheus(balancer.snapshot(), { version: version() }) });
  log.info({ event: 'start', config: file, pid: process.pid, node: process.version, workers: config.workers }, `switchyard starting with ${file}: a primary and ${config.workers} workers`);
  let admin: AdminSurfaces | undefined;
  const started = (async () => {
    await balancer.start();
    const spec = balancer.config.admin;
    if (spec) admin = await startAdmin(spec, control, log, () => balancer.config.admin);
  })();
  const removeSignals = (): void => {
    process.removeListener('SIGHUP', onHangup);
    process.removeListener('SIGUSR2', onRestart);
  };
  const serving = serveUntilSignal(balancer, log, started, async () => {
    removeSignals();
    await admin?.close();
  });
  // SIGHUP reloads the config file: a file with any problem is refused whole and the running config stays, in every worker.
  function onHangup(): void {
    log.info({ event: 'reload-requested', signal: 'SIGHUP' }, `SIGHUP: reloading ${file}`);
    control.reload().then(
      (r) => log.info({ event: 'reload', changes: r.changes.map((c) => c.summary) }, `reloaded ${file}: ${r.plan.split('\n').at(-1) ?? ''}`),
      (err: unknown) => {
        const issues = (err as { details?: { issues?: unknown } }).details?.issues;
        log.error({ event: 'reload-refused', issues, err: err instanceof Error ? err.message : String(err) }, `reload of ${file} refused; the running configuration is kept`);
      },
    );
  }
  // SIGUSR2 replaces the workers one by one (e.g. after an upgrade), the listening sockets staying open.
  function onRestart(): void {
    log.info({ event: 'restart-requested', signal: 'SIGUSR2' }, 'SIGUSR2: restarting the workers one by one');
    balancer.restartWorkers().catch((err: unknown) => log.error({ event: 'restart-failed', err: err instanceof Error ? err.message : String(err) }, 'restart of the workers failed'));
  }
  process.on('SIGHUP', onHangup);
  process.on('SIGUSR2', onRestart);
  try {
    await started;
  } catch (err) {
    removeSignals();
    serving.dispose();
    await balancer.stop({ drainTimeoutMs: 0 });
    throw err;
  }
  return serving.done;
}

/** A worker process: serves until its primary drains it, then exits. */
export async function runClusterWorker(level: LogLevel | undefined): Promise<never> {
  const code = await runWorker({ level });
  process.exit(code);
}
