/**
 * Serving a balancer from a config file with its control plane: the admin surfaces start once
 * it listens, SIGHUP reloads the file (a file with any problem is refused whole and the running
 * config stays), so does a change of the file when it is watched (`--watch`), SIGUSR2 restarts
 * the worker processes when there are some, and SIGTERM/SIGINT drain (serve.ts). The one-process
 * and the cluster paths of `switchyard run` both come here.
 */
import { BalancerControl, type ControlledBalancer } from '../runtime/control.js';
import { watchConfigFile, type ConfigWatch } from '../runtime/config-watch.js';
import type { ChangeResult } from '../admin/control-plane.js';
import type { AdminSurfaces } from '../runtime/admin.js';
import { renderPrometheus } from '../observability/metrics.js';
import { version } from '../core/version.js';
import type { Logger } from '../observability/logger.js';
import { serveUntilSignal } from './serve.js';

export interface ServedBalancer extends ControlledBalancer {
  start(): Promise<void>;
  stop(opts?: { drainTimeoutMs?: number }): Promise<void>;
}

export interface ServeOptions {
  readonly file: string;
  /** The file's text, as read at start. */
  readonly text: string;
  /** What the text means as data (the object form of the file). */
  readonly input: unknown;
  readonly log: Logger;
  /** Poll the file for changes this often and reload it (`--watch`); off when undefined. */
  readonly watchIntervalMs?: number | undefined;
}

export async function serveControlled(balancer: ServedBalancer, opts: ServeOptions): Promise<number> {
  const { file, log } = opts;
  const control = new BalancerControl(balancer, { input: opts.input, file, text: opts.text, watchIntervalMs: opts.watchIntervalMs, version: version(), metrics: () => renderPrometheus(balancer.snapshot(), { version: version() }) });
  let admin: AdminSurfaces | undefined;
  let watch: ConfigWatch | undefined;
  const reloaded = (how: string, r: ChangeResult): void =>
    log.info({ event: 'reload', trigger: how, changes: r.changes.map((c) => c.summary) }, `reloaded ${file}: ${r.plan.split('\n').at(-1) ?? ''}`);
  const refused = (how: string, err: unknown): void => {
    const issues = (err as { details?: { issues?: unknown } }).details?.issues;
    log.error({ event: 'reload-refused', trigger: how, issues, err: err instanceof Error ? err.message : String(err) }, `reload of ${file} refused; the running configuration is kept`);
  };
  const started = (async () => {
    await balancer.start();
    const spec = balancer.config.admin;
    if (spec) {
      // Loaded only when there is an admin section (the dashboard, the API, ssh2 and zod's
      // request schemas are not a data path's business).
      const { startAdmin } = await import('../runtime/admin.js');
      admin = await startAdmin(spec, control, log, () => balancer.config.admin);
    }
    if (opts.watchIntervalMs !== undefined) {
      watch = watchConfigFile({
        file,
        intervalMs: opts.watchIntervalMs,
        reloadIfNew: (text) => control.reloadIfNew(text),
        onReloaded: (r) => reloaded('watch', r),
        onRefused: (err) => refused('watch', err),
        onUnreadable: (reason) => log.warn({ event: 'config-unreadable', reason }, `${file} cannot be read (${reason}); the running configuration is kept, and the file still watched`),
      });
      log.info({ event: 'watching', config: file, intervalMs: opts.watchIntervalMs }, `watching ${file} for changes`);
    }
  })();
  function onHangup(): void {
    log.info({ event: 'reload-requested', signal: 'SIGHUP' }, `SIGHUP: reloading ${file}`);
    control.reload().then(
      (r) => reloaded('SIGHUP', r),
      (err: unknown) => refused('SIGHUP', err),
    );
  }
  function onRestart(): void {
    log.info({ event: 'restart-requested', signal: 'SIGUSR2' }, 'SIGUSR2: restarting the workers one by one');
    control.restartWorkers().catch((err: unknown) => log.error({ event: 'restart-failed', err: err instanceof Error ? err.message : String(err) }, 'restart of the workers failed'));
  }
  const withWorkers = balancer.restartWorkers !== undefined;
  const removeSignals = (): void => {
    watch?.close();
    process.removeListener('SIGHUP', onHangup);
    if (withWorkers) process.removeListener('SIGUSR2', onRestart);
  };
  // The file stops being watched when draining begins: the balancer takes no configuration then.
  const stopping = {
    stop: (): Promise<void> => {
      watch?.close();
      return balancer.stop();
    },
  };
  const serving = serveUntilSignal(stopping, log, started, async () => {
    removeSignals();
    await admin?.close();
  });
  process.on('SIGHUP', onHangup);
  if (withWorkers) process.on('SIGUSR2', onRestart);
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
