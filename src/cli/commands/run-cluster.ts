/**
 * `switchyard run` with `workers` > 1. The primary process runs the ClusterBalancer, the
 * ControlPlane and the admin surfaces, and handles the signals: SIGHUP (or, with `--watch`, a
 * change of the file) reloads the config file,
 * SIGUSR2 restarts the workers one by one, SIGTERM/SIGINT drain them all and exit. node:cluster
 * starts each worker with the same command line; `runCommand` sends it to `runClusterWorker`.
 */
import type { RuntimeConfig } from '../../config/model.js';
import { ClusterBalancer } from '../../runtime/cluster/primary.js';
import { runWorker } from '../../runtime/cluster/worker.js';
import type { LogLevel } from '../../observability/logger.js';
import { serveControlled, type ServeOptions } from '../serve-controlled.js';

export interface ClusterRun extends ServeOptions {
  readonly config: RuntimeConfig;
}

export function runClusterPrimary(run: ClusterRun): Promise<number> {
  const { config, file, log } = run;
  log.info({ event: 'start', config: file, pid: process.pid, node: process.version, workers: config.workers }, `switchyard starting with ${file}: a primary and ${config.workers} workers`);
  return serveControlled(new ClusterBalancer(config, { logger: log }), run);
}

/** A worker process: serves until its primary drains it, then exits. */
export async function runClusterWorker(level: LogLevel | undefined): Promise<never> {
  const code = await runWorker({ level });
  process.exit(code);
}
