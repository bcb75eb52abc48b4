/**
 * `switchyard run` with `workers` > 1. The primary process runs the ClusterBalancer, the
 * ControlPlane and the admin surfaces, and handles the signals: SIGHUP reloads the config file,
 * SIGUSR2 restarts the workers one by one, SIGTERM/SIGINT drain them all and exit. node:cluster
 * starts each worker with the same command line; `runCommand` sends it to `runClusterWorker`.
 */
import type { RuntimeConfig } from '../../config/model.js';
import { ClusterBalancer } from '../../runtime/cluster/primary.js';
import { runWorker } from '../../runtime/cluster/worker.js';
import type { Logger, LogLevel } from '../../observability/logger.js';
import { serveControlled } from '../serve-controlled.js';

export interface ClusterRun {
  readonly file: string;
  /** The configuration as written (the ControlPlane edits it). */
  readonly input: unknown;
  readonly config: RuntimeConfig;
  readonly log: Logger;
}

export function runClusterPrimary({ file, input, config, log }: ClusterRun): Promise<number> {
  log.info({ event: 'start', config: file, pid: process.pid, node: process.version, workers: config.workers }, `switchyard starting with ${file}: a primary and ${config.workers} workers`);
  return serveControlled(new ClusterBalancer(config, { logger: log }), { file, input, log });
}

/** A worker process: serves until its primary drains it, then exits. */
export async function runClusterWorker(level: LogLevel | undefined): Promise<never> {
  const code = await runWorker({ level });
  process.exit(code);
}
